// Hook adapters: one per coding agent, each turning that agent's pre-tool hook payload into a
// command to classify, and countersign's answer into the agent's exact output and exit code.
// Private to the guard stage.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "countersign/guard/guard.h"
#include "countersign/guard/json.h"

namespace cs::guard {

// What an adapter read from a hook payload.
struct HookRequest {
  enum class Kind { shell, other_tool, malformed };
  Kind kind = Kind::malformed;
  std::string tool;     // the tool name as the agent sent it
  std::string command;  // the shell command (for Kiro's use_aws: the equivalent aws CLI command)
  std::string cwd;      // from the payload; empty when it carries none
  std::string problem;  // why the payload is malformed
};

// What countersign decided, for the adapter to say in its protocol.
struct HookOutcome {
  Decision decision = Decision::deny;
  std::string reason;
  bool shell = true;   // false: a tool countersign does not judge (always allowed)
  bool error = false;  // malformed input or an internal failure (always denied)
};

class HookAdapter {
 public:
  virtual ~HookAdapter() = default;
  virtual std::string_view name() const = 0;
  // Whether the agent reliably pauses for a human on "ask"; when not, a held command is denied
  // with its approval request id.
  virtual bool supports_ask() const = 0;
  virtual HookRequest read(std::string_view payload) const = 0;
  virtual HookReply answer(const HookOutcome& outcome) const = 0;

  // Settings: where the hook is configured, under which event, and the entries to add.
  virtual std::string settings_file(HookScope scope, std::string_view project_dir, std::string_view home) const = 0;
  virtual std::string_view event() const = 0;
  virtual std::vector<json::Value> entries(std::string_view command) const = 0;
  virtual void add_defaults(json::Value& /*settings*/) const {}
  // A payload asking to run `command` in `cwd`, as the agent would send it (for `guard doctor`).
  virtual std::string sample_payload(std::string_view command, std::string_view cwd) const = 0;
};

const HookAdapter* find_adapter(std::string_view name);
// The six adapters, each defined in its own hooks_<agent>.cpp.
const HookAdapter& claude_code_adapter();
const HookAdapter& codex_adapter();
const HookAdapter& gemini_adapter();
const HookAdapter& cursor_adapter();
const HookAdapter& copilot_adapter();
const HookAdapter& kiro_adapter();
std::span<const HookAdapter* const> all_adapters();

// Classifies one shell command; the real one is Guard::classify.
using Classifier = std::function<Result<Verdict>(const std::string& command, const Context& context)>;

// The hook pipeline with the classifier given: read the payload, classify, apply held-command
// approvals, append to the audit log, answer in the adapter's protocol.
HookReply run_hook_with(const HookAdapter& adapter, std::string_view payload, const HookEnvironment& where,
                        const Classifier& classify);

// Helpers shared by the adapters (hooks_common.cpp).
namespace hook {
// Parses the payload as a JSON object, or says why it is not one.
Result<json::Value> read_object(std::string_view payload);
// A string member: absent → empty optional-like (found=false); wrong type → error.
Result<const std::string*> optional_string(const json::Value& obj, std::string_view key);
Result<const std::string*> required_string(const json::Value& obj, std::string_view key);
HookRequest malformed(std::string problem);
// The shape Claude Code, Codex, Gemini and Kiro share: hook_event_name (checked when present),
// tool_name, tool_input.command for the shell tool, cwd.
HookRequest read_tool_input(std::string_view payload, std::string_view event, std::string_view shell_tool);
// `{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":...,"permissionDecisionReason":...}}`
std::string pre_tool_use_output(Decision decision, std::string_view reason);
std::string_view decision_word(Decision d);
// The reason as one stderr line, prefixed "countersign: " unless it already names countersign.
std::string stderr_line(std::string_view reason);
HookRequest other_tool(std::string tool);
HookRequest shell(std::string tool, std::string command, std::string cwd);
// The command entry `{"type":"command","command":...}` style members used by several agents.
json::Value object(std::initializer_list<std::pair<std::string_view, json::Value>> members);
json::Value str(std::string_view s);
json::Value num(long long n);
}  // namespace hook

}  // namespace cs::guard
