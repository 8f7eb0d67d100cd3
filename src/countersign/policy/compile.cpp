// Phase 3 of loading: globs compiled (a broken pattern is reported at its position) and
// cross-references between policy.yaml and people.yaml checked (a rule requiring a role nobody
// holds would block every change it matches forever).
#include <algorithm>
#include <vector>

#include "countersign/policy/yaml_reader.h"

namespace cs::policy::detail {

void compile(const Pending& pending, Policy& policy, const People& people, Diagnostics& diagnostics) {
  auto report = [&](Level level, const InputLocation& where, std::string message) {
    diagnostics.items.push_back({level, Error{Errc::policy, std::move(message), where}});
  };

  for (const auto& ref : pending.globs) {
    auto glob = Glob::compile(ref.pattern);
    if (!glob) {
      report(Level::error, ref.where, "bad glob '" + ref.pattern + "': " + glob.error().message);
      continue;
    }
    switch (ref.target) {
      case GlobRef::Target::rule_paths:
        if (ref.rule < policy.rules.size()) policy.rules[ref.rule].match.paths.globs.push_back(std::move(*glob));
        break;
      case GlobRef::Target::plan_files: policy.risk.plan_files.globs.push_back(std::move(*glob)); break;
      case GlobRef::Target::migrations: policy.risk.migrations.globs.push_back(std::move(*glob)); break;
      case GlobRef::Target::manifests: policy.risk.manifests.globs.push_back(std::move(*glob)); break;
    }
  }
  for (const auto& rule : policy.rules) {
    const auto& globs = rule.match.paths.globs;
    if (!globs.empty() && std::all_of(globs.begin(), globs.end(), [](const Glob& g) { return g.negated(); }))
      report(Level::warning, rule.where,
             "rule '" + rule.name + "' lists only '!' paths, so it matches no path (the last matching pattern decides)");
  }

  // Without a people directory every role is undefined; that is reported once, as a warning,
  // rather than once per rule: the gate then blocks everything the policy requires sign-off for.
  if (!people.present) {
    if (!pending.roles.empty())
      report(Level::warning, pending.roles.front().where,
             "no .countersign/people.yaml: nobody holds any role, so nothing the policy requires can be approved");
    return;
  }
  std::vector<std::string_view> known;
  for (const auto& r : people.declared_roles) known.push_back(r);
  for (const auto& p : people.people)
    for (const auto& r : p.roles) known.push_back(r);
  known.push_back(kPolicyAdminRole);
  for (const auto& ref : pending.roles) {
    if (people.role_defined(ref.role)) continue;
    std::string msg = ref.context + " requires role '" + ref.role + "', which nobody in the people directory holds";
    if (auto c = closest(ref.role, known)) msg += " (did you mean '" + *c + "'?)";
    else msg += " (declare it under roles: in people.yaml if it is meant to be empty for now)";
    report(Level::error, ref.where, std::move(msg));
  }
}

}  // namespace cs::policy::detail
