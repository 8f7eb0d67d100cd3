// One person, one role per commit (the policy's approvals.one_person_many_roles: false): a person
// who approved a commit in several roles counts in the one role that meets the most of its
// requirements. Choosing that role is a small search: few people approve one commit in two roles.
#include <algorithm>

#include "countersign/gate/signoff_step.h"

namespace cs::gate::detail {
namespace {

// Assignments tried at most; beyond, each person keeps the first role they could count in.
constexpr size_t kMaxChoices = 256;

bool accepts(const RequirementStatus& s, std::string_view role) {
  return std::find(s.requirement.roles.begin(), s.requirement.roles.end(), role) != s.requirement.roles.end();
}

bool eligible(const RequirementStatus& s, std::string_view person) {
  return std::find(s.eligible.begin(), s.eligible.end(), person) != s.eligible.end();
}

// A person's approvals and the roles they could count in on this commit.
struct Approver {
  std::string person;
  std::vector<std::string> roles;
};

std::vector<Approver> approvers_of(const std::vector<RequirementStatus>& reqs, const policy::People& people,
                                   std::span<const VerifiedApproval* const> approvals) {
  std::vector<Approver> out;
  for (const VerifiedApproval* a : approvals) {
    const policy::Person* p = people.by_id(a->person);
    if (!p) continue;
    auto it = std::find_if(out.begin(), out.end(), [&](const Approver& x) { return x.person == a->person; });
    for (const auto& role : a->roles) {
      bool usable = p->has_role(role) && std::any_of(reqs.begin(), reqs.end(), [&](const RequirementStatus& s) {
                      return accepts(s, role) && eligible(s, a->person);
                    });
      if (!usable) continue;
      if (it == out.end()) {
        out.push_back({a->person, {}});
        it = out.end() - 1;
      }
      if (std::find(it->roles.begin(), it->roles.end(), role) == it->roles.end()) it->roles.push_back(role);
    }
  }
  return out;
}

// Counts with each approver limited to the role `choice` picks for them.
void count_with(std::vector<RequirementStatus>& reqs, const policy::People& people,
                std::span<const VerifiedApproval* const> approvals, const std::vector<Approver>& approvers,
                const std::vector<size_t>& choice) {
  std::vector<VerifiedApproval> limited;
  for (const VerifiedApproval* a : approvals) {
    auto it =
        std::find_if(approvers.begin(), approvers.end(), [&](const Approver& x) { return x.person == a->person; });
    if (it == approvers.end()) continue;
    const std::string& role = it->roles[choice[size_t(it - approvers.begin())]];
    if (std::find(a->roles.begin(), a->roles.end(), role) == a->roles.end()) continue;
    limited.push_back({a->person, {role}, a->commits, a->time});
  }
  std::vector<const VerifiedApproval*> ptrs;
  for (const auto& v : limited) ptrs.push_back(&v);
  for (auto& s : reqs) {
    s.satisfied_by.clear();
    s.satisfied_as.clear();
    count_approvals(s, people, ptrs);
  }
}

// Requirements met first, then approvals that count toward what is still needed.
std::pair<size_t, size_t> score(const std::vector<RequirementStatus>& reqs) {
  std::pair<size_t, size_t> out{0, 0};
  for (const auto& s : reqs) {
    out.first += s.met();
    out.second += std::min(s.satisfied_by.size(), size_t(std::max(0, s.requirement.approvals)));
  }
  return out;
}

}  // namespace

void count_commit(std::vector<RequirementStatus>& requirements, const policy::People& people,
                  std::span<const VerifiedApproval* const> approvals, bool many_roles) {
  if (many_roles) {
    for (auto& s : requirements) {
      s.satisfied_by.clear();
      s.satisfied_as.clear();
      count_approvals(s, people, approvals);
    }
    return;
  }
  auto approvers = approvers_of(requirements, people, approvals);
  std::vector<size_t> choice(approvers.size(), 0);
  size_t combinations = 1;
  for (const auto& a : approvers) combinations = std::min(kMaxChoices + 1, combinations * a.roles.size());
  std::vector<size_t> best = choice;
  if (combinations > 1 && combinations <= kMaxChoices) {
    std::pair<size_t, size_t> best_score{0, 0};
    bool first = true;
    for (size_t n = 0; n < combinations; ++n) {
      size_t rest = n;
      for (size_t i = 0; i < approvers.size(); ++i) {
        choice[i] = rest % approvers[i].roles.size();
        rest /= approvers[i].roles.size();
      }
      count_with(requirements, people, approvals, approvers, choice);
      auto sc = score(requirements);
      if (first || sc > best_score) {
        best_score = sc;
        best = choice;
        first = false;
      }
    }
  }
  count_with(requirements, people, approvals, approvers, best);
}

}  // namespace cs::gate::detail
