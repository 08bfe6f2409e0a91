#include "api/backup_routes.h"

#include <boost/json.hpp>
#include <filesystem>

#include "api/problem.h"

namespace cityid {
namespace {

Result<std::string> BackupTarget(const std::string& body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return Malformed("the body is not a JSON object");
  const auto* to = v.as_object().if_contains("to");
  if (to == nullptr || !to->is_string())
    return InvalidArgument("\"to\" (the backup directory) is required");
  std::string path(to->as_string());
  if (!std::filesystem::path(path).is_absolute())
    return InvalidArgument("\"to\" must be an absolute path");
  return path;
}

}  // namespace

BackupRoutes::~BackupRoutes() {
  std::lock_guard<std::mutex> lock(worker_mu_);
  if (worker_.joinable()) worker_.join();
}

void BackupRoutes::Register(Router& router, const TokenStore& tokens) {
  router.Add("POST", "/v1/admin/backups",
             [this, &tokens](const HttpRequest& request, const RouteParams&,
                             Responder respond) {
               auto who = tokens.Authorize(request, {Role::kAdmin});
               if (!who.ok()) return respond(ProblemResponse(who.status()));
               auto to = BackupTarget(request.body);
               if (!to.ok()) return respond(ProblemResponse(to.status()));
               Start(std::move(*to), std::move(respond));
             });
}

void BackupRoutes::Start(std::string to, Responder respond) {
  if (running_.exchange(true)) {
    return respond(ProblemResponse(Conflict("a backup is already running")));
  }
  std::lock_guard<std::mutex> lock(worker_mu_);
  if (worker_.joinable()) worker_.join();  // finished: running_ was false
  worker_ = std::thread([this, to = std::move(to), respond] {
    Result<std::string> report = runner_(to);
    running_.store(false);
    respond(report.ok() ? JsonResponse(200, std::move(*report))
                        : ProblemResponse(report.status()));
  });
}

}  // namespace cityid
