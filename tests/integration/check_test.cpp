// countersign check on real repositories: the policy lives on a trusted branch, candidates are
// commits made with git; assertions on the JSON contract and the exit code.
#include <gtest/gtest.h>

#include "support/test_support.h"

namespace cs::test {
namespace {

const char* kPeople = R"(people:
  - id: alice
    name: Alice Doe
    emails: [alice@example.com]
    roles: [senior, policy-admin]
  - id: bob
    emails: [bob@example.com]
    roles: [senior]
  - id: carol
    emails: [carol@example.com]
    roles: [senior]
  - id: dave
    emails: [dave@example.com]
    roles: [engineer]
)";

const char* kPolicy = R"(version: 1
rules:
  - name: ai-changes-need-a-senior
    match: { provenance: [ai_assisted, ai_authored, unknown] }
    require: { approvals: 1, roles: [senior] }
  - name: infra-needs-two
    match: { paths: ["infra/**"], provenance: [ai_assisted, ai_authored] }
    require: { approvals: 2, roles: [senior] }
)";

const char* kClaude = "\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n";

// main holds the trusted policy; `feature` is the candidate.
struct Repo {
  GitRepo git;
  Repo(const std::string& policy = kPolicy, const std::string& people = kPeople) {
    git.write(".countersign/policy.yaml", policy);
    git.write(".countersign/people.yaml", people);
    git.write("README", "hello\n");
    git.commit("Initial import");
    git.git("checkout -q -b feature");
  }
  RunResult check(std::vector<std::string> args) {
    args.insert(args.begin(), {"check", "--repo", git.path().string()});
    return countersign(args);
  }
};

bool has(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

TEST(Check, AiCommitIsBlockedAndSaysWhoCouldApprove) {
  Repo r;
  r.git.write("src/cost.py", "x = 3\n");
  r.git.commit(std::string("Fix the cost calculator") + kClaude, "Carol Poe", "carol@example.com");
  auto out = r.check({"main..feature"});
  EXPECT_EQ(out.exit_code, 1) << out.out << out.err;
  EXPECT_TRUE(has(out.out, "needs 1 approval from role senior \u2014 eligible: alice, bob; excluded: carol (author, operator)"))
      << out.out;
  EXPECT_TRUE(has(out.out, "countersign check main..feature: blocked")) << out.out;
  EXPECT_TRUE(has(out.out, "at refs/heads/main (the branch the change goes into: main (no remote; the local branch main))"))
      << out.out;

  auto json = r.check({"main..feature", "--format", "json"});
  EXPECT_EQ(json.exit_code, 1);
  const std::string& j = json.out;
  EXPECT_TRUE(j.starts_with("{\"verdict\":\"blocked\"")) << j;
  EXPECT_TRUE(has(j, "\"class\":\"ai_assisted\",\"agents\":[\"claude-code\"]")) << j;
  EXPECT_TRUE(has(j, "\"requirements\":[{\"rule\":\"ai-changes-need-a-senior\",\"approvals\":1,\"roles\":[\"senior\"],"
                     "\"exclude\":[\"author\",\"committer\",\"operator\"]")) << j;
  EXPECT_TRUE(has(j, "\"eligible\":[\"alice\",\"bob\"],\"excluded\":[{\"person\":\"carol\",\"why\":\"author, operator\"}],"
                     "\"satisfied_by\":[],\"met\":false,\"baseline\":false}")) << j;
  EXPECT_TRUE(has(j, "\"summary\":{\"commits\":1,\"missing_signoff\":1,\"signed_off\":0,\"need_nothing\":0,\"overridden\":0}")) << j;
}

TEST(Check, EveryMatchingRuleApplies) {
  Repo r;
  r.git.write("infra/main.tf", "resource \"x\" \"y\" {}\n");
  r.git.commit("Rebuild the environment", "Cursor Agent", "cursoragent@cursor.com");
  auto json = r.check({"main..feature", "--format", "json"});
  EXPECT_EQ(json.exit_code, 1) << json.out;
  EXPECT_TRUE(has(json.out, "\"class\":\"ai_authored\"")) << json.out;
  EXPECT_TRUE(has(json.out, "{\"rule\":\"ai-changes-need-a-senior\",\"approvals\":1")) << json.out;
  EXPECT_TRUE(has(json.out, "{\"rule\":\"infra-needs-two\",\"approvals\":2")) << json.out;
}

TEST(Check, RangeThePolicyRequiresNothingOfPasses) {
  Repo r(R"(version: 1
rules:
  - name: infra
    match: { paths: ["infra/**"] }
    require: { roles: [senior] }
)");
  r.git.write("src/a.py", "a = 1\n");
  r.git.commit("Plain change", "Bob Roe", "bob@example.com");
  auto out = r.check({"main..feature", "--format", "json"});
  EXPECT_EQ(out.exit_code, 0) << out.out << out.err;
  EXPECT_TRUE(out.out.starts_with("{\"verdict\":\"pass\"")) << out.out;
  EXPECT_TRUE(has(out.out, "\"requirements\":[],\"satisfied\":true")) << out.out;
  auto empty = r.check({"main..main"});
  EXPECT_EQ(empty.exit_code, 0) << empty.out;
}

TEST(Check, CandidateCannotMakeItsAuthorSenior) {
  Repo r;
  std::string people = kPeople;
  people.replace(people.find("roles: [engineer]"), 17, "roles: [senior, policy-admin]");
  r.git.write(".countersign/people.yaml", people);
  r.git.write(".countersign/policy.yaml", "version: 1\nrules: []\n");  // and tries to drop every rule
  r.git.write("src/a.py", "a = 2\n");
  r.git.commit(std::string("Promote myself") + kClaude, "Dave Poe", "dave@example.com");
  auto json = r.check({"main..feature", "--format", "json"});
  EXPECT_EQ(json.exit_code, 1) << json.out;
  const std::string& j = json.out;
  // The trusted directory still decides: dave is no senior and no policy admin, the rules stand.
  EXPECT_TRUE(has(j, "{\"rule\":\"ai-changes-need-a-senior\"")) << j;
  EXPECT_TRUE(has(j, "\"eligible\":[\"alice\",\"bob\",\"carol\"]")) << j;
  EXPECT_TRUE(has(j, "{\"rule\":\"policy-admin\",\"approvals\":1,\"roles\":[\"policy-admin\"]")) << j;
  EXPECT_TRUE(has(j, "\"reason\":\"changes .countersign/people.yaml\",\"eligible\":[\"alice\"]")) << j;
  EXPECT_FALSE(has(j, "\"dave\"")) << j;
  // Checked against the candidate itself, the forged directory would apply: the gate refuses that root.
  auto forged = r.check({"main..feature", "--format", "json", "--trusted-ref", "feature"});
  EXPECT_EQ(forged.exit_code, 2) << forged.out;
  EXPECT_TRUE(has(forged.out, "already contains commit")) << forged.out;
}

TEST(Check, TrustedRevisionIsNeverTheTargetsUpstream) {
  Repo r;
  r.git.write("src/a.py", "a = 3\n");
  r.git.commit("Change", "Bob Roe", "bob@example.com");
  r.git.git("branch -q pushed feature");
  r.git.git("branch -q -u pushed feature");
  auto json = r.check({"--format", "json"});
  EXPECT_TRUE(has(json.out, "\"trusted\":{\"ref\":\"refs/heads/main\",\"source\":\"the branch the change goes into: main"))
      << json.out;
  EXPECT_EQ(json.exit_code, 1) << json.out;  // the unknown commit needs a senior
  EXPECT_TRUE(has(json.out, "\"range\":\"refs/heads/main..HEAD\"")) << json.out;
}

TEST(Check, NoPolicyOnTheTrustedRevisionUsesTheBuiltInDefault) {
  GitRepo git;
  git.write("README", "x\n");
  git.commit("Initial import");
  git.git("checkout -q -b feature");
  git.write("src/a.py", "a\n");
  git.commit(std::string("AI change") + kClaude, "Bob Roe", "bob@example.com");
  auto out = countersign({"check", "main..feature", "--repo", git.path().string()});
  EXPECT_EQ(out.exit_code, 1) << out.out;
  EXPECT_TRUE(has(out.out, "no .countersign/policy.yaml on refs/heads/main: the built-in default policy applies")) << out.out;
  EXPECT_TRUE(has(out.out, "ai-changes-need-a-senior: needs 1 approval from role senior \u2014 eligible: nobody")) << out.out;
  auto json = countersign({"check", "main..feature", "--repo", git.path().string(), "--format", "json"});
  EXPECT_TRUE(has(json.out, "\"default_policy\":true")) << json.out;
}

TEST(Check, MarkdownIsAPullRequestComment) {
  Repo r;
  r.git.write("src/a.py", "a = 4\n");
  r.git.commit(std::string("AI change") + kClaude, "Bob Roe", "bob@example.com");
  auto md = r.check({"main..feature", "--format", "markdown"});
  EXPECT_EQ(md.exit_code, 1);
  EXPECT_TRUE(md.out.starts_with("### \u26d4 countersign: **blocked**")) << md.out;
  EXPECT_TRUE(has(md.out, "| commit | provenance | requirement | status | eligible | excluded |")) << md.out;
  EXPECT_TRUE(has(md.out, "| alice, carol | bob (author, operator) |")) << md.out;
}

// ---- fail closed: every error is exit 2 with a clear message ----

TEST(CheckErrors, UnknownRevisionInTheRange) {
  Repo r;
  auto out = r.check({"main..no-such-branch", "--format", "json"});
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_TRUE(out.out.starts_with("{\"verdict\":\"error\"")) << out.out;
  EXPECT_TRUE(has(out.out, "unknown revision: no-such-branch")) << out.out;
  auto bad_trust = r.check({"main..feature", "--trusted-ref", "nope"});
  EXPECT_EQ(bad_trust.exit_code, 2);
  EXPECT_TRUE(has(bad_trust.out, "trusted revision nope: unknown revision: nope")) << bad_trust.out;
}

TEST(CheckErrors, EmptyRepositoryAndNoRepository) {
  GitRepo empty;
  auto out = countersign({"check", "--repo", empty.path().string()});
  EXPECT_EQ(out.exit_code, 2) << out.out;
  EXPECT_TRUE(has(out.out, "no commits")) << out.out;
  TempDir dir;
  auto none = countersign({"check", "--repo", dir.path().string()});
  EXPECT_EQ(none.exit_code, 2) << none.out;
  EXPECT_TRUE(has(none.out, "not a git repository")) << none.out;
}

// A...B holds the commits of both sides: when the trusted branch has moved on, some are its own.
TEST(CheckErrors, SymmetricRangeWithTheTrustedBranchOnOneSide) {
  Repo r;
  r.git.write("src/a.py", "a = 5\n");
  r.git.commit(std::string("AI change") + kClaude, "Bob Roe", "bob@example.com");
  auto same = r.check({"main...feature"});
  EXPECT_EQ(same.exit_code, 1) << same.out;  // main has not moved: just the feature's commit
  r.git.git("checkout -q main");
  r.git.write("README", "moved on\n");
  r.git.commit("Main moves on", "Alice Doe", "alice@example.com");
  auto out = r.check({"main...feature"});
  EXPECT_EQ(out.exit_code, 2) << out.out;
  EXPECT_TRUE(has(out.out, "already contains commit")) << out.out;
}

struct BadPolicy {
  const char* name;
  const char* policy;
  const char* expected;
};

class CheckMalformedPolicy : public ::testing::TestWithParam<BadPolicy> {};

TEST_P(CheckMalformedPolicy, BlocksWithExitTwoAndAPosition) {
  Repo r(GetParam().policy);
  r.git.write("src/a.py", "a\n");
  r.git.commit("Change", "Bob Roe", "bob@example.com");
  auto out = r.check({"main..feature"});
  EXPECT_EQ(out.exit_code, 2) << out.out;
  EXPECT_TRUE(has(out.out, "countersign check main..feature: error")) << out.out;
  EXPECT_TRUE(has(out.out, GetParam().expected)) << out.out;
  auto json = r.check({"main..feature", "--format", "json"});
  EXPECT_EQ(json.exit_code, 2);
  EXPECT_TRUE(has(json.out, "\"diagnostics\":[{\"level\":\"error\"")) << json.out;
}

INSTANTIATE_TEST_SUITE_P(
    Hostile, CheckMalformedPolicy,
    ::testing::Values(
        BadPolicy{"duplicate_key", "version: 1\nrules: []\nrules: []\n", "main:.countersign/policy.yaml:3:1: error: duplicate key 'rules'"},
        BadPolicy{"wrong_type", "version: 1\nrules:\n  - name: r\n    require: { approvals: many, roles: [senior] }\n",
                  "main:.countersign/policy.yaml:4:27: error: require.approvals must be an integer, not 'many'"},
        BadPolicy{"unknown_field", "version: 1\nrules:\n  - name: r\n    mach: {}\n    require: { roles: [senior] }\n",
                  "main:.countersign/policy.yaml:4:5: error: unknown field 'mach' in a rule (did you mean 'match'?)"},
        BadPolicy{"undefined_role", "version: 1\nrules:\n  - name: r\n    require: { roles: [seniors] }\n",
                  "main:.countersign/policy.yaml:4:24: error: rule 'r' requires role 'seniors'"},
        BadPolicy{"not_yaml", "version: 1\nrules: [\n", "main:.countersign/policy.yaml:3:1: error: not valid YAML"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace cs::test
