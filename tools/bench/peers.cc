#include "tools/bench/peers.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "base/bytes.h"
#include "base/http_client.h"
#include "ledger/integrity/signed_note.h"
#include "tools/bench/child_process.h"

#ifdef CITYID_HAVE_LIBPQ
#include <libpq-fe.h>
#endif

namespace cityid::bench {
namespace {

namespace fs = std::filesystem;

constexpr char kTesseraModule[] =
    "github.com/transparency-dev/tessera/cmd/conformance/posix@v1.0.4";

void Say(const std::string& what) {
  std::fprintf(stderr, "bench: %s\n", what.c_str());
}

// `name` on $PATH or in one of `extra` dirs; "" when nowhere.
std::string FindExecutable(const std::string& name,
                           const std::vector<std::string>& extra) {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::string p = path;
    for (size_t start = 0; start <= p.size();) {
      const size_t end = std::min(p.find(':', start), p.size());
      if (end > start) dirs.push_back(p.substr(start, end - start));
      start = end + 1;
    }
  }
  dirs.insert(dirs.end(), extra.begin(), extra.end());
  for (const auto& d : dirs) {
    const std::string f = d + "/" + name;
    if (access(f.c_str(), X_OK) == 0) return f;
  }
  return "";
}

// Append number `i`: `base` (payload_bytes random bytes) with i written over
// its first 8 bytes, so no two appends are equal (Tessera dedupes entries).
std::string Payload(const std::string& base, uint64_t i) {
  std::string out = base;
  std::memcpy(out.data(), &i, std::min(sizeof i, out.size()));
  return out;
}

std::vector<BenchRow> SkippedRows(const std::string& name, const PeerOptions& o,
                                  const std::string& why) {
  std::vector<BenchRow> rows;
  for (int c : o.clients) {
    BenchRow r{name + "_appends_per_s_at_" + std::to_string(c), "appends/s"};
    r.clients = c;
    r.peer = name;
    r.skipped = why;
    rows.push_back(std::move(r));
  }
  return rows;
}

// Polls `ready` every 100 ms for up to `seconds` while `process` runs.
bool WaitUntil(ChildProcess& process, int seconds,
               const std::function<bool()>& ready) {
  for (int i = 0; i < seconds * 10; ++i) {
    if (ready()) return true;
    if (process.Wait(0) != -1 || process.pid() < 0) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// The last non-empty line of the file at `path` (at most 200 bytes), so a
// skipped row says why even after the work dir is gone.
std::string LastLine(const std::string& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  return last.size() > 200 ? last.substr(last.size() - 200) : last;
}

// ---- Tessera ----

std::string CacheDir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
    return std::string(x) + "/cityid/bench-peers";
  if (const char* h = std::getenv("HOME"); h && *h)
    return std::string(h) + "/.cache/cityid/bench-peers";
  return "/tmp/cityid-bench-peers-cache";
}

// The conformance server binary, built once into the cache dir.
Result<std::string> TesseraBinary(const std::string& work) {
  const std::string bin_dir = CacheDir() + "/tessera-1.0.4";
  const std::string bin = bin_dir + "/posix";
  if (access(bin.c_str(), X_OK) == 0) return bin;
  const std::string go = FindExecutable("go", {"/usr/local/go/bin"});
  if (go.empty()) return Unavailable("no `go` on PATH or in /usr/local/go/bin");
  std::error_code ec;
  fs::create_directories(bin_dir, ec);
  if (ec) return Unavailable("cannot create " + bin_dir);
  Say("tessera: go install " + std::string(kTesseraModule));
  const std::string log = work + "/tessera-install.log";
  CITYID_ASSIGN_OR_RETURN(
      ChildProcess install,
      ChildProcess::Start(
          {"/usr/bin/env", "GOBIN=" + bin_dir, go, "install", kTesseraModule},
          log));
  const int rc = install.Wait(30 * 60 * 1000);
  if (rc != 0 || access(bin.c_str(), X_OK) != 0)
    return Unavailable("go install " + std::string(kTesseraModule) +
                       " failed (exit " + std::to_string(rc) +
                       "): " + LastLine(log));
  return bin;
}

std::vector<BenchRow> TesseraRows(const PeerOptions& o,
                                  const std::string& payload) {
  const std::string name = "tessera_posix";
  const std::string work = o.work_dir + "/tessera";
  std::error_code ec;
  fs::create_directories(work + "/log", ec);
  auto bin = TesseraBinary(work);
  if (!bin.ok()) return SkippedRows(name, o, bin.status().ToString());
  auto signer = NoteSigner::Generate("cityid-bench-tessera");
  if (!signer.ok()) return SkippedRows(name, o, signer.status().ToString());
  const std::string key_file = work + "/log.key";
  {
    std::ofstream key(key_file);
    key << signer->ToString();
    if (!key) return SkippedRows(name, o, "cannot write " + key_file);
  }
  chmod(key_file.c_str(), 0600);
  auto port = FreePort();
  if (!port.ok()) return SkippedRows(name, o, port.status().ToString());
  auto server = ChildProcess::Start(
      {*bin, "--storage_dir", work + "/log", "--listen",
       "127.0.0.1:" + std::to_string(*port), "--private_key", key_file},
      work + "/server.log");
  if (!server.ok()) return SkippedRows(name, o, server.status().ToString());
  HttpClient probe("127.0.0.1", *port);
  if (!WaitUntil(*server, 60, [&] {
        auto r = probe.Get("/checkpoint", {}, kMicrosPerSecond);
        return r.ok() && r->status == 200;
      }))
    return SkippedRows(name, o,
                       "conformance server not serving /checkpoint in 60 s; "
                       "see " +
                           work + "/server.log");
  std::vector<BenchRow> rows;
  uint64_t offset = 0;
  for (int c : o.clients) {
    Say("tessera: POST /add, " + std::to_string(c) + " clients");
    loadgen::HttpPostSpec spec;
    spec.port = *port;
    spec.target = "/add";
    spec.body = [payload, offset](uint64_t i) {
      return Payload(payload, offset + i);
    };
    auto report =
        loadgen::RunClosedLoop(loadgen::HttpPoster(spec), c, o.seconds);
    if (report.ok()) offset += report->requests + 1'000'000;
    rows.push_back(ClosedLoopRow(
        name + "_appends_per_s_at_" + std::to_string(c), "appends/s", c, report,
        "Tessera 1.0.4 POSIX conformance server (batching 256 entries or "
        "1 s, checkpoint every 1 s), POST /add of " +
            std::to_string(payload.size()) + " B, HTTP keep-alive"));
    rows.back().peer = name;
  }
  server->Stop();
  return rows;
}

// ---- PostgreSQL ----

#ifdef CITYID_HAVE_LIBPQ

// The bin dir of the newest Debian PostgreSQL, or of initdb on PATH.
std::string PostgresBinDir() {
  std::string best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string v = e.path().filename().string();
    const int version = std::atoi(v.c_str());
    if (access((e.path() / "bin/initdb").c_str(), X_OK) == 0 &&
        version > best_version)
      best_version = version, best = (e.path() / "bin").string();
  }
  if (!best.empty()) return best;
  const std::string initdb = FindExecutable("initdb", {});
  return initdb.empty() ? "" : fs::path(initdb).parent_path().string();
}

struct PgConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using PgConn = std::unique_ptr<PGconn, PgConnDeleter>;

Result<PgConn> Connect(const std::string& conninfo) {
  PgConn c(PQconnectdb(conninfo.c_str()));
  if (!c || PQstatus(c.get()) != CONNECTION_OK)
    return Unavailable(std::string("libpq connect: ") +
                       (c ? PQerrorMessage(c.get()) : "out of memory"));
  return c;
}

// Runs `sql`; the first row's first column ("" when none).
Result<std::string> Exec(PGconn* c, const std::string& sql) {
  PGresult* r = PQexec(c, sql.c_str());
  const ExecStatusType st = PQresultStatus(r);
  std::string out;
  if (st == PGRES_TUPLES_OK && PQntuples(r) > 0) out = PQgetvalue(r, 0, 0);
  const std::string err = PQresultErrorMessage(r);
  PQclear(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
    return Internal("postgres: " + sql.substr(0, 60) + ": " + err);
  return out;
}

// One connection, one prepared append statement taking the payload ($1).
class PgAppender final : public loadgen::LoopClient {
 public:
  PgAppender(PgConn conn, const std::string* payload, uint64_t offset)
      : conn_(std::move(conn)), payload_(payload), offset_(offset) {}
  int Send(uint64_t i) override {
    const std::string p = Payload(*payload_, offset_ + i);
    const char* values[1] = {p.data()};
    const int lengths[1] = {static_cast<int>(p.size())};
    const int formats[1] = {1};
    PGresult* r =
        PQexecPrepared(conn_.get(), "append", 1, values, lengths, formats, 0);
    const ExecStatusType st = PQresultStatus(r);
    PQclear(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return 200;
    return PQstatus(conn_.get()) == CONNECTION_OK ? 500 : 0;
  }

 private:
  PgConn conn_;
  const std::string* payload_;
  uint64_t offset_;
};

constexpr char kSchema[] =
    "CREATE TABLE events (seq bigserial PRIMARY KEY, payload bytea NOT NULL);"
    "CREATE TABLE chain_head (id int PRIMARY KEY, seq bigint NOT NULL,"
    "  hash bytea NOT NULL);"
    "INSERT INTO chain_head VALUES (1, 0, sha256(''::bytea));"
    "CREATE TABLE chain_events (seq bigint PRIMARY KEY, hash bytea NOT NULL,"
    "  payload bytea NOT NULL);";

// The two variants: the append statement of each.
struct PgVariant {
  const char* name;
  const char* sql;
  const char* what;
};
constexpr PgVariant kPgVariants[] = {
    {"postgres_bigserial", "INSERT INTO events (payload) VALUES ($1)",
     "one INSERT into a bigserial events table per append"},
    {"postgres_chain",
     "WITH h AS (SELECT seq, hash FROM chain_head WHERE id = 1 FOR UPDATE),"
     " e AS (INSERT INTO chain_events"
     "  SELECT h.seq + 1, sha256(h.hash || $1::bytea), $1 FROM h"
     "  RETURNING seq, hash)"
     " UPDATE chain_head SET seq = e.seq, hash = e.hash FROM e"
     " WHERE chain_head.id = 1",
     "gap-free seq + SHA-256 chain: head row FOR UPDATE, INSERT seq+1 with "
     "sha256(prev_hash || payload), UPDATE head; one statement = one "
     "transaction per append"},
};

// A throwaway cluster, run as the `postgres` user when we are root.
struct PgCluster {
  std::string dir;  // owned by the server's user; removed by Stop()
  std::string conninfo;
  std::optional<ChildProcess> server;
  void Stop() {
    if (server) server->Stop();
    server.reset();
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
  }
};

Result<PgCluster> StartCluster(const PeerOptions& o, int max_clients) {
  const std::string bin = PostgresBinDir();
  if (bin.empty())
    return Unavailable("no PostgreSQL server binaries (initdb) found");
  std::vector<std::string> as_user;
  PgCluster cl;
  std::string tmpl = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
  tmpl += "/cityid-bench-pg-XXXXXX";
  if (!mkdtemp(tmpl.data())) return Unavailable("mkdtemp failed");
  cl.dir = tmpl;
  if (geteuid() == 0) {
    // PostgreSQL refuses to run as root.
    const passwd* pw = getpwnam("postgres");
    if (pw == nullptr) {
      cl.Stop();
      return Unavailable("running as root and there is no `postgres` user");
    }
    if (chown(cl.dir.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      cl.Stop();
      return Unavailable("cannot chown " + cl.dir + " to postgres");
    }
    as_user = {"/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres",
               "--init-groups"};
  }
  const auto command = [&](std::vector<std::string> argv) {
    argv.insert(argv.begin(), as_user.begin(), as_user.end());
    return argv;
  };
  const std::string log = o.work_dir + "/postgres";
  std::error_code ec;
  fs::create_directories(log, ec);
  Say("postgres: initdb in " + cl.dir);
  auto init = ChildProcess::Start(
      command({bin + "/initdb", "-D", cl.dir + "/data", "-U", "postgres", "-A",
               "trust", "-E", "UTF8"}),
      log + "/initdb.log");
  if (!init.ok() || init->Wait(180'000) != 0) {
    cl.Stop();
    return Unavailable("initdb failed: " + LastLine(log + "/initdb.log"));
  }
  auto port = FreePort();
  if (!port.ok()) return cl.Stop(), Result<PgCluster>(port.status());
  auto server = ChildProcess::Start(
      command({bin + "/postgres", "-D", cl.dir + "/data", "-k", cl.dir, "-p",
               std::to_string(*port), "-c", "listen_addresses=", "-c",
               "max_connections=" + std::to_string(max_clients + 10), "-c",
               "fsync=on", "-c", "synchronous_commit=on"}),
      log + "/server.log");
  if (!server.ok()) return cl.Stop(), Result<PgCluster>(server.status());
  cl.server.emplace(std::move(*server));
  cl.conninfo = "host=" + cl.dir + " port=" + std::to_string(*port) +
                " user=postgres dbname=postgres";
  if (!WaitUntil(*cl.server, 60,
                 [&] { return PQping(cl.conninfo.c_str()) == PQPING_OK; })) {
    cl.Stop();
    return Unavailable("postgres not accepting connections in 60 s: " +
                       LastLine(log + "/server.log"));
  }
  return cl;
}

// "gap-free chain checked: N rows" or what is wrong with it.
std::string CheckChain(PGconn* c) {
  auto rows = Exec(c, "SELECT count(*) FROM chain_events");
  auto max = Exec(c, "SELECT coalesce(max(seq), 0) FROM chain_events");
  auto head = Exec(c, "SELECT seq FROM chain_head WHERE id = 1");
  auto links = Exec(c,
                    "SELECT count(*) FROM chain_events e JOIN chain_events p "
                    "ON p.seq = e.seq - 1 WHERE e.hash <> sha256(p.hash || "
                    "e.payload)");
  if (!rows.ok() || !max.ok() || !head.ok() || !links.ok())
    return "chain check failed to run";
  if (*rows != *max || *max != *head || *links != "0")
    return "CHAIN BROKEN: " + *rows + " rows, max seq " + *max + ", head " +
           *head + ", " + *links + " bad links";
  return "chain checked after the run: " + *rows + " rows, seq 1.." + *max +
         " gap-free, every hash links";
}

std::vector<BenchRow> PostgresRows(const PeerOptions& o,
                                   const std::string& payload) {
  int max_clients = 1;
  for (int c : o.clients) max_clients = std::max(max_clients, c);
  auto cluster = StartCluster(o, max_clients);
  std::vector<BenchRow> rows;
  if (!cluster.ok()) {
    for (const PgVariant& v : kPgVariants)
      for (BenchRow& r : SkippedRows(v.name, o, cluster.status().ToString()))
        rows.push_back(std::move(r));
    return rows;
  }
  auto admin = Connect(cluster->conninfo);
  auto version = admin.ok() ? Exec(admin->get(), "SHOW server_version")
                            : Result<std::string>(admin.status());
  auto schema = version.ok() ? Exec(admin->get(), kSchema) : version;
  for (const PgVariant& v : kPgVariants) {
    if (!schema.ok()) {
      for (BenchRow& r : SkippedRows(v.name, o, schema.status().ToString()))
        rows.push_back(std::move(r));
      continue;
    }
    uint64_t offset = 0;
    for (int c : o.clients) {
      Say(std::string("postgres: ") + v.name + ", " + std::to_string(c) +
          " clients");
      const std::string conninfo = cluster->conninfo;
      const char* sql = v.sql;
      const uint64_t base = offset;
      loadgen::ClientFactory factory =
          [&, conninfo, sql,
           base](int) -> Result<std::unique_ptr<loadgen::LoopClient>> {
        CITYID_ASSIGN_OR_RETURN(PgConn conn, Connect(conninfo));
        PGresult* r = PQprepare(conn.get(), "append", sql, 1, nullptr);
        const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok)
          return Internal(std::string("prepare: ") +
                          PQerrorMessage(conn.get()));
        return std::unique_ptr<loadgen::LoopClient>(
            std::make_unique<PgAppender>(std::move(conn), &payload, base));
      };
      auto report = loadgen::RunClosedLoop(factory, c, o.seconds);
      if (report.ok()) offset += report->requests + 1'000'000;
      rows.push_back(ClosedLoopRow(
          std::string(v.name) + "_appends_per_s_at_" + std::to_string(c),
          "appends/s", c, report,
          "PostgreSQL " + *version + " (fsync=on, synchronous_commit=on, " +
              "max_connections=" + std::to_string(max_clients + 10) +
              ", defaults otherwise; unix socket), " + v.what + ", " +
              std::to_string(payload.size()) +
              " B bytea payload, one libpq connection per client"));
      rows.back().peer = v.name;
    }
    if (std::string(v.name) == "postgres_chain" && rows.back().value)
      rows.back().note += "; " + CheckChain(admin->get());
  }
  // The server's smart shutdown waits for every session to end.
  if (admin.ok()) admin->reset();
  cluster->Stop();
  return rows;
}

#else  // !CITYID_HAVE_LIBPQ

std::vector<BenchRow> PostgresRows(const PeerOptions& o, const std::string&) {
  std::vector<BenchRow> rows;
  for (const char* name : {"postgres_bigserial", "postgres_chain"})
    for (BenchRow& r :
         SkippedRows(name, o, "cityid built without libpq (libpq-dev)"))
      rows.push_back(std::move(r));
  return rows;
}

#endif  // CITYID_HAVE_LIBPQ

}  // namespace

BenchRow ClosedLoopRow(std::string name, std::string unit, int clients,
                       const Result<loadgen::ClosedLoopReport>& report,
                       const std::string& what) {
  BenchRow row{std::move(name), std::move(unit)};
  row.clients = clients;
  if (!report.ok()) return row.skipped = report.status().ToString(), row;
  if (report->ok == 0)
    return row.skipped =
               "nothing succeeded: " + loadgen::FormatErrors(report->errors),
           row;
  row.value = report->ok_per_s;
  row.p50_ms = report->p50_ms;
  row.p99_ms = report->p99_ms;
  char note[160];
  std::snprintf(
      note, sizeof note,
      "; closed loop, %d clients, %.1f s, %llu answers, max %.1f ms; ", clients,
      report->seconds, static_cast<unsigned long long>(report->requests),
      report->max_ms);
  row.note = what + note + loadgen::FormatErrors(report->errors);
  return row;
}

std::vector<BenchRow> PeerRows(const PeerOptions& options) {
  std::string payload = RandomBytes(std::max<size_t>(options.payload_bytes, 8));
  std::vector<BenchRow> rows = TesseraRows(options, payload);
  for (BenchRow& r : PostgresRows(options, payload))
    rows.push_back(std::move(r));
  return rows;
}

}  // namespace cityid::bench
