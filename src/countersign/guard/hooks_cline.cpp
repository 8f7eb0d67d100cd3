// Cline hooks (docs.cline.bot/features/hooks/hook-reference): an executable named PreToolUse in
// .clinerules/hooks/ (or ~/Documents/Cline/Hooks/ for every project). stdin:
// {"clineVersion","hookName":"PreToolUse","timestamp","taskId","workspaceRoots":[...],"userId",
//  "preToolUse":{"toolName","parameters":{...}}}; stdout {"cancel":true,"errorMessage":...} blocks
// and {"cancel":false} lets the tool run. Commands run in the first workspace root. There is no
// "ask": a hold is a cancel with its approval request id.
#include "countersign/core/text.h"
#include "countersign/guard/hooks.h"

namespace cs::guard {
namespace {

class ClineAdapter final : public HookAdapter {
 public:
  std::string_view name() const override { return "cline"; }
  bool supports_ask() const override { return false; }
  bool script_hook() const override { return true; }

  HookRequest read(std::string_view payload) const override {
    auto doc = hook::read_object(payload);
    if (!doc) return hook::malformed(doc.error().message);
    auto hook_name = hook::optional_string(*doc, "hookName");
    if (!hook_name) return hook::malformed(hook_name.error().message);
    if (*hook_name && **hook_name != "PreToolUse")
      return hook::malformed("hook input is for hook \"" + **hook_name + "\", not PreToolUse");
    std::string root;
    if (const auto* roots = doc->get("workspaceRoots"); roots && roots->kind != json::Kind::null) {
      if (!roots->is_array()) return hook::malformed("hook input field \"workspaceRoots\" is not an array");
      for (const auto& r : roots->items)
        if (r.is_string() && !r.text.empty()) {
          root = r.text;
          break;
        }
    }
    const auto* call = doc->get("preToolUse");
    if (!call || !call->is_object()) return hook::malformed("hook input has no \"preToolUse\" object");
    auto tool = hook::required_string(*call, "toolName");
    if (!tool) return hook::malformed("preToolUse: " + tool.error().message);
    bool run = **tool == "execute_command";
    bool write = **tool == "write_to_file" || **tool == "replace_in_file" || **tool == "new_rule";
    if (!run && !write) return hook::other_tool(**tool);
    const auto* params = call->get("parameters");
    if (!params || !params->is_object()) return hook::malformed("preToolUse has no \"parameters\" object");
    if (run) {
      auto command = hook::required_string(*params, "command");
      if (!command) return hook::malformed("parameters: " + command.error().message);
      return hook::shell(**tool, **command, std::move(root));
    }
    auto path = hook::required_string(*params, "path");
    if (!path) return hook::malformed("parameters: " + path.error().message);
    return hook::file_write(**tool, {**path}, std::move(root), json::write(*params));
  }

  HookReply answer(const HookOutcome& o) const override {
    if (!o.error && (!o.shell || o.decision == Decision::allow)) return {"{\"cancel\":false}\n", "", 0};
    return {R"({"cancel":true,"errorMessage":)" + text::json_quote(o.reason) + "}\n", "", 0};
  }

  std::string settings_file(HookScope scope, std::string_view project_dir, std::string_view home) const override {
    return scope == HookScope::user ? std::string(home) + "/Documents/Cline/Hooks/PreToolUse"
                                    : std::string(project_dir) + "/.clinerules/hooks/PreToolUse";
  }
  std::string_view event() const override { return "PreToolUse"; }
  std::vector<json::Value> entries(std::string_view /*command*/) const override { return {}; }
  std::vector<HookEventEntries> hook_events(std::string_view /*command*/) const override { return {}; }
  std::string sample_payload(std::string_view command, std::string_view cwd) const override {
    return R"({"clineVersion":"3.36.0","hookName":"PreToolUse","timestamp":"1767225600000","taskId":"countersign-doctor","workspaceRoots":[)" +
           text::json_quote(cwd) +
           R"(],"userId":"doctor","preToolUse":{"toolName":"execute_command","parameters":{"command":)" +
           text::json_quote(command) + R"(,"requires_approval":"false"}}})";
  }
};

}  // namespace

const HookAdapter& cline_adapter() {
  static const ClineAdapter adapter;
  return adapter;
}

}  // namespace cs::guard
