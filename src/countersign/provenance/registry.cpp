// Phase 2 of loading the agent registry: lookup tables. Identities match on exact addresses,
// on GitHub noreply addresses by numeric id and login together, and on names no human carries.
#include "countersign/provenance/registry.h"

#include <charconv>

#include "countersign/core/text.h"
#include "countersign/data/embedded.h"

namespace cs::provenance {
namespace {

constexpr std::string_view kNoreplyDomain = "@users.noreply.github.com";

}  // namespace

void Registry::index(size_t i) {
  const AgentSpec& s = specs_[i];
  for (const auto& e : s.emails) emails_.try_emplace(text::lower(e), i);
  for (const auto& n : s.names) names_.try_emplace(text::lower(n), i);
  aliases_.try_emplace(text::lower(s.id), i);
  aliases_.try_emplace(text::lower(s.display), i);
  for (const auto& a : s.aliases) aliases_.try_emplace(text::lower(a), i);
  for (const auto& g : s.github) github_[g.id].emplace_back(text::lower(g.login), i);
}

Registry Registry::compile(std::vector<AgentSpec> specs, std::vector<Error>& problems) {
  Registry r;
  r.specs_.reserve(specs.size());
  for (auto& s : specs) {
    bool dup = false;
    for (const auto& prev : r.specs_)
      if (prev.id == s.id) dup = true;
    if (dup) {
      problems.push_back(Error{Errc::parse, "duplicate agent id '" + s.id + "'", s.where});
      continue;
    }
    r.specs_.push_back(std::move(s));
  }
  for (size_t i = 0; i < r.specs_.size(); ++i) r.index(i);
  return r;
}

Result<Registry> Registry::load_default() {
  auto file = data::load("agents.yaml");
  if (!file) return std::unexpected(file.error());
  std::vector<Error> problems;
  auto specs = read_agent_specs(file->contents, file->origin, problems);
  auto reg = compile(std::move(specs), problems);
  if (!problems.empty()) {
    Error first = problems.front();
    if (problems.size() > 1) first.message += " (and " + std::to_string(problems.size() - 1) + " more problems)";
    return std::unexpected(first);
  }
  return reg;
}

void Registry::add_extra(const AgentIdentity& extra) {
  AgentSpec s;
  s.id = extra.id;
  s.display = extra.display.empty() ? extra.id : extra.display;
  s.emails = extra.emails;
  s.names = extra.names;  // the user declared these names as agents: they match on their own
  specs_.push_back(std::move(s));
  index(specs_.size() - 1);
}

const AgentSpec* Registry::by_email(std::string_view email) const {
  if (emails_.empty() || email.empty()) return nullptr;
  auto it = emails_.find(text::lower(email));
  return it == emails_.end() ? nullptr : &specs_[it->second];
}

// <id>+<login>@users.noreply.github.com: both parts must name the same registered account.
const AgentSpec* Registry::by_github_noreply(std::string_view email) const {
  if (email.size() <= kNoreplyDomain.size()) return nullptr;
  std::string_view local = email.substr(0, email.size() - kNoreplyDomain.size());
  if (!text::iequals(email.substr(local.size()), kNoreplyDomain)) return nullptr;
  auto plus = local.find('+');
  if (plus == std::string_view::npos || plus == 0) return nullptr;
  uint64_t id = 0;
  auto [p, ec] = std::from_chars(local.data(), local.data() + plus, id);
  if (ec != std::errc() || p != local.data() + plus) return nullptr;
  auto it = github_.find(id);
  if (it == github_.end()) return nullptr;
  std::string_view login = local.substr(plus + 1);
  for (const auto& [l, i] : it->second)
    if (text::iequals(l, login)) return &specs_[i];
  return nullptr;
}

const AgentSpec* Registry::identity(std::string_view name, std::string_view email) const {
  if (const AgentSpec* s = by_email(email)) return s;
  if (const AgentSpec* s = by_github_noreply(email)) return s;
  if (!names_.empty() && !name.empty()) {
    auto it = names_.find(text::lower(text::trim(name)));
    if (it != names_.end()) return &specs_[it->second];
  }
  return nullptr;
}

const AgentSpec* Registry::by_alias(std::string_view name) const {
  auto it = aliases_.find(text::lower(text::trim(name)));
  return it == aliases_.end() ? nullptr : &specs_[it->second];
}

const AgentSpec* Registry::by_name_suffix(std::string_view author_name, std::string_view* human_name) const {
  for (const auto& s : specs_)
    for (const auto& suffix : s.name_suffixes)
      if (author_name.size() > suffix.size() && author_name.ends_with(suffix)) {
        if (human_name) *human_name = text::trim(author_name.substr(0, author_name.size() - suffix.size()));
        return &s;
      }
  return nullptr;
}

}  // namespace cs::provenance
