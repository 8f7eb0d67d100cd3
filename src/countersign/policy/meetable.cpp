// Requirements nobody can meet, for `policy lint`: a rule or escalation asking for more
// approvals than there are people holding one of its roles (agent identities never count).
// Who is excluded depends on the commit (its author may be the only senior), so only this much is
// knowable without one.
#include <algorithm>

#include "countersign/policy/policy.h"

namespace cs::policy {
namespace {

std::string or_list(const std::vector<std::string>& roles) {
  std::string out;
  for (const auto& r : roles) out += (out.empty() ? "" : " or ") + r;
  return out;
}

size_t holders(const People& people, const std::vector<std::string>& roles,
               const std::function<bool(const Person&)>& is_agent) {
  return size_t(std::count_if(people.people.begin(), people.people.end(), [&](const Person& p) {
    return std::any_of(roles.begin(), roles.end(), [&](const std::string& r) { return p.has_role(r); }) &&
           !(is_agent && is_agent(p));
  }));
}

std::string shortfall(int approvals, const std::vector<std::string>& roles, size_t have) {
  return "needs " + std::to_string(approvals) + " approval" + (approvals == 1 ? "" : "s") + " from role " +
         or_list(roles) + ", but " +
         (have == 0 ? std::string("nobody") : "only " + std::to_string(have) + (have == 1 ? " person" : " people")) +
         " in the people directory " + (have <= 1 ? "holds" : "hold") + " one (agent identities never count)";
}

}  // namespace

Diagnostics unmeetable_requirements(const Policy& policy, const People& people,
                                    const std::function<bool(const Person&)>& is_agent) {
  Diagnostics out;
  if (!people.present) return out;  // nothing to count against
  for (const auto& rule : policy.rules) {
    size_t have = holders(people, rule.require.roles, is_agent);
    if (rule.require.roles.empty() || have >= size_t(std::max(0, rule.require.approvals))) continue;
    // A role nobody holds or declares is already an error of loading, at the role.
    bool reported = std::none_of(rule.require.roles.begin(), rule.require.roles.end(),
                                 [&](const std::string& r) { return people.role_defined(r); });
    if (reported) continue;
    out.items.push_back(
        {Level::error, Error{Errc::policy,
                             "rule '" + rule.name + "' " + shortfall(rule.require.approvals, rule.require.roles, have) +
                                 ": no commit it matches can ever be signed off",
                             rule.where}});
  }
  for (const auto& e : policy.risk.escalate) {
    size_t have = holders(people, e.roles, is_agent);
    if (e.roles.empty() || have >= size_t(std::max(0, e.approvals))) continue;
    out.items.push_back({Level::warning, Error{Errc::policy,
                                               "risk escalation for " + std::string(to_string(e.severity)) +
                                                   " findings " + shortfall(e.approvals, e.roles, have) +
                                                   ": no commit with such a finding can ever be signed off",
                                               {}}});
  }
  for (const auto& c : policy.commands.approvals) {
    std::vector<std::string> roles{c.role};
    size_t have = holders(people, roles, is_agent);
    if (have >= size_t(std::max(0, c.count)) || !people.role_defined(c.role)) continue;
    out.items.push_back({Level::error, Error{Errc::policy,
                                             "commands.approvals " + shortfall(c.count, roles, have) +
                                                 ": no command the guard holds can ever be released",
                                             c.where}});
  }
  return out;
}

}  // namespace cs::policy
