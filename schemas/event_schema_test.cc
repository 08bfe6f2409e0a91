// Checks the JSON form of every event type against its JSON Schema in
// schemas/json/: required keys present, no key the schema does not list
// (additionalProperties: false), `const` type, and pattern-free type checks.
// This is a structural check, not a full JSON Schema validator.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "schemas/event_json.h"
#include "schemas/golden_events.h"

namespace cityid {
namespace {

namespace json = boost::json;

json::object LoadSchema(std::string_view type) {
  const auto path = std::filesystem::path(CITYID_SCHEMAS_DIR) / "json" /
                    (std::string(type) + ".schema.json");
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return json::parse(s.str()).as_object();
}

bool TypeMatches(const json::value& v, const json::object& schema) {
  if (const json::value* e = schema.if_contains("enum")) {
    for (const auto& option : e->as_array()) {
      if (option == v) return true;
    }
    return false;
  }
  if (const json::value* c = schema.if_contains("const")) return *c == v;
  const json::string& t = schema.at("type").as_string();
  if (t == "string") return v.is_string();
  if (t == "integer") return v.is_int64() || v.is_uint64();
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  return false;
}

void CheckObject(const json::object& value, const json::object& schema,
                 const std::string& where) {
  const json::object& props = schema.at("properties").as_object();
  for (const auto& req : schema.at("required").as_array()) {
    EXPECT_TRUE(value.contains(req.as_string()))
        << where << " lacks " << req.as_string();
  }
  for (const auto& [key, v] : value) {
    const json::value* p = props.if_contains(key);
    ASSERT_NE(p, nullptr) << where << " has key " << key
                          << " its schema does not list";
    EXPECT_TRUE(TypeMatches(v, p->as_object())) << where << "." << key;
    if (v.is_object() && p->as_object().contains("properties")) {
      CheckObject(v.as_object(), p->as_object(),
                  where + "." + std::string(key));
    }
  }
}

TEST(EventSchemaTest, EveryTypeHasASchemaAndItsJsonFormConforms) {
  for (const Event& e : GoldenEvents()) {
    const json::object schema = LoadSchema(e.type());
    CheckObject(EventToJson(e), schema, std::string(e.type()));
  }
}

TEST(EventSchemaTest, SchemasListNoPiiField) {
  const char* pii_fields[] = {"given_name", "family_name", "date_of_birth",
                              "address", "phone"};
  for (std::string_view type : AllEventTypes()) {
    const std::string text = json::serialize(LoadSchema(type));
    for (const char* f : pii_fields) {
      EXPECT_EQ(text.find(std::string("\"") + f + "\""), std::string::npos)
          << type << " lists " << f;
    }
  }
}

}  // namespace
}  // namespace cityid
