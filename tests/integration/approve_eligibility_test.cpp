// `countersign approve` refuses what cannot count (issue 11, section 8): it runs the gate over
// exactly its targets and signs only when the key's owner in the trusted people directory is
// eligible in the role claimed. Real git repositories, real ssh-keygen keys, the real binary.
#include <gtest/gtest.h>

#include "support/ssh_keys.h"
#include "support/test_support.h"

namespace cs::test {
namespace {

constexpr const char* kAiTrailer = "\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n";
constexpr const char* kFix = "def cost(x):\n    return x * 3\n";

// main holds the trusted .countersign/; `feature` gets the candidate commits.
struct Team {
  GitRepo g;
  TempDir keys;
  std::filesystem::path carol, dave, dev, claude, mallory;

  explicit Team(const std::string& policy = "") {
    carol = make_ssh_key(keys.path(), "carol", {"ed25519"});
    dave = make_ssh_key(keys.path(), "dave", {"ed25519"});
    dev = make_ssh_key(keys.path(), "dev", {"ed25519"});
    claude = make_ssh_key(keys.path(), "claude", {"ed25519"});
    mallory = make_ssh_key(keys.path(), "mallory", {"ed25519"});
    g.git("config countersign.repo acme/app");
    g.write(
        ".countersign/people.yaml",
        "people:\n"
        "  - id: carol\n    name: Carol Senior\n    emails: [carol@example.com]\n    roles: [senior, policy-admin]\n"
        "    keys: [\"" +
            pub_line(carol) +
            "\"]\n"
            "  - id: dave\n    name: Dave Senior\n    emails: [dave@example.com]\n    roles: [senior]\n"
            "    keys: [\"" +
            pub_line(dave) +
            "\"]\n"
            "  - id: dev\n    name: Dev Junior\n    emails: [dev@example.com]\n    roles: [developer]\n"
            "    keys: [\"" +
            pub_line(dev) +
            "\"]\n"
            "  - id: claude-senior\n    name: Claude\n    emails: [noreply@anthropic.com]\n    roles: [senior]\n"
            "    keys: [\"" +
            pub_line(claude) + "\"]\n");
    if (!policy.empty()) g.write(".countersign/policy.yaml", policy);
    g.write("app.py", "def cost(x):\n    return x * 2\n");
    g.commit("trusted base", "Carol Senior", "carol@example.com");
    g.git("checkout -q -b feature");
    // Whoever runs approve, git's own identity says nothing about who approves.
    g.git("config user.email someone-else@example.com");
  }

  std::string ai_commit(const std::string& file, const std::string& body, const std::string& author = "Dev Junior",
                        const std::string& email = "dev@example.com", const std::string& msg = "fix cost") {
    g.write(file, body);
    return g.commit(msg + kAiTrailer, author, email);
  }
  RunResult approve(const std::filesystem::path& key, const std::string& target, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"approve", target, "--key", key.string(), "--trusted-ref", "main"};
    args.insert(args.end(), extra.begin(), extra.end());
    return countersign(args, g.path());
  }
  RunResult check(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"check", "main..feature", "--trusted-ref", "main"};
    args.insert(args.end(), extra.begin(), extra.end());
    return countersign(args, g.path());
  }
  std::vector<std::string> stored() {
    std::vector<std::string> out;
    auto r = sh("git ls-tree -r --name-only refs/countersign/approvals", g.path());
    if (r.exit_code != 0) return out;
    size_t start = 0;
    for (size_t nl; (nl = r.out.find('\n', start)) != std::string::npos; start = nl + 1)
      out.push_back(r.out.substr(start, nl - start));
    return out;
  }
};

// Refused: exit 2, the reason on stderr, and nothing written to the store.
void expect_refused(Team& t, const RunResult& r, const std::string& reason) {
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find(reason), std::string::npos) << "expected '" << reason << "' in:\n" << r.err;
  EXPECT_NE(r.err.find("nothing signed"), std::string::npos) << r.err;
  EXPECT_TRUE(t.stored().empty()) << "something was stored";
}

TEST(ApproveEligibility, TheApproverIsTheKeysOwner) {
  Team t;
  auto c = t.ai_commit("app.py", kFix);
  auto r = t.approve(t.carol, c);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("approved " + c + " as carol@example.com"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("trusted revision main"), std::string::npos) << r.out;
  EXPECT_EQ(t.check().exit_code, 0);
  // An --approver naming someone else than the key's owner would be refused by the gate.
  auto other = t.ai_commit("more.py", "x = 1\n");
  auto wrong = t.approve(t.dave, other, {"--approver", "carol@example.com"});
  EXPECT_EQ(wrong.exit_code, 2) << wrong.out << wrong.err;
  EXPECT_NE(wrong.err.find("is dave's, not carol@example.com's"), std::string::npos) << wrong.err;
  EXPECT_EQ(t.stored().size(), 1u);
}

TEST(ApproveEligibility, MistypedRoleIsRefused) {
  Team t;
  auto c = t.ai_commit("app.py", kFix);
  expect_refused(t, t.approve(t.carol, c, {"--role", "senoir"}),
                 "nobody in the trusted people directory holds role 'senoir' (did you mean 'senior'?)");
  expect_refused(t, t.approve(t.carol, c, {"--role", "Senior"}), "holds role 'Senior'");
  // A role carol holds but that this commit does not ask for.
  expect_refused(t, t.approve(t.carol, c, {"--role", "policy-admin"}), "needs role senior, not policy-admin");
}

TEST(ApproveEligibility, RoleNotHeldIsRefused) {
  Team t;
  auto c = t.ai_commit("app.py", kFix, "Alice Doe", "alice@example.com");
  expect_refused(t, t.approve(t.dev, c), "dev does not hold role senior (holds: developer)");
  expect_refused(t, t.approve(t.dave, c, {"--role", "policy-admin"}),
                 "dave does not hold role policy-admin (holds: senior)");
}

TEST(ApproveEligibility, OwnChangeIsRefused) {
  {
    SCOPED_TRACE("author");
    Team t;
    auto c = t.ai_commit("app.py", kFix, "Dave Senior", "dave@example.com");
    expect_refused(t, t.approve(t.dave, c),
                   "dave may not approve commit " + c.substr(0, 12) + " (fix cost): they are its author");
  }
  {
    SCOPED_TRACE("committer");
    Team t;
    t.g.git("config user.email carol@example.com");
    auto c = t.ai_commit("app.py", kFix);
    expect_refused(t, t.approve(t.carol, c), "they are its committer");
  }
  {
    SCOPED_TRACE("operator");
    Team t;
    t.g.write("app.py", kFix);
    auto c = t.g.commit("agent fix\n\nAgent-Operator: Dave Senior <dave@example.com>\n", "Cursor Agent",
                        "cursoragent@cursor.com");
    expect_refused(t, t.approve(t.dave, c), "they are its operator");
  }
  {
    SCOPED_TRACE("one of a range");
    Team t;
    t.ai_commit("app.py", kFix);
    auto own = t.ai_commit("b.py", "b = 1\n", "Dave Senior", "dave@example.com", "dave's own");
    expect_refused(t, t.approve(t.dave, "main..feature"),
                   "commit " + own.substr(0, 12) + " (dave's own): they are its author");
  }
}

TEST(ApproveEligibility, KeyOfNobodyIsRefusedAndForceDoesNotMakeItCount) {
  Team t;
  auto c = t.ai_commit("app.py", kFix);
  expect_refused(t, t.approve(t.mallory, c),
                 "belongs to nobody in the trusted people directory (trusted revision main)");
  auto forced = t.approve(t.mallory, c, {"--force", "--approver", "carol@example.com"});
  ASSERT_EQ(forced.exit_code, 0) << forced.out << forced.err;
  EXPECT_NE(forced.err.find("signing it anyway (--force): the gate will not count it"), std::string::npos)
      << forced.err;
  auto r = t.check();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("unknown key"), std::string::npos) << r.out;
}

TEST(ApproveEligibility, AgentKeyIsRefused) {
  Team t;
  auto c = t.ai_commit("app.py", kFix);
  expect_refused(t, t.approve(t.claude, c), "claude-senior is an AI agent identity: agents never approve");
}

TEST(ApproveEligibility, ForcedApprovalOfOwnChangeIsStoredButNotCounted) {
  Team t;
  auto c = t.ai_commit("app.py", kFix, "Dave Senior", "dave@example.com");
  auto forced = t.approve(t.dave, c, {"--force"});
  ASSERT_EQ(forced.exit_code, 0) << forced.out << forced.err;
  EXPECT_NE(forced.err.find("they are its author"), std::string::npos) << forced.err;
  EXPECT_EQ(t.stored().size(), 1u);
  EXPECT_EQ(t.check().exit_code, 1);
  auto listed = countersign({"approvals", "main..feature", "--trusted-ref", "main"}, t.g.path());
  EXPECT_NE(listed.out.find("approver not eligible"), std::string::npos) << listed.out;
}

TEST(ApproveEligibility, NoTrustedRevisionIsAnError) {
  Team t;
  auto c = t.ai_commit("app.py", kFix);
  // No remote and no main or master: nothing says which branch the change goes into.
  t.g.git("branch -q -m main trunk");
  auto r = countersign({"approve", c, "--key", t.carol.string()}, t.g.path());
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("--trusted-ref"), std::string::npos) << r.err;
  EXPECT_TRUE(t.stored().empty());
  auto bad = t.approve(t.carol, c, {"--trusted-ref", "no-such-branch"});
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  EXPECT_TRUE(t.stored().empty());
  // The branch it goes into, found by the gate's rule: the local main of a clone without a remote.
  t.g.git("branch -q -m trunk main");
  auto found = countersign({"approve", c, "--key", t.carol.string()}, t.g.path());
  EXPECT_EQ(found.exit_code, 0) << found.out << found.err;
  EXPECT_EQ(t.stored().size(), 1u);
}

// A change under .countersign/ by an AI tool needs a senior (the AI rule) and a policy-admin (the
// built-in rule): carol holds both roles.
constexpr const char* kAiRule =
    "version: 1\nrules:\n  - name: ai needs a senior\n    match:\n      provenance: [ai_assisted, ai_authored, "
    "unknown]\n"
    "    require:\n      approvals: 1\n      roles: [senior]\n";

std::string policy_change(Team& t) {
  return t.ai_commit(".countersign/notes.md", "who reviews what\n", "Dev Junior", "dev@example.com",
                     "document reviews");
}

TEST(ApproveEligibility, SecondRoleIsStoredBesideTheFirstAndBothCount) {
  Team t(std::string(kAiRule) + "approvals:\n  one_person_many_roles: true\n");
  auto c = policy_change(t);
  ASSERT_EQ(t.approve(t.carol, c).exit_code, 0);
  auto second = t.approve(t.carol, c, {"--role", "policy-admin"});
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_NE(second.out.find("stored beside your approval of commit " + c.substr(0, 12)), std::string::npos)
      << second.out;
  EXPECT_NE(second.out.find("approvals.one_person_many_roles: true"), std::string::npos) << second.out;
  auto files = t.stored();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_NE(files[0].find(".role-"), std::string::npos) << files[0];
  EXPECT_EQ(files[0].substr(0, files[0].rfind('/')), files[1].substr(0, files[1].rfind('/')));  // one digest directory

  auto listed = countersign({"approvals", "main..feature", "--trusted-ref", "main", "--format", "json"}, t.g.path());
  EXPECT_NE(listed.out.find("\"role\":\"senior\""), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("\"role\":\"policy-admin\""), std::string::npos) << listed.out;
  size_t counted = 0;
  for (size_t p = 0; (p = listed.out.find("\"counted\":true", p)) != std::string::npos; ++p) ++counted;
  EXPECT_EQ(counted, 2u) << listed.out;
  auto r = t.check();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(
      r.out.find("one person may meet several roles' requirements here (policy approvals.one_person_many_roles: true)"),
      std::string::npos)
      << r.out;

  // Revoking one role leaves the other in place.
  auto rv =
      countersign({"revoke", c, "--role", "policy-admin", "--key", t.carol.string(), "--approver", "carol@example.com"},
                  t.g.path());
  ASSERT_EQ(rv.exit_code, 0) << rv.out << rv.err;
  EXPECT_EQ(t.stored().size(), 3u);
  auto after = t.check();
  EXPECT_EQ(after.exit_code, 1) << after.out;
  EXPECT_NE(after.out.find("revoked"), std::string::npos) << after.out;
}

TEST(ApproveEligibility, ByDefaultOnePersonMeetsOneRolesRequirements) {
  Team t(kAiRule);
  auto c = policy_change(t);
  ASSERT_EQ(t.approve(t.carol, c).exit_code, 0);
  {
    auto r = t.approve(t.carol, c, {"--role", "policy-admin"});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("carol already counts as senior on commit " + c.substr(0, 12)), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("(approvals.one_person_many_roles: false)"), std::string::npos) << r.err;
    EXPECT_EQ(t.stored().size(), 1u);
  }
  // Signed anyway, it is stored beside the first, and carol still counts once.
  ASSERT_EQ(t.approve(t.carol, c, {"--role", "policy-admin", "--force"}).exit_code, 0);
  EXPECT_EQ(t.stored().size(), 2u);
  auto blocked = t.check();
  EXPECT_EQ(blocked.exit_code, 1) << blocked.out << blocked.err;
  EXPECT_NE(blocked.out.find("one person meets one role's requirements here, not several (policy "
                             "approvals.one_person_many_roles: false)"),
            std::string::npos)
      << blocked.out;
  EXPECT_NE(blocked.out.find("already counts as"), std::string::npos) << blocked.out;
  // A second senior: carol now counts as policy-admin and dave as senior.
  ASSERT_EQ(t.approve(t.dave, c).exit_code, 0);
  auto pass = t.check();
  EXPECT_EQ(pass.exit_code, 0) << pass.out << pass.err;
  auto json = t.check({"--format", "json"});
  EXPECT_NE(json.out.find("\"one_person_many_roles\":false"), std::string::npos) << json.out;
}

// Approvals filed under the earlier name, <digest>/<key>.sig, still count.
TEST(ApproveEligibility, ApprovalUnderTheEarlierStorePathStillCounts) {
  Team t;
  auto c = t.ai_commit("app.py", kFix);
  ASSERT_EQ(t.approve(t.carol, c).exit_code, 0);
  auto files = t.stored();
  ASSERT_EQ(files.size(), 1u);
  std::string now = files[0];
  std::string old = now.substr(0, now.find(".role-")) + ".sig";
  auto blob = chomp(sh("git rev-parse refs/countersign/approvals:" + quote(now), t.g.path()).out);
  std::string idx = "GIT_INDEX_FILE=" + quote((t.g.path() / ".git" / "cs-old-index").string()) + " ";
  sh(idx + "git read-tree --empty", t.g.path());
  sh(idx + "git update-index --add --cacheinfo 100644," + blob + "," + quote(old), t.g.path());
  auto tree = chomp(sh(idx + "git write-tree", t.g.path()).out);
  auto commit = chomp(sh("git commit-tree " + tree + " -m old-layout", t.g.path()).out);
  t.g.git("update-ref refs/countersign/approvals " + commit);
  ASSERT_EQ(t.stored(), std::vector<std::string>{old});
  auto r = t.check();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // Revoking finds it under that name too.
  auto rv = countersign({"revoke", c, "--key", t.carol.string(), "--approver", "carol@example.com"}, t.g.path());
  ASSERT_EQ(rv.exit_code, 0) << rv.out << rv.err;
  EXPECT_EQ(t.check().exit_code, 1);
}

TEST(ApproveEligibility, LintReportsRequirementsNobodyCanMeet) {
  Team t(
      "version: 1\nrules:\n  - name: two admins\n    match: { provenance: [ai_assisted] }\n"
      "    require: { approvals: 2, roles: [policy-admin] }\n"
      "  - name: three seniors\n    match: { provenance: [ai_authored] }\n"
      "    require: { approvals: 3, roles: [senior] }\n"
      "  - name: two seniors\n    match: { provenance: [unknown] }\n"
      "    require: { approvals: 2, roles: [senior] }\n");
  auto r = countersign({"policy", "lint", "--repo", t.g.path().string()});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.out.find("policy.yaml:3:5: error: rule 'two admins' needs 2 approvals from role policy-admin, but only 1 "
                       "person in the people directory holds one (agent identities never count)"),
            std::string::npos)
      << r.out;
  // Three seniors are listed, but claude-senior is an agent identity.
  EXPECT_NE(
      r.out.find("rule 'three seniors' needs 3 approvals from role senior, but only 2 people in the people directory "
                 "hold one"),
      std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("rule 'two seniors'"), std::string::npos) << r.out;
}

TEST(ApproveEligibility, LintReportsMalformedKeyLinesWithPositions) {
  Team t;
  std::string people = read_file(t.g.path() / ".countersign/people.yaml");
  people +=
      "  - id: erin\n    name: Erin\n    emails: [erin@example.com]\n    roles: [senior]\n"
      "    keys: [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBad\"]\n"
      "  - id: frank\n    name: Frank\n    emails: [frank@example.com]\n    roles: [senior]\n"
      "    keys:\n      - ssh-ed25519 not!base64\n";
  t.g.write(".countersign/people.yaml", people);
  auto r = countersign({"policy", "lint", "--repo", t.g.path().string()});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.out.find("people.yaml:26:13: error: key 1 of 'erin' is unusable"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("error: key 1 of 'erin' is unusable"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("people.yaml:32:9: error: key 1 of 'frank' is unusable"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("error: key 1 of 'frank' is unusable"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace cs::test

namespace cs::test {
namespace {

// `override` asks the same question first: would the gate let this override count?
TEST(ApproveEligibility, OverrideRefusesWhatBreakGlassWouldNotCount) {
  Team t("version: 1\nbreak_glass:\n  roles: [senior]\n  max_ttl: 4h\n");
  t.ai_commit("app.py", kFix);
  auto ov = [&](const std::filesystem::path& key, const std::string& role, const std::string& ttl) {
    return countersign({"override", "main..feature", "--role", role, "--reason", "outage", "--ttl", ttl, "--key",
                        key.string(), "--trusted-ref", "main"},
                       t.g.path());
  };
  expect_refused(t, ov(t.mallory, "senior", "1h"), "belongs to nobody in the trusted people directory");
  expect_refused(t, ov(t.claude, "senior", "1h"), "claude-senior is an AI agent identity; agents never override");
  expect_refused(t, ov(t.dave, "senior", "8h"), "exceeds break_glass max_ttl");
  expect_refused(t, ov(t.dev, "senior", "1h"), "dev does not hold role senior");
  auto ok = ov(t.dave, "senior", "1h");
  ASSERT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("recorded as dave@example.com"), std::string::npos) << ok.out;
  EXPECT_EQ(t.check().exit_code, 0);
}

}  // namespace
}  // namespace cs::test
