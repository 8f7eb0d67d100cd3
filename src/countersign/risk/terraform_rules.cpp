// Terraform-only rules: instances of a counted resource whose indices shifted
// (count-index-shift) and a resource deleted under one address and created under another
// without a moved block (missing-moved). Both compare attribute values: the known values of
// `after` against the same attributes of `before`.
#include <fmt/format.h>

#include <map>
#include <set>
#include <unordered_map>

#include "countersign/risk/catalog.h"
#include "countersign/risk/change_model.h"
#include "countersign/risk/json_values.h"

namespace cs::risk {
namespace {

// The attributes of `after` that are known at plan time (not marked in after_unknown).
std::vector<std::string> known_keys(const ResourceChange& rc) {
  std::set<std::string> unknown;
  for (auto& [k, v] : json::object_members(rc.after_unknown))
    if (v == "true") unknown.insert(k);
  std::vector<std::string> keys;
  for (auto& [k, v] : json::object_members(rc.after))
    if (!unknown.contains(k)) keys.push_back(k);
  return keys;
}

// A fingerprint of `values` restricted to `keys`; empty when every such value is null.
std::string fingerprint(std::string_view values, const std::vector<std::string>& keys) {
  const json::Members members = json::object_members(values);
  std::string fp;
  bool any = false;
  for (const auto& k : keys) {
    std::string_view v = "null";
    for (const auto& [mk, mv] : members)  // the last of duplicated keys, as value_at reads them
      if (mk == k) v = mv;
    if (v != "null") any = true;
    fp += k;
    fp += '=';
    fp += v;
    fp += '\x1f';
  }
  return any ? fp : std::string();
}

std::string base_address(const ResourceChange& rc) {
  const auto bracket = rc.address.rfind('[');
  return bracket == std::string::npos ? rc.address : rc.address.substr(0, bracket);
}

void count_index_shift(ChangeSet& set, const Config& config, const Catalog* cat) {
  std::map<std::string, std::vector<const ResourceChange*>> groups;
  for (const auto& rc : set.changes)
    if (rc.managed && !rc.count_index.empty() && (rc.del || rc.update)) groups[base_address(rc)].push_back(&rc);
  for (const auto& [base, members] : groups) {
    std::vector<std::string> keys;
    for (const auto* rc : members)
      if (!json::is_null_or_empty(rc->after)) {
        keys = known_keys(*rc);
        break;
      }
    std::multiset<std::string> befores;
    std::vector<std::string> before_of(members.size());  // each member's, computed once
    bool count_delete = false;
    for (std::size_t i = 0; i < members.size(); ++i) {
      const auto* rc = members[i];
      if (rc->action_reason == "delete_because_count_index") count_delete = true;
      if (!keys.empty() && !json::is_null_or_empty(rc->before)) {
        before_of[i] = fingerprint(rc->before, keys);
        if (!before_of[i].empty()) befores.insert(before_of[i]);
      }
    }
    std::size_t shifted = 0;
    for (std::size_t i = 0; i < members.size(); ++i) {
      const auto* rc = members[i];
      if (keys.empty() || json::is_null_or_empty(rc->after) || json::is_null_or_empty(rc->before)) continue;
      const auto after = fingerprint(rc->after, keys);
      if (!after.empty() && after != before_of[i] && befores.contains(after)) ++shifted;
    }
    if (shifted < 2 && !(shifted >= 1 && count_delete) && !count_delete) continue;
    const std::string& type = members.front()->type;
    const bool stateful = cat && is_stateful(*cat, config, type);
    std::string message =
        shifted > 0
            ? fmt::format("{} instances of {} take over the values another index had before: an element was removed "
                          "from the middle of a counted list, so every later instance is changed or replaced",
                          shifted, base)
            : fmt::format("an instance of {} is deleted because the count shrank (delete_because_count_index): if "
                          "the element removed was not the last one, the later indices shift",
                          base);
    message += ". Use for_each keyed by a stable name, or `moved` blocks from the old indices";
    set.findings.push_back(Finding{"count-index-shift", stateful ? Severity::critical : Severity::high, base,
                                   set.file, members.front()->location, std::move(message)});
  }
}

void missing_moved(ChangeSet& set) {
  // Deletes (not replacements) indexed by type, then each create looked up by the
  // fingerprint of its known attributes.
  std::unordered_map<std::string, std::vector<const ResourceChange*>> deletes_by_type;
  for (const auto& rc : set.changes)
    if (rc.managed && rc.del && !rc.create && rc.action_reason != "delete_because_count_index")
      deletes_by_type[rc.type].push_back(&rc);
  if (deletes_by_type.empty()) return;
  std::set<const ResourceChange*> used;
  for (const auto& rc : set.changes) {
    if (!rc.managed || !rc.create || rc.del || !rc.previous_address.empty()) continue;
    auto it = deletes_by_type.find(rc.type);
    if (it == deletes_by_type.end()) continue;
    const auto keys = known_keys(rc);
    if (keys.empty()) continue;
    const auto after = fingerprint(rc.after, keys);
    if (after.empty()) continue;
    std::size_t tried = 0;
    for (const auto* del : it->second) {
      if (used.contains(del) || ++tried > 1000) continue;
      if (fingerprint(del->before, keys) != after) continue;
      used.insert(del);
      set.findings.push_back(Finding{
          "missing-moved", Severity::high, del->address + " -> " + rc.address, set.file, rc.location,
          fmt::format("{} is deleted and {} is created with the same attributes: this looks like a rename. Add "
                      "`moved {{ from = {} to = {} }}` so that the resource is kept",
                      del->address, rc.address, del->address, rc.address)});
      break;
    }
  }
}

}  // namespace

void terraform_rules(ChangeSet& set, const Config& config) {
  auto cat = catalog();
  const Catalog* c = cat ? *cat : nullptr;
  count_index_shift(set, config, c);
  missing_moved(set);
  protection_rules(set, "terraform", ".change.after.");
}

}  // namespace cs::risk
