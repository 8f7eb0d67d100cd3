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

namespace cs::provenance {

// An identity that marks a commit as written by an agent: from data/agents.yaml, or the
// `agents:` section of the people directory. Agents never count as approvers.
struct AgentIdentity {
  std::string id;                   // "claude-code", "release-bot"
  std::string display;              // "Claude Code"
  std::vector<std::string> names;   // exact display names (case-insensitive)
  std::vector<std::string> emails;  // exact addresses (case-insensitive)
};

struct AssessOptions {
  std::vector<AgentIdentity> extra_agents;  // from the trusted people directory
  std::optional<std::string> branch;        // ref name the range was given as, for branch-name evidence
  bool line_share = true;                   // read git-ai / Agent Trace ranges and diff to get AI share
};

// Assesses commits of one repository. Construct once per range (it loads the agent registry and
// indexes the notes refs), then call assess() per commit; assess() is safe to call from several
// threads at once as long as each thread passes its own git::Repository handle.
class Assessor {
 public:
  static Result<Assessor> create(const git::Repository& repo, AssessOptions options = {});
  Assessor(Assessor&&) noexcept;
  Assessor& operator=(Assessor&&) noexcept;
  ~Assessor();

  Result<Provenance> assess(const git::Repository& repo, const git::Commit& commit) const;

  // True when `email` or `name` is an agent identity (registry or extra): never an approver.
  bool is_agent(std::string_view name, std::string_view email) const;

 private:
  struct State;
  explicit Assessor(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Assesses a whole range using every core; results in the order of `commits`.
Result<std::vector<Provenance>> assess_all(const git::Repository& repo, const std::vector<git::ObjectId>& commits,
                                           const AssessOptions& options = {});

}  // namespace cs::provenance
