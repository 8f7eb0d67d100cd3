// The hook pipeline every adapter shares. Whatever goes wrong, the answer is a denial with a
// reason (fail closed); only an allowed command or a tool we do not judge is let through.
#include <pwd.h>
#include <unistd.h>

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
  return approve || command.find("guard/approved") != std::string_view::npos ||
         command.find("guard/used") != std::string_view::npos;
}

// Said in every held answer: with or without a people directory, nothing else releases it.
constexpr std::string_view kHowToRelease =
    " Only a senior's signed approval releases it: forward the request below to a senior, who runs "
    "`countersign guard approve` on their machine with their own key; paste the approval they send back "
    "into `countersign guard accept` here; then this exact command may be retried once. The seniors come "
    "from .countersign/people.yaml on the trusted branch (set-up: docs/guard.md, \"Approving held "
    "commands\").";

// The account the agent runs as: the login name of this process's user.
std::string operator_login(const std::map<std::string, std::string>& env) {
  if (const auto* pw = ::getpwuid(::getuid()); pw && pw->pw_name) return pw->pw_name;
  if (auto u = env.find("USER"); u != env.end()) return u->second;
  return {};
}

// Hands the approvals waiting for this request, if any, to the trusted revision's check and uses
// them up when they release the command. Returns the approvers, or adds to `why` what stopped it.
std::optional<std::vector<std::string>> try_release(const std::string& state, const CommandRequest& request,
                                                    const HookEnvironment& where, std::string& why) {
  auto waiting = held::waiting_approvals(state, request.id);
  if (!waiting) {
    why = "the approvals waiting for it were not read: " + waiting.error().message;
    return std::nullopt;
  }
  if (waiting->empty()) return std::nullopt;
  if (!where.release_command) {
    why = "approvals cannot be verified here";
    return std::nullopt;
  }
  auto verdict = where.release_command(find_project_dir(request.cwd), request, *waiting,
                                       [&state](const std::string& key) { return held::used(state, key); });
  if (!verdict.released) {
    why = "the approvals do not release it: " + verdict.reason;
    return std::nullopt;
  }
  auto won = held::consume(state, request.id, verdict.uses);
  if (!won) {
    why = "its approval could not be used: " + won.error().message;
    return std::nullopt;
  }
  if (!*won) {
    why = "another retry used its approval first";
    return std::nullopt;
  }
  return verdict.approvers;
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
  auto binding = command_binding(argv, ctx.cwd, verdict->environment);
  auto id = held::request_id(binding);
  j.record.request_id = id;
  if (!state) {
    j.outcome.decision = adapter.supports_ask() ? Decision::ask : Decision::deny;
    j.outcome.reason += "; held, but it cannot be approved: " + state.error().message;
    return;
  }
  CommandRequest request{id,
                         binding,
                         argv,
                         std::string(req.command),
                         ctx.cwd,
                         verdict->environment,
                         std::string(adapter.name()),
                         operator_login(where.env),
                         files::rfc3339(files::now())};
  std::string why;
  if (auto approvers = try_release(*state, request, where, why)) {
    std::string names;
    for (const auto& a : *approvers) names += (names.empty() ? "" : ", ") + a;
    j.outcome.decision = Decision::allow;
    j.outcome.reason = "countersign: released by the signed approval of " + names + " (request " + id + ")";
    j.record.approved_by = names;
    return;
  }
  auto block = request_block(request);
  HeldRequest pending{id,
                      binding,
                      std::string(adapter.name()),
                      audit::redact(req.command),
                      ctx.cwd,
                      verdict->environment,
                      request.created,
                      j.record.rules,
                      block ? *block : std::string(),
                      0};
  auto recorded = held::record_pending(*state, pending);
  j.outcome.decision = adapter.supports_ask() ? Decision::ask : Decision::deny;
  j.outcome.reason += "; held for approval: request " + id + ".";
  j.outcome.reason += kHowToRelease;
  if (!why.empty()) j.outcome.reason += " (Not released: " + why + ".)";
  if (!recorded) j.outcome.reason += " (The request could not be recorded: " + recorded.error().message + ".)";
  if (block)
    j.outcome.reason += "\n" + *block;
  else
    j.outcome.reason += " (" + block.error().message + ".)";
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
