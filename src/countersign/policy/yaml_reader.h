// Private to the policy stage. The "read" phase of loading: YAML text to yaml-cpp nodes, with
// every node's position turned into an InputLocation (file, line, column, the line's text), and
// typed accessors for the "collect" phase that record a diagnostic instead of throwing. yaml-cpp
// exceptions never leave this file's implementation.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "countersign/policy/policy.h"

namespace cs::policy::detail {

struct Field {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

class YamlReader {
 public:
  YamlReader(std::string file, std::string_view text, Diagnostics& diagnostics);

  // Parses the text; nullopt (with a positioned diagnostic) when it is not YAML.
  std::optional<YAML::Node> parse();

  InputLocation at(const YAML::Node& node) const;
  void error(const YAML::Node& node, std::string message);
  void warning(const YAML::Node& node, std::string message);
  void error_at(InputLocation where, std::string message);

  // The entries of a map, in order. Reports a node that is not a map, non-scalar keys, duplicate
  // keys (the later entry is dropped) and keys not in `allowed` (with a "did you mean").
  std::optional<std::vector<Field>> fields(const YAML::Node& node, std::string_view what,
                                           std::span<const std::string_view> allowed);
  // The items of a sequence; nullopt (diagnosed) when the node is not one.
  std::optional<std::vector<YAML::Node>> items(const YAML::Node& node, std::string_view what);

  std::optional<std::string> string(const YAML::Node& node, std::string_view what);
  std::optional<int64_t> integer(const YAML::Node& node, std::string_view what, int64_t min, int64_t max);
  std::optional<double> number(const YAML::Node& node, std::string_view what, double min, double max);
  std::optional<bool> boolean(const YAML::Node& node, std::string_view what);
  // A list of strings; each item is diagnosed on its own, bad items are skipped.
  std::optional<std::vector<std::pair<std::string, YAML::Node>>> strings(const YAML::Node& node, std::string_view what);
  // "90s", "30m", "4h", "7d", "2w".
  std::optional<std::chrono::seconds> duration(const YAML::Node& node, std::string_view what);

  const std::string& file() const { return file_; }

 private:
  std::string_view kind(const YAML::Node& node) const;
  std::string fmt_expected(std::string_view what, std::string_view expected, const YAML::Node& got) const;
  static std::string fmt_number(double v);
  bool budget(const YAML::Node& node);
  std::string file_;
  std::string_view text_;
  std::vector<std::string_view> lines_;
  Diagnostics& diagnostics_;
  size_t visited_ = 0;
  bool budget_reported_ = false;
};

// What "collect" leaves for "compile": glob patterns and role names with their positions.
struct GlobRef {
  enum class Target { rule_paths, plan_files, migrations, manifests } target = Target::rule_paths;
  size_t rule = 0;  // index into Policy::rules for rule_paths
  std::string pattern;
  InputLocation where;
};
struct RoleRef {
  std::string role;
  std::string context;  // "rule 'infra-needs-two'", "break_glass.roles"
  InputLocation where;
};
struct Pending {
  std::vector<GlobRef> globs;
  std::vector<RoleRef> roles;
};

// Phase 2 ("collect"): fields into structs. Phase 3 ("compile", in compile.cpp): globs and
// cross-references between the two files.
void collect_policy(YamlReader& reader, const YAML::Node& root, Policy& policy, Pending& pending);
void collect_people(YamlReader& reader, const YAML::Node& root, People& people);
void compile(const Pending& pending, Policy& policy, const People& people, Diagnostics& diagnostics);

// The four provenance class names, parsed here so that a typo gets a suggestion.
std::optional<provenance::Class> parse_class(YamlReader& reader, const YAML::Node& node, std::string_view what);

}  // namespace cs::policy::detail
