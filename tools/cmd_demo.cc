// `cityid demo`: loads a small synthetic city into a running ledger over its
// HTTP API: enrollments across districts, cards of every type, a few
// replacements, suspensions and revocations. The names are made up. Its
// attributes come from DemoCityPolicy() (tools/policy_config.h), the domains
// `cityid up --demo` configures for every service.
#include <boost/json.hpp>
#include <chrono>
#include <iostream>
#include <thread>

#include "base/bytes.h"
#include "base/http_client.h"
#include "tools/bootstrap.h"
#include "tools/commands.h"
#include "tools/event_sources.h"
#include "tools/policy_config.h"

namespace cityid {
namespace {

namespace json = boost::json;

struct DemoFlags {
  std::string ledger_url = "http://127.0.0.1:8080";
  std::string tokens_file = "var/tokens.json";
  int residents = 500;
  bool only_if_empty = false;
};

const char* const kGiven[] = {"Ana",    "José",  "Mei",   "Olu",   "Fatima",
                              "Dmitri", "Lucía", "Kwame", "Priya", "Tomás",
                              "Amara",  "Yusuf", "Noor",  "Chen"};
const char* const kFamily[] = {"García",   "Nguyen",  "Okafor", "Haddad",
                               "Kowalski", "Pérez",   "Silva",  "Mensah",
                               "Rahman",   "Ivanova", "Santos", "Kim"};
template <size_t N>
const char* Pick(const char* const (&items)[N]) {
  return items[RandomBelow(N)];
}

const std::string& Pick(const AttributeDomain& domain) {
  return domain.values[RandomBelow(domain.values.size())];
}

class DemoLoader {
 public:
  DemoLoader(HttpClient& client, std::string clerk, std::string supervisor)
      : client_(client),
        clerk_(std::move(clerk)),
        supervisor_(std::move(supervisor)) {}

  // Enrolls one resident and issues a card; returns the card id or "".
  std::string AddResident(int i) {
    json::object pii{
        {"given_name", Pick(kGiven)},
        {"family_name", std::string(Pick(kFamily)) + "-" + std::to_string(i)},
        {"date_of_birth",
         std::to_string(1950 + static_cast<int>(RandomBelow(55))) + "-0" +
             std::to_string(1 + RandomBelow(9)) + "-1" +
             std::to_string(RandomBelow(9))}};
    json::object body{
        {"pii", pii},
        {"attributes",
         json::object{{"district", Pick(DemoCityPolicy().districts)},
                      {"age_band", Pick(DemoCityPolicy().age_bands)},
                      {"language", Pick(DemoCityPolicy().languages)}}},
        {"documents", json::array{"passport", "utility_bill"}},
        {"office", "central"}};
    auto enrolled = Post("/v1/residents", json::serialize(body), clerk_);
    if (!enrolled) return "";
    const char* types[] = {"standard", "standard", "standard", "youth",
                           "senior"};
    json::object card{{"resident_id", enrolled->at("resident_id")},
                      {"card_type", types[RandomBelow(5)]}};
    auto issued = Post("/v1/cards", json::serialize(card), clerk_);
    return issued ? std::string(issued->at("card_id").as_string()) : "";
  }

  void Act(const std::string& card_id, const std::string& verb,
           const std::string& body, bool supervisor) {
    Post("/v1/cards/" + card_id + "/" + verb, body,
         supervisor ? supervisor_ : clerk_)
        .reset();
  }

  int failures() const { return failures_; }

 private:
  std::optional<json::object> Post(const std::string& path,
                                   const std::string& body,
                                   const std::string& token) {
    auto r = client_.Post(path, body,
                          {{"Authorization", "Bearer " + token},
                           {"Content-Type", "application/json"},
                           {"Idempotency-Key", HexEncode(RandomBytes(12))}});
    if (!r.ok() || r->status >= 300) {
      ++failures_;
      return std::nullopt;
    }
    boost::system::error_code ec;
    json::value v = json::parse(r->body, ec);
    if (ec || !v.is_object()) return std::nullopt;
    return v.as_object();
  }

  HttpClient& client_;
  std::string clerk_, supervisor_;
  int failures_ = 0;
};

bool WaitReady(HttpClient& client) {
  for (int i = 0; i < 600; ++i) {
    auto r = client.Get("/readyz", {}, kMicrosPerSecond);
    if (r.ok() && r->status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

int Run(const DemoFlags& flags) {
  std::string host;
  uint16_t port = 0;
  if (Status s = ParseHttpUrl(flags.ledger_url, &host, &port); !s.ok())
    return Fail(s);
  HttpClient client(host, port);
  auto clerk = ReadRoleToken(flags.tokens_file, "clerk");
  auto supervisor = ReadRoleToken(flags.tokens_file, "supervisor");
  if (!clerk.ok()) return Fail(clerk.status());
  if (!supervisor.ok()) return Fail(supervisor.status());
  if (!WaitReady(client))
    return Fail(Unavailable("ledger at " + flags.ledger_url + " not ready"));
  if (flags.only_if_empty) {
    auto pos = client.Get("/v1/position");
    if (pos.ok() && pos->status == 200 &&
        pos->body.find("\"seq\":0") == std::string::npos) {
      std::cout << "demo: ledger already holds events; nothing loaded"
                << std::endl;
      return 0;
    }
  }
  DemoLoader loader(client, *clerk, *supervisor);
  int cards = 0;
  for (int i = 0; i < flags.residents; ++i) {
    const std::string card = loader.AddResident(i);
    if (card.empty()) continue;
    ++cards;
    const uint64_t roll = RandomBelow(100);
    if (roll < 2)
      loader.Act(card, "revoke", R"({"reason":"fraud"})", true);
    else if (roll < 4)
      loader.Act(card, "replace", R"({"reason":"lost"})", false);
    else if (roll < 5)
      loader.Act(card, "suspend", R"({"reason":"review"})", true);
  }
  std::cout << "demo: loaded " << flags.residents << " residents, " << cards
            << " cards (" << loader.failures() << " failed requests)"
            << std::endl;
  return loader.failures() == 0 ? 0 : 1;
}

}  // namespace

const ProgrammePolicy& DemoCityPolicy() {
  static const ProgrammePolicy kPolicy = [] {
    ProgrammePolicy p;
    p.districts.values = {"north", "south", "east", "west", "central"};
    p.age_bands.values = {"18-24", "25-34", "35-44", "45-54", "55-64", "65+"};
    p.languages.values = {"en", "es", "zh", "ar", "fr", "pt"};
    p.card_types.values = ProgrammePolicy::ApiCardTypes();
    return p;
  }();
  return kPolicy;
}

void AddDemoCommand(CLI::App* app) {
  auto flags = std::make_shared<DemoFlags>();
  CLI::App* cmd = app->add_subcommand(
      "demo", "load a synthetic demo city into a running ledger");
  cmd->add_option("--ledger-url", flags->ledger_url, "ledger base URL");
  cmd->add_option("--tokens", flags->tokens_file,
                  "tokens.json written by `cityid up`");
  cmd->add_option("--residents", flags->residents, "residents to enroll");
  cmd->add_flag("--only-if-empty", flags->only_if_empty,
                "do nothing when the ledger has events");
  cmd->callback([flags] { throw CLI::RuntimeError(Run(*flags)); });
}

}  // namespace cityid
