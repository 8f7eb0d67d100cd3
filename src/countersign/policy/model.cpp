// Small behaviour of the policy value types: lookups, diagnostics listing, suggestions.
#include <algorithm>

#include "countersign/core/text.h"
#include "countersign/policy/policy.h"

namespace cs::policy {

std::string_view to_string(Level level) { return level == Level::error ? "error" : "warning"; }

bool Diagnostics::has_errors() const { return count(Level::error) > 0; }

size_t Diagnostics::count(Level level) const {
  return static_cast<size_t>(std::count_if(items.begin(), items.end(), [&](const Diagnostic& d) { return d.level == level; }));
}

std::string Diagnostics::format() const {
  std::string out;
  for (const auto& d : items) {
    // describe() gives "file:line:col: message" plus the snippet; the level goes after the
    // position, as compilers and Falco print it.
    Error e = d.error;
    e.message = std::string(to_string(d.level)) + ": " + e.message;
    out += e.describe();
    out += '\n';
  }
  return out;
}

bool Person::has_role(std::string_view role) const { return std::find(roles.begin(), roles.end(), role) != roles.end(); }

bool Person::has_email(std::string_view email) const {
  return std::any_of(emails.begin(), emails.end(), [&](const std::string& e) { return text::iequals(e, email); });
}

const Person* People::by_id(std::string_view id) const {
  for (const auto& p : people)
    if (p.id == id) return &p;
  return nullptr;
}

const Person* People::by_email(std::string_view email) const {
  for (const auto& p : people)
    if (p.has_email(email)) return &p;
  return nullptr;
}

bool People::role_defined(std::string_view role) const {
  if (role == kPolicyAdminRole) return true;
  if (std::find(declared_roles.begin(), declared_roles.end(), role) != declared_roles.end()) return true;
  return std::any_of(people.begin(), people.end(), [&](const Person& p) { return p.has_role(role); });
}

bool Environments::is_production(std::string_view name) const {
  return std::any_of(production.begin(), production.end(), [&](const std::string& p) { return text::iequals(p, name); });
}

bool Branches::is_protected(std::string_view branch) const {
  // Anchored: "main" is the branch main, not every branch ending in /main.
  return std::any_of(protected_branches.begin(), protected_branches.end(), [&](const std::string& p) {
    auto g = Glob::compile("/" + p);
    return g && g->matches(branch);
  });
}

bool Suppression::covers(const risk::Finding& f, int64_t now) const {
  if (f.rule != rule || now >= expires_at) return false;
  // Resource names are dotted or slashed ("aws_db_instance.main", "Namespace/prod"); the glob
  // is applied to the whole name with '/' kept as a separator.
  auto g = Glob::compile(resource.starts_with('/') ? resource : "/" + resource);
  return g && g->matches(f.resource);
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string> closest(std::string_view word, std::span<const std::string_view> candidates) {
  if (word.size() > 64) return std::nullopt;
  std::string w = text::lower(word);
  size_t best = SIZE_MAX;
  std::string_view pick;
  for (auto c : candidates) {
    size_t d = edit_distance(w, text::lower(c));
    if (d < best) {
      best = d;
      pick = c;
    }
  }
  size_t limit = std::max<size_t>(2, word.size() / 3);
  if (best == 0 || best > limit) return best == 0 && !pick.empty() ? std::optional<std::string>(std::string(pick)) : std::nullopt;
  return std::string(pick);
}

}  // namespace cs::policy
