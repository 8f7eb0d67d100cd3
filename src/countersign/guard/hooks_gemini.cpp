// Gemini CLI BeforeTool: judges run_shell_command. Only the decision JSON may appear on stdout;
// the protocol has allow and deny only, so a held command is denied with its approval request id.
// An allowed command prints nothing, leaving Gemini's own confirmation in place.
#include "countersign/core/text.h"
#include "countersign/guard/hooks.h"

namespace cs::guard {
namespace {

class GeminiAdapter final : public HookAdapter {
 public:
  std::string_view name() const override { return "gemini"; }
  bool supports_ask() const override { return false; }

  HookRequest read(std::string_view payload) const override {
    return hook::read_tool_input(payload, "BeforeTool", "run_shell_command");
  }

  HookReply answer(const HookOutcome& o) const override {
    if (o.shell && !o.error && o.decision == Decision::allow) return {"", "", 0};
    if (!o.shell && !o.error) return {"", "", 0};
    return {R"({"decision":"deny","reason":)" + text::json_quote(o.reason) + "}\n", "", 0};
  }

  std::string settings_file(HookScope scope, std::string_view project_dir, std::string_view home) const override {
    return std::string(scope == HookScope::user ? home : project_dir) + "/.gemini/settings.json";
  }
  std::string_view event() const override { return "BeforeTool"; }
  std::vector<json::Value> entries(std::string_view command) const override {
    auto hook = hook::object({{"name", hook::str("countersign")},
                              {"type", hook::str("command")},
                              {"command", hook::str(command)},
                              {"timeout", hook::num(5000)}});
    auto hooks = json::Value::array_of();
    hooks.items.push_back(std::move(hook));
    return {hook::object({{"matcher", hook::str("run_shell_command")}, {"hooks", std::move(hooks)}})};
  }
  std::string sample_payload(std::string_view command, std::string_view cwd) const override {
    return R"({"session_id":"countersign-doctor","transcript_path":"","cwd":)" + text::json_quote(cwd) +
           R"(,"hook_event_name":"BeforeTool","timestamp":"2026-01-01T00:00:00Z","tool_name":"run_shell_command","tool_input":{"command":)" +
           text::json_quote(command) + R"(,"description":"countersign doctor canary"}})";
  }
};

}  // namespace

const HookAdapter& gemini_adapter() {
  static const GeminiAdapter adapter;
  return adapter;
}

}  // namespace cs::guard
