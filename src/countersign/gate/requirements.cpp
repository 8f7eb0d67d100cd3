// Who may give a requirement, and which verified approvals meet it. Distinct approvals mean
// distinct people: two keys of one person count once.
#include <algorithm>

#include "countersign/core/text.h"
#include "countersign/gate/gate.h"
#include "countersign/gate/independence.h"
#include "countersign/gate/signoff_step.h"

namespace cs::gate {

RequirementStatus assess_requirement(const policy::Requirement& req, const policy::People& people,
                                     const provenance::Provenance& prov, const git::Commit& commit,
                                     std::span<const VerifiedApproval* const> approvals) {
  return detail::assess_with_parties(req, people, detail::parties_of(detail::PeopleIndex(people), prov, commit),
                                     approvals);
}

void detail::count_approvals(RequirementStatus& s, const policy::People& people,
                             std::span<const VerifiedApproval* const> approvals) {
  for (const VerifiedApproval* a : approvals) {
    if (std::find(s.eligible.begin(), s.eligible.end(), a->person) == s.eligible.end()) continue;
    if (std::find(s.satisfied_by.begin(), s.satisfied_by.end(), a->person) != s.satisfied_by.end()) continue;
    const policy::Person* p = people.by_id(a->person);
    // The role must be claimed in the signed statement and held in the trusted directory.
    auto role = std::find_if(a->roles.begin(), a->roles.end(), [&](const std::string& r) {
      return p && p->has_role(r) && std::find(s.requirement.roles.begin(), s.requirement.roles.end(), r) != s.requirement.roles.end();
    });
    if (role == a->roles.end()) continue;
    s.satisfied_by.push_back(a->person);
    s.satisfied_as.push_back(*role);
  }
}

bool CommitDecision::satisfied() const {
  if (!authorship_problem.empty()) return false;
  return std::all_of(requirements.begin(), requirements.end(), [](const RequirementStatus& r) { return r.met(); });
}

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::pass: return "pass";
    case Verdict::blocked: return "blocked";
    case Verdict::error: return "error";
    case Verdict::overridden: return "overridden";
  }
  return "error";
}

int exit_code(Verdict v) {
  switch (v) {
    case Verdict::pass:
    case Verdict::overridden: return 0;
    case Verdict::blocked: return 1;
    case Verdict::error: return 2;
  }
  return 2;
}

}  // namespace cs::gate
