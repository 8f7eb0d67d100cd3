#include <gtest/gtest.h>

#include "countersign/gate/gate.h"

namespace cs::gate {
namespace {

struct GateRequirements : ::testing::Test {
  policy::People people;
  provenance::Provenance prov;
  git::Commit commit;
  policy::Requirement req{"r", 2, {"senior"}, {}, "because"};
  void SetUp() override {
    auto l = policy::load(std::nullopt, policy::SourceText{"people.yaml", R"(people:
  - { id: alice, emails: [alice@example.com], roles: [senior] }
  - { id: bob, emails: [bob@example.com], roles: [senior, sre] }
  - { id: carol, emails: [carol@example.com], roles: [senior] }
  - { id: dave, emails: [dave@example.com], roles: [engineer] }
)"});
    ASSERT_FALSE(l.diagnostics.has_errors()) << l.diagnostics.format();
    people = l.people;
    commit.author = {"Carol", "CAROL@example.com", 0, 0};
    commit.committer = {"Alice", "alice@example.com", 0, 0};
    prov.cls = provenance::Class::ai_assisted;
    prov.operator_email = "carol@example.com";
  }
  RequirementStatus run(const std::vector<VerifiedApproval>& approvals) {
    std::vector<const VerifiedApproval*> ptrs;
    for (const auto& a : approvals) ptrs.push_back(&a);
    return assess_requirement(req, people, prov, commit, ptrs);
  }
};

TEST_F(GateRequirements, EligibleAndExcluded) {
  auto s = run({});
  EXPECT_EQ(s.eligible, std::vector<std::string>{"bob"});
  ASSERT_EQ(s.excluded.size(), 2u);
  EXPECT_EQ(s.excluded[0].person, "alice");
  EXPECT_EQ(s.excluded[0].why, "committer");
  EXPECT_EQ(s.excluded[1].person, "carol");
  EXPECT_EQ(s.excluded[1].why, "author, operator");
  EXPECT_FALSE(s.met());
}

TEST_F(GateRequirements, ExclusionsCanBeSwitchedOff) {
  req.exclude = policy::Exclusions{false, false, false};
  auto s = run({});
  EXPECT_EQ(s.eligible, (std::vector<std::string>{"alice", "bob", "carol"}));
}

TEST_F(GateRequirements, DistinctPeopleHoldingTheClaimedRole) {
  req.exclude = policy::Exclusions{false, false, false};
  auto s = run({{"bob", {"senior"}, {}, 0}, {"bob", {"senior"}, {}, 0}});  // two keys, one person
  EXPECT_EQ(s.satisfied_by, std::vector<std::string>{"bob"});
  EXPECT_FALSE(s.met());
  s = run({{"bob", {"sre"}, {}, 0}, {"alice", {"senior"}, {}, 0}});  // bob claimed a role the rule does not take
  EXPECT_EQ(s.satisfied_by, std::vector<std::string>{"alice"});
  s = run({{"dave", {"senior"}, {}, 0}, {"alice", {"senior"}, {}, 0}, {"carol", {"senior"}, {}, 0}});
  EXPECT_EQ(s.satisfied_by, (std::vector<std::string>{"alice", "carol"}));  // dave claims a role he lacks
  EXPECT_TRUE(s.met());
}

TEST_F(GateRequirements, AnExcludedPersonCannotSatisfy) {
  req.approvals = 1;
  auto s = run({{"carol", {"senior"}, {}, 0}});
  EXPECT_TRUE(s.satisfied_by.empty());
  s = run({{"bob", {"senior"}, {}, 0}});
  EXPECT_TRUE(s.met());
}

// One person under every address and name: sub-address, case, id as the git name.
TEST_F(GateRequirements, EveryAddressAndNameOfAPersonIsExcluded) {
  commit.author = {"Someone", "Carol+laptop@Example.com", 0, 0};
  commit.committer = {"bob", "root@build.local", 0, 0};
  prov.operator_email.reset();
  prov.operators = {{"", "ALICE+agent@example.com", "co-author of the agent's commit"}};
  auto s = run({});
  EXPECT_TRUE(s.eligible.empty());
  ASSERT_EQ(s.excluded.size(), 3u);
  EXPECT_EQ(s.excluded[0].person, "alice");
  EXPECT_EQ(s.excluded[0].why, "operator");
  EXPECT_EQ(s.excluded[1].person, "bob");
  EXPECT_EQ(s.excluded[1].why, "committer");
  EXPECT_EQ(s.excluded[2].person, "carol");
  EXPECT_EQ(s.excluded[2].why, "author");
}

TEST(GateVerdict, ExitCodes) {
  EXPECT_EQ(exit_code(Verdict::pass), 0);
  EXPECT_EQ(exit_code(Verdict::blocked), 1);
  EXPECT_EQ(exit_code(Verdict::error), 2);
  EXPECT_EQ(exit_code(Verdict::overridden), 0);
  EXPECT_EQ(to_string(Verdict::blocked), "blocked");
}

}  // namespace
}  // namespace cs::gate
