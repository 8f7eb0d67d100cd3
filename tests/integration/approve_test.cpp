// countersign approve / revoke / override through the real binary, with keys made by ssh-keygen
// and a real bare remote for --push.
#include <gtest/gtest.h>

#include "support/ssh_keys.h"
#include "support/test_support.h"

namespace cs::test {
namespace {

TEST(ApproveCli, ApprovesPushesAndTwoClonesMergeWithoutConflict) {
  TempDir remote;
  sh("git init -q --bare " + quote(remote.path().string()));
  GitRepo a;
  a.write("f.txt", "one\n");
  a.commit("base");
  a.write("f.txt", "two\n");
  auto change = a.commit("change", "Dev", "dev@example.com");
  a.git("remote add origin " + quote(remote.path().string()));
  a.git("push -q origin main");
  TempDir keys;
  auto carol = make_ssh_key(keys.path(), "carol", {"ed25519"});
  auto dave = make_ssh_key(keys.path(), "dave", {"ed25519"});

  GitRepo b;
  b.git("remote add origin " + quote(remote.path().string()));
  b.git("fetch -q origin");
  b.git("checkout -q -b main origin/main");

  auto r1 = countersign({"approve", change, "--key", carol.string(), "--approver", "carol@example.com", "--push"}, a.path());
  ASSERT_EQ(r1.exit_code, 0) << r1.err;
  EXPECT_NE(r1.out.find("approved " + change), std::string::npos) << r1.out;
  // The second clone never fetched carol's approval: its push must merge, not overwrite.
  auto r2 = countersign({"approve", change, "--key", dave.string(), "--approver", "dave@example.com", "--push"}, b.path());
  ASSERT_EQ(r2.exit_code, 0) << r2.err << r2.out;
  auto files = sh("git ls-tree -r --name-only refs/countersign/approvals", remote.path());
  int sigs = 0;
  for (size_t p = 0; (p = files.out.find(".sig\n", p)) != std::string::npos; ++p) ++sigs;
  EXPECT_EQ(sigs, 2) << files.out;

  auto rv = countersign({"revoke", change, "--key", carol.string(), "--approver", "carol@example.com"}, a.path());
  ASSERT_EQ(rv.exit_code, 0) << rv.err;
  auto ov = countersign({"override", "HEAD~1..HEAD", "--reason", "payments outage", "--ttl", "2h", "--role", "sre",
                         "--key", carol.string(), "--approver", "carol@example.com"},
                        a.path());
  ASSERT_EQ(ov.exit_code, 0) << ov.err;
  EXPECT_NE(ov.out.find("post-hoc review"), std::string::npos);
}

TEST(ApproveCli, ClearErrors) {
  GitRepo a;
  a.write("f.txt", "one\n");
  a.commit("base");
  TempDir keys;
  auto carol = make_ssh_key(keys.path(), "carol", {"ed25519"});
  // No origin and no configured name: which repository would the approval name?
  auto r = countersign({"approve", "HEAD", "--key", carol.string()}, a.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("countersign.repo"), std::string::npos) << r.err;
  a.git("config countersign.repo demo");
  r = countersign({"approve", "nope", "--key", carol.string()}, a.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown revision"), std::string::npos) << r.err;
  r = countersign({"approve", "HEAD", "--key", (keys.path() / "missing").string()}, a.path());
  EXPECT_EQ(r.exit_code, 2);
  r = countersign({"override", "HEAD", "--reason", "x", "--role", "sre", "--ttl", "forever", "--key", carol.string()},
                  a.path());
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace cs::test
