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
    "from /etc/countersign/people.yaml where it exists, else from .countersign/people.yaml on the trusted "
    "branch (set-up: docs/guard.md, \"Approving held commands\").";

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

// Holds the request: its approval request id is bound to `argv`, the directory and the target
// environment; approvals signed by seniors of the trusted revision (and accepted here) let one
// retry pass. `shown` is what the request block shows the senior as typed.
void hold(const HookAdapter& adapter, const HookRequest& req, const Context& ctx,
          const std::vector<std::vector<std::string>>& argv, const std::string& shown, const std::string& environment,
          const HookEnvironment& where, const Result<std::string>& state, Judgement& j) {
  bool can_ask = adapter.supports_ask() && !req.ask_is_unsafe;
  auto binding = command_binding(argv, ctx.cwd, environment);
  auto id = held::request_id(binding);
  j.record.request_id = id;
  if (!state) {
    j.outcome.decision = can_ask ? Decision::ask : Decision::deny;
    j.outcome.reason += "; held, but it cannot be approved: " + state.error().message;
    return;
  }
  CommandRequest request{id,
                         binding,
                         argv,
                         shown,
                         ctx.cwd,
                         environment,
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
                      audit::redact(shown),
                      ctx.cwd,
                      environment,
                      request.created,
                      j.record.rules,
                      block ? *block : std::string(),
                      0};
  auto recorded = held::record_pending(*state, pending);
  j.outcome.decision = can_ask ? Decision::ask : Decision::deny;
  j.outcome.reason += "; held for approval: request " + id + ".";
  j.outcome.reason += kHowToRelease;
  if (req.kind == HookRequest::Kind::file_write) j.outcome.reason += " (Here the command is this exact write.)";
  if (req.ask_is_unsafe && adapter.supports_ask())
    j.outcome.reason += " (Denied rather than asked: in bypassPermissions mode Claude Code before 2.1.233 runs an "
                        "\"ask\" without asking.)";
  if (!why.empty()) j.outcome.reason += " (Not released: " + why + ".)";
  if (!recorded) j.outcome.reason += " (The request could not be recorded: " + recorded.error().message + ".)";
  if (block)
    j.outcome.reason += "\n" + *block;
  else
    j.outcome.reason += " (" + block.error().message + ".)";
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
  hold(adapter, req, ctx, argv, std::string(req.command), verdict->environment, where, state, j);
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
  // The whole tool input is bound; a large one by its digest, so the request block stays short
  // (the senior then reads the file the request names, not its bytes in the block).
  constexpr size_t kInlineContent = 1024;
  bound.push_back(req.content.size() <= kInlineContent
                      ? req.content
                      : "tool input of " + std::to_string(req.content.size()) +
                            " bytes, digest " + command_binding({{req.content}}, "", "tool input"));
  std::string shown = req.tool;
  for (const auto& p : req.paths) shown += " " + p;
  hold(adapter, req, ctx, {bound}, shown, verdict->environment, where, state, j);
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
  hold(adapter, req, ctx, {{req.tool, req.command}}, req.tool + ": " + req.command, "unknown (assumed production)",
       where, state, j);
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
