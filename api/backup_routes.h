// The ledger's backup route (SPEC §14, tools/backup_service.h):
//
//   POST /v1/admin/backups   role admin
//     body   {"to": "/abs/backup/dir"}
//     200    the runner's JSON report
//     401/403 no token / not admin; 400 not a JSON object; 422 no absolute
//            "to"; 409 a backup is already running; else the runner's status
//            (503 on I/O errors or below the free-space floor)
//
// The backup runs on a worker thread of this object (a handler must not
// block its strand) and answers from there; one at a time.
//
// Lifetime: outlives the HTTP server (stop the server first); the destructor
// waits for a running backup.
#ifndef CITYID_API_BACKUP_ROUTES_H_
#define CITYID_API_BACKUP_ROUTES_H_

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "api/auth.h"
#include "api/router.h"
#include "base/status.h"

namespace cityid {

// Takes one backup into the absolute directory `to`: the JSON text of its
// report, or why not.
using BackupRunner = std::function<Result<std::string>(const std::string& to)>;

class BackupRoutes {
 public:
  explicit BackupRoutes(BackupRunner runner) : runner_(std::move(runner)) {}
  ~BackupRoutes();
  BackupRoutes(const BackupRoutes&) = delete;
  BackupRoutes& operator=(const BackupRoutes&) = delete;

  // Adds POST /v1/admin/backups. `tokens` must outlive the router.
  void Register(Router& router, const TokenStore& tokens);

 private:
  void Start(std::string to, Responder respond);

  BackupRunner runner_;
  std::atomic<bool> running_{false};  // a backup is under way
  std::mutex worker_mu_;              // guards worker_
  std::thread worker_;  // the last backup's; joined before the next starts
};

}  // namespace cityid

#endif  // CITYID_API_BACKUP_ROUTES_H_
