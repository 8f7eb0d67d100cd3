// Phase 1 of loading the agent registry: YAML to AgentSpec, with every problem positioned.
// yaml-cpp throws; nothing here lets an exception out.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>

#include "countersign/core/text.h"
#include "countersign/provenance/registry.h"

namespace cs::provenance {
namespace {

struct Reader {
  std::string_view text;
  const std::string& origin;
  std::vector<Error>& problems;

  InputLocation at(const YAML::Node& n) const {
    const auto mark = n.Mark();
    InputLocation loc{origin, mark.line + 1, mark.column + 1, {}};
    if (mark.line >= 0) {
      auto all = text::lines(text);
      if (static_cast<size_t>(mark.line) < all.size()) loc.snippet = std::string(all[mark.line]);
    }
    return loc;
  }
  void problem(const YAML::Node& n, std::string message) {
    problems.push_back(Error{Errc::parse, std::move(message), at(n)});
  }

  bool scalar(const YAML::Node& n, std::string_view what, std::string& out) {
    if (!n.IsScalar()) {
      problem(n, std::string(what) + " must be a string");
      return false;
    }
    out = n.Scalar();
    return true;
  }

  void strings(const YAML::Node& n, std::string_view what, std::vector<std::string>& out) {
    if (n.IsScalar()) {
      out.push_back(n.Scalar());
      return;
    }
    if (!n.IsSequence()) return problem(n, std::string(what) + " must be a list of strings");
    for (const auto& item : n) {
      std::string s;
      if (scalar(item, what, s)) out.push_back(std::move(s));
    }
  }

  std::optional<Class> cls(const YAML::Node& n) {
    std::string s;
    if (!scalar(n, "class", s)) return std::nullopt;
    auto c = class_from_string(s);
    if (!c || *c == Class::human || *c == Class::unknown) {
      problem(n, "class must be ai_assisted or ai_authored, not '" + s + "'");
      return std::nullopt;
    }
    return c;
  }

  // Unknown keys are problems, with the closest known key as a suggestion.
  void known_keys(const YAML::Node& map, std::initializer_list<std::string_view> keys) {
    for (const auto& kv : map) {
      std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
      std::string_view best;
      size_t best_d = std::min<size_t>(4, key.size());
      for (auto k : keys) {
        size_t d = edit_distance(key, k);
        if (d < best_d) best_d = d, best = k;
      }
      problem(kv.first, "unknown field '" + key + "'" + (best.empty() ? "" : "; did you mean '" + std::string(best) + "'?"));
    }
  }

  static size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
      cur[0] = i;
      for (size_t j = 1; j <= b.size(); ++j)
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      std::swap(prev, cur);
    }
    return prev[b.size()];
  }

  void github(const YAML::Node& n, AgentSpec& spec) {
    if (!n.IsSequence()) return problem(n, "github must be a list of {id, login}");
    for (const auto& acct : n) {
      if (!acct.IsMap()) {
        problem(acct, "a github account must be a map {id, login}");
        continue;
      }
      known_keys(acct, {"id", "login"});
      GithubAccount a;
      std::string id;
      if (!acct["id"] || !scalar(acct["id"], "github id", id)) {
        if (!acct["id"]) problem(acct, "a github account needs its numeric id");
        continue;
      }
      auto [p, ec] = std::from_chars(id.data(), id.data() + id.size(), a.id);
      if (ec != std::errc() || p != id.data() + id.size() || a.id == 0) {
        problem(acct["id"], "github id must be a positive number, not '" + id + "'");
        continue;
      }
      if (!acct["login"] || !scalar(acct["login"], "github login", a.login) || a.login.empty()) {
        if (!acct["login"]) problem(acct, "a github account needs its login");
        continue;
      }
      spec.github.push_back(std::move(a));
    }
  }

  void markers(const YAML::Node& n, AgentSpec& spec) {
    if (!n.IsSequence()) return problem(n, "markers must be a list of {text, class}");
    for (const auto& m : n) {
      if (!m.IsMap() || !m["text"] || !m["class"]) {
        problem(m, "a marker needs text and class");
        continue;
      }
      known_keys(m, {"text", "class"});
      MarkerRule r;
      auto c = cls(m["class"]);
      if (!scalar(m["text"], "marker text", r.text) || !c) continue;
      if (r.text.empty()) {
        problem(m["text"], "marker text must not be empty");
        continue;
      }
      r.cls = *c;
      spec.markers.push_back(std::move(r));
    }
  }

  void trailers(const YAML::Node& n, AgentSpec& spec) {
    if (!n.IsSequence()) return problem(n, "trailers must be a list of {key, value, class}");
    for (const auto& t : n) {
      if (!t.IsMap() || !t["key"] || !t["class"]) {
        problem(t, "a trailer rule needs key and class");
        continue;
      }
      known_keys(t, {"key", "value", "class"});
      TrailerRule r;
      auto c = cls(t["class"]);
      if (!scalar(t["key"], "trailer key", r.key) || !c) continue;
      r.cls = *c;
      if (t["value"]) {
        std::string v;
        if (!scalar(t["value"], "trailer value", v)) continue;
        r.value = std::move(v);
      }
      spec.trailers.push_back(std::move(r));
    }
  }

  std::optional<AgentSpec> agent(const YAML::Node& n) {
    if (!n.IsMap()) {
      problem(n, "an agent entry must be a map");
      return std::nullopt;
    }
    known_keys(n, {"id", "display", "kind", "emails", "github", "names", "name_suffixes", "subject_prefixes", "aliases",
                   "branch_prefixes", "markers", "trailers"});
    AgentSpec spec;
    spec.where = {origin, n.Mark().line + 1, n.Mark().column + 1, {}};
    if (!n["id"]) {
      problem(n, "an agent entry needs an id");
      return std::nullopt;
    }
    if (!scalar(n["id"], "id", spec.id) || spec.id.empty()) return std::nullopt;
    if (n["display"]) scalar(n["display"], "display", spec.display);
    if (spec.display.empty()) spec.display = spec.id;
    if (n["kind"]) {
      std::string kind;
      if (scalar(n["kind"], "kind", kind)) {
        if (kind == "bot") spec.bot = true;
        else if (kind != "ai") problem(n["kind"], "kind must be ai or bot, not '" + kind + "'");
      }
    }
    if (n["emails"]) strings(n["emails"], "emails", spec.emails);
    if (n["names"]) strings(n["names"], "names", spec.names);
    if (n["name_suffixes"]) strings(n["name_suffixes"], "name_suffixes", spec.name_suffixes);
    if (n["subject_prefixes"]) strings(n["subject_prefixes"], "subject_prefixes", spec.subject_prefixes);
    if (n["aliases"]) strings(n["aliases"], "aliases", spec.aliases);
    if (n["branch_prefixes"]) strings(n["branch_prefixes"], "branch_prefixes", spec.branch_prefixes);
    if (n["github"]) github(n["github"], spec);
    if (n["markers"]) markers(n["markers"], spec);
    if (n["trailers"]) trailers(n["trailers"], spec);
    return spec;
  }
};

}  // namespace

std::vector<AgentSpec> read_agent_specs(std::string_view yaml, const std::string& origin, std::vector<Error>& problems) {
  std::vector<AgentSpec> out;
  Reader r{yaml, origin, problems};
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsMap()) {
      problems.push_back(Error{Errc::parse, "the agent registry must be a map with version and agents", {origin, 1, 1, {}}});
      return out;
    }
    r.known_keys(root, {"version", "agents"});
    if (!root["version"] || !root["version"].IsScalar() || root["version"].Scalar() != "1")
      r.problem(root["version"] ? root["version"] : root, "the agent registry needs version: 1");
    const YAML::Node agents = root["agents"];
    if (!agents || !agents.IsSequence()) {
      r.problem(root, "the agent registry needs a list of agents");
      return out;
    }
    for (const auto& a : agents)
      if (auto spec = r.agent(a)) out.push_back(std::move(*spec));
  } catch (const YAML::Exception& e) {
    problems.push_back(Error{Errc::parse, e.msg, {origin, e.mark.line + 1, e.mark.column + 1, {}}});
  }
  return out;
}

}  // namespace cs::provenance
