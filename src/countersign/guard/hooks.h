// Hook adapters: one per coding agent, each turning that agent's pre-tool hook payload into a
// command to classify, and countersign's answer into the agent's exact output and exit code.
// Private to the guard stage.
#pragma once

#include <array>
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
  // file_write: a file tool about to create, write, edit, move or delete `paths`.
  // unjudgeable: a command countersign cannot read (a PowerShell script block, say): held.
  enum class Kind { shell, other_tool, malformed, file_write, unjudgeable };
  Kind kind = Kind::malformed;
  std::string tool;     // the tool name as the agent sent it
  std::string command;  // the shell command (for Kiro's use_aws: the equivalent aws CLI command)
  std::string cwd;      // where the command runs (dir_path resolved); empty when the payload says not
  std::string problem;  // why the payload is malformed, or why the command cannot be judged
  std::vector<std::string> paths;  // file_write: every path written, as the agent sent them
  std::string content;             // file_write: what is written (bound into an approval), when sent
  bool ask_is_unsafe = false;      // the agent would run an "ask" unasked (Claude bypassPermissions)
  std::string dialect;             // for adapters that read two payload shapes: which one this was
};

// What countersign decided, for the adapter to say in its protocol.
struct HookOutcome {
  Decision decision = Decision::deny;
  std::string reason;
  bool shell = true;   // false: a tool countersign does not judge (always allowed)
  bool error = false;  // malformed input or an internal failure (always denied)
  std::string dialect;  // HookRequest::dialect, so the answer is in the shape that was asked
};

// Where and how an adapter's hook is configured: an event in a JSON settings file, with entries.
struct HookEventEntries {
  std::string event;
  std::vector<json::Value> entries;
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
  // Every event countersign is installed under (shell and file tools may be separate events).
  virtual std::vector<HookEventEntries> hook_events(std::string_view command) const {
    return {{std::string(event()), entries(command)}};
  }
  // Agents whose hook is an executable file rather than a settings entry (Cline).
  virtual bool script_hook() const { return false; }
  // Every file `install-hook` writes for this scope (Kiro: the agent in use, and Amazon Q's agent
  // when Amazon Q is set up). The first is settings_file().
  virtual std::vector<std::string> settings_files(HookScope scope, std::string_view project_dir,
                                                  std::string_view home) const {
    return {settings_file(scope, project_dir, home)};
  }
  // Every file `guard doctor` looks at: those above, and ones an older countersign wrote that the
  // agent never loads (Kiro's name-less default.json), so that doctor can say so.
  virtual std::vector<std::string> files_to_check(HookScope scope, std::string_view project_dir,
                                                  std::string_view home) const {
    return settings_files(scope, project_dir, home);
  }
  // Fills what the agent needs in a settings file before our entries go in; `created`: the file
  // did not exist.
  virtual void prepare_settings(json::Value& settings, std::string_view /*file*/, bool /*created*/) const {
    add_defaults(settings);
  }
  // What the agent does when its hook is missing, crashes or times out, when it then runs the tool
  // anyway (empty: it blocks). Doctor says it plainly.
  virtual std::string_view fails_open() const { return "runs the tool when the hook is missing, crashes or times out"; }
  // Why the agent would not yet run hooks from this file although they are installed (Codex's hook
  // review, Gemini's folder trust), or empty.
  virtual std::string not_trusted(std::string_view /*file*/, std::string_view /*home*/) const { return {}; }
  // Why the agent would never load this settings file, or empty (doctor: a hook in such a file
  // must never count as working).
  virtual std::string never_loaded(const json::Value& /*settings*/, std::string_view /*file*/) const { return {}; }
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
const HookAdapter& windsurf_adapter();
const HookAdapter& cline_adapter();
const HookAdapter& augment_adapter();
const HookAdapter& droid_adapter();
const HookAdapter& vscode_adapter();
std::span<const HookAdapter* const> all_adapters();
// A payload in the VS Code agent's shape (hooks_vscode.cpp), which Copilot CLI also sends to
// PascalCase PreToolUse entries.
HookRequest vscode_read(const json::Value& doc);

// Classifies one shell command; the real one is Guard::classify.
using Classifier = std::function<Result<Verdict>(const std::string& command, const Context& context)>;
// Classifies the files a file tool writes; the real one is Guard::classify_write.
using WriteClassifier = std::function<Result<Verdict>(const std::vector<std::string>& paths, const Context& context)>;

// The hook pipeline with the classifier given: read the payload, classify, apply held-command
// approvals, append to the audit log, answer in the adapter's protocol.
// Without `classify_write`, a file write is denied (fail closed).
HookReply run_hook_with(const HookAdapter& adapter, std::string_view payload, const HookEnvironment& where,
                        const Classifier& classify, const WriteClassifier& classify_write = {});

// Helpers shared by the adapters (hooks_common.cpp).
namespace hook {
// Parses the payload as a JSON object, or says why it is not one.
Result<json::Value> read_object(std::string_view payload);
// A string member: absent → empty optional-like (found=false); wrong type → error.
Result<const std::string*> optional_string(const json::Value& obj, std::string_view key);
Result<const std::string*> required_string(const json::Value& obj, std::string_view key);
HookRequest malformed(std::string problem);
// The tools an agent's payload can name, for read_tool_call: shell tools (the command member,
// and the member naming where it runs, if any) and file tools (the members holding paths, or for
// a patch tool the member holding the patch text).
struct ShellTool {
  std::string_view name;
  std::string_view command_key = "command";
  std::string_view dir_key = {};
  bool powershell = false;  // the command is PowerShell, not POSIX shell
};
struct WriteTool {
  std::string_view name;
  std::array<std::string_view, 3> path_keys{};
  bool patch = false;
};
struct ToolTable {
  std::span<const ShellTool> shell;
  std::span<const WriteTool> write;
};
// The Claude Code shape (hook_event_name checked when present, tool_name, tool_input, cwd), with
// the tools in `tools` judged and every other tool allowed. File tools bind their whole tool_input.
HookRequest read_tool_call(const json::Value& doc, std::string_view event, const ToolTable& tools);
HookRequest read_tool_call(std::string_view payload, std::string_view event, const ToolTable& tools);
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
// A PowerShell command line: judged as the shell command it amounts to, or, when countersign cannot
// read it for certain, unjudgeable (held) with the reason.
HookRequest powershell(std::string tool, std::string command, std::string cwd);
// A file tool's write of `paths` (none empty) in `cwd`.
HookRequest file_write(std::string tool, std::vector<std::string> paths, std::string cwd, std::string content = {});
// Where a shell tool really runs: `dir` (the tool's own working-directory argument) resolved
// against the payload's `cwd`; `cwd` itself when `dir` is empty. Empty when `dir` is relative and
// there is no cwd to resolve it against (the caller treats that as malformed).
std::string run_dir(std::string_view cwd, std::string_view dir);
// Reads an optional string member of tool_input naming where the shell runs, into `cwd`.
// False (and `problem` set) when it is not a string or cannot be resolved.
bool apply_run_dir(const json::Value& input, std::string_view key, std::string& cwd, std::string& problem);
// String members of `obj` named by `keys` (each a string or an array of strings), in that order.
Result<std::vector<std::string>> string_members(const json::Value& obj, std::initializer_list<std::string_view> keys);
// The files a Codex-style patch (`*** Begin Patch` ... `*** End Patch`) adds, updates, deletes
// or moves to. Fails on text that is not such a patch or that names no file.
Result<std::vector<std::string>> patch_paths(std::string_view patch);
// The command entry `{"type":"command","command":...}` style members used by several agents.
json::Value object(std::initializer_list<std::pair<std::string_view, json::Value>> members);
json::Value str(std::string_view s);
json::Value num(long long n);
}  // namespace hook

}  // namespace cs::guard
