// GitHub Copilot CLI preToolUse: camelCase fields, and toolArgs may arrive as a JSON string that
// must be parsed again. Shell tools are "bash" and "shell"; "powershell" is read as PowerShell
// (powershell.h) and held when it cannot be read for certain. File tools "create" and "edit" are
// judged on their path. A PascalCase PreToolUse entry in .github/hooks receives the VS Code shape
// (hook_event_name, session_id, tool_name, tool_input) and is answered in that shape.
// Allowed commands print nothing.
#include "countersign/core/text.h"
#include "countersign/guard/hooks.h"

namespace cs::guard {
namespace {

class CopilotAdapter final : public HookAdapter {
 public:
  std::string_view name() const override { return "copilot"; }
  bool supports_ask() const override { return true; }

  HookRequest read(std::string_view payload) const override {
    auto doc = hook::read_object(payload);
    if (!doc) return hook::malformed(doc.error().message);
    if (!doc->get("toolName") && (doc->get("tool_name") || doc->get("hook_event_name") || doc->get("hookEventName")))
      return vscode_read(*doc);
    auto tool = hook::required_string(*doc, "toolName");
    if (!tool) return hook::malformed(tool.error().message);
    auto cwd = hook::optional_string(*doc, "cwd");
    if (!cwd) return hook::malformed(cwd.error().message);
    bool ps = text::iequals(**tool, "powershell");
    bool writes = **tool == "create" || **tool == "edit";
    if (!text::iequals(**tool, "bash") && !text::iequals(**tool, "shell") && !ps && !writes) return hook::other_tool(**tool);
    const auto* args = doc->get("toolArgs");
    if (!args) return hook::malformed("hook input has no \"toolArgs\" field");
    json::Value reparsed;
    if (args->is_string()) {
      auto inner = hook::read_object(args->text);
      if (!inner) return hook::malformed("toolArgs: " + inner.error().message);
      reparsed = std::move(*inner);
      args = &reparsed;
    }
    if (!args->is_object()) return hook::malformed("hook input field \"toolArgs\" is not an object");
    if (writes) {
      auto path = hook::required_string(*args, "path");
      if (!path) return hook::malformed("toolArgs: " + path.error().message);
      return hook::file_write(**tool, {**path}, *cwd ? **cwd : std::string(), json::write(*args));
    }
    auto command = hook::required_string(*args, "command");
    if (!command) return hook::malformed("toolArgs: " + command.error().message);
    if (ps) return hook::powershell(**tool, **command, *cwd ? **cwd : std::string());
    return hook::shell(**tool, **command, *cwd ? **cwd : std::string());
  }

  HookReply answer(const HookOutcome& o) const override {
    if (o.dialect == "vscode") return vscode_adapter().answer(o);
    if (!o.error && (!o.shell || o.decision == Decision::allow)) return {"", "", 0};
    Decision d = o.error ? Decision::deny : o.decision;
    return {R"({"permissionDecision":)" + text::json_quote(hook::decision_word(d)) +
                R"(,"permissionDecisionReason":)" + text::json_quote(o.reason) + "}\n",
            "", 0};
  }

  std::string settings_file(HookScope scope, std::string_view project_dir, std::string_view home) const override {
    return scope == HookScope::user ? std::string(home) + "/.copilot/hooks/countersign.json"
                                    : std::string(project_dir) + "/.github/hooks/countersign.json";
  }
  std::string_view event() const override { return "preToolUse"; }
  std::string_view fails_open() const override {
    return "logs and skips a hook that exits non-zero or times out, and runs the tool";
  }
  std::vector<json::Value> entries(std::string_view command) const override {
    return {hook::object({{"type", hook::str("command")}, {"bash", hook::str(command)}, {"timeoutSec", hook::num(30)}})};
  }
  void add_defaults(json::Value& settings) const override {
    if (!settings.get("version")) settings.set("version", hook::num(1));
  }
  std::string sample_payload(std::string_view command, std::string_view cwd) const override {
    std::string args = R"({"command":)" + text::json_quote(command) + R"(,"description":"countersign doctor canary"})";
    return R"({"sessionId":"countersign-doctor","timestamp":1767225600000,"cwd":)" + text::json_quote(cwd) +
           R"(,"toolName":"bash","toolArgs":)" + text::json_quote(args) + "}";
  }
};

}  // namespace

const HookAdapter& copilot_adapter() {
  static const CopilotAdapter adapter;
  return adapter;
}

}  // namespace cs::guard
