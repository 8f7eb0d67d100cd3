#include <gtest/gtest.h>

#include "support/test_support.h"

namespace cs::test {

TEST(PolicyLint, CleanWorkTreeExitsZero) {
  GitRepo repo;
  // Two seniors: the built-in escalation (critical findings need two) can be met.
  repo.write(".countersign/people.yaml",
             "people:\n  - id: alice\n    emails: [alice@example.com]\n    roles: [senior]\n"
             "  - id: bob\n    emails: [bob@example.com]\n    roles: [senior]\n");
  repo.write(".countersign/policy.yaml",
             "version: 1\nrules:\n  - name: r\n    match: { provenance: [ai_assisted] }\n    require: { roles: [senior] }\n");
  auto r = countersign({"policy", "lint", "--repo", repo.path().string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("clean (1 rules, 2 people, 0 agents)"), std::string::npos) << r.out;
  // With one senior, the escalation can never be met: a warning, and the files are still usable.
  repo.write(".countersign/people.yaml",
             "people:\n  - id: alice\n    emails: [alice@example.com]\n    roles: [senior]\n");
  auto one = countersign({"policy", "lint", "--repo", repo.path().string()});
  EXPECT_EQ(one.exit_code, 0) << one.out << one.err;
  EXPECT_NE(
      one.out.find("warning: risk escalation for critical findings needs 2 approvals from role senior, but only 1 "
                   "person in the people directory holds one"),
      std::string::npos)
      << one.out;
}

TEST(PolicyLint, ProblemsArePrintedWithPositionsAndExitTwo) {
  GitRepo repo;
  repo.write(".countersign/people.yaml",
             "people:\n  - id: alice\n    emails: [alice@example.com]\n    roles: [senior]\n"
             "  - id: bob\n    emails: [bob@example.com]\n    roles: [senior]\n");
  repo.write(".countersign/policy.yaml",
             "version: 1\nrules:\n  - name: r\n    match: { provenance: [ai_assisted], pathz: [a] }\n"
             "    require: { approvals: 1, approvals: 2, roles: [seniors] }\n");
  auto r = countersign({"policy", "lint", "--repo", repo.path().string()});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.out.find("policy.yaml:4:41: error: unknown field 'pathz' in match (did you mean 'paths'?)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("policy.yaml:5:30: error: duplicate key 'approvals'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("policy.yaml:5:52: error: rule 'r' requires role 'seniors'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3 errors, 0 warnings"), std::string::npos) << r.out;
}

TEST(PolicyLint, ReadsACommittedRevision) {
  GitRepo repo;
  repo.write(".countersign/policy.yaml", "version: 1\nrules:\n  - name: r\n    require: { roles: [senior], exclude: [reviewer] }\n");
  repo.commit("Add a broken policy");
  repo.write(".countersign/policy.yaml", "version: 1\nrules: []\n");  // fixed in the work tree only
  auto r = countersign({"policy", "lint", "--repo", repo.path().string(), "--ref", "HEAD"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.out.find("HEAD:.countersign/policy.yaml:4:43: error: require.exclude can list author, committer and operator, "
                       "not 'reviewer'"),
            std::string::npos)
      << r.out;
  auto clean = countersign({"policy", "lint", "--repo", repo.path().string()});
  EXPECT_EQ(clean.exit_code, 0) << clean.out;
}

TEST(PolicyLint, NamedFilesAndMissingFiles) {
  TempDir dir;
  auto r = countersign({"policy", "lint", (dir.path() / "nope.yaml").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot read"), std::string::npos) << r.err;
  GitRepo repo;
  repo.write("p.yaml", "version: 1\nrules:\n  - name: r\n    require: { roles: [senior] }\n");
  repo.write("people.yaml", "people:\n  - id: a\n    emails: [a@example.com]\n    roles: [junior]\n");
  auto bad = countersign({"policy", "lint", (repo.path() / "p.yaml").string()});  // people.yaml beside it is read
  EXPECT_EQ(bad.exit_code, 2) << bad.out;
  EXPECT_NE(bad.out.find("requires role 'senior'"), std::string::npos) << bad.out;
}

}  // namespace cs::test
