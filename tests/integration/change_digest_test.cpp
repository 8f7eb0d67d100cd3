// An approval binds where the change lands (issue 11, section 6): with real git rebases, real
// keys and the real binary. A clean rebase keeps an approval; a rebase that lands the approved
// line in another function does not; approvals made under change digest v1 are reported as
// needing re-approval and never counted.
#include <gtest/gtest.h>

#include <ctime>

#include "countersign/signoff/signoff.h"
#include "support/ssh_keys.h"
#include "support/test_support.h"

namespace cs::test {
namespace {

constexpr const char* kAiTrailer = "\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n";

// Two functions with the same body, so that a line added at the same place in either has the
// same surrounding lines.
std::string app(const std::string& first, const std::string& second, const std::string& added_to = "",
                const std::string& above = "") {
  auto fn = [&](const std::string& name) {
    std::string body = "    a = 1\n    b = 2\n    c = 3\n    d = 4\n    e = 5\n    f = 6\n" +
                       std::string(name == added_to ? "    os.remove(path)\n" : "") +
                       "    g = 7\n    h = 8\n    return a\n";
    return "def " + name + "(path):\n" + body;
  };
  return "import os\n" + above + "\n" + fn(first) + "\n" + fn(second);
}

struct Repo {
  GitRepo g;
  TempDir keys;
  std::filesystem::path carol;

  Repo() {
    carol = make_ssh_key(keys.path(), "carol", {"ed25519"});
    g.git("config countersign.repo acme/app");
    g.write(".countersign/people.yaml",
            "people:\n  - id: carol\n    name: Carol Senior\n    emails: [carol@example.com]\n"
            "    roles: [senior]\n    keys: [\"" +
                chomp(read_file(carol.string() + ".pub")) + "\"]\n");
    g.write("app.py", app("read_config", "delete_everything"));
    g.commit("base", "Carol Senior", "carol@example.com");
    g.git("checkout -q -b feature");
  }
  std::string ai_commit(const std::string& body, const std::string& msg = "remove the temp file") {
    g.write("app.py", body);
    return g.commit(msg + kAiTrailer, "Dev Junior", "dev@example.com");
  }
  void approve(const std::string& target) {
    auto r = countersign({"approve", target, "--key", carol.string(), "--approver", "carol@example.com"}, g.path());
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  void upstream(const std::string& body, const std::string& msg) {
    g.git("checkout -q main");
    g.write("app.py", body);
    g.commit(msg, "Carol Senior", "carol@example.com");
    g.git("checkout -q feature");
    g.git("rebase -q main");
  }
  RunResult check(const std::string& cmd = "check") {
    return countersign({cmd, "main..feature", "--trusted-ref", "main"}, g.path());
  }
  // A statement made as countersign did before change digest v2: v1 digests, first line v1,
  // signed by carol with ssh-keygen and filed under its v1 digest.
  void plant_v1(const std::string& commit, const std::vector<std::string>& members = {}) {
    auto repo = git::Repository::open(g.path().string());
    ASSERT_TRUE(repo);
    auto v1 = [&](const std::string& id) {
      auto c = repo->commit(*git::ObjectId::from_hex(id));
      EXPECT_TRUE(c);
      auto d = signoff::commit_digest(*repo, *c, 1);
      EXPECT_TRUE(d && *d);
      return **d;
    };
    signoff::Statement s;
    s.version = 1;
    s.repo = "acme/app";
    if (members.empty()) {
      s.change = v1(commit);
    } else {
      auto head = repo->commit(*git::ObjectId::from_hex(commit));
      ASSERT_TRUE(head);
      auto base = repo->resolve("main");
      ASSERT_TRUE(base);
      auto base_tree = repo->commit(*base)->tree;
      auto text = signoff::canonical_change(*repo, base_tree, head->tree, 1);
      ASSERT_TRUE(text);
      s.change = signoff::ChangeDigest::of(*text);
      for (const auto& m : members) s.members.push_back(v1(m));
    }
    s.commit = *git::ObjectId::from_hex(commit);
    s.approver = "carol@example.com";
    s.role = "senior";
    s.time = std::time(nullptr) - 3600;
    std::string text = signoff::render(s);
    ASSERT_TRUE(text.starts_with("countersign-approval v1\n"));
    std::string fingerprint = chomp(sh("ssh-keygen -l -f " + quote(carol.string() + ".pub") + " | cut -d' ' -f2").out);
    std::string key = fingerprint;
    for (char& c : key) c = c == '/' ? '_' : c == '+' ? '-' : c;
    std::string hex = s.change.hex();
    std::string path = hex.substr(0, 2) + "/" + hex.substr(2) + "/" + key + ".sig";
    auto blob = chomp(sh("git hash-object -w --stdin", g.path(), text + ssh_keygen_sign(carol, text)).out);
    std::string idx = "GIT_INDEX_FILE=" + quote((g.path() / ".git" / "cs-plant-index").string()) + " ";
    bool has = sh("git rev-parse -q --verify refs/countersign/approvals", g.path()).exit_code == 0;
    sh(idx + (has ? "git read-tree refs/countersign/approvals" : "git read-tree --empty"), g.path());
    sh(idx + "git update-index --add --cacheinfo 100644," + blob + "," + quote(path), g.path());
    auto tree = chomp(sh(idx + "git write-tree", g.path()).out);
    auto c = chomp(
        sh("git commit-tree " + tree + (has ? " -p refs/countersign/approvals" : "") + " -m plant", g.path()).out);
    g.git("update-ref refs/countersign/approvals " + c);
  }
};

constexpr const char* kV1Status = "stale: made under change digest v1, re-approve";

TEST(ChangeDigestGate, ApprovalSurvivesACleanRebaseOverLinesAddedAbove) {
  Repo t;
  auto c = t.ai_commit(app("read_config", "delete_everything", "delete_everything"));
  t.approve(c);
  t.upstream(app("read_config", "delete_everything", "", "import sys\n\n\ndef helper():\n    return sys.argv\n"),
             "helper above");
  EXPECT_NE(chomp(t.g.git("rev-parse feature")), c);
  auto r = t.check();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// The moved-line attack through a clean rebase: upstream turns the function into another (its def
// line changes), the approved hunk applies at the same place and now runs in drop_database.
TEST(ChangeDigestGate, ApprovalDoesNotFollowTheLineIntoAnotherFunction) {
  Repo t;
  auto c = t.ai_commit(app("read_config", "delete_everything", "read_config"));
  t.approve(c);
  ASSERT_EQ(t.check().exit_code, 0);
  t.upstream(app("drop_database", "delete_everything"), "rename");
  ASSERT_EQ(read_file(t.g.path() / "app.py"), app("drop_database", "delete_everything", "drop_database"));
  auto r = t.check();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("stale: content changed"), std::string::npos) << r.out;
}

TEST(ChangeDigestGate, V1ApprovalIsReportedAsNeedingReapprovalNeverCounted) {
  Repo t;
  auto c = t.ai_commit(app("read_config", "delete_everything", "read_config"));
  t.plant_v1(c);
  auto r = t.check();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find(kV1Status), std::string::npos) << r.out;
  auto a = t.check("approvals");
  EXPECT_EQ(a.exit_code, 0) << a.out << a.err;
  EXPECT_NE(a.out.find(kV1Status), std::string::npos) << a.out;
  auto j = countersign({"check", "main..feature", "--trusted-ref", "main", "--format", "json"}, t.g.path());
  EXPECT_NE(j.out.find(std::string("\"status\":\"") + kV1Status + "\""), std::string::npos) << j.out;
  EXPECT_EQ(j.out.find("\"counted\":true"), std::string::npos) << j.out;
  // Re-approving signs v2, which counts.
  t.approve(c);
  auto again = t.check();
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
}

// A v1 range approval: every member, not only the commit its commit line names, is reported.
TEST(ChangeDigestGate, V1RangeApprovalIsReportedForEveryMember) {
  Repo t;
  auto first = t.ai_commit(app("read_config", "delete_everything", "read_config"));
  t.g.write("notes.txt", "more\n");
  auto second = t.g.commit(std::string("notes") + kAiTrailer, "Dev Junior", "dev@example.com");
  t.plant_v1(second, {first, second});
  auto j = countersign({"approvals", "main..feature", "--trusted-ref", "main", "--format", "json"}, t.g.path());
  EXPECT_EQ(j.exit_code, 0) << j.out << j.err;
  for (const auto& id : {first, second}) {
    auto at = j.out.find("{\"commit\":\"" + id + "\"");
    ASSERT_NE(at, std::string::npos) << id << "\n" << j.out;
    auto next = j.out.find("{\"commit\":\"", at + 1);
    EXPECT_NE(j.out.substr(at, next - at).find(kV1Status), std::string::npos) << id << "\n" << j.out;
  }
  auto r = t.check();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
}

}  // namespace
}  // namespace cs::test
