// Phase 2 of loading people.yaml: people (ids, names, emails, roles, SSH key lines), declared
// roles, and extra agent identities, which are never approvers.
#include <algorithm>
#include <array>

#include "countersign/core/text.h"
#include "countersign/policy/yaml_reader.h"

namespace cs::policy::detail {
namespace {

using namespace std::string_view_literals;

constexpr std::array kTopFields = {"people"sv, "agents"sv, "roles"sv};
constexpr std::array kPersonFields = {"id"sv, "name"sv, "emails"sv, "roles"sv, "keys"sv};
constexpr std::array kAgentFields = {"id"sv, "name"sv, "names"sv, "emails"sv};

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
      return false;
  return true;
}

bool looks_like_email(std::string_view e) {
  auto at = e.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < e.size() && e.find_first_of(" \t<>") == std::string_view::npos;
}

// An OpenSSH public key line: "<type> <base64> [comment]". Only the shape is checked here; the
// signoff stage parses the key itself.
bool looks_like_key(std::string_view k) {
  static constexpr std::array types = {"ssh-ed25519"sv, "ssh-rsa"sv, "ecdsa-sha2-nistp256"sv, "ecdsa-sha2-nistp384"sv,
                                       "ecdsa-sha2-nistp521"sv, "sk-ssh-ed25519@openssh.com"sv,
                                       "sk-ecdsa-sha2-nistp256@openssh.com"sv};
  auto parts = text::split(text::trim(k), ' ');
  if (parts.size() < 2) return false;
  bool known = false;
  for (auto t : types) known = known || parts[0] == t;
  return known && !parts[1].empty();
}

std::optional<std::string> email_owner(const People& people, std::string_view email) {
  for (const auto& p : people.people)
    if (p.has_email(email)) return "person '" + p.id + "'";
  for (const auto& a : people.agents)
    for (const auto& e : a.emails)
      if (text::iequals(e, email)) return "agent '" + a.id + "'";
  return std::nullopt;
}

void collect_emails(YamlReader& r, const YAML::Node& node, const People& people, std::vector<std::string>& out) {
  auto list = r.strings(node, "emails");
  if (!list) return;
  for (auto& [email, item] : *list) {
    if (!looks_like_email(email)) {
      r.error(item, "'" + email + "' is not an email address");
      continue;
    }
    if (auto owner = email_owner(people, email)) {
      r.error(item, "email " + email + " already belongs to " + *owner + ": an address identifies one person");
      continue;
    }
    out.push_back(std::move(email));
  }
}

void collect_person(YamlReader& r, const YAML::Node& node, People& people) {
  auto fields = r.fields(node, "a person", kPersonFields);
  if (!fields) return;
  Person p;
  p.where = r.at(node);
  for (const auto& f : *fields) {
    if (f.key == "id") {
      auto id = r.string(f.value, "id");
      if (!id) continue;
      if (!valid_id(*id)) r.error(f.value, "id '" + *id + "' must be letters, digits, '-', '_' or '.'");
      else if (people.by_id(*id) || std::any_of(people.agents.begin(), people.agents.end(),
                                                [&](const auto& a) { return a.id == *id; }))
        r.error(f.value, "duplicate id '" + *id + "'");
      else p.id = *id;
    } else if (f.key == "name") {
      p.name = r.string(f.value, "name").value_or("");
    } else if (f.key == "emails") {
      collect_emails(r, f.value, people, p.emails);
    } else if (f.key == "roles") {
      if (auto list = r.strings(f.value, "roles"))
        for (auto& [role, item] : *list) p.roles.push_back(std::move(role));
    } else if (f.key == "keys") {
      if (auto list = r.strings(f.value, "keys"))
        for (auto& [key, item] : *list) {
          if (!looks_like_key(key)) r.error(item, "not an OpenSSH public key line (\"ssh-ed25519 AAAA... comment\")");
          else p.keys.push_back(std::move(key));
        }
    }
  }
  if (p.id.empty()) {
    r.error(node, "a person needs an id");
    return;
  }
  if (p.emails.empty()) r.warning(node, "person '" + p.id + "' has no emails: they cannot be recognised as an author");
  people.people.push_back(std::move(p));
}

void collect_agent(YamlReader& r, const YAML::Node& node, People& people) {
  auto fields = r.fields(node, "an agent", kAgentFields);
  if (!fields) return;
  provenance::AgentIdentity a;
  for (const auto& f : *fields) {
    if (f.key == "id") {
      auto id = r.string(f.value, "agent id");
      if (!id) continue;
      bool taken = people.by_id(*id) != nullptr;
      for (const auto& other : people.agents) taken = taken || other.id == *id;
      if (!valid_id(*id)) r.error(f.value, "agent id '" + *id + "' must be letters, digits, '-', '_' or '.'");
      else if (taken) r.error(f.value, "duplicate id '" + *id + "'");
      else a.id = *id;
    } else if (f.key == "name") {
      if (auto n = r.string(f.value, "agent name")) {
        a.display = *n;
        a.names.push_back(*n);
      }
    } else if (f.key == "names") {
      if (auto list = r.strings(f.value, "agent names"))
        for (auto& [n, item] : *list) a.names.push_back(std::move(n));
    } else if (f.key == "emails") {
      collect_emails(r, f.value, people, a.emails);
    }
  }
  if (a.id.empty()) {
    r.error(node, "an agent needs an id");
    return;
  }
  if (a.display.empty()) a.display = a.names.empty() ? a.id : a.names.front();
  if (a.emails.empty() && a.names.empty()) r.error(node, "agent '" + a.id + "' needs emails or names to be recognised");
  people.agents.push_back(std::move(a));
}

}  // namespace

void collect_people(YamlReader& r, const YAML::Node& root, People& people) {
  if (root.IsNull()) {
    r.warning(root, "the people file is empty: nobody can approve");
    return;
  }
  auto fields = r.fields(root, "the people file", kTopFields);
  if (!fields) return;
  // Agents first: a person listing an agent's address is then reported at the person.
  for (const auto& f : *fields)
    if (f.key == "agents")
      if (auto list = r.items(f.value, "agents"))
        for (const auto& item : *list) collect_agent(r, item, people);
  for (const auto& f : *fields) {
    if (f.key == "people") {
      if (auto list = r.items(f.value, "people"))
        for (const auto& item : *list) collect_person(r, item, people);
    } else if (f.key == "roles") {
      if (auto list = r.strings(f.value, "roles"))
        for (auto& [role, item] : *list) people.declared_roles.push_back(std::move(role));
    }
  }
}

}  // namespace cs::policy::detail
