// Augment (Auggie CLI and the IDE agents) PreToolUse (docs.augmentcode.com/cli/hooks): hooks in
// .augment/settings.json or ~/.augment/settings.json, Claude-style matcher groups with timeouts in
// milliseconds. stdin: {"hook_event_name":"PreToolUse","conversation_id","workspace_roots":[...],
// "tool_name","tool_input":{...}}; the shell tool is launch-process (tool_input.command, and cwd
// when it names one, resolved against the first workspace root); files are written by save-file,
// str-replace-editor and remove-files. Exit 2 blocks and returns stderr; there is no "ask".
#include "countersign/core/text.h"
#include "countersign/guard/hooks.h"

namespace cs::guard {
namespace {

constexpr hook::ShellTool kShell[] = {{"launch-process", "command", "cwd"}};
constexpr hook::WriteTool kWrite[] = {
    {"save-file", {"path"}}, {"str-replace-editor", {"path"}}, {"remove-files", {"file_paths"}}};

class AugmentAdapter final : public HookAdapter {
 public:
  std::string_view name() const override { return "augment"; }
  bool supports_ask() const override { return false; }

  HookRequest read(std::string_view payload) const override {
    auto doc = hook::read_object(payload);
    if (!doc) return hook::malformed(doc.error().message);
    if (const auto* roots = doc->get("workspace_roots"); roots && roots->kind != json::Kind::null) {
      if (!roots->is_array()) return hook::malformed("hook input field \"workspace_roots\" is not an array");
      if (!doc->get("cwd"))
        for (const auto& r : roots->items)
          if (r.is_string() && !r.text.empty()) {
            doc->set("cwd", hook::str(r.text));
            break;
          }
    }
    return hook::read_tool_call(*doc, "PreToolUse", hook::ToolTable{kShell, kWrite});
  }

  HookReply answer(const HookOutcome& o) const override {
    if (!o.error && (!o.shell || o.decision == Decision::allow)) return {"", "", 0};
    return {"", hook::stderr_line(o.reason), 2};
  }

  std::string settings_file(HookScope scope, std::string_view project_dir, std::string_view home) const override {
    return std::string(scope == HookScope::user ? home : project_dir) + "/.augment/settings.json";
  }
  std::string_view event() const override { return "PreToolUse"; }
  std::vector<json::Value> entries(std::string_view command) const override {
    std::vector<json::Value> out;
    for (std::string_view matcher : {"launch-process", "save-file|str-replace-editor|remove-files"}) {
      auto hooks = json::Value::array_of();
      hooks.items.push_back(hook::object(
          {{"type", hook::str("command")}, {"command", hook::str(command)}, {"timeout", hook::num(10000)}}));
      out.push_back(hook::object({{"matcher", hook::str(matcher)}, {"hooks", std::move(hooks)}}));
    }
    return out;
  }
  std::string sample_payload(std::string_view command, std::string_view cwd) const override {
    return R"({"hook_event_name":"PreToolUse","conversation_id":"countersign-doctor","workspace_roots":[)" +
           text::json_quote(cwd) + R"(],"tool_name":"launch-process","tool_input":{"command":)" +
           text::json_quote(command) + R"(,"wait":true,"max_wait_seconds":60}})";
  }
};

}  // namespace

const HookAdapter& augment_adapter() {
  static const AugmentAdapter adapter;
  return adapter;
}

}  // namespace cs::guard
