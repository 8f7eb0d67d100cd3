// The gate's risk stage over one change: changed paths, plan files among the changed files (by
// glob), plan files given on the command line, and failing closed on what cannot be read.
#include "risk_test_support.h"

namespace cs::test {
namespace {

TEST(RiskAssessChange, PlansAmongChangedFilesAndOnTheCommandLine) {
  risk::ChangeInputs in;
  in.changed_files.push_back({"infra/prod.tfplan.json", read_file(risk_fixture("terraform/destroy/plan.json")), false, "", false});
  in.changed_files.push_back({"src/app.cpp", "int main() {}", false, "", false});
  in.changed_files.push_back({"db/migrations/002.sql", "TRUNCATE orders;", false, "", false});
  in.plan_files.push_back(risk_fixture("cloudformation/change-set-replace-db.json"));
  auto fs = risk::assess_change(in, {});
  EXPECT_EQ(with_rule(fs, "env-rebuild").size(), 1u) << dump(fs);
  EXPECT_EQ(with_rule(fs, "env-rebuild")[0].file, "infra/prod.tfplan.json");
  EXPECT_EQ(with_rule(fs, "stateful-replace").size(), 1u);
  EXPECT_EQ(with_rule(fs, "sql-truncate").size(), 1u);
  EXPECT_EQ(with_rule(fs, "path-migration").size(), 1u);
  EXPECT_EQ(fs.front().severity, cs::Severity::critical);  // sorted, critical first
}

TEST(RiskAssessChange, FailsClosed) {
  risk::ChangeInputs in;
  in.plan_files.push_back("/nonexistent/plan.json");
  in.changed_files.push_back({"plan.json", "{\"not\":\"a plan\"}", false, "", false});
  auto fs = risk::assess_change(in, {});
  EXPECT_EQ(with_rule(fs, "unreviewable").size(), 2u) << dump(fs);
}

TEST(RiskAssessChange, ChangedFilesOutsideThePlanGlobsAreNotRead) {
  risk::ChangeInputs in;
  in.changed_files.push_back({"docs/example.json", read_file(risk_fixture("terraform/destroy/plan.json")), false, "", false});
  EXPECT_TRUE(risk::assess_change(in, {}).empty());
}

}  // namespace
}  // namespace cs::test
