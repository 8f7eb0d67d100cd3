// The gate with real approvals: real git repositories, real keys made by ssh-keygen, the real
// binary. Each attack of issue 3 must end blocked or error with a message naming the reason,
// never pass; the happy paths must pass.
#include <gtest/gtest.h>

#include <sstream>

#include "support/ssh_keys.h"
#include "support/test_support.h"

namespace cs::test {
namespace {


constexpr const char* kAiTrailer = "\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n";

// main holds the trusted .countersign/; `feature` holds AI-assisted commits by Dev.
struct GateRepo {
  GitRepo g;
  TempDir keys;
  std::filesystem::path carol, carol2, dave, dev, alice, claude, mallory, erin;
  std::string base;

  explicit GateRepo(const std::string& policy = "", const std::string& extra_people = "",
                    const std::string& allowed_signers = "") {
    carol = make_ssh_key(keys.path(), "carol", {"ed25519"});
    carol2 = make_ssh_key(keys.path(), "carol2", {"ed25519"});
    dave = make_ssh_key(keys.path(), "dave", {"ed25519"});
    dev = make_ssh_key(keys.path(), "dev", {"ed25519"});
    alice = make_ssh_key(keys.path(), "alice", {"ed25519"});
    claude = make_ssh_key(keys.path(), "claude", {"ed25519"});
    mallory = make_ssh_key(keys.path(), "mallory", {"ed25519"});
    erin = make_ssh_key(keys.path(), "erin", {"ed25519"});
    g.git("config countersign.repo acme/app");
    std::string people =
        "people:\n"
        "  - id: carol\n    name: Carol Senior\n    emails: [carol@example.com]\n    roles: [senior, policy-admin]\n"
        "    keys:\n      - " + pub_line(carol) + "\n      - " + pub_line(carol2) + "\n"
        "  - id: dave\n    name: Dave Senior\n    emails: [dave@example.com]\n    roles: [senior]\n"
        "    keys: [\"" + pub_line(dave) + "\"]\n"
        "  - id: alice\n    name: Alice Doe\n    emails: [alice@example.com]\n    roles: [senior]\n"
        "    keys: [\"" + pub_line(alice) + "\"]\n"
        "  - id: dev\n    name: Dev Junior\n    emails: [dev@example.com]\n    roles: [developer]\n"
        "    keys: [\"" + pub_line(dev) + "\"]\n"
        "  - id: claude-senior\n    name: Claude\n    emails: [noreply@anthropic.com]\n    roles: [senior]\n"
        "    keys: [\"" + pub_line(claude) + "\"]\n"
        "  - id: erin\n    name: Erin Senior\n    emails: [erin@example.com]\n    roles: [senior]\n" +
        extra_people;
    g.write(".countersign/people.yaml", people);
    if (!policy.empty()) g.write(".countersign/policy.yaml", policy);
    if (!allowed_signers.empty()) {
      std::string text = allowed_signers;
      if (auto at = text.find("{erin}"); at != std::string::npos) text.replace(at, 6, pub_line(erin));
      g.write(".countersign/allowed_signers", text);
    }
    g.write("app.py", "def cost(x):\n    return x * 2\n\n\ndef other():\n    return 1\n");
    base = g.commit("base with trusted policy", "Carol Senior", "carol@example.com");
    g.git("checkout -q -b feature");
  }

  std::string ai_commit(const std::string& file, const std::string& body, const std::string& msg = "fix cost") {
    g.write(file, body);
    return g.commit(msg + kAiTrailer, "Dev Junior", "dev@example.com");
  }
  RunResult approve(const std::filesystem::path& key, const std::string& who, const std::string& target,
                    std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"approve", target, "--key", key.string(), "--approver", who, "--trusted-ref", "main"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = countersign(args, g.path());
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    return r;
  }
  RunResult check(const std::string& range = "main..feature") {
    return countersign({"check", range, "--trusted-ref", "main"}, g.path());
  }
  // Writes `contents` at `path` in the approval store with git plumbing, as an attacker could.
  void plant(const std::string& path, const std::string& contents) {
    auto blob = chomp(sh("git hash-object -w --stdin", g.path(), contents).out);
    std::string idx = "GIT_INDEX_FILE=" + quote((g.path() / ".git" / "cs-plant-index").string()) + " ";
    bool has = sh("git rev-parse -q --verify refs/countersign/approvals", g.path()).exit_code == 0;
    sh(idx + (has ? "git read-tree refs/countersign/approvals" : "git read-tree --empty"), g.path());
    sh(idx + "git update-index --add --cacheinfo 100644," + blob + "," + quote(path), g.path());
    auto tree = chomp(sh(idx + "git write-tree", g.path()).out);
    auto commit = chomp(sh("git commit-tree " + tree + (has ? " -p refs/countersign/approvals" : "") + " -m plant", g.path()).out);
    g.git("update-ref refs/countersign/approvals " + commit);
  }
  // The single stored approval file (path, contents).
  std::pair<std::string, std::string> stored(const std::string& suffix = ".sig") {
    auto names = sh("git ls-tree -r --name-only refs/countersign/approvals", g.path()).out;
    for (auto& line : split_lines(names))
      if (line.ends_with(suffix) && !line.ends_with(".revoke.sig") && !line.ends_with(".override.sig"))
        return {line, sh("git cat-file blob refs/countersign/approvals:" + quote(line), g.path()).out};
    ADD_FAILURE() << "no stored approval";
    return {};
  }
  static std::vector<std::string> split_lines(const std::string& s) {
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t nl; (nl = s.find('\n', start)) != std::string::npos; start = nl + 1) out.push_back(s.substr(start, nl - start));
    return out;
  }
};

void expect_not_pass(const RunResult& r, const std::string& reason) {
  EXPECT_TRUE(r.exit_code == 1 || r.exit_code == 2) << "exit " << r.exit_code << "\n" << r.out << r.err;
  EXPECT_NE((r.out + r.err).find(reason), std::string::npos) << "expected '" << reason << "' in:\n" << r.out << r.err;
}

TEST(SignoffGate, SeniorApprovalPasses) {
  GateRepo t;
  auto c = t.ai_commit("app.py", "def cost(x):\n    return x * 3\n\n\ndef other():\n    return 1\n");
  auto blocked = t.check();
  EXPECT_EQ(blocked.exit_code, 1) << blocked.out << blocked.err;
  t.approve(t.carol, "carol@example.com", c);
  auto r = t.check();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("carol"), std::string::npos) << r.out;
}

TEST(SignoffGate, RangeApprovalCoversItsMembers) {
  GateRepo t;
  t.ai_commit("app.py", "def cost(x):\n    return x * 3\n\n\ndef other():\n    return 1\n");
  t.ai_commit("new.py", "print('hi')\n", "add new");
  t.approve(t.dave, "dave@example.com", "main..feature");
  auto r = t.check();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST(SignoffGate, CleanRebaseKeepsTheApproval) {
  GateRepo t;
  auto c = t.ai_commit("app.py", "def cost(x):\n    return x * 3\n\n\ndef other():\n    return 1\n");
  t.approve(t.carol, "carol@example.com", c);
  t.g.git("checkout -q main");
  t.g.write("README.md", "docs\n");
  t.g.commit("docs", "Carol Senior", "carol@example.com");
  t.g.git("checkout -q feature");
  t.g.git("rebase -q main");
  EXPECT_NE(chomp(t.g.git("rev-parse feature")), c);
  auto r = t.check();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// The gate computes digests only for commits a statement could bind (same changed paths and
// modes as a named commit, or a rewrite of one); content approved under another commit id must
// still be found when the approved commit is elsewhere in the clone and when it is gone from it.
TEST(SignoffGate, SameContentUnderAnotherCommitIsFound) {
  GateRepo t;
  const std::string body = "def cost(x):\n    return x * 3\n\n\ndef other():\n    return 1\n";
  auto approved = t.ai_commit("app.py", body);
  t.approve(t.carol, "carol@example.com", approved);
  // The same change, authored again on another branch from main (another id, author, subject).
  t.g.git("checkout -q -b again main");
  t.g.write("app.py", body);
  t.g.commit("the same fix, redone" + std::string(kAiTrailer), "Erin Senior", "erin@example.com");
  auto r = t.check("main..again");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  // With the approved commit gone from the clone, its paths are unknown: every digest is computed.
  t.g.git("branch -q -D feature");
  t.g.git("reflog expire --expire=now --all");
  t.g.git("gc -q --prune=now");
  ASSERT_NE(sh("git cat-file -e " + approved, t.g.path()).exit_code, 0) << "the approved commit is still there";
  auto gone = t.check("main..again");
  EXPECT_EQ(gone.exit_code, 0) << gone.out << gone.err;
}

// An approval of other content, for a commit with other paths, leaves the range's digests unneeded:
// the verdict is the same as with no store, and the digest is reported as not computed.
TEST(SignoffGate, UnrelatedApprovalsDoNotBindARange) {
  GateRepo t;
  auto a = t.ai_commit("app.py", "def cost(x):\n    return x * 3\n\n\ndef other():\n    return 1\n");
  t.approve(t.carol, "carol@example.com", a);
  auto b = t.ai_commit("other.py", "x = 1\n", "unrelated");
  auto r = countersign({"check", a + ".." + b, "--trusted-ref", "main", "--format", "json"}, t.g.path());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("\"digest\":null"), std::string::npos) << r.out;
}

// A validly signed statement whose commit line names another commit of the range than the one
// whose change it signs (countersign never writes one; a hand-made one might): the gate cannot
// trace it by the named commit, so it computes every digest, and the change it signs is found.
TEST(SignoffGate, StatementNamingAnotherCommitStillBindsItsContent) {
  GateRepo t;
  auto x = t.ai_commit("app.py", "def cost(x):\n    return x * 3\n\n\ndef other():\n    return 1\n");
  auto n = t.ai_commit("other.py", "y = 2\n", "another change");
  t.approve(t.carol, "carol@example.com", x);
  auto [path, contents] = t.stored();
  std::string statement = contents.substr(0, contents.find("-----BEGIN SSH SIGNATURE-----"));
  auto at = statement.find("commit " + x);
  ASSERT_NE(at, std::string::npos) << statement;
  statement.replace(at + 7, 40, n);
  std::string signed_file = statement + ssh_keygen_sign(t.carol, statement);
  sh("git update-ref -d refs/countersign/approvals", t.g.path());
  t.plant(path, signed_file);
  auto r = countersign({"check", "main..feature", "--trusted-ref", "main", "--format", "json"}, t.g.path());
  auto x_at = r.out.find("{\"commit\":\"" + x + "\"");
  ASSERT_NE(x_at, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"satisfied\":true", x_at), std::string::npos) << r.out;
}

TEST(SignoffGate, ForgedSignatureFails) {
  GateRepo t;
  auto a = t.ai_commit("app.py", "def cost(x):\n    return x * 3\n\n\ndef other():\n    return 1\n");
  t.approve(t.carol, "carol@example.com", a);
  auto [path, contents] = t.stored();
  // Reuse carol's signature on a statement for another change: edited, moved to its digest.
  auto b = t.ai_commit("evil.py", "import os\nos.system('rm -rf /')\n", "sneak");
  t.approve(t.mallory, "carol@example.com", b, {"--force"});  // learn b's digest directory
  auto names = GateRepo::split_lines(sh("git ls-tree -r --name-only refs/countersign/approvals", t.g.path()).out);
  std::string b_dir;
  for (auto& n : names)
    if (n.substr(0, n.rfind('/')) != path.substr(0, path.rfind('/'))) b_dir = n.substr(0, n.rfind('/'));
  ASSERT_FALSE(b_dir.empty());
  std::string digest_b = b_dir.substr(0, 2) + b_dir.substr(3);
  std::string forged = contents;
  auto at = forged.find("change ") + 7;
  forged.replace(at, 64, digest_b);
  auto cl = forged.find("commit ") + 7;
  forged.replace(cl, 40, b);
  t.plant(b_dir + path.substr(path.rfind('/')), forged);
  auto r = t.check();
  expect_not_pass(r, "bad signature");
}

TEST(SignoffGate, KeyNotInPeopleDirectoryFails) {
  GateRepo t;
  auto c = t.ai_commit("app.py", "def cost(x):\n    return x * 3\n\n\ndef other():\n    return 1\n");
  t.approve(t.mallory, "carol@example.com", c, {"--force"});
  expect_not_pass(t.check(), "unknown key");
  // The pull-request form says so too: the approval is there, and why it does not count.
  auto md = countersign({"check", "main..feature", "--trusted-ref", "main", "--format", "markdown"}, t.g.path());
  EXPECT_EQ(md.exit_code, 1);
  EXPECT_NE(md.out.find("#### Approvals that do not count"), std::string::npos) << md.out;
  EXPECT_NE(md.out.find("| unknown key | key SHA256:"), std::string::npos) << md.out;
  EXPECT_NE(md.out.find("belongs to nobody in the trusted people directory"), std::string::npos) << md.out;
}

TEST(SignoffGate, SeniorKeyPastValidBeforeFails) {
  // erin's key is known only through the trusted allowed_signers file, which expired it.
  GateRepo t("", "", "erin@example.com valid-before=\"20200101Z\" {erin}\n");
  auto c = t.ai_commit("app.py", "def cost(x):\n    return x * 3\n\n\ndef other():\n    return 1\n");
  t.approve(t.erin, "erin@example.com", c, {"--force"});
  expect_not_pass(t.check(), "key expired");
}

TEST(SignoffGate, ApprovalCopiedFromAnotherRepositoryFails) {
  GateRepo t;
  auto c = t.ai_commit("app.py", "def cost(x):\n    return x * 3\n\n\ndef other():\n    return 1\n");
  t.g.git("config countersign.repo acme/other");
  t.approve(t.carol, "carol@example.com", c);
  t.g.git("config countersign.repo acme/app");
  expect_not_pass(t.check(), "wrong repository");
}

TEST(SignoffGate, ApprovalOfDifferentContentFails) {
  struct Edit {
    const char* name;
    const char* file;
    const char* body;
  };
  for (const Edit& e : {Edit{"one byte", "app.py", "def cost(x):\n    return x * 4\n\n\ndef other():\n    return 1\n"},
                        Edit{"whitespace", "app.py", "def cost(x):\n    return x * 3 \n\n\ndef other():\n    return 1\n"},
                        Edit{"file added", "extra.py", "x = 1\n"}}) {
    SCOPED_TRACE(e.name);
    GateRepo t;
    auto c = t.ai_commit("app.py", "def cost(x):\n    return x * 3\n\n\ndef other():\n    return 1\n");
    t.approve(t.carol, "carol@example.com", c);
    t.g.write(e.file, e.body);
    t.g.git("add -A");
    t.g.git("commit -q --amend --no-edit");
    expect_not_pass(t.check(), "stale");
  }
}

TEST(SignoffGate, AuthorMayNotApprove) {
  GateRepo t;
  t.g.write("app.py", "def cost(x):\n    return x * 3\n\n\ndef other():\n    return 1\n");
  auto c = t.g.commit(std::string("fix") + kAiTrailer, "Alice Doe", "alice@example.com");
  t.approve(t.alice, "alice@example.com", c, {"--force"});
  expect_not_pass(t.check(), "author");
}

TEST(SignoffGate, OperatorOfTheAgentMayNotApprove) {
  GateRepo t;
  t.g.write("app.py", "def cost(x):\n    return x * 3\n\n\ndef other():\n    return 1\n");
  auto c = t.g.commit("agent fix\n\nAgent-Operator: Dave Senior <dave@example.com>\n", "Cursor Agent",
                      "cursoragent@cursor.com");
  t.approve(t.dave, "dave@example.com", c, {"--force"});
  expect_not_pass(t.check(), "operator");
}

TEST(SignoffGate, AgentListedAsSeniorNeverCounts) {
  GateRepo t;
  auto c = t.ai_commit("app.py", "def cost(x):\n    return x * 3\n\n\ndef other():\n    return 1\n");
  t.approve(t.claude, "noreply@anthropic.com", c, {"--force"});
  expect_not_pass(t.check(), "agent");
}

TEST(SignoffGate, OnePersonWithTwoKeysCountsOnce) {
  GateRepo t("version: 1\nrules:\n  - name: two seniors\n    match:\n      provenance: [ai_assisted, ai_authored, unknown]\n"
             "    require:\n      approvals: 2\n      roles: [senior]\n");
  auto c = t.ai_commit("app.py", "def cost(x):\n    return x * 3\n\n\ndef other():\n    return 1\n");
  t.approve(t.carol, "carol@example.com", c);
  t.approve(t.carol2, "carol@example.com", c);
  auto r = t.check();
  expect_not_pass(r, "carol");
  EXPECT_EQ(r.exit_code, 1);
  t.approve(t.dave, "dave@example.com", c);
  auto ok = t.check();
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
}

TEST(SignoffGate, CandidateCannotMakeItsAuthorSenior) {
  GateRepo t;
  // The candidate rewrites the people directory: dev becomes senior with a new key.
  auto people = read_file(t.g.path() / ".countersign/people.yaml");
  auto pos = people.find("roles: [developer]");
  people.replace(pos, 18, "roles: [senior, policy-admin]");
  people += "  - id: devsenior\n    name: Dev Again\n    emails: [dev2@example.com]\n    roles: [senior, policy-admin]\n"
            "    keys: [\"" + pub_line(t.mallory) + "\"]\n";
  t.g.write(".countersign/people.yaml", people);
  auto c = t.g.commit(std::string("promote myself") + kAiTrailer, "Dev Junior", "dev@example.com");
  t.approve(t.mallory, "dev2@example.com", c, {"--force"});
  t.approve(t.dev, "dev@example.com", c, {"--force"});
  auto r = t.check();
  expect_not_pass(r, "unknown key");
  EXPECT_NE((r.out + r.err).find("policy-admin"), std::string::npos) << r.out;
}

TEST(SignoffGate, TruncatedOrGarbageSigFails) {
  for (bool garbage : {false, true}) {
    SCOPED_TRACE(garbage ? "garbage" : "truncated");
    GateRepo t;
    auto c = t.ai_commit("app.py", "def cost(x):\n    return x * 3\n\n\ndef other():\n    return 1\n");
    t.approve(t.carol, "carol@example.com", c);
    auto [path, contents] = t.stored();
    static constexpr char kGarbage[] = "\x7f" "ELF\x00\x01 not a statement";
    t.plant(path, garbage ? std::string(kGarbage, sizeof kGarbage - 1) : contents.substr(0, contents.size() - 40));
    expect_not_pass(t.check(), "malformed");
  }
}

TEST(SignoffGate, ApprovalRefAtANonTreeObjectIsAnError) {
  GateRepo t;
  auto c = t.ai_commit("app.py", "def cost(x):\n    return x * 3\n\n\ndef other():\n    return 1\n");
  t.approve(t.carol, "carol@example.com", c);
  auto blob = chomp(sh("git hash-object -w --stdin", t.g.path(), "not a tree").out);
  t.g.git("update-ref refs/countersign/approvals " + blob);
  auto r = t.check();
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("refs/countersign/approvals points at a blob"), std::string::npos) << r.out << r.err;
}

const char* kSeniorPolicy =
    "version: 1\nbreak_glass:\n  roles: [senior]\n  max_ttl: 4h\n  review_within: 72h\nrules:\n  - name: ai needs a senior\n"
    "    match:\n      provenance: [ai_assisted, ai_authored, unknown]\n    require:\n      approvals: 1\n      roles: [senior]\n";
const char* kFix = "def cost(x):\n    return x * 3\n\n\ndef other():\n    return 1\n";

TEST(SignoffGate, SatisfiedByIsReportedInJson) {
  GateRepo t(kSeniorPolicy);
  auto c = t.ai_commit("app.py", kFix);
  t.approve(t.dave, "dave@example.com", c);
  auto r = countersign({"check", "main..feature", "--trusted-ref", "main", "--format", "json"}, t.g.path());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("\"verdict\":\"pass\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"satisfied_by\":[\"dave\"]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"status\":\"valid\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"counted\":true"), std::string::npos) << r.out;
}

TEST(SignoffGate, OverrideLetsThisRangeThroughWithAReviewOwedButNotALaterCommit) {
  GateRepo t(kSeniorPolicy);
  t.ai_commit("app.py", kFix);
  auto ov = countersign({"override", "main..feature", "--role", "senior", "--reason", "outage", "--ttl", "1h", "--key",
                         t.dave.string(), "--approver", "dave@example.com", "--trusted-ref", "main"},
                        t.g.path());
  ASSERT_EQ(ov.exit_code, 0) << ov.out << ov.err;
  auto r = t.check();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(": overridden"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("post-hoc review owed: override by dave"), std::string::npos) << r.out;
  auto j = countersign({"check", "main..feature", "--trusted-ref", "main", "--format", "json"}, t.g.path());
  EXPECT_NE(j.out.find("\"verdict\":\"overridden\""), std::string::npos) << j.out;
  EXPECT_NE(j.out.find("\"reviews\":[{\"by\":\"dave\""), std::string::npos) << j.out;
  // A commit added after the override is not covered by it.
  t.ai_commit("later.py", "x = 2\n", "later");
  auto later = t.check();
  EXPECT_EQ(later.exit_code, 1) << later.out << later.err;
  EXPECT_NE(later.out.find("1 missing sign-off"), std::string::npos) << later.out;
}

TEST(SignoffGate, OverrideByARoleTheBreakGlassSectionDoesNotPermitFails) {
  GateRepo t(kSeniorPolicy);
  t.ai_commit("app.py", kFix);
  auto refused = countersign({"override", "main..feature", "--role", "developer", "--reason", "me", "--ttl", "1h",
                              "--key", t.dev.string(), "--trusted-ref", "main"},
                             t.g.path());
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("role developer may not override (break_glass permits: senior)"), std::string::npos)
      << refused.err;
  auto ov = countersign({"override", "main..feature", "--role", "developer", "--reason", "me", "--ttl", "1h", "--key",
                         t.dev.string(), "--approver", "dev@example.com", "--trusted-ref", "main", "--force"},
                        t.g.path());
  ASSERT_EQ(ov.exit_code, 0) << ov.out << ov.err;
  expect_not_pass(t.check(), "may not override");
}

TEST(SignoffGate, DeployFormChecksDeployedToCandidate) {
  GateRepo t(kSeniorPolicy);
  auto c = t.ai_commit("app.py", kFix);
  auto blocked = countersign({"check", "--deployed", "main", "--candidate", "feature"}, t.g.path());
  EXPECT_EQ(blocked.exit_code, 1) << blocked.out << blocked.err;
  EXPECT_NE(blocked.out.find("main..feature"), std::string::npos) << blocked.out;
  t.approve(t.carol, "carol@example.com", c);
  auto pass = countersign({"check", "--deployed", "main", "--candidate", "feature"}, t.g.path());
  EXPECT_EQ(pass.exit_code, 0) << pass.out << pass.err;
  auto head = countersign({"check", "--deployed", "main"}, t.g.path());  // candidate: HEAD (feature)
  EXPECT_EQ(head.exit_code, 0) << head.out << head.err;
  EXPECT_NE(head.out.find("main..HEAD"), std::string::npos) << head.out;
  auto both = countersign({"check", "main..feature", "--deployed", "main"}, t.g.path());
  EXPECT_EQ(both.exit_code, 2) << both.out << both.err;
}

TEST(SignoffGate, ApprovalsListsEachApprovalWithItsStatus) {
  GateRepo t(kSeniorPolicy);
  auto c = t.ai_commit("app.py", kFix);
  t.approve(t.carol, "carol@example.com", c);
  t.approve(t.mallory, "carol@example.com", c, {"--force"});
  t.approve(t.dev, "dev@example.com", c, {"--force"});
  auto r = countersign({"approvals", "main..feature", "--trusted-ref", "main"}, t.g.path());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("approval by carol"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("): counted"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("unknown key"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("approver not eligible \u2014 dev is the change's author"), std::string::npos) << r.out;
  // The content changes: every approval of the old content is reported stale.
  t.g.write("app.py", "def cost(x):\n    return x * 5\n\n\ndef other():\n    return 1\n");
  t.g.git("commit -q -a --amend --no-edit");
  auto j = countersign({"approvals", "main..feature", "--trusted-ref", "main", "--format", "json"}, t.g.path());
  EXPECT_EQ(j.exit_code, 0) << j.out << j.err;
  EXPECT_NE(j.out.find("\"status\":\"stale: content changed\""), std::string::npos) << j.out;
  EXPECT_EQ(j.out.find("\"counted\":true"), std::string::npos) << j.out;
}

TEST(SignoffGate, RevokedApprovalNoLongerCounts) {
  GateRepo t(kSeniorPolicy);
  auto c = t.ai_commit("app.py", kFix);
  t.approve(t.carol, "carol@example.com", c);
  ASSERT_EQ(t.check().exit_code, 0);
  auto rv = countersign({"revoke", c, "--key", t.carol.string(), "--approver", "carol@example.com"}, t.g.path());
  ASSERT_EQ(rv.exit_code, 0) << rv.out << rv.err;
  expect_not_pass(t.check(), "revoked");
}

// A revocation cannot be undone by a commit on top of the store: deleting it, or replacing it
// with other contents, in a new commit of refs/countersign/approvals (a normal, fast-forward push).
TEST(SignoffGate, RevocationRemovedByALaterStoreCommitStillCounts) {
  for (const std::string how : {"delete", "garble", "delete-and-merge"}) {
    GateRepo t(kSeniorPolicy);
    auto c = t.ai_commit("app.py", kFix);
    t.approve(t.carol, "carol@example.com", c);
    auto rv = countersign({"revoke", c, "--key", t.carol.string()}, t.g.path());
    ASSERT_EQ(rv.exit_code, 0) << rv.out << rv.err;
    expect_not_pass(t.check(), "revoked");
    auto run = [&](const std::string& command) {
      auto r = sh(command, t.g.path());
      EXPECT_EQ(r.exit_code, 0) << command << ": " << r.err;
    };
    std::istringstream files(t.g.git("ls-tree -r --name-only refs/countersign/approvals"));
    std::string revocation, line;
    while (std::getline(files, line))
      if (line.ends_with(".revoke.sig")) revocation = line;
    ASSERT_FALSE(revocation.empty());
    std::string idx = "GIT_INDEX_FILE=" + quote((t.g.path() / ".git/cs-tmp-index").string()) + " ";
    run(idx + "git read-tree refs/countersign/approvals");
    if (how == "garble")
      run(idx + "git update-index --cacheinfo 100644,$(echo garbage | git hash-object -w --stdin)," + quote(revocation));
    else
      run(idx + "git rm -q --cached " + quote(revocation));
    run("c=$(git commit-tree $(" + idx + "git write-tree) -p refs/countersign/approvals -m 'tidy up') && " +
        "git update-ref refs/countersign/approvals $c");
    if (how == "delete-and-merge")  // merged with a side history that never held it
      run("t=$(git rev-parse 'refs/countersign/approvals^{tree}') && side=$(git commit-tree $t -m side) && "
          "c=$(git commit-tree $t -p refs/countersign/approvals -p $side -m merge) && "
          "git update-ref refs/countersign/approvals $c");
    bool present = t.g.git("ls-tree -r --name-only refs/countersign/approvals").find(revocation) != std::string::npos;
    EXPECT_EQ(present, how == "garble") << how;
    expect_not_pass(t.check(), "revoked");
  }
}

// git's <rev>^! names one commit: approve, revoke and the gate read it as the commit itself.
TEST(SignoffGate, CaretBangNamesTheCommitItself) {
  GateRepo t(kSeniorPolicy);
  auto c = t.ai_commit("app.py", kFix);
  t.approve(t.carol, "carol@example.com", c + "^!");
  EXPECT_EQ(t.check().exit_code, 0);
  auto rv = countersign({"revoke", "feature^!", "--key", t.carol.string()}, t.g.path());
  ASSERT_EQ(rv.exit_code, 0) << rv.out << rv.err;
  expect_not_pass(t.check(), "revoked");
}

// The revoker's machine need not know the principal the approval named: a revocation that named
// user.email (another address, or none) was void while `revoke` reported success.
TEST(SignoffGate, RevocationCountsWhateverTheRevokersGitEmail) {
  for (const std::string email : {"carol.home@example.org", ""}) {
    GateRepo t(kSeniorPolicy);
    auto c = t.ai_commit("app.py", kFix);
    t.approve(t.carol, "carol@example.com", c);
    ASSERT_EQ(t.check().exit_code, 0);
    t.g.git(email.empty() ? "config --unset user.email" : "config user.email " + email);
    auto rv = countersign({"revoke", c, "--key", t.carol.string()}, t.g.path());
    ASSERT_EQ(rv.exit_code, 0) << rv.out << rv.err;
    EXPECT_NE(rv.out.find("carol@example.com"), std::string::npos) << rv.out;
    expect_not_pass(t.check(), "revoked");
  }
}

TEST(SignoffGate, ApprovalOlderThanMaxAgeDoesNotCount) {
  GateRepo t(std::string(kSeniorPolicy) + "max_age: 1s\n");
  auto c = t.ai_commit("app.py", kFix);
  t.approve(t.carol, "carol@example.com", c);
  sh("sleep 2");
  expect_not_pass(t.check(), "older than the policy's max_age");
}

}  // namespace
}  // namespace cs::test
