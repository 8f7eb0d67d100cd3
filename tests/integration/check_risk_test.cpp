// The risk stage inside `countersign check`, through the real binary on real repositories:
// migrations, manifests and plans among the changed files, --plan files, escalation by severity,
// `match: min_severity`, and suppressions that only the trusted policy can give.
#include <gtest/gtest.h>

#include "support/test_support.h"

namespace cs::test {
namespace {

const char* kPeople = R"(people:
  - id: alice
    emails: [alice@example.com]
    roles: [senior, policy-admin]
  - id: bob
    emails: [bob@example.com]
    roles: [senior]
  - id: dave
    emails: [dave@example.com]
    roles: [engineer, dba]
  - id: erin
    emails: [erin@example.com]
    roles: [dba]
)";

// No rule matches a human (or unknown) commit: whatever is required comes from risk.
const char* kPolicy = R"(version: 1
rules:
  - name: ai-changes-need-a-senior
    match: { provenance: [ai_assisted, ai_authored] }
    require: { approvals: 1, roles: [senior] }
)";

std::string fixture(const std::string& rel) { return (source_dir() / "tests/fixtures/risk" / rel).string(); }
bool has(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

struct Repo {
  GitRepo git;
  explicit Repo(const std::string& policy = kPolicy) {
    // Commits without AI evidence are unknown; here they are taken as human.
    if (!policy.empty()) git.write(".countersign/policy.yaml", policy + "unknown: { treat_as: unknown }\n");
    git.write(".countersign/people.yaml", kPeople);
    git.write("README", "hello\n");
    git.write("db/migrations/001_init.sql", "CREATE TABLE users (id int primary key, name text);\n");
    git.commit("Initial import");
    git.git("checkout -q -b feature");
  }
  // A human commit by dave (an engineer, not a senior).
  void change(const std::string& path, const std::string& contents, const std::string& subject) {
    git.write(path, contents);
    git.commit(subject, "Dave Roe", "dave@example.com");
  }
  RunResult check(std::vector<std::string> args) {
    args.insert(args.begin(), {"check", "--repo", git.path().string()});
    return countersign(args);
  }
};

const char* kTwoSeniors = "{\"rule\":\"risk:critical\",\"approvals\":2,\"roles\":[\"senior\"]";

TEST(CheckRisk, DropTableMigrationNeedsTwoSeniors) {
  Repo r;
  r.change("db/migrations/002_drop.sql", "-- cleanup\nDROP TABLE users;\n", "Drop the users table");
  auto json = r.check({"main..feature", "--format", "json"});
  EXPECT_EQ(json.exit_code, 1) << json.out << json.err;
  EXPECT_TRUE(has(json.out, "\"rule\":\"sql-drop-table\",\"severity\":\"critical\"")) << json.out;
  EXPECT_TRUE(has(json.out, "\"file\":\"db/migrations/002_drop.sql\",\"location\":\"2:1\"")) << json.out;
  EXPECT_TRUE(has(json.out, kTwoSeniors)) << json.out;
  EXPECT_TRUE(has(json.out, "\"eligible\":[\"alice\",\"bob\"]")) << json.out;

  auto text = r.check({"main..feature"});
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_TRUE(has(text.out, "[missing] risk:critical: needs 2 approvals from role senior")) << text.out;
  EXPECT_TRUE(has(text.out, "risk: critical sql-drop-table")) << text.out;

  auto md = r.check({"main..feature", "--format", "markdown"});
  EXPECT_TRUE(has(md.out, "#### Risk findings")) << md.out;
  EXPECT_TRUE(has(md.out, "| critical | `sql-drop-table` |")) << md.out;
}

TEST(CheckRisk, BuiltInDefaultPolicyEscalatesCriticalFindingsToo) {
  Repo r("");  // no policy.yaml on the trusted revision
  r.change("db/migrations/002_drop.sql", "DROP TABLE users;\n", "Drop the users table");
  auto json = r.check({"main..feature", "--format", "json"});
  EXPECT_EQ(json.exit_code, 1) << json.out << json.err;
  EXPECT_TRUE(has(json.out, kTwoSeniors)) << json.out;
}

TEST(CheckRisk, HarmlessMigrationNeedsNothing) {
  Repo r;
  r.change("db/migrations/002_add.sql", "ALTER TABLE users ADD COLUMN email text;\n", "Add an email column");
  auto json = r.check({"main..feature", "--format", "json"});
  EXPECT_EQ(json.exit_code, 0) << json.out << json.err;
  EXPECT_FALSE(has(json.out, "risk:critical")) << json.out;
  EXPECT_TRUE(has(json.out, "\"rule\":\"path-migration\"")) << json.out;  // the path is still reported
}

TEST(CheckRisk, PlanWithADestroyIsAnEnvironmentRebuild) {
  Repo r;
  r.change("src/cost.py", "x = 3\n", "Fix the cost calculator");
  auto json = r.check({"main..feature", "--plan", fixture("terraform/destroy/plan.json"), "--format", "json"});
  EXPECT_EQ(json.exit_code, 1) << json.out << json.err;
  EXPECT_TRUE(has(json.out, "\"rule\":\"env-rebuild\",\"severity\":\"critical\"")) << json.out;
  EXPECT_TRUE(has(json.out, kTwoSeniors)) << json.out;
  EXPECT_TRUE(has(json.out, "attached to the newest commit")) << json.out;

  auto update = r.check({"main..feature", "--plan", fixture("terraform/update/plan.json"), "--format", "json"});
  EXPECT_EQ(update.exit_code, 0) << update.out << update.err;
  EXPECT_FALSE(has(update.out, "env-rebuild")) << update.out;
}

TEST(CheckRisk, PlanFilesAmongTheChangedFiles) {
  Repo r;
  r.change("infra/prod.tfplan.json", read_file(fixture("terraform/rebuild/plan.json")), "Plan the new environment");
  auto json = r.check({"main..feature", "--format", "json"});
  EXPECT_EQ(json.exit_code, 1) << json.out << json.err;
  EXPECT_TRUE(has(json.out, "\"rule\":\"env-rebuild\"")) << json.out;
  EXPECT_TRUE(has(json.out, "\"file\":\"infra/prod.tfplan.json\"")) << json.out;
}

TEST(CheckRisk, PlanThatCannotBeReadIsAnError) {
  Repo r;
  r.change("src/cost.py", "x = 3\n", "Fix the cost calculator");
  auto missing = r.check({"main..feature", "--plan", "/nonexistent/plan.json"});
  EXPECT_EQ(missing.exit_code, 2) << missing.out;
  EXPECT_TRUE(has(missing.out, "/nonexistent/plan.json")) << missing.out;

  TempDir dir;
  sh("head -c 500 " + quote(fixture("terraform/destroy/plan.json")) + " > cut.json", dir.path());
  auto cut = r.check({"main..feature", "--plan", (dir.path() / "cut.json").string(), "--format", "json"});
  EXPECT_TRUE(has(cut.out, "\"rule\":\"unreviewable\",\"severity\":\"high\"")) << cut.out;
}

TEST(CheckRisk, DeletedManifestsBetweenBaseAndHead) {
  Repo r;
  r.git.write("deploy/k8s/app.yaml", read_file(fixture("kubernetes/base.yaml")));
  r.git.commit("Add manifests", "Alice Doe", "alice@example.com");
  r.git.git("branch -f main HEAD");
  r.change("deploy/k8s/app.yaml", read_file(fixture("kubernetes/head.yaml")), "Trim the manifests");
  auto json = r.check({"main..feature", "--format", "json"});
  EXPECT_EQ(json.exit_code, 1) << json.out << json.err;
  EXPECT_TRUE(has(json.out, "\"rule\":\"k8s-namespace-delete\",\"severity\":\"critical\",\"resource\":\"Namespace/shop\""))
      << json.out;
  EXPECT_TRUE(has(json.out, kTwoSeniors)) << json.out;
}

TEST(CheckRisk, MatchOnSeverityAndTheSqlDialect) {
  const std::string policy = std::string(kPolicy) + R"(  - name: data-loss-needs-a-dba
    match: { min_severity: high }
    require: { approvals: 1, roles: [dba] }
risk:
  dialect: mysql
)";
  Repo r(policy);
  // MySQL: `#` starts a comment, so the DROP COLUMN is the only statement.
  r.change("db/migrations/002_drop_col.sql", "# drop a column\nALTER TABLE users DROP COLUMN name;\n", "Drop a column");
  auto json = r.check({"main..feature", "--format", "json"});
  EXPECT_EQ(json.exit_code, 1) << json.out << json.err;
  EXPECT_TRUE(has(json.out, "\"rule\":\"data-loss-needs-a-dba\",\"approvals\":1,\"roles\":[\"dba\"]")) << json.out;
  EXPECT_TRUE(has(json.out, "\"eligible\":[\"erin\"]")) << json.out;  // dave is the author
  EXPECT_FALSE(has(json.out, "risk:critical")) << json.out;
  EXPECT_FALSE(has(json.out, "\"rule\":\"unreviewable\"")) << json.out;

  Repo quiet(policy);
  quiet.change("db/migrations/002_add.sql", "ALTER TABLE users ADD COLUMN email text;\n", "Add a column");
  auto ok = quiet.check({"main..feature", "--format", "json"});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_FALSE(has(ok.out, "data-loss-needs-a-dba")) << ok.out;
}

TEST(CheckRisk, SuppressionsComeOnlyFromTheTrustedPolicy) {
  const std::string suppressing = std::string(kPolicy) + R"(risk:
  suppress:
    - { rule: sql-drop-table, resource: users, expires: 2099-01-01, reason: table retired in INC-42 }
)";
  Repo trusted(suppressing);
  trusted.change("db/migrations/002_drop.sql", "DROP TABLE users;\n", "Drop the users table");
  auto ok = trusted.check({"main..feature", "--format", "json"});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_TRUE(has(ok.out, "suppressed by the trusted policy until 2099-01-01: table retired in INC-42")) << ok.out;

  Repo expired(std::string(kPolicy) + "risk:\n  suppress:\n    - { rule: sql-drop-table, resource: users, expires: 2020-01-01 }\n");
  expired.change("db/migrations/002_drop.sql", "DROP TABLE users;\n", "Drop the users table");
  EXPECT_EQ(expired.check({"main..feature"}).exit_code, 1);

  // The candidate writes the same suppression into its own policy: it does not count.
  Repo candidate;
  candidate.git.write(".countersign/policy.yaml", suppressing + "unknown: { treat_as: unknown }\n");
  candidate.change("db/migrations/002_drop.sql", "DROP TABLE users;\n", "Drop the users table");
  auto blocked = candidate.check({"main..feature", "--format", "json"});
  EXPECT_EQ(blocked.exit_code, 1) << blocked.out;
  EXPECT_TRUE(has(blocked.out, kTwoSeniors)) << blocked.out;
  EXPECT_FALSE(has(blocked.out, "suppressed by")) << blocked.out;
}

}  // namespace
}  // namespace cs::test
