// Factory Droid PreToolUse (docs.factory.ai/reference/hooks-reference): Claude Code compatible.
// Hooks in .factory/hooks.json or ~/.factory/hooks.json (matcher groups, timeout in seconds);
// stdin in the Claude Code shape with the shell tool named Execute and file tools Create, Edit,
// MultiEdit and ApplyPatch; stdout hookSpecificOutput with allow, deny or ask; exit 2 blocks.
#include "countersign/core/text.h"
#include "countersign/guard/hooks.h"

namespace cs::guard {
namespace {

constexpr hook::ShellTool kShell[] = {{"Execute"}};
constexpr hook::WriteTool kWrite[] = {
    {"Create", {"file_path"}}, {"Edit", {"file_path"}}, {"MultiEdit", {"file_path"}}, {"ApplyPatch", {"patch"}, true}};

class DroidAdapter final : public HookAdapter {
 public:
  std::string_view name() const override { return "droid"; }
  bool supports_ask() const override { return true; }

  HookRequest read(std::string_view payload) const override {
    return hook::read_tool_call(payload, "PreToolUse", hook::ToolTable{kShell, kWrite});
  }

  HookReply answer(const HookOutcome& o) const override {
    if (o.error) return {"", hook::stderr_line(o.reason), 2};
    if (!o.shell || o.decision == Decision::allow) return {"", "", 0};
    return {hook::pre_tool_use_output(o.decision, o.reason), "", 0};
  }

  std::string settings_file(HookScope scope, std::string_view project_dir, std::string_view home) const override {
    return std::string(scope == HookScope::user ? home : project_dir) + "/.factory/hooks.json";
  }
  std::string_view event() const override { return "PreToolUse"; }
  std::vector<json::Value> entries(std::string_view command) const override {
    std::vector<json::Value> out;
    for (std::string_view matcher : {"Execute", "Create|Edit|MultiEdit|ApplyPatch"}) {
      auto hooks = json::Value::array_of();
      hooks.items.push_back(
          hook::object({{"type", hook::str("command")}, {"command", hook::str(command)}, {"timeout", hook::num(10)}}));
      out.push_back(hook::object({{"matcher", hook::str(matcher)}, {"hooks", std::move(hooks)}}));
    }
    return out;
  }
  std::string sample_payload(std::string_view command, std::string_view cwd) const override {
    return R"({"session_id":"countersign-doctor","transcript_path":"","cwd":)" + text::json_quote(cwd) +
           R"(,"permission_mode":"default","hook_event_name":"PreToolUse","tool_name":"Execute","tool_input":{"command":)" +
           text::json_quote(command) + R"(}})";
  }
};

}  // namespace

const HookAdapter& droid_adapter() {
  static const DroidAdapter adapter;
  return adapter;
}

}  // namespace cs::guard
