#include "countersign/risk/catalog.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <mutex>

#include "countersign/data/embedded.h"

namespace cs::risk {
namespace {

void collect_scalars(const YAML::Node& node, std::unordered_set<std::string>& out) {
  if (node.IsScalar()) {
    out.insert(node.as<std::string>());
  } else if (node.IsSequence() || node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) collect_scalars(node.IsMap() ? it->second : *it, out);
  }
}

// JSON text of a YAML scalar: booleans and numbers as written, anything else as a string.
std::string json_text(const YAML::Node& n) {
  const std::string s = n.as<std::string>();
  if (s == "true" || s == "false") return s;
  if (!s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '-'; }))
    return s;
  return "\"" + s + "\"";
}

Result<YAML::Node> load_yaml(const char* name) {
  auto file = data::load(name);
  if (!file) return std::unexpected(file.error());
  try {
    return YAML::Load(file->contents);
  } catch (const YAML::Exception& e) {
    return fail(Errc::parse, file->origin + ":" + std::to_string(e.mark.line + 1) + ":" +
                                 std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

Result<Catalog> load_catalog() {
  Catalog c;
  auto stateful = load_yaml("stateful-resources.yaml");
  if (!stateful) return std::unexpected(stateful.error());
  auto protections = load_yaml("risk-protections.yaml");
  if (!protections) return std::unexpected(protections.error());
  auto paths = load_yaml("risk-paths.yaml");
  if (!paths) return std::unexpected(paths.error());
  try {
    collect_scalars(*stateful, c.stateful_types);
    for (const auto& p : (*protections)["protections"]) {
      Protection pr;
      pr.flavour = p["flavour"].as<std::string>();
      pr.attribute = p["attribute"].as<std::string>();
      if (p["from"]) pr.from = json_text(p["from"]);
      pr.to = json_text(p["to"]);
      c.protections.push_back(std::move(pr));
    }
    for (const auto& r : (*paths)["path_rules"]) {
      PathRule rule;
      rule.rule = r["rule"].as<std::string>();
      auto sev = severity_from_string(r["severity"].as<std::string>());
      if (!sev) return fail(Errc::parse, "risk-paths.yaml: unknown severity for " + rule.rule);
      rule.severity = *sev;
      for (const auto& g : r["globs"]) rule.globs.push_back(g.as<std::string>());
      if (r["message"]) rule.message = r["message"].as<std::string>();
      c.path_rules.push_back(std::move(rule));
    }
  } catch (const YAML::Exception& e) {
    return fail(Errc::parse, "risk data files: line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return c;
}

}  // namespace

Result<const Catalog*> catalog() {
  static std::once_flag once;
  static Result<Catalog> loaded = fail(Errc::internal, "catalog not loaded");
  std::call_once(once, [] { loaded = load_catalog(); });
  if (!loaded) return std::unexpected(loaded.error());
  return &*loaded;
}

bool is_stateful(const Catalog& catalog, const Config& config, const std::string& type) {
  if (catalog.stateful_types.contains(type)) return true;
  return std::find(config.extra_stateful_types.begin(), config.extra_stateful_types.end(), type) !=
         config.extra_stateful_types.end();
}

}  // namespace cs::risk
