// Rules shared by every infrastructure format: what is deleted or replaced, whether it holds
// data, whether the organisation protects it, whether most of the environment goes at once,
// and whether a safeguard is switched off on the way.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>

#include "countersign/risk/catalog.h"
#include "countersign/risk/change_model.h"
#include "countersign/risk/json_values.h"

namespace cs::risk {
namespace {

std::string why(const ResourceChange& rc) {
  std::string s;
  if (!rc.action_reason.empty()) s += " (" + rc.action_reason + ")";
  if (!rc.replace_paths.empty()) s += "; replacement forced by " + rc.replace_paths;
  return s;
}

bool is_protected(const ResourceChange& rc, const Config& config) {
  for (const auto& p : config.protected_resources) {
    if (glob_match(p, rc.address)) return true;
    if (!rc.cloud_id.empty() && (p == rc.cloud_id || glob_match(p, rc.cloud_id))) return true;
    if (auto arn = json::value_at(rc.before, "arn"); arn && arn->size() >= 2 && arn->substr(1, arn->size() - 2) == p)
      return true;
  }
  return false;
}

void env_rebuild(ChangeSet& set, const Config& config) {
  const std::string file = set.file;
  auto add = [&](std::string message) {
    set.findings.push_back(Finding{"env-rebuild", Severity::critical, "(environment)", file, "$", std::move(message)});
  };
  if (set.stack_deleted) {
    add("the whole stack is deleted: every resource in it is removed");
    return;
  }
  std::size_t managed = set.unchanged, destroyed = 0, replaced = 0, only_deletes = 0;
  std::map<std::string, std::pair<std::size_t, std::size_t>> by_type;  // deleted, created
  for (const auto& rc : set.changes) {
    if (!rc.managed) continue;
    ++managed;
    if (rc.del) ++destroyed;
    if (rc.replaced()) ++replaced;
    if (rc.del && !rc.create) ++only_deletes;
    if (rc.del && !rc.create) ++by_type[rc.type].first;
    if (rc.create && !rc.del) ++by_type[rc.type].second;
  }
  if (destroyed == 0) return;
  const std::size_t prior = set.has_prior ? set.prior_count : set.lists_unchanged ? managed : 0;
  if (set.has_prior && only_deletes == managed) {
    add(fmt::format("every one of the {} resource changes is a delete: this is a destroy plan", managed));
    return;
  }
  if (config.env_rebuild_count > 0 && destroyed >= config.env_rebuild_count) {
    add(fmt::format("{} resources are deleted or replaced (the policy's limit is {})", destroyed,
                    config.env_rebuild_count));
    return;
  }
  if (prior < config.env_rebuild_min_resources || prior == 0) return;
  const double share = double(destroyed) / double(prior);
  if (share >= config.env_rebuild_share) {
    add(fmt::format("{} of {} existing resources ({:.0f}%) are deleted or replaced; the limit is {:.0f}%: the "
                    "environment is being torn down and rebuilt",
                    destroyed, prior, share * 100, config.env_rebuild_share * 100));
    return;
  }
  std::size_t recreated = replaced;
  for (const auto& [type, dc] : by_type) recreated += std::min(dc.first, dc.second);
  if (2 * recreated > prior)
    add(fmt::format("{} of {} existing resources are deleted and re-created with the same types", recreated, prior));
}

}  // namespace

Finding unreviewable(std::string_view file, std::string_view location, std::string_view why) {
  return Finding{"unreviewable", Severity::high, "", std::string(file), std::string(location),
                 "cannot be reviewed: " + std::string(why) + ". A change nobody can read is not approved by default"};
}

void common_rules(ChangeSet& set, const Config& config) {
  auto cat = catalog();
  for (const auto& rc : set.changes) {
    if (!rc.managed) continue;
    const std::string verb = rc.conditional ? "may be replaced" : rc.replaced() ? "is replaced" : "is deleted";
    if (rc.del) {
      const bool stateful = cat && is_stateful(**cat, config, rc.type);
      if (stateful) {
        set.findings.push_back(Finding{rc.replaced() ? "stateful-replace" : "stateful-delete", Severity::critical,
                                       rc.address, set.file, rc.location,
                                       fmt::format("{} ({}) {}{}: it holds data, which {} with it. Take a backup or "
                                                   "keep the resource (lifecycle/moved/import) instead",
                                                   rc.address, rc.type, verb, why(rc),
                                                   rc.replaced() ? "is lost when it is re-created" : "goes")});
      } else {
        set.findings.push_back(Finding{rc.replaced() ? "resource-replace" : "resource-delete", Severity::medium,
                                       rc.address, set.file, rc.location,
                                       fmt::format("{} ({}) {}{}", rc.address, rc.type, verb, why(rc))});
      }
      if (is_protected(rc, config))
        set.findings.push_back(Finding{"protected-resource", Severity::critical, rc.address, set.file, rc.location,
                                       fmt::format("{} {}, and the policy lists it as protected", rc.address, verb)});
    }
    if (rc.forget)
      set.findings.push_back(Finding{"forget-orphan", Severity::medium, rc.address, set.file, rc.location,
                                     fmt::format("{} is removed from state but left running (forget): nothing will "
                                                 "manage or bill-track it any more",
                                                 rc.address)});
  }
  env_rebuild(set, config);
}

void protection_rules(ChangeSet& set, std::string_view flavour, std::string_view after_path) {
  auto cat = catalog();
  if (!cat) return;
  // Each change's `after` is walked once for the first step of every attribute path, not once
  // per protection: a plan can hold tens of thousands of updates.
  std::vector<const Protection*> protections;
  std::vector<std::pair<std::string_view, std::string_view>> steps;  // first step, rest of the path
  for (const auto& p : (*cat)->protections) {
    if (p.flavour != flavour) continue;
    protections.push_back(&p);
    const std::string_view path = p.attribute;
    const auto dot = path.find('.');
    steps.emplace_back(path.substr(0, dot), dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1));
  }
  std::vector<std::optional<std::string_view>> first(protections.size());
  for (std::size_t c = 0; c < set.changes.size(); ++c) {
    const ResourceChange& rc = set.changes[c];
    if (c + 1 < set.changes.size()) json::read_ahead(set.changes[c + 1].after);  // out of cache in a large plan
    if (!(rc.update || rc.replaced()) || json::is_null_or_empty(rc.before) || json::is_null_or_empty(rc.after))
      continue;
    std::fill(first.begin(), first.end(), std::nullopt);
    const bool ok = json::visit_members(rc.after, [&](std::string_view key, std::string_view value) {
      for (std::size_t i = 0; i < steps.size(); ++i)
        if (steps[i].first == key) first[i] = value;  // the last of duplicated keys, as value_at reads them
    });
    if (!ok) continue;
    for (std::size_t i = 0; i < protections.size(); ++i) {
      const Protection& p = *protections[i];
      auto after = first[i] && !steps[i].second.empty() ? json::value_at(*first[i], steps[i].second) : first[i];
      if (!after || *after != p.to) continue;
      auto before = json::value_at(rc.before, p.attribute);
      if (before && *before == *after) continue;
      if (!p.from.empty() && (!before || *before != p.from)) continue;
      set.findings.push_back(Finding{"protection-weakened", Severity::high, rc.address, set.file,
                                     rc.location + std::string(after_path) + p.attribute,
                                     fmt::format("{} sets {} from {} to {}: a safeguard against losing it is switched "
                                                 "off, often the first step before a destroy",
                                                 rc.address, p.attribute, before ? *before : "unset", *after)});
    }
  }
}

}  // namespace cs::risk
