// Guard is risk for one shell command an agent is about to run: it parses the command as a
// shell would, finds every simple command that would execute, matches them against the rule
// packs in the light of the target environment, and decides allow, ask (hold for a human) or deny.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "countersign/core/error.h"
#include "countersign/core/severity.h"

namespace cs::guard {

enum class Decision { allow, ask, deny };
std::string_view to_string(Decision d);

// What the guard knows about where the command runs.
struct Context {
  std::string cwd;
  std::map<std::string, std::string> env;  // the agent's environment (AWS_PROFILE, KUBECONFIG, ...)
};

struct RuleMatch {
  std::string rule;         // stable id, e.g. "aws.rds.delete-db-instance"
  Severity severity = Severity::high;
  std::string command;      // the simple command that matched, argv joined with spaces
  std::string explanation;  // why it is dangerous
  std::string alternative;  // the safer way
};

struct Verdict {
  Decision decision = Decision::deny;
  std::string reason;              // one line, shown to the model or the user
  std::string environment;         // target environment found, or "unknown (assumed production)"
  bool production = true;
  bool dynamic = false;            // something could not be resolved statically
  std::vector<RuleMatch> matches;
};

}  // namespace cs::guard
