// `cityid up`: every service on one machine as supervised children (SPEC §1).
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "tools/bootstrap.h"
#include "tools/commands.h"
#include "tools/logging.h"
#include "tools/policy_config.h"
#include "tools/service.h"
#include "tools/supervisor.h"

namespace cityid {
namespace {

struct UpFlags {
  CommonFlags common;
  bool demo = false;
  int demo_residents = 500;
};

std::string SelfExe() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "cityid" : p.string();
}

// The flags every child gets, so it reads exactly the supervisor's config.
std::vector<std::string> PassThrough(const UpFlags& flags,
                                     const Config& config) {
  std::vector<std::string> args;
  if (!flags.common.config_file.empty()) {
    args.push_back("--config");
    args.push_back(
        std::filesystem::absolute(flags.common.config_file).string());
  }
  args.push_back("--data");
  args.push_back(std::filesystem::absolute(config.GetString("data")).string());
  if (!flags.common.bind.empty())
    args.insert(args.end(), {"--bind", flags.common.bind});
  if (!flags.common.kafka.empty())
    args.insert(args.end(), {"--kafka", flags.common.kafka});
  for (const auto& s : flags.common.sets) args.insert(args.end(), {"--set", s});
  if (flags.demo) {
    // The demo city's own domains, for each one the config leaves unset:
    // the ledger and every projection read the same policy (SPEC §11).
    for (const std::string& s : PolicyAssignments(DemoCityPolicy())) {
      if (config.GetList(s.substr(0, s.find('='))).empty()) {
        args.insert(args.end(), {"--set", s});
      }
    }
  }
  return args;
}

std::string Url(const Config& config, const std::string& port_key) {
  return "http://" + config.GetString("bind") + ":" +
         config.GetString(port_key);
}

std::vector<ChildSpec> Children(const UpFlags& flags, const Config& config) {
  const std::string exe = SelfExe();
  const std::vector<std::string> common = PassThrough(flags, config);
  auto child = [&](std::string name, std::vector<std::string> head) {
    ChildSpec spec{std::move(name), {exe}, {}};
    spec.argv.insert(spec.argv.end(), head.begin(), head.end());
    spec.argv.insert(spec.argv.end(), common.begin(), common.end());
    return spec;
  };
  std::vector<ChildSpec> children;
  children.push_back(child("ledger", {"ledger"}));
  ChildSpec registry = child("registry", {"project", "registry"});
  registry.argv.insert(registry.argv.end(),
                       {"--ledger-url", Url(config, "ledger.port")});
  children.push_back(std::move(registry));
  ChildSpec revocations = child("revocations", {"project", "revocations"});
  revocations.argv.insert(revocations.argv.end(),
                          {"--ledger-url", Url(config, "ledger.port")});
  children.push_back(std::move(revocations));
  ChildSpec stats = child("stats", {"project", "stats"});
  stats.argv.insert(stats.argv.end(),
                    {"--ledger-url", Url(config, "ledger.port")});
  children.push_back(std::move(stats));
  if (flags.demo) {
    const DataLayout layout = LayoutFor(config);
    ChildSpec demo{
        "demo",
        {exe, "demo", "--ledger-url", Url(config, "ledger.port"), "--tokens",
         std::filesystem::absolute(layout.tokens_file).string(), "--residents",
         std::to_string(flags.demo_residents), "--only-if-empty"},
        {}};
    demo.one_shot = true;
    children.push_back(std::move(demo));
  }
  return children;
}

void PrintBanner(const Config& config, bool created) {
  const DataLayout layout = LayoutFor(config);
  std::cout << "cityid is up\n"
            << "  ledger    " << Url(config, "ledger.port") << "\n"
            << "  registry  " << Url(config, "registry.port") << "\n"
            << "  revocations " << Url(config, "revocations.port")
            << "  (public status lists and keys)\n"
            << "  stats     " << Url(config, "stats.port")
            << "  (dashboard at /; use the analyst token)\n"
            << "  tokens    "
            << std::filesystem::absolute(layout.tokens_file).string()
            << (created ? "  (created now; one bearer token per role)" : "")
            << "\n"
            << "  data      "
            << std::filesystem::absolute(layout.data_dir).string() << "\n"
            << "Ctrl-C stops every service." << std::endl;
}

int Run(const UpFlags& flags) {
  auto config = LoadConfig(flags.common, "");
  if (!config.ok()) return Fail(config.status());
  SetUpLogging("up", config->GetString("log.level"));
  bool created = false;
  if (Status s = BootstrapDataDir(LayoutFor(*config), &created); !s.ok())
    return Fail(s);
  Supervisor::Options options;
  options.on_started = [&] { PrintBanner(*config, created); };
  Supervisor supervisor(Children(flags, *config), options);
  return supervisor.Run();
}

}  // namespace

void AddUpCommand(CLI::App* app) {
  auto flags = std::make_shared<UpFlags>();
  CLI::App* cmd = app->add_subcommand("up",
                                      "run the ledger and the projections as "
                                      "supervised children on this machine");
  AddCommonFlags(cmd, &flags->common, /*with_port=*/false);
  cmd->add_flag("--demo", flags->demo,
                "load a synthetic demo city into an empty ledger");
  cmd->add_option("--demo-residents", flags->demo_residents,
                  "residents in the demo city");
  cmd->callback([flags] { throw CLI::RuntimeError(Run(*flags)); });
}

}  // namespace cityid
