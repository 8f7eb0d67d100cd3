// Claude Code PreToolUse: judges the Bash tool. An allowed command gets no output, so that Claude
// Code's own permission rules still apply (an explicit "allow" would bypass them); deny and ask
// are answered with hookSpecificOutput; input we cannot read exits 2, which blocks and shows
// stderr to the model. File tools (Write, Edit, MultiEdit, NotebookEdit) are judged on the files
// they write. Before 2.1.233, Claude Code in bypassPermissions mode ran an "ask" without asking, and
// the version is not in the payload: in that mode a hold is a deny (with the approval request id).
#include "countersign/core/text.h"
#include "countersign/guard/hooks.h"

namespace cs::guard {
namespace {

constexpr hook::ShellTool kShell[] = {{"Bash"}};
constexpr hook::WriteTool kWrite[] = {
    {"Write", {"file_path"}}, {"Edit", {"file_path"}}, {"MultiEdit", {"file_path"}}, {"NotebookEdit", {"notebook_path"}}};

class ClaudeCodeAdapter final : public HookAdapter {
 public:
  std::string_view name() const override { return "claude-code"; }
  bool supports_ask() const override { return true; }

  HookRequest read(std::string_view payload) const override {
    auto doc = hook::read_object(payload);
    if (!doc) return hook::malformed(doc.error().message);
    auto req = hook::read_tool_call(*doc, "PreToolUse", hook::ToolTable{kShell, kWrite});
    auto mode = hook::optional_string(*doc, "permission_mode");
    if (!mode) return hook::malformed(mode.error().message);
    req.ask_is_unsafe = *mode && **mode == "bypassPermissions";
    return req;
  }

  HookReply answer(const HookOutcome& o) const override {
    if (o.error) return {"", hook::stderr_line(o.reason), 2};
    if (!o.shell || o.decision == Decision::allow) return {"", "", 0};
    return {hook::pre_tool_use_output(o.decision, o.reason), "", 0};
  }

  std::string settings_file(HookScope scope, std::string_view project_dir, std::string_view home) const override {
    return std::string(scope == HookScope::user ? home : project_dir) + "/.claude/settings.json";
  }
  std::string_view event() const override { return "PreToolUse"; }
  std::vector<json::Value> entries(std::string_view command) const override {
    std::vector<json::Value> out;
    for (std::string_view matcher : {"Bash", "Write|Edit|MultiEdit|NotebookEdit"}) {
      auto hooks = json::Value::array_of();
      hooks.items.push_back(
          hook::object({{"type", hook::str("command")}, {"command", hook::str(command)}, {"timeout", hook::num(10)}}));
      out.push_back(hook::object({{"matcher", hook::str(matcher)}, {"hooks", std::move(hooks)}}));
    }
    return out;
  }
  std::string sample_payload(std::string_view command, std::string_view cwd) const override {
    return R"({"session_id":"countersign-doctor","transcript_path":"","cwd":)" + text::json_quote(cwd) +
           R"(,"permission_mode":"default","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":)" +
           text::json_quote(command) + R"(,"description":"countersign doctor canary"},"tool_use_id":"toolu_doctor"})";
  }
};

}  // namespace

const HookAdapter& claude_code_adapter() {
  static const ClaudeCodeAdapter adapter;
  return adapter;
}

}  // namespace cs::guard
