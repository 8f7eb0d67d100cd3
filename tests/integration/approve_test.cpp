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

  // Neither key is in a people directory (main has none): signed with --force, they do not count.
  auto r1 = countersign({"approve", change, "--key", carol.string(), "--approver", "carol@example.com", "--push",
                         "--trusted-ref", "main~1", "--force"},
                        a.path());
  ASSERT_EQ(r1.exit_code, 0) << r1.err;
  EXPECT_NE(r1.out.find("approved " + change), std::string::npos) << r1.out;
  // The second clone never fetched carol's approval: its push must merge, not overwrite.
  auto r2 = countersign({"approve", change, "--key", dave.string(), "--approver", "dave@example.com", "--push",
                         "--trusted-ref", "origin/main~1", "--force"},
                        b.path());
  ASSERT_EQ(r2.exit_code, 0) << r2.err << r2.out;
  auto files = sh("git ls-tree -r --name-only refs/countersign/approvals", remote.path());
  int sigs = 0;
  for (size_t p = 0; (p = files.out.find(".sig\n", p)) != std::string::npos; ++p) ++sigs;
  EXPECT_EQ(sigs, 2) << files.out;

  auto rv = countersign({"revoke", change, "--key", carol.string(), "--approver", "carol@example.com"}, a.path());
  ASSERT_EQ(rv.exit_code, 0) << rv.err;
  auto ov =
      countersign({"override", "HEAD~1..HEAD", "--reason", "payments outage", "--ttl", "2h", "--role", "sre", "--key",
                   carol.string(), "--approver", "carol@example.com", "--trusted-ref", "main~1", "--force"},
                  a.path());
  ASSERT_EQ(ov.exit_code, 0) << ov.err;
  EXPECT_NE(ov.out.find("post-hoc review"), std::string::npos);
}

TEST(ApproveCli, ClearErrors) {
  GitRepo a;
  a.write("f.txt", "one\n");
  a.commit("base");
  a.write("f.txt", "two\n");
  a.commit("change");
  TempDir keys;
  auto carol = make_ssh_key(keys.path(), "carol", {"ed25519"});
  // No origin and no configured name: which repository would the approval name?
  auto r = countersign({"approve", "HEAD", "--key", carol.string(), "--trusted-ref", "HEAD~1", "--force"}, a.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("countersign.repo"), std::string::npos) << r.err;
  a.git("config countersign.repo demo");
  r = countersign({"approve", "nope", "--key", carol.string(), "--trusted-ref", "HEAD~1"}, a.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown revision"), std::string::npos) << r.err;
  r = countersign({"approve", "HEAD", "--key", (keys.path() / "missing").string(), "--trusted-ref", "HEAD~1"},
                  a.path());
  EXPECT_EQ(r.exit_code, 2);
  r = countersign({"override", "HEAD", "--reason", "x", "--role", "sre", "--ttl", "forever", "--key", carol.string()},
                  a.path());
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace cs::test

namespace cs::test {
namespace {

std::string pub_of(const std::filesystem::path& key) {
  auto s = read_file(key.string() + ".pub");
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

TEST(ApproveCli, OverrideLeavesAReviewOpenUntilASeniorApproves) {
  GitRepo g;
  TempDir keys;
  auto sam = make_ssh_key(keys.path(), "sam", {"ed25519"});
  auto carol = make_ssh_key(keys.path(), "carol", {"ed25519"});
  g.git("config countersign.repo acme/app");
  g.write(".countersign/people.yaml", "people:\n  - id: sam\n    name: Sam\n    emails: [sam@example.com]\n    roles: [sre]\n"
                                      "    keys: [\"" + pub_of(sam) + "\"]\n"
                                      "  - id: carol\n    name: Carol\n    emails: [carol@example.com]\n    roles: [senior]\n"
                                      "    keys: [\"" + pub_of(carol) + "\"]\n");
  g.write(".countersign/policy.yaml", "version: 1\nbreak_glass:\n  roles: [sre]\n  max_ttl: 4h\n  review_within: 72h\n");
  g.commit("trusted");
  g.write("hotfix.py", "fix = True\n");
  auto c = g.commit("hotfix", "Dev", "dev@example.com");
  auto ov = countersign({"override", c, "--reason", "outage", "--role", "sre", "--ttl", "1h", "--key", sam.string(),
                         "--trusted-ref", "HEAD~1"},
                        g.path());
  ASSERT_EQ(ov.exit_code, 0) << ov.err;
  auto open = countersign({"overdue", "--trusted-ref", "HEAD~1"}, g.path());
  EXPECT_EQ(open.exit_code, 0) << open.out << open.err;
  EXPECT_NE(open.out.find("0 override review(s) overdue, 1 open"), std::string::npos) << open.out << open.err;
  auto ap = countersign({"approve", c, "--key", carol.string(), "--trusted-ref", "HEAD~1"}, g.path());
  ASSERT_EQ(ap.exit_code, 0) << ap.err;
  auto closed = countersign({"overdue", "--trusted-ref", "HEAD~1"}, g.path());
  EXPECT_NE(closed.out.find("0 override review(s) overdue, 0 open"), std::string::npos) << closed.out << closed.err;
}

}  // namespace
}  // namespace cs::test
