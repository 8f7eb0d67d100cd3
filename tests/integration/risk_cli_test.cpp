// `countersign risk` end to end: exit codes, --fail-on, and the JSON and SARIF outputs
// (checked for shape with python3's json module).
#include <gtest/gtest.h>

#include "support/test_support.h"

namespace cs::test {
namespace {

std::string fixture(const std::string& rel) { return (source_dir() / "tests/fixtures/risk" / rel).string(); }

TEST(RiskCli, ExitCodesFollowFailOn) {
  auto none = countersign({"risk", fixture("terraform/update/plan.json")});
  EXPECT_EQ(none.exit_code, 0) << none.out << none.err;
  auto medium = countersign({"risk", fixture("terraform/replace/plan.json")});
  EXPECT_EQ(medium.exit_code, 0) << medium.out;  // resource-replace is medium, under the default high
  EXPECT_NE(medium.out.find("[resource-replace] terraform_data.db"), std::string::npos) << medium.out;
  auto strict = countersign({"risk", fixture("terraform/replace/plan.json"), "--fail-on", "medium"});
  EXPECT_EQ(strict.exit_code, 1);
  auto critical = countersign({"risk", fixture("terraform/destroy/plan.json")});
  EXPECT_EQ(critical.exit_code, 1);
  auto missing = countersign({"risk", "/nonexistent/plan.json"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("/nonexistent/plan.json"), std::string::npos);
  auto bad_sev = countersign({"risk", fixture("terraform/update/plan.json"), "--fail-on", "severe"});
  EXPECT_EQ(bad_sev.exit_code, 2);
}

TEST(RiskCli, UnparsablePlanFailsAsUnreviewable) {
  TempDir dir;
  sh("head -c 700 " + quote(fixture("terraform/replace/plan.json")) + " > cut.json", dir.path());
  auto r = countersign({"risk", (dir.path() / "cut.json").string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("[unreviewable]"), std::string::npos) << r.out;
}

TEST(RiskCli, JsonOutputShape) {
  auto r = countersign({"risk", fixture("terraform/destroy/plan.json"), "--format", "json"});
  ASSERT_EQ(r.exit_code, 1);
  auto check = sh("python3 -c 'import json,sys; d=json.load(sys.stdin); f=d[\"findings\"]; "
                  "assert all(set(x)=={\"rule\",\"severity\",\"resource\",\"file\",\"location\",\"message\"} for x in f); "
                  "s=d[\"summary\"]; assert s[\"total\"]==len(f)==5 and s[\"critical\"]==1 and s[\"highest\"]==\"critical\"; "
                  "print(f[0][\"rule\"])'",
                  {}, r.out);
  EXPECT_EQ(check.exit_code, 0) << check.err << r.out;
  EXPECT_EQ(check.out, "env-rebuild\n");
}

TEST(RiskCli, SarifOutputShape) {
  auto r = countersign({"risk", fixture("cloudformation/change-set-replace-db.json"),
                        fixture("terraform/rename-without-moved/plan.json"), "--format", "sarif"});
  ASSERT_EQ(r.exit_code, 1);
  auto check = sh(
      "python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"version\"]==\"2.1.0\"; run=d[\"runs\"][0]; "
      "rules=[x[\"id\"] for x in run[\"tool\"][\"driver\"][\"rules\"]]; assert len(rules)==len(set(rules)); "
      "res=run[\"results\"]; assert len(res)==5; "
      "assert all(rules[x[\"ruleIndex\"]]==x[\"ruleId\"] and x[\"level\"] in (\"error\",\"warning\",\"note\") and "
      "x[\"message\"][\"text\"] and x[\"locations\"][0][\"physicalLocation\"][\"artifactLocation\"][\"uri\"] for x in res); "
      "print(sorted(set(x[\"ruleId\"] for x in res)))'",
      {}, r.out);
  EXPECT_EQ(check.exit_code, 0) << check.err << r.out;
  EXPECT_EQ(check.out, "['missing-moved', 'resource-delete', 'resource-replace', 'stateful-delete', 'stateful-replace']\n");
}

}  // namespace
}  // namespace cs::test

namespace cs::test {
namespace {

TEST(RiskCli, SqlMigrationsGoThroughTheSameDispatcher) {
  TempDir dir;
  sh("mkdir -p db/migrations && printf 'DROP TABLE users;\\n' > db/migrations/001_drop.sql", dir.path());
  auto r = countersign({"risk", (dir.path() / "db/migrations/001_drop.sql").string(), "--format", "json"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("\"rule\":\"sql-drop-table\""), std::string::npos) << r.out;
}

}  // namespace
}  // namespace cs::test

namespace cs::test {
namespace {

TEST(RiskCli, EveryFormatDispatches) {
  auto cfn = countersign({"risk", fixture("cloudformation/stack-deletion.json"), "--format", "json"});
  EXPECT_EQ(cfn.exit_code, 1) << cfn.out << cfn.err;
  EXPECT_NE(cfn.out.find("\"rule\":\"env-rebuild\""), std::string::npos) << cfn.out;
  auto pulumi = countersign({"risk", fixture("pulumi/preview-destructive.json"), "--format", "json"});
  EXPECT_EQ(pulumi.exit_code, 1) << pulumi.out << pulumi.err;
  EXPECT_NE(pulumi.out.find("urn:pulumi:"), std::string::npos) << pulumi.out;
  auto benign = countersign({"risk", fixture("pulumi/preview-benign.json"), fixture("cloudformation/change-set-benign.json")});
  EXPECT_EQ(benign.exit_code, 0) << benign.out << benign.err;
  auto prune = countersign({"risk", fixture("kubernetes/prune.diff"), "--format", "json"});
  EXPECT_EQ(prune.exit_code, 1) << prune.out << prune.err;
  EXPECT_NE(prune.out.find("\"rule\":\"k8s-secret-delete\""), std::string::npos) << prune.out;
}

TEST(RiskCli, ManifestsAreComparedWithBase) {
  auto r = countersign({"risk", "--base", fixture("kubernetes/base.yaml"), fixture("kubernetes/head.yaml"), "--format", "json"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("\"rule\":\"k8s-namespace-delete\",\"severity\":\"critical\",\"resource\":\"Namespace/shop\""),
            std::string::npos)
      << r.out;
  auto same = countersign({"risk", "--base", fixture("kubernetes/base.yaml"), fixture("kubernetes/base.yaml")});
  EXPECT_EQ(same.exit_code, 0) << same.out << same.err;
  // A rendered manifest alone shows no change: a clear error, not a pass.
  auto alone = countersign({"risk", fixture("kubernetes/head.yaml")});
  EXPECT_EQ(alone.exit_code, 2) << alone.out;
  EXPECT_NE(alone.err.find("--base"), std::string::npos) << alone.err;
}

TEST(RiskCli, SqlDialect) {
  TempDir dir;
  sh("printf '# drop a column\\nALTER TABLE users DROP COLUMN name;\\n' > m.sql", dir.path());
  const std::string file = (dir.path() / "m.sql").string();
  auto mysql = countersign({"risk", "--dialect", "mysql", file, "--format", "json"});
  EXPECT_EQ(mysql.exit_code, 1) << mysql.out << mysql.err;
  EXPECT_NE(mysql.out.find("\"rule\":\"sql-drop-column\""), std::string::npos) << mysql.out;
  // In PostgreSQL `#` is an operator, not a comment: the file is not valid PostgreSQL, which is a
  // finding of its own, and the DROP behind the misread line is still found.
  auto pg = countersign({"risk", "--dialect", "postgres", file, "--format", "json"});
  EXPECT_EQ(pg.exit_code, 1) << pg.out << pg.err;
  EXPECT_NE(pg.out.find("\"rule\":\"unreviewable\""), std::string::npos) << pg.out;
  EXPECT_NE(pg.out.find("\"rule\":\"sql-drop-column\""), std::string::npos) << pg.out;
  EXPECT_EQ(countersign({"risk", "--dialect", "oracle", file}).exit_code, 2);
}

}  // namespace
}  // namespace cs::test
