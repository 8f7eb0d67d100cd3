// One person, one role per commit (approvals.one_person_many_roles: false): the role each person
// counts in is the one that meets the most requirements.
#include <gtest/gtest.h>

#include "countersign/gate/gate.h"
#include "countersign/gate/signoff_step.h"

namespace cs::gate {
namespace {

struct RoleCounting : ::testing::Test {
  policy::People people;
  provenance::Provenance prov;
  git::Commit commit;
  std::vector<RequirementStatus> reqs;
  void SetUp() override {
    auto l = policy::load(std::nullopt, policy::SourceText{"people.yaml", R"(people:
  - { id: bob, emails: [bob@example.com], roles: [senior, sre] }
  - { id: carol, emails: [carol@example.com], roles: [senior] }
)"});
    ASSERT_FALSE(l.diagnostics.has_errors()) << l.diagnostics.format();
    people = l.people;
    commit.author = {"Dev", "dev@example.com", 0, 0};
    commit.committer = commit.author;
    policy::Requirement senior{"ai", 1, {"senior"}, {}, "ai"}, sre{"infra", 1, {"sre"}, {}, "infra"};
    for (const auto& r : {senior, sre}) reqs.push_back(assess_requirement(r, people, prov, commit, {}));
  }
  void count(const std::vector<VerifiedApproval>& approvals, bool many_roles) {
    std::vector<const VerifiedApproval*> ptrs;
    for (const auto& a : approvals) ptrs.push_back(&a);
    detail::count_commit(reqs, people, ptrs, many_roles);
  }
};

TEST_F(RoleCounting, OnePersonInTwoRolesCountsOnceUnlessThePolicySaysOtherwise) {
  std::vector<VerifiedApproval> bob_twice{{"bob", {"senior"}, {}, 0}, {"bob", {"sre"}, {}, 0}};
  count(bob_twice, true);
  EXPECT_TRUE(reqs[0].met() && reqs[1].met());
  EXPECT_EQ(reqs[1].satisfied_as, std::vector<std::string>{"sre"});
  count(bob_twice, false);
  EXPECT_EQ(reqs[0].met() + reqs[1].met(), 1);
}

TEST_F(RoleCounting, TheRoleChosenIsTheOneThatMeetsTheMost) {
  // bob approved as senior first; counting him as sre lets carol's senior approval meet the rest.
  count({{"bob", {"senior"}, {}, 0}, {"bob", {"sre"}, {}, 0}, {"carol", {"senior"}, {}, 0}}, false);
  EXPECT_TRUE(reqs[0].met());
  EXPECT_TRUE(reqs[1].met());
  EXPECT_EQ(reqs[0].satisfied_by, std::vector<std::string>{"carol"});
  EXPECT_EQ(reqs[1].satisfied_by, std::vector<std::string>{"bob"});
}

}  // namespace
}  // namespace cs::gate
