// POST /v1/admin/backups (api/backup_routes.h): admin only, a validated
// target, one backup at a time, the runner's answer passed through.
#include "api/backup_routes.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>

#include "api/problem.h"

namespace cityid {
namespace {

class BackupRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_ = MintToken("admin-1", {Role::kAdmin});
    supervisor_ = MintToken("supervisor-1", {Role::kSupervisor});
    tokens_ =
        TokenStore::FromRecords({admin_.record, supervisor_.record}).value();
  }

  // Dispatches and waits for the (possibly asynchronous) answer.
  HttpResponse Post(Router& router, const std::string& token,
                    const std::string& body) {
    auto answer = std::make_shared<std::promise<HttpResponse>>();
    std::future<HttpResponse> f = answer->get_future();
    HttpRequest req;
    req.method = "POST";
    req.target = req.path = "/v1/admin/backups";
    if (!token.empty()) req.headers["Authorization"] = "Bearer " + token;
    req.body = body;
    router.Dispatch(
        req, [answer](HttpResponse r) { answer->set_value(std::move(r)); });
    return f.get();
  }

  MintedToken admin_;
  MintedToken supervisor_;
  TokenStore tokens_;
};

TEST_F(BackupRoutesTest, OnlyAnAdminWithAnAbsoluteTargetRunsABackup) {
  std::vector<std::string> targets;
  BackupRoutes routes([&](const std::string& to) -> Result<std::string> {
    targets.push_back(to);
    return std::string(R"({"backup_id":1})");
  });
  Router router;
  routes.Register(router, tokens_);
  EXPECT_EQ(Post(router, "", R"({"to":"/b"})").status, 401);
  EXPECT_EQ(Post(router, supervisor_.token, R"({"to":"/b"})").status, 403);
  EXPECT_EQ(Post(router, admin_.token, "nope").status, 400);
  EXPECT_EQ(Post(router, admin_.token, R"({"to":"rel/dir"})").status, 422);
  EXPECT_EQ(Post(router, admin_.token, R"({})").status, 422);
  EXPECT_TRUE(targets.empty());
  HttpResponse ok = Post(router, admin_.token, R"({"to":"/srv/backups"})");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, R"({"backup_id":1})");
  EXPECT_EQ(targets, std::vector<std::string>{"/srv/backups"});
}

TEST_F(BackupRoutesTest, ASecondBackupWhileOneRunsIs409) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  BackupRoutes routes([&](const std::string&) -> Result<std::string> {
    started.set_value();
    released.wait();
    return std::string("{}");
  });
  Router router;
  routes.Register(router, tokens_);
  auto first = std::async(std::launch::async, [&] {
    return Post(router, admin_.token, R"({"to":"/b"})");
  });
  started.get_future().wait();
  EXPECT_EQ(Post(router, admin_.token, R"({"to":"/b"})").status, 409);
  release.set_value();
  EXPECT_EQ(first.get().status, 200);
}

TEST_F(BackupRoutesTest, TheRunnersErrorIsTheAnswer) {
  BackupRoutes routes([](const std::string&) -> Result<std::string> {
    return Unavailable("disk full");
  });
  Router router;
  routes.Register(router, tokens_);
  HttpResponse r = Post(router, admin_.token, R"({"to":"/b"})");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("disk full"), std::string::npos);
}

}  // namespace
}  // namespace cityid
