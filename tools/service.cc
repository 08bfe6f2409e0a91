#include "tools/service.h"

#include <signal.h>

#include <filesystem>

#include "tools/key_files.h"

namespace cityid {

void AddCommonFlags(CLI::App* app, CommonFlags* flags, bool with_port) {
  app->add_option("--config", flags->config_file, "TOML config file");
  app->add_option("--data", flags->data,
                  "data directory (config key: data; default ./var)");
  app->add_option("--bind", flags->bind,
                  "listen address (config key: bind; default 127.0.0.1)");
  app->add_option("--kafka", flags->kafka,
                  "Kafka bootstrap servers; empty: embedded mode (config key: "
                  "kafka.bootstrap)");
  app->add_option("--set", flags->sets,
                  "override any config key: --set key=value (repeatable)");
  if (with_port) app->add_option("--port", flags->port, "listen port");
}

Result<Config> LoadConfig(const CommonFlags& flags,
                          const std::string& port_key) {
  Config config;
  if (!flags.config_file.empty())
    CITYID_RETURN_IF_ERROR(config.MergeTomlFile(flags.config_file));
  config.MergeEnvironment();
  if (!flags.data.empty()) config.Set("data", flags.data);
  if (!flags.bind.empty()) config.Set("bind", flags.bind);
  if (!flags.kafka.empty()) config.Set("kafka.bootstrap", flags.kafka);
  if (flags.port != 0 && !port_key.empty())
    config.Set(port_key, std::to_string(flags.port));
  CITYID_RETURN_IF_ERROR(config.MergeOverrides(flags.sets));
  return config;
}

Result<HttpServerOptions> ServerOptions(const Config& config,
                                        const std::string& port_key) {
  HttpServerOptions o;
  o.address = config.GetString("bind");
  CITYID_ASSIGN_OR_RETURN(int64_t port, config.GetInt(port_key));
  if (port < 0 || port > 65535)
    return InvalidArgument(port_key + " out of range");
  o.port = static_cast<uint16_t>(port);
  CITYID_ASSIGN_OR_RETURN(int64_t threads, config.GetInt("http.threads"));
  o.threads = static_cast<int>(std::max<int64_t>(1, threads));
  CITYID_ASSIGN_OR_RETURN(int64_t body_limit, config.GetInt("http.body_limit"));
  o.body_limit = static_cast<size_t>(body_limit);
  CITYID_ASSIGN_OR_RETURN(int64_t max_conn,
                          config.GetInt("http.max_connections"));
  o.max_connections = static_cast<size_t>(max_conn);
  CITYID_ASSIGN_OR_RETURN(int64_t header_ms,
                          config.GetInt("http.header_timeout_ms"));
  o.header_timeout = header_ms * 1000;
  CITYID_ASSIGN_OR_RETURN(int64_t idle_ms,
                          config.GetInt("http.idle_timeout_ms"));
  o.idle_timeout = idle_ms * 1000;
  o.tls_cert_file = config.GetString("tls.cert");
  o.tls_key_file = config.GetString("tls.key");
  return o;
}

Result<TokenStore> LoadTokenStore(const Config& config) {
  std::string path = config.GetString("auth.file");
  if (path.empty())
    path = (std::filesystem::path(config.GetString("data")) / "auth.json")
               .string();
  CITYID_ASSIGN_OR_RETURN(std::string json, ReadWholeFile(path));
  return TokenStore::FromJson(json);
}

void BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForTerminationSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

}  // namespace cityid
