// Terraform-only rules: instances of a counted resource whose indices shifted
// (count-index-shift) and a resource deleted under one address and created under another
// without a moved block (missing-moved). Both compare attribute values: the known values of
// `after` against the same attributes of `before`.
#include <fmt/format.h>

#include <algorithm>
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

// The values of `keys` in an object (raw JSON text, "null" where absent, the last of duplicated
// keys as value_at reads them), compared as a whole; empty when every one is null. The values
// stay views into the plan: a fingerprint is made for every counted instance changed, and
// copying each one's text made this rule cost more than reading the plan's elements.
using Fingerprint = std::vector<std::string_view>;

Fingerprint fingerprint(std::string_view values, const std::vector<std::string>& keys) {
  Fingerprint found(keys.size(), "null");
  const bool ok = json::visit_members(values, [&](std::string_view key, std::string_view value) {
    for (std::size_t i = 0; i < keys.size(); ++i)
      if (keys[i] == key) found[i] = value;
  });
  if (!ok || std::all_of(found.begin(), found.end(), [](std::string_view v) { return v == "null"; })) return {};
  return found;
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
    std::vector<Fingerprint> before_of(members.size());  // each member's, computed once
    bool count_delete = false;
    for (std::size_t i = 0; i < members.size(); ++i) {
      const auto* rc = members[i];
      if (i + 1 < members.size()) json::read_ahead(members[i + 1]->before);
      if (rc->action_reason == "delete_because_count_index") count_delete = true;
      if (!keys.empty() && !json::is_null_or_empty(rc->before)) before_of[i] = fingerprint(rc->before, keys);
    }
    std::vector<Fingerprint> befores;  // sorted, to look the afters up
    for (const auto& fp : before_of)
      if (!fp.empty()) befores.push_back(fp);
    std::sort(befores.begin(), befores.end());
    std::size_t shifted = 0;
    for (std::size_t i = 0; i < members.size(); ++i) {
      const auto* rc = members[i];
      if (i + 1 < members.size()) json::read_ahead(members[i + 1]->after);
      if (keys.empty() || json::is_null_or_empty(rc->after) || json::is_null_or_empty(rc->before)) continue;
      const auto after = fingerprint(rc->after, keys);
      if (!after.empty() && after != before_of[i] && std::binary_search(befores.begin(), befores.end(), after))
        ++shifted;
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
