// Claude Code PreToolUse: judges the Bash tool. An allowed command gets no output, so that Claude
// Code's own permission rules still apply (an explicit "allow" would bypass them); deny and ask
// are answered with hookSpecificOutput; input we cannot read exits 2, which blocks and shows
// stderr to the model.
#include "countersign/core/text.h"
#include "countersign/guard/hooks.h"

namespace cs::guard {
namespace {

class ClaudeCodeAdapter final : public HookAdapter {
 public:
  std::string_view name() const override { return "claude-code"; }
  bool supports_ask() const override { return true; }

  HookRequest read(std::string_view payload) const override {
    return hook::read_tool_input(payload, "PreToolUse", "Bash");
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
    auto hook = hook::object({{"type", hook::str("command")}, {"command", hook::str(command)}, {"timeout", hook::num(10)}});
    auto hooks = json::Value::array_of();
    hooks.items.push_back(std::move(hook));
    return {hook::object({{"matcher", hook::str("Bash")}, {"hooks", std::move(hooks)}})};
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
