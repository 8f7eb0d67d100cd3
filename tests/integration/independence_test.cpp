// Reviewers must be independent of the change (issue 11 section 5), tried as an attacker would:
// real repositories, real ssh-keygen keys, the real binary. A senior must not approve, override
// or close the post-hoc review of his own change under another address, another spelling of it,
// another name of his, an agent's commit he assigned, or a trailer naming someone else; with
// verified authorship the commit's SSH signature, not its claimed author line, says who wrote it.
#include <gtest/gtest.h>

#include "support/ssh_keys.h"
#include "support/test_support.h"

namespace cs::test {
namespace {

constexpr const char* kClaude = "\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n";
constexpr const char* kCopilot = "copilot-swe-agent[bot]";
constexpr const char* kCopilotEmail = "198982749+Copilot@users.noreply.github.com";
constexpr const char* kDevin = "devin-ai-integration[bot]";
constexpr const char* kDevinEmail = "158243242+devin-ai-integration[bot]@users.noreply.github.com";

std::string policy(const std::string& extra = "", const std::string& break_glass_extra = "") {
  return "version: 1\n" + extra + "break_glass:\n  roles: [senior, sre-lead]\n  max_ttl: 4h\n  review_within: 72h\n" +
         break_glass_extra +
         "rules:\n  - name: ai needs a senior\n    match:\n      provenance: [ai_assisted, ai_authored, unknown]\n"
         "    require:\n      approvals: 1\n      roles: [senior]\n";
}

// main holds the trusted .countersign/; commits under test go on `feature`.
struct Team {
  GitRepo g;
  TempDir keys;
  std::filesystem::path carol, dave, erin, dev, mallory;

  explicit Team(const std::string& policy_text = policy()) {
    carol = make_ssh_key(keys.path(), "carol", {"ed25519"});
    dave = make_ssh_key(keys.path(), "dave", {"ed25519"});
    erin = make_ssh_key(keys.path(), "erin", {"ed25519"});
    dev = make_ssh_key(keys.path(), "dev", {"ed25519"});
    mallory = make_ssh_key(keys.path(), "mallory", {"ed25519"});
    g.git("config countersign.repo acme/app");
    g.write(".countersign/people.yaml",
            "people:\n"
            "  - id: carol\n    name: Carol Senior\n    emails: [carol@example.com, c.senior@corp.example]\n"
            "    roles: [senior, sre-lead, policy-admin]\n    keys: [\"" +
                pub_line(carol) +
                "\"]\n"
                "  - id: dave\n    name: Dave Senior\n    emails: [dave@example.com]\n    roles: [senior]\n"
                "    keys: [\"" +
                pub_line(dave) +
                "\"]\n"
                "  - id: erin\n    name: Erin Senior\n    emails: [erin@example.com]\n    roles: [senior]\n"
                "    keys: [\"" +
                pub_line(erin) +
                "\"]\n"
                "  - id: dev\n    name: Dev Junior\n    emails: [dev@example.com]\n    roles: [developer]\n"
                "    keys: [\"" +
                pub_line(dev) + "\"]\n");
    g.write(".countersign/policy.yaml", policy_text);
    g.write("app.py", "def cost(x):\n    return x * 2\n");
    g.commit("base with trusted policy", "Carol Senior", "carol@example.com");
    g.git("checkout -q -b feature");
  }

  // A change to app.py committed by `committer` (name, email) with this author and message.
  std::string change(const std::string& message, const std::string& author, const std::string& email,
                     const std::string& committer = "Test Committer <committer@example.com>") {
    static int n = 0;
    g.write("app.py", "def cost(x):\n    return x * " + std::to_string(3 + n++) + "\n");
    auto lt = committer.find(" <");
    g.git("config user.name " + quote(committer.substr(0, lt)));
    g.git("config user.email " + quote(committer.substr(lt + 2, committer.size() - lt - 3)));
    auto id = g.commit(message, author, email);
    g.git("config user.name 'Test Committer'");
    g.git("config user.email committer@example.com");
    return id;
  }
  // The same change, the commit signed with `key` as `git commit -S` does with gpg.format=ssh.
  std::string signed_change(const std::filesystem::path& key, const std::string& message, const std::string& author,
                            const std::string& email,
                            const std::string& committer = "Test Committer <committer@example.com>") {
    g.git("config gpg.format ssh");
    g.git("config user.signingkey " + quote(key.string()));
    g.git("config commit.gpgsign true");
    auto id = change(message, author, email, committer);
    g.git("config commit.gpgsign false");
    return id;
  }
  // Signs an approval as `who`, as an attacker would: `approve` itself may refuse to sign an
  // ineligible approval (then --force signs it anyway, saying it will not count).
  void approve(const std::filesystem::path& key, const std::string& who, const std::string& target) {
    auto r = countersign({"approve", target, "--key", key.string(), "--approver", who}, g.path());
    if (r.exit_code != 0)
      r = countersign({"approve", target, "--key", key.string(), "--approver", who, "--force"}, g.path());
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  RunResult override_as(const std::filesystem::path& key, const std::string& who, const std::string& role,
                        const std::string& target = "main..feature") {
    return countersign({"override", target, "--role", role, "--reason", "outage", "--ttl", "1h", "--key", key.string(),
                        "--approver", who},
                       g.path());
  }
  RunResult check() { return countersign({"check", "main..feature", "--trusted-ref", "main"}, g.path()); }
  RunResult overdue() { return countersign({"overdue", "--trusted-ref", "main"}, g.path()); }
};

void expect_blocked(const RunResult& r, const std::string& reason) {
  EXPECT_TRUE(r.exit_code == 1 || r.exit_code == 2) << "exit " << r.exit_code << "\n" << r.out << r.err;
  EXPECT_NE((r.out + r.err).find(reason), std::string::npos) << "expected '" << reason << "' in:\n" << r.out << r.err;
}

void expect_pass(const RunResult& r) {
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

struct Identity {
  const char* variant;
  const char* name;
  const char* email;
};

// Carol's own change under addresses and names the directory lists for her, spelled otherwise.
const Identity kCarolAliases[] = {
    {"sub-address", "Carol Senior", "carol+ci@example.com"},
    {"upper case", "Carol Senior", "CAROL@EXAMPLE.COM"},
    {"upper case sub-address", "C. S.", "Carol+Laptop@Example.Com"},
    {"second listed email", "C. Senior", "c.senior@corp.example"},
    {"listed name, unlisted email", "carol  senior", "carol@home.example"},
    {"id as name, unlisted email", "carol", "root@laptop.local"},
};

TEST(Independence, AuthorUnderAnotherAddressOrNameMayNotApprove) {
  for (const auto& id : kCarolAliases) {
    SCOPED_TRACE(id.variant);
    Team t;
    auto c = t.change(std::string("fix cost") + kClaude, id.name, id.email);
    t.approve(t.carol, "carol@example.com", c);
    expect_blocked(t.check(), "carol is the change's author");
    t.approve(t.dave, "dave@example.com", c);
    expect_pass(t.check());
  }
}

TEST(Independence, CommitterUnderAnotherAddressOrNameMayNotApprove) {
  for (const auto& id : kCarolAliases) {
    SCOPED_TRACE(id.variant);
    Team t;
    auto c = t.change(std::string("fix cost") + kClaude, "Dev Junior", "dev@example.com",
                      std::string(id.name) + " <" + id.email + ">");
    t.approve(t.carol, "carol@example.com", c);
    expect_blocked(t.check(), "carol is the change's committer");
    t.approve(t.erin, "erin@example.com", c);
    expect_pass(t.check());
  }
}

// A trailer the author writes can add an operator, never move the exclusion off the author.
TEST(Independence, ForgedAgentOperatorTrailerAddsAndNeverMoves) {
  {
    SCOPED_TRACE("author names another senior as operator");
    Team t;
    auto c = t.change(std::string("fix cost") + kClaude + "Agent-Operator: Dave Senior <dave@example.com>\n",
                      "Carol Senior", "carol+x@example.com");
    t.approve(t.carol, "carol@example.com", c);
    expect_blocked(t.check(), "carol is the change's author, operator");
    t.approve(t.dave, "dave@example.com", c);  // named by the trailer: excluded too
    expect_blocked(t.check(), "dave is the change's operator");
    t.approve(t.erin, "erin@example.com", c);
    expect_pass(t.check());
  }
  {
    SCOPED_TRACE("only the operator is excluded: the trailer must not free the author");
    Team t(
        "version: 1\nrules:\n  - name: operator only\n    match:\n      provenance: [ai_assisted]\n"
        "    require:\n      approvals: 1\n      roles: [senior]\n      exclude: [operator]\n");
    auto c = t.change(std::string("fix cost") + kClaude + "Agent-Operator: Erin Senior <erin@example.com>\n",
                      "Carol Senior", "CAROL@example.com");
    t.approve(t.carol, "carol@example.com", c);
    expect_blocked(t.check(), "carol is the change's operator");
  }
  {
    SCOPED_TRACE("agent-authored, human committer, trailer names someone else");
    Team t;
    auto c = t.change("agent fix\n\nAgent-Operator: Dev Junior <dev@example.com>\n", "Cursor Agent",
                      "cursoragent@cursor.com", "Carol Senior <carol@example.com>");
    t.approve(t.carol, "c.senior@corp.example", c);
    expect_blocked(t.check(), "carol is the change's committer, operator");
  }
}

// The Copilot coding agent and Devin author the commit and name who assigned the task as co-author.
TEST(Independence, HumanWhoAssignedTheAgentMayNotApprove) {
  struct Case {
    const char* variant;
    const char* author;
    const char* email;
    const char* committer;
    const char* trailer;
  };
  for (const Case& k : {
           Case{"Copilot coding agent", kCopilot, kCopilotEmail, "GitHub <noreply@github.com>",
                "Co-authored-by: Carol Senior <carol@example.com>"},
           Case{"Copilot coding agent, sub-addressed assigner", kCopilot, kCopilotEmail, "GitHub <noreply@github.com>",
                "Co-authored-by: carol <carol+gh@example.com>"},
           Case{"Devin", kDevin, kDevinEmail,
                "devin-ai-integration[bot] <158243242+devin-ai-integration[bot]@users.noreply.github.com>",
                "Co-Authored-By: Carol Senior <CAROL@example.com>"},
           Case{"Devin, assigner under the second address", kDevin, kDevinEmail, "GitHub <noreply@github.com>",
                "Co-Authored-By: C S <c.senior@corp.example>"},
           Case{"Devin, forged trailer naming another", kDevin, kDevinEmail, "GitHub <noreply@github.com>",
                "Co-Authored-By: Carol Senior <carol@example.com>\nAgent-Operator: Dev Junior <dev@example.com>"},
       }) {
    SCOPED_TRACE(k.variant);
    Team t;
    auto c = t.change(std::string("Implement the task\n\n") + k.trailer + "\n", k.author, k.email, k.committer);
    t.approve(t.carol, "carol@example.com", c);
    expect_blocked(t.check(), "carol is the change's operator");
    t.approve(t.dave, "dave@example.com", c);
    expect_pass(t.check());
  }
}

// Who made a change may not break glass on it, unless the policy lets that role.
TEST(Independence, AuthorCommitterOrOperatorMayNotOverride) {
  struct Case {
    const char* variant;
    const char* message;
    const char* author;
    const char* email;
    const char* committer;
  };
  const Case cases[] = {
      {"author", "fix cost\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n", "Carol Senior",
       "carol+hotfix@example.com", "Test Committer <committer@example.com>"},
      {"committer", "fix cost\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n", "Dev Junior", "dev@example.com",
       "carol <CAROL@example.com>"},
      {"operator", "Implement\n\nCo-authored-by: Carol Senior <c.senior@corp.example>\n", kCopilot, kCopilotEmail,
       "GitHub <noreply@github.com>"},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.variant);
    Team t;
    t.change(k.message, k.author, k.email, k.committer);
    ASSERT_EQ(t.override_as(t.carol, "carol@example.com", "senior").exit_code, 0);
    auto r = t.check();
    expect_blocked(r, "carol is the change's " + std::string(k.variant));
    expect_blocked(r, "may not override");
    // Someone independent may.
    ASSERT_EQ(t.override_as(t.dave, "dave@example.com", "senior").exit_code, 0);
    auto ok = t.check();
    expect_pass(ok);
    EXPECT_NE(ok.out.find("post-hoc review owed: override by dave"), std::string::npos) << ok.out;
  }
}

TEST(Independence, SelfOverrideOnlyForTheRoleThePolicyNames) {
  Team t(policy("", "  self_override: [sre-lead]\n"));
  t.change(std::string("fix cost") + kClaude, "Carol Senior", "carol@example.com");
  ASSERT_EQ(t.override_as(t.carol, "carol@example.com", "senior").exit_code, 0);
  expect_blocked(t.check(), "break_glass.self_override permits: sre-lead");
  ASSERT_EQ(t.override_as(t.carol, "carol@example.com", "sre-lead").exit_code, 0);
  auto r = t.check();
  expect_pass(r);
  EXPECT_NE(r.out.find("post-hoc review owed: override by carol"), std::string::npos) << r.out;
}

// The post-hoc review of an override stays open until someone independent of the change (and of
// the override) signs it off; nobody who made the change closes it, whatever self_override says.
TEST(Independence, PostHocReviewIsNeverClosedByWhoMadeTheChange) {
  Team t(policy("", "  self_override: [sre-lead]\n"));
  auto c = t.change("Implement\n\nCo-authored-by: Erin Senior <erin+task@example.com>\n", kCopilot, kCopilotEmail,
                    "GitHub <noreply@github.com>");
  ASSERT_EQ(t.override_as(t.dave, "dave@example.com", "senior").exit_code, 0);
  auto open = t.overdue();
  EXPECT_NE(open.out.find("1 change(s) not yet signed off"), std::string::npos) << open.out << open.err;
  t.approve(t.dave, "dave@example.com", c);  // the overrider
  t.approve(t.erin, "erin@example.com", c);  // the operator: she assigned the agent
  auto still = t.overdue();
  EXPECT_NE(still.out.find("0 override review(s) overdue, 1 open"), std::string::npos) << still.out << still.err;
  expect_pass(t.check());  // dave's approval meets the requirement; it cannot close his own override's review
  t.approve(t.carol, "carol@example.com", c);
  auto closed = t.overdue();
  EXPECT_NE(closed.out.find("0 override review(s) overdue, 0 open"), std::string::npos) << closed.out << closed.err;
}

TEST(Independence, PostHocReviewOfARangeIsNotClosedByItsAuthor) {
  Team t;
  t.change(std::string("one") + kClaude, "Carol Senior", "carol@example.com");
  t.change(std::string("two") + kClaude, "Carol Senior", "carol+2@example.com");
  ASSERT_EQ(t.override_as(t.dave, "dave@example.com", "senior").exit_code, 0);
  t.approve(t.carol, "carol@example.com", "main..feature");
  auto still = t.overdue();
  EXPECT_NE(still.out.find("2 change(s) not yet signed off"), std::string::npos) << still.out << still.err;
  t.approve(t.erin, "erin@example.com", "main..feature");
  auto closed = t.overdue();
  EXPECT_NE(closed.out.find("0 open"), std::string::npos) << closed.out << closed.err;
}

// ---- authorship: verified ------------------------------------------------------------------

const std::string kVerified = policy("authorship: verified\n");

TEST(VerifiedAuthorship, SignedCommitOfADirectoryPersonPassesWithAnIndependentApproval) {
  Team t(kVerified);
  auto c = t.signed_change(t.dev, std::string("fix cost") + kClaude, "Dev Junior", "dev@example.com");
  ASSERT_NE(t.g.git("cat-file commit " + c).find("-----BEGIN SSH SIGNATURE-----"), std::string::npos);
  expect_blocked(t.check(), "missing");
  t.approve(t.dave, "dave@example.com", c);
  expect_pass(t.check());
}

TEST(VerifiedAuthorship, UnsignedCommitIsBlockedWhateverApprovesOrOverridesIt) {
  Team t(kVerified);
  auto c = t.change(std::string("fix cost") + kClaude, "Dev Junior", "dev@example.com");
  t.approve(t.dave, "dave@example.com", c);
  expect_blocked(t.check(), "authorship not verified: the commit is not signed");
  for (const char* format : {"json", "markdown"}) {
    SCOPED_TRACE(format);
    auto r = countersign({"check", "main..feature", "--trusted-ref", "main", "--format", format}, t.g.path());
    expect_blocked(r, "authorship not verified: the commit is not signed");
    EXPECT_EQ(r.exit_code, 1) << r.out;
  }
  ASSERT_EQ(t.override_as(t.erin, "erin@example.com", "senior").exit_code, 0);
  auto r = t.check();
  expect_blocked(r, "an override does not stand in for it");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  // A commit nobody approved is blocked for its signature first.
  Team h(kVerified);
  h.g.write("README.md", "docs\n");
  h.g.commit("docs\n", "Dev Junior", "dev@example.com");
  expect_blocked(h.check(), "authorship not verified");
}

TEST(VerifiedAuthorship, CommitSignedByAnUnknownKeyIsBlocked) {
  Team t(kVerified);
  auto c = t.signed_change(t.mallory, std::string("fix cost") + kClaude, "Dev Junior", "dev@example.com");
  t.approve(t.dave, "dave@example.com", c);
  expect_blocked(t.check(), "which belongs to nobody in the trusted people directory");
}

// Carol signs a commit that claims Dev as author and committer: the signature says it is hers.
TEST(VerifiedAuthorship, SignerIsTheAuthorWhateverTheCommitClaims) {
  for (const std::string& claimed :
       {std::string("Dev Junior <dev@example.com>"), std::string("Erin Senior <erin@example.com>")}) {
    SCOPED_TRACE(claimed);
    Team t(kVerified);
    auto lt = claimed.find(" <");
    auto c = t.signed_change(t.carol, std::string("fix cost") + kClaude, claimed.substr(0, lt),
                             claimed.substr(lt + 2, claimed.size() - lt - 3), claimed);
    t.approve(t.carol, "carol@example.com", c);
    expect_blocked(t.check(), "carol is the change's author, committer");
    ASSERT_EQ(t.override_as(t.carol, "carol@example.com", "senior").exit_code, 0);
    expect_blocked(t.check(), "may not override");
    t.approve(t.dave, "dave@example.com", c);
    expect_pass(t.check());
  }
}

TEST(VerifiedAuthorship, KeyNotAllowedForGitOrSignatureOfOtherContentIsBlocked) {
  {
    SCOPED_TRACE("key limited to approvals");
    Team t(kVerified);
    auto people = read_file(t.g.path() / ".countersign/people.yaml");
    auto at = people.find(pub_line(t.dev));
    people.insert(at, "namespaces=\\\"countersign-approval\\\" ");
    t.g.git("checkout -q main");
    t.g.write(".countersign/people.yaml", people);
    t.g.commit("dev's key signs approvals only", "Carol Senior", "carol@example.com");
    t.g.git("checkout -q feature");
    t.g.git("rebase -q main");
    auto c = t.signed_change(t.dev, std::string("fix cost") + kClaude, "Dev Junior", "dev@example.com");
    t.approve(t.dave, "dave@example.com", c);
    expect_blocked(t.check(), "namespace");
  }
  {
    SCOPED_TRACE("signature moved onto another commit");
    Team t(kVerified);
    auto c = t.signed_change(t.dev, std::string("fix cost") + kClaude, "Dev Junior", "dev@example.com");
    auto raw = t.g.git("cat-file commit " + c);
    auto at = raw.find("fix cost");
    ASSERT_NE(at, std::string::npos);
    raw.replace(at, 8, "fix COST");
    auto forged = chomp(sh("git hash-object -t commit -w --stdin", t.g.path(), raw).out);
    t.g.git("update-ref refs/heads/feature " + forged);
    t.approve(t.dave, "dave@example.com", forged);
    expect_blocked(t.check(), "the commit signature does not verify");
  }
}

}  // namespace
}  // namespace cs::test
