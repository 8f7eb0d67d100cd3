// The agent registry (data/agents.yaml plus the people directory's extra agents), private to
// provenance. Loaded in two phases like every rule file: read (YAML to specs, every problem
// collected with its position) and compile (lookup tables, duplicate checks).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "countersign/core/error.h"
#include "countersign/provenance/provenance.h"

namespace cs::provenance {

struct GithubAccount {
  uint64_t id = 0;
  std::string login;
};

struct MarkerRule {
  std::string text;  // exact, case-sensitive
  Class cls = Class::ai_assisted;
};

struct TrailerRule {
  std::string key;                   // case-insensitive
  std::optional<std::string> value;  // exact value (case-insensitive), or any value
  Class cls = Class::ai_assisted;
};

struct AgentSpec {
  std::string id;
  std::string display;
  bool bot = false;  // automation that is not AI
  std::vector<std::string> emails, names, name_suffixes, subject_prefixes, aliases, branch_prefixes;
  std::vector<GithubAccount> github;
  std::vector<MarkerRule> markers;
  std::vector<TrailerRule> trailers;
  InputLocation where;
};

// Phase 1: YAML text to specs. Every problem is appended to `problems`; the specs that read
// cleanly are returned even when some entries did not.
std::vector<AgentSpec> read_agent_specs(std::string_view yaml, const std::string& origin, std::vector<Error>& problems);

class Registry {
 public:
  // Phase 2: builds the lookup tables. Duplicate ids are problems; the first entry wins.
  static Registry compile(std::vector<AgentSpec> specs, std::vector<Error>& problems);
  // Both phases over data/agents.yaml (or the user's override); fails when it has any problem.
  static Result<Registry> load_default();

  void add_extra(const AgentIdentity& extra);

  // The agent or bot that an author/committer/co-author identity belongs to, or nullptr.
  const AgentSpec* identity(std::string_view name, std::string_view email) const;
  // The agent whose display name, id or alias is `name` (case-insensitive), or nullptr.
  const AgentSpec* by_alias(std::string_view name) const;
  // The agent whose name suffix ends `author_name`, or nullptr.
  const AgentSpec* by_name_suffix(std::string_view author_name, std::string_view* human_name) const;

  const std::vector<AgentSpec>& specs() const { return specs_; }

 private:
  const AgentSpec* by_email(std::string_view email) const;
  const AgentSpec* by_github_noreply(std::string_view email) const;
  void index(size_t i);

  std::vector<AgentSpec> specs_;
  std::unordered_map<std::string, size_t> emails_, names_, aliases_;
  std::unordered_map<uint64_t, std::vector<std::pair<std::string, size_t>>> github_;  // id -> (login, spec)
};

}  // namespace cs::provenance
