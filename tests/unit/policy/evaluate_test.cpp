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
    provenance::Provenance p;
    p.cls = c;
    p.ai_line_share = share;
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
  p.cls = Class::human;
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
  prov.cls = Class::human;
  EXPECT_TRUE(evaluate(p, CommitFacts{&prov, {}, {}, "", 0}).empty());
}

}  // namespace
}  // namespace cs::policy
