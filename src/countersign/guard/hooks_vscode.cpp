// The VS Code Copilot agent's PreToolUse (Preview; code.visualstudio.com/docs/copilot/customization/hooks):
// hook files in .github/hooks/*.json with PascalCase events, stdin in the Claude Code shape
// (tool_name, tool_input, tool_use_id, cwd, and the session and event names, which VS Code has
// sent both as session_id/hook_event_name and as sessionId/hookEventName), stdout
// hookSpecificOutput with allow, deny or ask. Copilot CLI runs PascalCase entries in the same
// folder with this shape too, so the copilot adapter reads it through vscode_read().
#include "countersign/core/text.h"
#include "countersign/guard/hooks.h"

namespace cs::guard {

namespace {

constexpr std::string_view kEvent = "PreToolUse";
// VS Code's own tool names, and Copilot CLI's (bash, powershell, create, edit) for its PascalCase entries.
constexpr hook::ShellTool kShell[] = {
    {"run_in_terminal"}, {"runInTerminal"}, {"bash"}, {"shell"}, {"powershell", "command", {}, true}};
constexpr hook::WriteTool kWrite[] = {{"create_file", {"filePath"}},
                                      {"createFile", {"filePath"}},
                                      {"replace_string_in_file", {"filePath"}},
                                      {"multi_replace_string_in_file", {"replacements", "filePath"}},
                                      {"insert_edit_into_file", {"filePath"}},
                                      {"edit_notebook_file", {"filePath"}},
                                      {"editFiles", {"files"}},
                                      {"create", {"path"}},
                                      {"edit", {"path"}},
                                      {"apply_patch", {"input"}, true}};

class VsCodeAdapter final : public HookAdapter {
 public:
  std::string_view name() const override { return "vscode"; }
  bool supports_ask() const override { return true; }

  HookRequest read(std::string_view payload) const override {
    auto doc = hook::read_object(payload);
    if (!doc) return hook::malformed(doc.error().message);
    return vscode_read(*doc);
  }

  HookReply answer(const HookOutcome& o) const override {
    if (o.error) return {hook::pre_tool_use_output(Decision::deny, o.reason), hook::stderr_line(o.reason), 2};
    if (!o.shell || o.decision == Decision::allow) return {"", "", 0};
    return {hook::pre_tool_use_output(o.decision, o.reason), "", 0};
  }

  std::string settings_file(HookScope scope, std::string_view project_dir, std::string_view home) const override {
    return scope == HookScope::user ? std::string(home) + "/.copilot/hooks/countersign-vscode.json"
                                    : std::string(project_dir) + "/.github/hooks/countersign-vscode.json";
  }
  std::string_view event() const override { return kEvent; }
  std::vector<json::Value> entries(std::string_view command) const override {
    return {
        hook::object({{"type", hook::str("command")}, {"command", hook::str(command)}, {"timeout", hook::num(30)}})};
  }
  std::string sample_payload(std::string_view command, std::string_view cwd) const override {
    return R"({"timestamp":"2026-01-01T00:00:00.000Z","cwd":)" + text::json_quote(cwd) +
           R"(,"session_id":"countersign-doctor","hook_event_name":"PreToolUse","transcript_path":"","tool_name":"run_in_terminal","tool_input":{"command":)" +
           text::json_quote(command) +
           R"(,"explanation":"countersign doctor canary","isBackground":false},"tool_use_id":"tool-doctor"})";
  }
};

}  // namespace

HookRequest vscode_read(const json::Value& doc) {
  auto camel = hook::optional_string(doc, "hookEventName");
  if (!camel) return hook::malformed(camel.error().message);
  if (*camel && **camel != kEvent)
    return hook::malformed("hook input is for event \"" + **camel + "\", not PreToolUse");
  auto req = hook::read_tool_call(doc, kEvent, hook::ToolTable{kShell, kWrite});
  req.dialect = "vscode";
  return req;
}

const HookAdapter& vscode_adapter() {
  static const VsCodeAdapter adapter;
  return adapter;
}

}  // namespace cs::guard
