// The field-classification registry covers every field of every event type
// (both the JSON form the code writes and the JSON Schemas in schemas/json/),
// classifies none of them as PII, and its checks catch what they must.
#include "schemas/field_classes.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "schemas/event_json.h"
#include "schemas/golden_events.h"

namespace cityid {
namespace {

namespace json = boost::json;

// The golden events' card ids predate the Luhn rule; give them valid ones.
void FixCardIds(Event& e) {
  auto fix = [](std::string& id) {
    id = id.starts_with("4929") ? "4929123456788" : "5555123456780";
  };
  std::visit(
      [&](auto& p) {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, CardReplaced>) {
          fix(p.old_card_id);
          fix(p.new_card_id);
        } else if constexpr (requires { p.card_id; }) {
          fix(p.card_id);
        }
      },
      e.payload);
}

// Every golden event, plus variants that fill the optional fields.
std::vector<Event> SampleEvents() {
  std::vector<Event> events = GoldenEvents();
  for (Event& e : events) FixCardIds(e);
  for (Event e : GoldenEvents()) {
    FixCardIds(e);
    e.idempotency_key = e.idempotency_key.empty() ? "retry-7" : "";
    if (auto* u = std::get_if<ResidentUpdated>(&e.payload)) {
      u->pii_digest.clear();
      u->has_attributes = !u->has_attributes;
    }
    events.push_back(e);
  }
  return events;
}

// Leaf paths of a JSON Schema's properties, as the registry names them.
void SchemaPaths(const json::object& schema, const std::string& prefix,
                 std::set<std::string>& out) {
  for (const auto& [key, prop] : schema.at("properties").as_object()) {
    const std::string path = prefix + std::string(key);
    const json::object& p = prop.as_object();
    if (p.contains("properties")) {
      SchemaPaths(p, path + ".", out);
    } else if (p.contains("items")) {
      out.insert(path + "[]");
    } else {
      out.insert(path);
    }
  }
}

json::object LoadSchema(std::string_view type) {
  std::ifstream in(std::filesystem::path(CITYID_SCHEMAS_DIR) / "json" /
                   (std::string(type) + ".schema.json"));
  std::stringstream s;
  s << in.rdbuf();
  return json::parse(s.str()).as_object();
}

TEST(FieldClassesTest, EveryFieldOfEveryWrittenEventIsClassifiedAndClean) {
  for (const Event& e : SampleEvents()) {
    const json::object j = EventToJson(e);
    for (const FieldFinding& f : CheckEventJson(e.type(), j)) {
      ADD_FAILURE() << e.type() << " " << f.path << ": " << f.problem;
    }
  }
}

TEST(FieldClassesTest, RegistryListsExactlyTheFieldsOfEachJsonSchema) {
  for (std::string_view type : AllEventTypes()) {
    std::set<std::string> schema;
    SchemaPaths(LoadSchema(type), "", schema);
    std::set<std::string> registry;
    for (const FieldSpec& f : EventFields(type)) registry.emplace(f.path);
    EXPECT_EQ(schema, registry) << type;
  }
}

TEST(FieldClassesTest, NoEventFieldIsOfClassPii) {
  for (std::string_view type : AllEventTypes()) {
    ASSERT_FALSE(EventFields(type).empty()) << type;
    for (const FieldSpec& f : EventFields(type)) {
      EXPECT_NE(f.cls, FieldClass::kPii) << type << " " << f.path;
    }
  }
  for (const FieldSpec& f : PiiFields()) EXPECT_EQ(f.cls, FieldClass::kPii);
}

TEST(FieldClassesTest, FlagsPiiFieldsUnclassifiedFieldsAndBadShapes) {
  json::object j = EventToJson(GoldenEvents()[0]);
  j["payload"].as_object()["date_of_birth"] = "1990-04-01";
  j["payload"].as_object()["nickname"] = "x";
  j["payload"].as_object()["resident_id"] = "r_XYZ";
  std::map<std::string, FieldFinding> by_path;
  for (FieldFinding& f : CheckEventJson("resident.enrolled", j))
    by_path[f.path] = f;
  ASSERT_EQ(by_path.size(), 3u);
  EXPECT_TRUE(by_path["payload.date_of_birth"].pii);
  EXPECT_EQ(by_path["payload.nickname"].problem, "unclassified field");
  EXPECT_FALSE(by_path["payload.nickname"].pii);
  EXPECT_EQ(by_path["payload.resident_id"].problem,
            "value is not a resident id");
}

TEST(FieldClassesTest, FreeTextThatLooksLikePiiIsFlaggedWithoutQuotingIt) {
  json::object j = EventToJson(GoldenEvents()[0]);
  j["idempotency_key"] = "enroll-ana-diaz-1990-04-01";
  j["office"] = "ana.diaz@example.org";
  auto findings = CheckEventJson("resident.enrolled", j);
  ASSERT_EQ(findings.size(), 2u);
  for (const FieldFinding& f : findings) {
    EXPECT_TRUE(f.pii) << f.path;
    EXPECT_EQ(f.problem.find("1990"), std::string::npos);
    EXPECT_EQ(f.problem.find("diaz"), std::string::npos);
  }
}

TEST(FieldClassesTest, LooksLikePiiFindsDatesAndEmailsOnly) {
  for (const char* pii :
       {"1990-04-01", "born 01/04/1990", "4.1.1990", "x 12-31-1985 y",
        "a@b.org", "Ana.Diaz@mail.example"}) {
    EXPECT_TRUE(LooksLikePii(pii).has_value()) << pii;
  }
  for (const char* clean :
       {"clerk-1", "30-39", "k-0-1-2", "downtown", "card pickup", "1990-13-01",
        "00000000-0000-4000-8000-000000000001", "12345-04-01",
        "system:retention", "@home", "a@b", "v1.2.3"}) {
    EXPECT_FALSE(LooksLikePii(clean).has_value()) << clean;
  }
}

TEST(FieldClassesTest, ShapesAcceptTheirValuesOnly) {
  EXPECT_TRUE(MatchesShape(FieldShape::kCardId, "4929123456788"));
  EXPECT_FALSE(MatchesShape(FieldShape::kCardId, "4929123456782"));
  EXPECT_FALSE(MatchesShape(FieldShape::kCardId, "492912345678"));
  EXPECT_TRUE(
      MatchesShape(FieldShape::kResidentId, "r_0123456789abcdef01234567"));
  EXPECT_FALSE(MatchesShape(FieldShape::kResidentId, "r_0123"));
  EXPECT_TRUE(MatchesShape(FieldShape::kRfc3339, "2026-01-01T00:00:00Z"));
  EXPECT_TRUE(
      MatchesShape(FieldShape::kRfc3339, "2026-11-27T08:45:32.123456Z"));
  EXPECT_FALSE(MatchesShape(FieldShape::kRfc3339, "yesterday"));
  EXPECT_FALSE(MatchesShape(FieldShape::kRfc3339, "2026-13-01T00:00:00Z"));
  EXPECT_FALSE(MatchesShape(FieldShape::kRfc3339, "2026-01-01T00:00:00"));
  EXPECT_FALSE(MatchesShape(FieldShape::kRfc3339, "2026-01-01T00:00:00.Z"));
  EXPECT_TRUE(MatchesShape(FieldShape::kToken, "name_change"));
  EXPECT_FALSE(MatchesShape(FieldShape::kToken, "lost2"));
  EXPECT_FALSE(MatchesShape(FieldShape::kText, "tab\there"));
  EXPECT_FALSE(MatchesShape(FieldShape::kAbsent, ""));
}

TEST(FieldClassesTest, KafkaHeadersAreClassified) {
  EXPECT_FALSE(CheckKafkaHeader("ce_time", "2026-01-01T00:00:00Z"));
  EXPECT_FALSE(CheckKafkaHeader("cityid_seq", "42"));
  EXPECT_FALSE(CheckKafkaHeader("ce_source", "cityid/ledger/0"));
  auto unknown = CheckKafkaHeader("x-name", "Ana");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->problem, "unclassified field");
  auto pii_name = CheckKafkaHeader("family_name", "Diaz");
  ASSERT_TRUE(pii_name);
  EXPECT_TRUE(pii_name->pii);
  auto leaked = CheckKafkaHeader("ce_source", "ana@example.org");
  ASSERT_TRUE(leaked);
  EXPECT_TRUE(leaked->pii);
}

}  // namespace
}  // namespace cityid
