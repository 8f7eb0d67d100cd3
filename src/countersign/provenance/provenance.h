// Provenance answers "who wrote this commit": human, AI-assisted, AI-authored or unknown, with
// the agents involved, the AI share of added lines where known, the human operator and every
// piece of evidence. "No evidence" is `unknown`, never `human`: trailers are often stripped.
#pragma once

#include <cstdint>
#include <functional>
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
  std::string source;    // where it was read: one of the source names below
};

// Where evidence is read, as the policy's `provenance.trusted` names it. Everything but a notes
// ref is written by the candidate's author (the commit object, its tree, its branch's name), so
// only the notes refs can be trusted, and only when the server lets nobody else write them.
inline constexpr std::string_view kGitAiNotes = "refs/notes/ai";                  // git-ai notes
inline constexpr std::string_view kAgentTraceNotes = "refs/notes/agent-trace";    // Agent Trace notes
inline constexpr std::string_view kAgentTraceFile = ".agent-trace/traces.jsonl";  // in the commit's tree
// The other sources are the detectors' names: "identity", "trailer", "marker", "branch".
bool can_be_trusted(std::string_view source);  // the notes refs above

// Added lines of a commit by who wrote them, from git-ai or Agent Trace attestations. Lines no
// attestation covers are neither AI nor human: their origin is unknown.
struct LineCounts {
  uint64_t added = 0;  // lines the commit adds (against its first parent), binary files excluded
  uint64_t ai = 0;     // of those, attested to an AI agent
  uint64_t human = 0;  // of those, attested to a known human
};

// A human named as driving an agent, and what names them.
struct Operator {
  std::string name;
  std::string email;
  std::string source;  // "author", "committer", "co-author", "Agent-Operator trailer", ...
};

struct Provenance {
  git::ObjectId commit;
  std::string subject;  // first line of the message, for reports
  std::string author_name;
  std::string author_email;
  Class cls = Class::unknown;
  std::vector<std::string> agents;      // agent ids from the registry, e.g. "claude-code"
  std::optional<double> ai_line_share;  // share of added lines attributed to AI, 0..1
  std::optional<std::string> operator_email;  // the human who drove the agent, when known
  std::optional<std::string> operator_name;   // (the first of `operators`)
  // Every human named as driving the agent: the aider-suffixed author, the human author of an
  // agent-assisted commit, the human committer and human co-authors (who assigned the task, as
  // the Copilot coding agent and Devin record them) of an agent-authored one, the git-ai session's
  // human, then Agent-Operator trailers. A trailer the author wrote can add an operator, never
  // replace one.
  std::vector<Operator> operators;
  bool bot = false;  // a non-AI automation account (dependabot, renovate, ...)
  std::optional<LineCounts> lines;  // when a git-ai note or Agent Trace record covers the commit
  std::vector<Evidence> evidence;
  // The source of the evidence that decided `cls` and `ai_line_share`; empty when none did.
  std::string class_source, share_source;
  // What the evidence of trusted sources alone says (AssessOptions::trusted_sources): the class
  // and share below whose requirements the policy never goes. With no trusted source (the
  // default) that is `unknown` with no share, the class of a commit with no evidence.
  Class trusted_cls = Class::unknown;
  std::optional<double> trusted_ai_line_share;
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
  // Sources whose evidence may lower what is required (the trusted policy's provenance.trusted);
  // they decide Provenance::trusted_cls and trusted_ai_line_share. Only can_be_trusted() ones count.
  std::vector<std::string> trusted_sources;
  // The newest commit of the range: Agent Trace records in .agent-trace/traces.jsonl are read
  // when that file exists there or at HEAD (checking every commit's tree would cost a tree
  // read per commit on histories that never had one). assess_all sets it.
  std::optional<git::ObjectId> tip;
  unsigned threads = 0;                     // assess_all: worker threads, 0 = one per core
  // assess_all: called now and then from one thread with (commits done, total).
  std::function<void(size_t done, size_t total)> progress;
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

// The branch a range is about, for branch-name evidence: the right side of "A..B" when it names
// a branch, or HEAD's branch for the default range (HEAD's commits not on its upstream). A
// single revision ("B", "--all") names no branch: its history reaches far beyond the branch.
std::optional<std::string> branch_of_range(const git::Repository& repo, std::string_view range);

// Assesses a whole range using every core; results in the order of `commits`.
Result<std::vector<Provenance>> assess_all(const git::Repository& repo, const std::vector<git::ObjectId>& commits,
                                           const AssessOptions& options = {});

// Walks a range (git::Repository::walk syntax) and assesses its commits, newest first, with the
// walk and the assessment running at the same time. Fails on an unknown revision or an empty
// repository like the walk does.
Result<std::vector<Provenance>> assess_range(const git::Repository& repo, std::string_view range,
                                             const AssessOptions& options = {});
// The same, handing each result to `sink` in walk order as soon as it and every newer commit are
// assessed (the sink runs on one thread at a time), so memory stays bounded on any history.
// On failure the sink may already have seen a prefix of the range.
Result<void> assess_range(const git::Repository& repo, std::string_view range,
                          const std::function<void(Provenance&&)>& sink, const AssessOptions& options = {});

}  // namespace cs::provenance
