// The hook pipeline every adapter shares. Whatever goes wrong, the answer is a denial with a
// reason (fail closed); only an allowed command or a tool we do not judge is let through.
#include <exception>

#include "countersign/core/text.h"
#include "countersign/guard/audit.h"
#include "countersign/guard/files.h"
#include "countersign/guard/held.h"
#include "countersign/guard/hooks.h"

namespace cs::guard {
namespace {

std::string rule_list(const Verdict& v) {
  std::string out;
  for (const auto& m : v.matches) {
    if (out.find(m.rule) != std::string::npos) continue;
    out += (out.empty() ? "" : ", ") + m.rule;
  }
  return out;
}

std::string describe(const Verdict& v) {
  std::string reason = v.reason.empty() ? std::string("countersign judged this command dangerous") : v.reason;
  std::string rules = rule_list(v);
  if (!rules.empty()) reason += " [" + rules + "]";
  if (!v.environment.empty()) reason += " (environment: " + v.environment + ")";
  return reason;
}

// An agent must not approve its own held command, nor touch the approval state.
bool touches_approvals(std::string_view command) {
  bool approve = command.find("countersign") != std::string_view::npos &&
                 command.find("approve") != std::string_view::npos;
  return approve || command.find("guard-approval.key") != std::string_view::npos ||
         command.find("guard/approved") != std::string_view::npos;
}

struct Judgement {
  HookOutcome outcome;
  audit::Record record;
};

// Holds the request: its approval request id is bound to `argv`, the directory and the target
// environment; a matching approval lets this one retry pass.
void hold(const HookAdapter& adapter, const HookRequest& req, const Context& ctx,
          const std::vector<std::vector<std::string>>& argv, const std::string& environment,
          const Result<std::string>& state, Judgement& j) {
  bool can_ask = adapter.supports_ask() && !req.ask_is_unsafe;
  auto binding = held::binding(argv, ctx.cwd, environment);
  auto id = held::request_id(binding);
  j.record.request_id = id;
  if (!state) {
    j.outcome.decision = can_ask ? Decision::ask : Decision::deny;
    j.outcome.reason += "; held, but it cannot be approved: " + state.error().message;
    return;
  }
  auto approved = held::consume_approval(*state, id, binding, files::now());
  if (approved && *approved) {
    j.outcome.decision = Decision::allow;
    j.outcome.reason = "countersign: approved by " + **approved + " (request " + id + ")";
    j.record.approved_by = **approved;
    return;
  }
  HeldRequest pending{id, binding, std::string(adapter.name()), audit::redact(req.command), ctx.cwd,
                      environment, files::rfc3339(files::now()), j.record.rules};
  auto recorded = held::record_pending(*state, pending);
  j.outcome.decision = can_ask ? Decision::ask : Decision::deny;
  j.outcome.reason += "; held for approval: request " + id + ". A senior approves it with `countersign guard approve " +
                      id + "`, then this exact " + (req.kind == HookRequest::Kind::file_write ? "write" : "command") +
                      " may be retried once.";
  if (req.ask_is_unsafe && adapter.supports_ask())
    j.outcome.reason += " (Denied rather than asked: in bypassPermissions mode Claude Code before 2.1.233 runs an "
                        "\"ask\" without asking.)";
  if (!approved) j.outcome.reason += " (the existing approval was rejected: " + approved.error().message + ")";
  if (!recorded) j.outcome.reason += " (the request could not be recorded: " + recorded.error().message + ")";
}

void judge_shell(const HookAdapter& adapter, const HookRequest& req, const HookEnvironment& where,
                 const Classifier& classify, const Result<std::string>& state, Judgement& j) {
  Context ctx{req.cwd.empty() ? where.process_cwd : req.cwd, where.env};
  j.record.cwd = ctx.cwd;
  if (touches_approvals(req.command)) {
    j.outcome.decision = Decision::deny;
    j.outcome.reason = "countersign: an agent may not approve held commands or touch countersign's approval state; "
                       "a senior runs `countersign guard approve` in their own terminal";
    j.record.rules.push_back("guard.self-approval");
    return;
  }
  auto verdict = classify(req.command, ctx);
  if (!verdict) {
    j.outcome.error = true;
    j.outcome.reason = "countersign could not classify the command, so it is denied: " + verdict.error().describe();
    return;
  }
  for (const auto& m : verdict->matches) j.record.rules.push_back(m.rule);
  j.record.environment = verdict->environment;
  j.record.production = verdict->production;
  j.outcome.decision = verdict->decision;
  if (verdict->decision == Decision::allow) return;
  j.outcome.reason = "countersign: " + describe(*verdict);
  if (verdict->decision == Decision::deny) return;

  // Held: bind the request to exactly this command, here, against this environment.
  std::vector<std::vector<std::string>> argv;
  for (const auto& c : verdict->commands)
    if (c.executed) argv.push_back(c.argv);
  if (argv.empty()) argv.push_back({std::string(text::trim(req.command))});
  hold(adapter, req, ctx, argv, verdict->environment, state, j);
}

// A file tool's write: held when it touches a protected file (agent hook settings, countersign's
// configuration, state, approvals), allowed otherwise. The approval binds the tool, every path and
// the whole tool input, so approving one write releases no other.
void judge_write(const HookAdapter& adapter, const HookRequest& req, const HookEnvironment& where,
                 const WriteClassifier& classify_write, const Result<std::string>& state, Judgement& j) {
  Context ctx{req.cwd.empty() ? where.process_cwd : req.cwd, where.env};
  j.record.cwd = ctx.cwd;
  if (!classify_write) {
    j.outcome.error = true;
    j.outcome.reason = "countersign cannot judge file writes here, so the write is denied";
    return;
  }
  auto verdict = classify_write(req.paths, ctx);
  if (!verdict) {
    j.outcome.error = true;
    j.outcome.reason = "countersign could not judge the file write, so it is denied: " + verdict.error().describe();
    return;
  }
  for (const auto& m : verdict->matches) j.record.rules.push_back(m.rule);
  j.record.environment = verdict->environment;
  j.record.production = verdict->production;
  j.outcome.decision = verdict->decision;
  if (verdict->decision == Decision::allow) return;
  j.outcome.reason = "countersign: " + req.tool + " " + describe(*verdict);
  if (verdict->decision == Decision::deny) return;
  std::vector<std::string> bound{"file-write", req.tool};
  bound.insert(bound.end(), req.paths.begin(), req.paths.end());
  bound.push_back(req.content);
  hold(adapter, req, ctx, {bound}, verdict->environment, state, j);
}

// A command countersign cannot read (a PowerShell script block, Invoke-Expression): it claims
// nothing about it, so it is held for a human, bound to the exact text.
void judge_unjudgeable(const HookAdapter& adapter, const HookRequest& req, const HookEnvironment& where,
                       const Result<std::string>& state, Judgement& j) {
  Context ctx{req.cwd.empty() ? where.process_cwd : req.cwd, where.env};
  j.record.cwd = ctx.cwd;
  j.record.rules.push_back("guard.unparsed");
  j.record.environment = "unknown (assumed production)";
  j.record.production = true;
  j.outcome.decision = Decision::ask;
  j.outcome.reason = "countersign: " + req.problem + " [guard.unparsed] (environment: unknown (assumed production))";
  hold(adapter, req, ctx, {{req.tool, req.command}}, "unknown (assumed production)", state, j);
}

}  // namespace

HookReply run_hook_with(const HookAdapter& adapter, std::string_view payload, const HookEnvironment& where,
                        const Classifier& classify, const WriteClassifier& classify_write) {
  Judgement j;
  j.record.time = files::now();
  j.record.agent = adapter.name();
  auto state = state_dir(where.env);
  try {
    auto req = adapter.read(payload);
    j.record.tool = req.tool;
    j.record.command = req.command;
    j.outcome.dialect = req.dialect;
    switch (req.kind) {
      case HookRequest::Kind::malformed:
        j.outcome.error = true;
        j.outcome.reason = "countersign denied this call because the hook input is malformed: " + req.problem;
        j.record.cwd = where.process_cwd;
        break;
      case HookRequest::Kind::other_tool:
        j.outcome.shell = false;
        j.outcome.decision = Decision::allow;
        j.record.cwd = req.cwd.empty() ? where.process_cwd : req.cwd;
        break;
      case HookRequest::Kind::shell:
        judge_shell(adapter, req, where, classify, state, j);
        break;
      case HookRequest::Kind::file_write:
        judge_write(adapter, req, where, classify_write, state, j);
        break;
      case HookRequest::Kind::unjudgeable:
        judge_unjudgeable(adapter, req, where, state, j);
        break;
    }
  } catch (const std::exception& e) {
    j.outcome = HookOutcome{Decision::deny, std::string("countersign failed, so the call is denied: ") + e.what(), true, true,
                            j.outcome.dialect};
  }
  if (j.outcome.error) j.outcome.decision = Decision::deny;
  j.record.decision = hook::decision_word(j.outcome.decision);
  if (j.outcome.error) j.record.reason = j.outcome.reason;
  else j.record.reason = j.outcome.reason;
  auto reply = adapter.answer(j.outcome);
  if (!state) {
    reply.err += "countersign: audit log not written: " + state.error().message + "\n";
  } else if (auto logged = audit::append(*state, j.record); !logged) {
    reply.err += "countersign: audit log not written: " + logged.error().message + "\n";
  }
  return reply;
}

}  // namespace cs::guard
