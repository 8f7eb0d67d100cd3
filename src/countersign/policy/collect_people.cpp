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

// An OpenSSH public key line, "<type> <base64> [comment]", optionally preceded by allowed_signers
// options as ssh-keygen(1) writes them ('valid-before="20270101Z",namespaces="countersign-approval"
// ssh-ed25519 AAAA...'). Only the shape is checked here; the signoff stage parses the key and
// applies the options. Returns why the line is not one, or nullopt.
std::optional<std::string> key_line_problem(std::string_view line) {
  static constexpr std::array types = {"ssh-ed25519"sv, "ssh-rsa"sv, "ecdsa-sha2-nistp256"sv, "ecdsa-sha2-nistp384"sv,
                                       "ecdsa-sha2-nistp521"sv, "sk-ssh-ed25519@openssh.com"sv,
                                       "sk-ecdsa-sha2-nistp256@openssh.com"sv};
  static constexpr std::array options = {"cert-authority"sv, "namespaces"sv, "valid-after"sv, "valid-before"sv};
  constexpr std::string_view shape = "not an OpenSSH public key line (\"[options] ssh-ed25519 AAAA... comment\")";
  if (line.find_first_of("\r\n") != std::string_view::npos) return std::string("a key line must be a single line");
  std::string_view rest = text::trim(line);
  auto is_type = [&](std::string_view t) { return std::find(types.begin(), types.end(), t) != types.end(); };
  auto first = rest.substr(0, rest.find(' '));
  if (!is_type(first)) {
    // An options field: comma-separated names, values may be quoted (and hold spaces or commas).
    if (first.find_first_of("=,") == std::string_view::npos && first != "cert-authority") return std::string(shape);
    bool quoted = false;
    size_t end = 0, start = 0;
    auto known = [&](size_t stop) {
      auto opt = rest.substr(start, stop - start);
      auto name = opt.substr(0, opt.find('='));
      start = stop + 1;
      return std::find(options.begin(), options.end(), name) != options.end() ? std::string()
                                                                              : "unknown allowed_signers option '" + std::string(name) + "'";
    };
    for (; end < rest.size() && (quoted || rest[end] != ' '); ++end) {
      if (rest[end] == '"') quoted = !quoted;
      else if (rest[end] == ',' && !quoted)
        if (auto why = known(end); !why.empty()) return why;
    }
    if (quoted || end == rest.size()) return std::string(shape);
    if (auto why = known(end); !why.empty()) return why;
    rest = text::trim(rest.substr(end));
  }
  auto parts = text::split(rest, ' ');
  if (parts.size() < 2 || !is_type(parts[0]) || parts[1].empty()) return std::string(shape);
  return std::nullopt;
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
          if (auto why = key_line_problem(key)) r.error(item, *why);
          else {
            p.keys.push_back(std::move(key));
            p.key_locations.push_back(r.at(item));
          }
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
