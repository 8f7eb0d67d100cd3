// The Assessor: runs every detector over one commit and classifies it. Notes refs are indexed
// once per Assessor, so a commit without a note costs no note lookup and no diff.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "countersign/core/text.h"
#include "countersign/provenance/detectors.h"
#include "countersign/provenance/provenance.h"

namespace cs::provenance {

namespace {

constexpr std::string_view kGitAiRef = kGitAiNotes;
constexpr std::string_view kAgentTraceRef = kAgentTraceNotes;

constexpr std::string_view kTraceFile = kAgentTraceFile;

using NoteIndex = std::unordered_map<git::ObjectId, git::ObjectId, git::ObjectIdHash>;

Result<NoteIndex> index_notes(const git::Repository& repo, std::string_view ref) {
  auto notes = repo.notes(ref);
  if (!notes) return std::unexpected(notes.error());
  NoteIndex idx;
  idx.reserve(notes->size());
  for (auto& [commit, blob] : *notes) idx.emplace(commit, blob);
  return idx;
}

}  // namespace

std::string_view to_string(Class c) {
  switch (c) {
    case Class::human: return "human";
    case Class::ai_assisted: return "ai_assisted";
    case Class::ai_authored: return "ai_authored";
    case Class::unknown: return "unknown";
  }
  return "unknown";
}

bool can_be_trusted(std::string_view source) {
  return source == kGitAiNotes || source == kAgentTraceNotes;
}

std::optional<Class> class_from_string(std::string_view s) {
  for (Class c : {Class::human, Class::ai_assisted, Class::ai_authored, Class::unknown})
    if (s == to_string(c)) return c;
  return std::nullopt;
}

struct Assessor::State {
  Registry registry;
  AssessOptions options;
  NoteIndex git_ai, agent_trace;
  bool trace_files = false;  // .agent-trace/traces.jsonl exists at HEAD or at the range's tip
};

Assessor::Assessor(std::unique_ptr<State> state) : state_(std::move(state)) {}
Assessor::Assessor(Assessor&&) noexcept = default;
Assessor& Assessor::operator=(Assessor&&) noexcept = default;
Assessor::~Assessor() = default;

Result<Assessor> Assessor::create(const git::Repository& repo, AssessOptions options) {
  auto reg = Registry::load_default();
  if (!reg) return std::unexpected(reg.error());
  auto state = std::make_unique<State>();
  state->registry = std::move(*reg);
  for (const auto& extra : options.extra_agents) state->registry.add_extra(extra);
  auto ai = index_notes(repo, kGitAiRef);
  if (!ai) return std::unexpected(ai.error());
  auto trace = index_notes(repo, kAgentTraceRef);
  if (!trace) return std::unexpected(trace.error());
  state->git_ai = std::move(*ai);
  state->agent_trace = std::move(*trace);
  for (auto tip : {repo.resolve("HEAD"), options.tip ? Result<git::ObjectId>(*options.tip) : repo.resolve("HEAD")})
    if (tip)
      if (auto f = repo.file_at(*tip, kTraceFile); f && *f) state->trace_files = true;
  state->options = std::move(options);
  return Assessor(std::move(state));
}

bool Assessor::is_agent(std::string_view name, std::string_view email) const {
  return state_->registry.identity(name, email) != nullptr;
}

namespace {

// Reads one attestation (a note, or records from the tree) and records what it says. One that
// cannot be read is evidence of a malformed attestation, never a failure of the assessment.
void read_attestation(const git::Repository& repo, const git::Commit& commit, const Registry& reg,
                      const AssessOptions& opt, const Result<std::string>& text, const std::string& detector,
                      std::string_view source, Findings& f) {
  f.source = source;
  struct Reset {
    Findings& f;
    ~Reset() { f.source.clear(); }
  } reset{f};
  if (!text) {
    f.add(std::nullopt, detector, "note could not be read: " + text.error().message, "");
    return;
  }
  auto att = detector == "git-ai" ? parse_git_ai_note(*text) : parse_agent_trace(*text);
  if (!att) {
    f.add(std::nullopt, detector, "malformed note: " + att.error().message,
          std::string_view(*text).substr(0, std::min<size_t>(text->size(), 200)));
    return;
  }
  std::optional<LineCounts> lines;
  if (opt.line_share && att->usable) {
    auto n = count_attested_lines(repo, commit, *att);
    if (n) lines = *n;
    else f.add(std::nullopt, detector, "added lines could not be counted: " + n.error().message, att->summary);
  }
  apply_attestation(reg, detector, *att, lines, f);
}

// The Agent Trace records a commit adds to .agent-trace/traces.jsonl: lines of its version of
// the file that its first parent's version does not have. Empty when it adds none.
std::string trace_records_added(const git::Repository& repo, const git::Commit& commit) {
  auto now = repo.file_at(commit.id, kTraceFile);
  if (!now || !*now) return {};
  std::string before;
  if (!commit.parents.empty())
    if (auto b = repo.file_at(commit.parents.front(), kTraceFile); b && *b) before = std::move(**b);
  if (**now == before) return {};
  auto old_lines = text::lines(before);
  std::unordered_set<std::string_view> seen(old_lines.begin(), old_lines.end());
  std::string added;
  for (auto line : text::lines(**now))
    if (!text::trim(line).empty() && !seen.contains(line)) {
      added += line;
      added += '\n';
    }
  return added;
}

// The class and share some claims imply, and the source of each. A bot author is never human
// (that only raises, so it holds whatever the claims' sources).
void classify_claims(const Claims& c, bool bot, Class& cls, std::optional<double>& share, std::string* cls_source,
                     std::string* share_source) {
  const std::optional<std::string>* by = nullptr;
  cls = Class::unknown;
  if (c.authored) {
    cls = Class::ai_authored;
    by = &c.authored;
  } else if (c.assisted) {
    cls = Class::ai_assisted;
    by = &c.assisted;
  } else if (c.human_attested && !bot) {
    cls = Class::human;
    by = &c.human_attested;
  }
  if (cls_source && by) *cls_source = **by;
  if (c.lines && c.lines->added > 0) {
    share = double(c.lines->ai) / double(c.lines->added);
    if (share_source) *share_source = *c.lines_source;
  }
}

void classify(const git::Commit& commit, const Registry& reg, Findings& f) {
  Provenance& p = f.out;
  classify_claims(f.all, f.author_is_bot, p.cls, p.ai_line_share, &p.class_source, &p.share_source);
  classify_claims(f.trusted, f.author_is_bot, p.trusted_cls, p.trusted_ai_line_share, nullptr, nullptr);

  // The operators: the human the author field names, then the humans of the commit's own
  // identities (the author of agent-assisted work; the committer, co-authors and git-ai session
  // human of agent-authored work), then trailers. A trailer adds; it never displaces the others.
  auto add = [&p](Operator o) {
    if (o.name.empty() && o.email.empty()) return;
    for (const auto& e : p.operators)
      if (o.email.empty() ? text::same_name(e.name, o.name) && e.email.empty() : text::same_email(e.email, o.email))
        return;
    p.operators.push_back(std::move(o));
  };
  for (const auto& o : f.named_operators)
    if (o.source != "Agent-Operator trailer") add(o);
  if (p.cls == Class::ai_assisted || p.cls == Class::ai_authored) {
    if (!f.author_is_agent && !f.author_is_bot) {
      add({commit.author.name, commit.author.email, "author"});
    } else {
      const auto& c = commit.committer;
      bool committer_is_human = !reg.identity(c.name, c.email) && !text::iequals(c.email, "noreply@github.com") &&
                                !(c.name == commit.author.name && c.email == commit.author.email);
      if (committer_is_human) add({c.name, c.email, "committer"});
      // The Copilot coding agent and Devin name the human who assigned the task as co-author.
      if (f.author_is_agent)
        for (auto o : f.human_coauthors) {
          o.source = "co-author of the agent's commit";
          add(std::move(o));
        }
      if (f.session_human) {
        auto who = split_identity(*f.session_human);
        if (!who.email.empty())
          add({std::string(who.name), std::string(who.email), "git-ai session"});
        else if (f.session_human->find('@') != std::string::npos)
          add({"", *f.session_human, "git-ai session"});
        else
          add({*f.session_human, "", "git-ai session"});
      }
    }
  }
  for (const auto& o : f.named_operators)
    if (o.source == "Agent-Operator trailer") add(o);
  if (p.operators.empty()) return;
  const Operator& first = p.operators.front();
  if (!first.name.empty()) p.operator_name = first.name;
  if (!first.email.empty()) p.operator_email = first.email;
}

}  // namespace

Result<Provenance> Assessor::assess(const git::Repository& repo, const git::Commit& commit) const {
  const State& s = *state_;
  Provenance p;
  p.commit = commit.id;
  p.author_name = commit.author.name;
  p.author_email = commit.author.email;
  Findings f{p, s.options.trusted_sources};

  detect_identities(s.registry, commit, f);
  ParsedMessage msg = parse_message(commit.message);
  p.subject = std::string(msg.subject.substr(0, 200));
  detect_message(s.registry, msg, f);
  if (s.options.branch) detect_branch(s.registry, *s.options.branch, f);
  if (auto it = s.git_ai.find(commit.id); it != s.git_ai.end())
    read_attestation(repo, commit, s.registry, s.options, repo.blob(it->second), "git-ai", kGitAiNotes, f);
  if (auto it = s.agent_trace.find(commit.id); it != s.agent_trace.end())
    read_attestation(repo, commit, s.registry, s.options, repo.blob(it->second), "agent-trace", kAgentTraceNotes, f);
  else if (s.trace_files)
    if (auto added = trace_records_added(repo, commit); !added.empty())
      read_attestation(repo, commit, s.registry, s.options, added, "agent-trace", kAgentTraceFile, f);
  classify(commit, s.registry, f);
  return p;
}

}  // namespace cs::provenance
