// Provenance answers "who wrote this commit": human, AI-assisted, AI-authored or unknown, with
// the agents involved, the AI share of added lines where known, the human operator and every
// piece of evidence. "No evidence" is `unknown`, never `human`: trailers are often stripped.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "countersign/core/error.h"
#include "countersign/git/git.h"

namespace cs::provenance {

enum class Class { human, ai_assisted, ai_authored, unknown };
std::string_view to_string(Class c);  // "human", "ai_assisted", "ai_authored", "unknown"
std::optional<Class> class_from_string(std::string_view s);

struct Evidence {
  std::string detector;  // "identity", "trailer", "git-ai", "agent-trace", "branch", "marker"
  std::string signal;    // what it means, e.g. "co-author is Claude Code"
  std::string text;      // the exact text it was read from
};

struct Provenance {
  git::ObjectId commit;
  Class cls = Class::unknown;
  std::vector<std::string> agents;      // agent ids from the registry, e.g. "claude-code"
  std::optional<double> ai_line_share;  // share of added lines attributed to AI, 0..1
  std::optional<std::string> operator_email;  // the human who drove the agent, when known
  std::optional<std::string> operator_name;
  bool bot = false;  // a non-AI automation account (dependabot, renovate, ...)
  std::vector<Evidence> evidence;
};

}  // namespace cs::provenance
