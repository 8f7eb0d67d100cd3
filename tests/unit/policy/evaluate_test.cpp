#include <gtest/gtest.h>

#include "countersign/policy/policy.h"

namespace cs::policy {
namespace {

using provenance::Class;

const char* kPolicy = R"(version: 1
rules:
  - name: ai-changes-need-a-senior
    match: { provenance: [ai_assisted, ai_authored, unknown] }
    require: { approvals: 1, roles: [senior] }
  - name: infra-needs-two
    match: { paths: ["infra/**"], provenance: [ai_assisted, ai_authored] }
    require: { approvals: 2, roles: [senior], exclude: [author] }
  - name: substantially-assisted-prod
    match: { min_ai_share: 0.5, environments: [production], provenance: [ai_assisted] }
    require: { roles: [senior] }
  - name: high-risk
    match: { min_severity: high }
    require: { roles: [sre] }
)";

struct PolicyEvaluate : ::testing::Test {
  Policy policy;
  void SetUp() override {
    auto l = load(SourceText{"policy.yaml", kPolicy}, std::nullopt);
    ASSERT_FALSE(l.diagnostics.has_errors()) << l.diagnostics.format();
    policy = std::move(l.policy);
  }
  std::vector<std::string> names(Class c, std::vector<std::string> paths, std::optional<double> share = {},
                                 std::string env = "staging", std::vector<risk::Finding> findings = {}) {
    // Here the class comes from a trusted source: these tests are about matching rules.
    provenance::Provenance p;
    p.cls = p.trusted_cls = c;
    p.ai_line_share = p.trusted_ai_line_share = share;
    return names_of(p, std::move(paths), env, std::move(findings));
  }
  std::vector<std::string> names_of(const provenance::Provenance& p, std::vector<std::string> paths,
                                    std::string env = "staging", std::vector<risk::Finding> findings = {}) {
    std::vector<git::ChangedPath> changed;
    for (auto& s : paths) changed.push_back({s, git::ChangeKind::modified, 0100644, 0100644, {}, {}});
    CommitFacts facts{&p, changed, findings, env, 1700000000};
    last = evaluate(policy, facts);
    std::vector<std::string> out;
    for (const auto& r : last) out.push_back(r.rule);
    return out;
  }
  std::vector<Requirement> last;
};

using V = std::vector<std::string>;

TEST_F(PolicyEvaluate, HumanChangeNeedsNothing) { EXPECT_EQ(names(Class::human, {"src/a.py"}), V{}); }

TEST_F(PolicyEvaluate, EveryMatchingRuleApplies) {
  EXPECT_EQ(names(Class::ai_authored, {"src/a.py", "infra/main.tf"}), (V{"ai-changes-need-a-senior", "infra-needs-two"}));
  EXPECT_EQ(last[1].approvals, 2);
  EXPECT_TRUE(last[1].exclude.author);
  EXPECT_FALSE(last[1].exclude.operator_);
  EXPECT_NE(last[1].reason.find("changes infra/main.tf"), std::string::npos) << last[1].reason;
}

TEST_F(PolicyEvaluate, UnknownIsTreatedAsAiAssistedByDefault) {
  EXPECT_EQ(names(Class::unknown, {"infra/main.tf"}), (V{"ai-changes-need-a-senior", "infra-needs-two"}));
  EXPECT_NE(last[1].reason.find("treated as ai_assisted"), std::string::npos);
  policy.unknown.treat_as = Class::unknown;
  EXPECT_EQ(names(Class::unknown, {"infra/main.tf"}), V{"ai-changes-need-a-senior"});
}

TEST_F(PolicyEvaluate, AiShareThresholdAndEnvironment) {
  EXPECT_EQ(names(Class::ai_assisted, {"a"}, 0.2, "production"), V{"ai-changes-need-a-senior"});
  EXPECT_EQ(names(Class::ai_assisted, {"a"}, 0.5, "production"), (V{"ai-changes-need-a-senior", "substantially-assisted-prod"}));
  EXPECT_EQ(names(Class::ai_assisted, {"a"}, 0.9, "staging"), V{"ai-changes-need-a-senior"});
  // "production" in a rule stands for every production name; an unknown share counts as above.
  EXPECT_EQ(names(Class::ai_assisted, {"a"}, std::nullopt, "prod"), (V{"ai-changes-need-a-senior", "substantially-assisted-prod"}));
}

TEST_F(PolicyEvaluate, PolicyAdminIsAlwaysOn) {
  EXPECT_EQ(names(Class::human, {".countersign/people.yaml"}), V{"policy-admin"});
  EXPECT_EQ(last[0].roles, V{"policy-admin"});
  Policy empty;
  provenance::Provenance p;
  p.cls = p.trusted_cls = Class::human;
  git::ChangedPath c{".countersign/policy.yaml", git::ChangeKind::deleted, 0100644, 0, {}, {}};
  auto r = evaluate(empty, CommitFacts{&p, std::span(&c, 1), {}, "", 0});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].rule, "policy-admin");
}

TEST_F(PolicyEvaluate, RiskSeverityAndEscalation) {
  risk::Finding high{"stateful-delete", Severity::high, "aws_db_instance.main", "plan.json", "", ""};
  EXPECT_EQ(names(Class::human, {"a"}, {}, "prod", {high}), V{"high-risk"});
  risk::Finding crit{"env-rebuild", Severity::critical, "env", "plan.json", "", ""};
  EXPECT_EQ(names(Class::human, {"a"}, {}, "prod", {high, crit}), (V{"high-risk", "risk:critical"}));
  EXPECT_EQ(last[1].approvals, 2);
  EXPECT_EQ(last[1].roles, V{"senior"});
  // A protected resource makes its finding critical.
  policy.risk.protected_resources = {"aws_db_instance.*"};
  EXPECT_EQ(names(Class::human, {"a"}, {}, "prod", {high}), (V{"high-risk", "risk:critical"}));
}

TEST_F(PolicyEvaluate, SuppressionsExpire) {
  risk::Finding high{"stateful-delete", Severity::high, "aws_s3_bucket.scratch", "plan.json", "", ""};
  Suppression s;
  s.rule = "stateful-delete";
  s.resource = "aws_s3_bucket.*";
  s.expires_at = 1700000000 + 1;
  policy.risk.suppress.push_back(s);
  EXPECT_EQ(names(Class::human, {"a"}, {}, "prod", {high}), V{});
  policy.risk.suppress[0].expires_at = 1700000000;  // expired at "now"
  EXPECT_EQ(names(Class::human, {"a"}, {}, "prod", {high}), V{"high-risk"});
}

TEST(DefaultPolicy, IsTheFirstExampleRule) {
  auto p = default_policy();
  EXPECT_TRUE(p.builtin_default);
  provenance::Provenance prov;
  prov.cls = Class::ai_authored;
  auto r = evaluate(p, CommitFacts{&prov, {}, {}, "", 0});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].rule, "ai-changes-need-a-senior");
  prov.cls = Class::human;  // claimed by evidence of no trusted source: what unknown needs
  r = evaluate(p, CommitFacts{&prov, {}, {}, "", 0});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].baseline);
  prov.trusted_cls = Class::human;
  EXPECT_TRUE(evaluate(p, CommitFacts{&prov, {}, {}, "", 0}).empty());
}

// Evidence the candidate's author can write may raise what is required, never lower it below
// what trusted evidence alone (by default: none, so `unknown`) requires.
provenance::Provenance claimed(Class cls, std::optional<double> share = {}, std::string source = "agent-trace-file") {
  provenance::Provenance p;
  p.cls = cls;
  p.ai_line_share = share;
  p.class_source = source;
  if (share) p.share_source = source;
  return p;
}

TEST_F(PolicyEvaluate, UntrustedHumanClaimNeedsWhatUnknownNeeds) {
  auto p = claimed(Class::human, 0.0, ".agent-trace/traces.jsonl");
  EXPECT_EQ(names_of(p, {"infra/main.tf"}), (V{"ai-changes-need-a-senior", "infra-needs-two"}));
  for (const auto& r : last) {
    EXPECT_TRUE(r.baseline) << r.rule;
    EXPECT_NE(r.reason.find("provenance unknown"), std::string::npos) << r.reason;
    EXPECT_NE(r.reason.find("claims class human (from .agent-trace/traces.jsonl) and AI share 0%"), std::string::npos)
        << r.reason;
    EXPECT_NE(r.reason.find("below those of unknown"), std::string::npos) << r.reason;
  }
  // The same claim from a trusted source lowers.
  p.trusted_cls = Class::human;
  p.trusted_ai_line_share = 0.0;
  EXPECT_EQ(names_of(p, {"infra/main.tf"}), V{});
}

TEST_F(PolicyEvaluate, UntrustedLowShareKeepsTheThreshold) {
  auto p = claimed(Class::ai_assisted, 0.2, "refs/notes/ai");
  EXPECT_EQ(names_of(p, {"a"}, "production"), (V{"ai-changes-need-a-senior", "substantially-assisted-prod"}));
  EXPECT_FALSE(last[0].baseline);  // the claim itself matches: raising counts as it is
  EXPECT_TRUE(last[1].baseline);
  EXPECT_NE(last[1].reason.find("AI share unknown"), std::string::npos) << last[1].reason;
  EXPECT_NE(last[1].reason.find("AI share 20% (from refs/notes/ai)"), std::string::npos) << last[1].reason;
  // A trusted low share is below the threshold.
  p.trusted_cls = Class::ai_assisted;
  p.trusted_ai_line_share = 0.2;
  EXPECT_EQ(names_of(p, {"a"}, "production"), V{"ai-changes-need-a-senior"});
  // Trusted evidence is the floor: an untrusted share lower still changes nothing.
  p.trusted_ai_line_share = 0.6;
  EXPECT_EQ(names_of(p, {"a"}, "production"), (V{"ai-changes-need-a-senior", "substantially-assisted-prod"}));
  EXPECT_NE(last[1].reason.find("below what trusted evidence says (ai_assisted, AI share 60%)"), std::string::npos)
      << last[1].reason;
}

TEST_F(PolicyEvaluate, ClassesAboveUnknownAreRaisedAndStillNeedWhatUnknownNeeds) {
  policy.unknown.treat_as = Class::unknown;
  // ai_authored raises to infra-needs-two; the baseline (unknown) adds nothing the claim lacks here.
  EXPECT_EQ(names_of(claimed(Class::ai_authored), {"infra/main.tf"}),
            (V{"ai-changes-need-a-senior", "infra-needs-two"}));
  EXPECT_FALSE(last[0].baseline);
  EXPECT_FALSE(last[1].baseline);
  // A policy that asks less of declared AI help than of an unattributable commit: a self-written
  // trailer cannot buy the lesser requirement.
  Policy lenient;
  lenient.unknown.treat_as = Class::unknown;
  lenient.rules.push_back({"unattributed", {}, {}, {}});
  lenient.rules[0].match.provenance = {Class::unknown, Class::ai_authored};
  lenient.rules[0].require.roles = {"senior"};
  auto p = claimed(Class::ai_assisted, std::nullopt, "trailer");
  auto r = evaluate(lenient, CommitFacts{&p, {}, {}, "", 0});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].rule, "unattributed");
  EXPECT_TRUE(r[0].baseline);
  EXPECT_NE(r[0].reason.find("claims class ai_assisted (from trailer)"), std::string::npos) << r[0].reason;
}

TEST_F(PolicyEvaluate, BuiltInRequirementsAreNeverBaseline) {
  risk::Finding crit{"env-rebuild", Severity::critical, "env", "plan.json", "", ""};
  auto p = claimed(Class::human);
  EXPECT_EQ(
      names_of(p, {".countersign/people.yaml"}, "prod", {crit}),
      (V{"ai-changes-need-a-senior", "substantially-assisted-prod", "high-risk", "policy-admin", "risk:critical"}));
  for (const auto& r : last)
    EXPECT_EQ(r.baseline, r.rule == "ai-changes-need-a-senior" || r.rule == "substantially-assisted-prod") << r.rule;
}

}  // namespace
}  // namespace cs::policy
