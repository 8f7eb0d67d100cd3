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
