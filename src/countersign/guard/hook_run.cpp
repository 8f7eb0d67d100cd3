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
  auto binding = held::binding(argv, ctx.cwd, verdict->environment);
  auto id = held::request_id(binding);
  j.record.request_id = id;
  if (!state) {
    j.outcome.decision = adapter.supports_ask() ? Decision::ask : Decision::deny;
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
                      verdict->environment, files::rfc3339(files::now()), j.record.rules};
  auto recorded = held::record_pending(*state, pending);
  j.outcome.decision = adapter.supports_ask() ? Decision::ask : Decision::deny;
  j.outcome.reason += "; held for approval: request " + id + ". A senior approves it with `countersign guard approve " +
                      id + "`, then this exact command may be retried once.";
  if (!approved) j.outcome.reason += " (the existing approval was rejected: " + approved.error().message + ")";
  if (!recorded) j.outcome.reason += " (the request could not be recorded: " + recorded.error().message + ")";
}

}  // namespace

HookReply run_hook_with(const HookAdapter& adapter, std::string_view payload, const HookEnvironment& where,
                        const Classifier& classify) {
  Judgement j;
  j.record.time = files::now();
  j.record.agent = adapter.name();
  auto state = state_dir(where.env);
  try {
    auto req = adapter.read(payload);
    j.record.tool = req.tool;
    j.record.command = req.command;
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
    }
  } catch (const std::exception& e) {
    j.outcome = HookOutcome{Decision::deny, std::string("countersign failed, so the call is denied: ") + e.what(), true, true};
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
