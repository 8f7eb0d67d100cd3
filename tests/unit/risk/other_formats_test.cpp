// CloudFormation change sets, stack deletions and Pulumi previews (hand-written fixtures in the
// documented shapes of DescribeChangeSet, DescribeStackResources and `pulumi preview --json`).
#include "risk_test_support.h"

namespace cs::test {
namespace {

using cs::Severity;

TEST(CloudFormationRisk, ReplacementRemovalAndConditional) {
  auto fs = assess_fixture("cloudformation/change-set-replace-db.json");
  auto r = with_rule(fs, "stateful-replace");
  ASSERT_EQ(r.size(), 1u) << dump(fs);
  EXPECT_EQ(r[0].resource, "OrdersDatabase");
  EXPECT_NE(r[0].message.find("DBInstanceIdentifier"), std::string::npos) << r[0].message;
  auto d = with_rule(fs, "stateful-delete");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].resource, "UploadsBucket");
  auto c = with_rule(fs, "resource-replace");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_NE(c[0].message.find("may be replaced"), std::string::npos);
  // A change set lists only what changes: no share of the stack can be computed from it.
  EXPECT_TRUE(with_rule(fs, "env-rebuild").empty()) << dump(fs);
}

TEST(CloudFormationRisk, RetainAndNonReplacingChangesAreNotDeletes) {
  auto fs = assess_fixture("cloudformation/change-set-benign.json");
  EXPECT_TRUE(with_rule(fs, "stateful-delete").empty()) << dump(fs);
  EXPECT_TRUE(with_rule(fs, "stateful-replace").empty());
  EXPECT_EQ(with_rule(fs, "forget-orphan").size(), 1u);
}

TEST(CloudFormationRisk, DeletionPolicyAndProtectionWeakened) {
  auto fs = assess_fixture("cloudformation/change-set-policy.json");
  auto p = with_rule(fs, "protection-weakened");
  ASSERT_EQ(p.size(), 2u) << dump(fs);
  EXPECT_NE(p[0].message.find("DeletionPolicy from Retain to Delete"), std::string::npos) << p[0].message;
}

TEST(CloudFormationRisk, StackDeletionRemovesEveryResource) {
  auto fs = assess_fixture("cloudformation/stack-deletion.json");
  auto e = with_rule(fs, "env-rebuild");
  ASSERT_EQ(e.size(), 1u) << dump(fs);
  EXPECT_NE(e[0].message.find("whole stack"), std::string::npos);
  EXPECT_EQ(with_rule(fs, "stateful-delete").size(), 1u);
  EXPECT_EQ(with_rule(fs, "resource-delete").size(), 1u);
}

TEST(CloudFormationRisk, ProtectedByPhysicalId) {
  risk::Config config;
  config.protected_resources = {"prod-uploads-*"};
  auto p = with_rule(assess_fixture("cloudformation/change-set-replace-db.json", config), "protected-resource");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].resource, "UploadsBucket");
}

TEST(PulumiRisk, ReplaceDeleteAndProtectOff) {
  auto fs = assess_fixture("pulumi/preview-destructive.json");
  auto r = with_rule(fs, "stateful-replace");
  ASSERT_EQ(r.size(), 1u) << dump(fs);
  EXPECT_EQ(r[0].resource, "urn:pulumi:prod::shop::aws:rds/instance:Instance::orders");
  EXPECT_EQ(with_rule(fs, "resource-delete").size(), 1u);
  auto p = with_rule(fs, "protection-weakened");
  ASSERT_EQ(p.size(), 2u) << dump(fs);  // protect true -> false, forceDestroy -> true
  // 2 of 7 existing custom resources (the Stack component does not count): 29% < 30%.
  EXPECT_TRUE(with_rule(fs, "env-rebuild").empty()) << dump(fs);
  risk::Config config;
  config.env_rebuild_share = 0.28;
  auto e = with_rule(assess_fixture("pulumi/preview-destructive.json", config), "env-rebuild");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].message.find("2 of 7"), std::string::npos) << e[0].message;
}

TEST(PulumiRisk, BenignPreviewHasNoFindings) {
  EXPECT_TRUE(assess_fixture("pulumi/preview-benign.json").empty());
}

TEST(RiskDispatch, DetectsKindFromContent) {
  using risk::InputKind;
  EXPECT_EQ(risk::detect_kind("x.json", R"({"format_version":"1.2","terraform_version":"1.11.4"})"),
            InputKind::terraform_plan);
  EXPECT_EQ(risk::detect_kind("x", R"({"Changes":[{"ResourceChange":{}}]})"), InputKind::cloudformation_change_set);
  EXPECT_EQ(risk::detect_kind("x", R"({"CountersignAction":"DeleteStack","StackResources":[]})"),
            InputKind::cloudformation_stack_deletion);
  EXPECT_EQ(risk::detect_kind("x", R"({"steps":[],"changeSummary":{}})"), InputKind::pulumi_preview);
  EXPECT_EQ(risk::detect_kind("m/001_init.sql", "DROP TABLE users;"), InputKind::sql_migration);
  EXPECT_EQ(risk::detect_kind("x.json", R"({"hello":1})"), InputKind::unknown);
  auto r = risk::assess_file("x.json", R"({"hello":1})", {});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("x.json"), std::string::npos);
}

TEST(RiskPaths, ChangedPathsAgainstDefaultGlobs) {
  const std::vector<std::string> paths = {".countersign/policy.yaml", "infra/main.tf", "db/migrations/001.sql",
                                          "config/prod/app.yaml", "src/app.cpp"};
  auto fs = risk::assess_changed_paths(paths, {});
  std::vector<std::string> rules;
  for (const auto& f : fs) rules.push_back(f.rule + " " + f.resource);
  EXPECT_EQ(rules, (std::vector<std::string>{"path-countersign-policy .countersign/policy.yaml",
                                             "path-infrastructure infra/main.tf", "path-migration db/migrations/001.sql",
                                             "path-production-config config/prod/app.yaml"}));
  risk::Config config;
  config.path_rules = std::vector<risk::PathRule>{{"path-payments", {"src/payments/**"}, Severity::high, ""}};
  EXPECT_TRUE(risk::assess_changed_paths(paths, config).empty());
}

TEST(RiskGlob, Semantics) {
  EXPECT_TRUE(risk::glob_match("**/*.tf", "main.tf"));
  EXPECT_TRUE(risk::glob_match("**/*.tf", "a/b/main.tf"));
  EXPECT_FALSE(risk::glob_match("*.tf", "a/main.tf"));
  EXPECT_TRUE(risk::glob_match(".countersign/**", ".countersign/a/b"));
  EXPECT_TRUE(risk::glob_match("module.*.aws_db_instance.*", "module.a.aws_db_instance.main"));
  EXPECT_FALSE(risk::glob_match("a?c", "a/c"));
  EXPECT_TRUE(risk::glob_match("a?c", "abc"));
}

}  // namespace
}  // namespace cs::test
