// Cursor beforeShellExecution: the payload is the command itself (no tool name); cwd may be empty,
// then the first workspace root is where the command runs. Cursor ignores "ask" in some
// auto-review modes (the command would run), so a held command is denied with its approval
// request id; deny always works.
#include "countersign/core/text.h"
#include "countersign/guard/hooks.h"

namespace cs::guard {
namespace {

constexpr std::string_view kEvent = "beforeShellExecution";

std::string first_workspace_root(const json::Value& doc) {
  const auto* roots = doc.get("workspace_roots");
  if (!roots || !roots->is_array()) return {};
  for (const auto& r : roots->items)
    if (r.is_string() && !r.text.empty()) return r.text;
  return {};
}

class CursorAdapter final : public HookAdapter {
 public:
  std::string_view name() const override { return "cursor"; }
  bool supports_ask() const override { return false; }

  HookRequest read(std::string_view payload) const override {
    auto doc = hook::read_object(payload);
    if (!doc) return hook::malformed(doc.error().message);
    auto ev = hook::optional_string(*doc, "hook_event_name");
    if (!ev) return hook::malformed(ev.error().message);
    if (*ev && **ev != kEvent) return hook::other_tool(**ev);
    auto command = hook::required_string(*doc, "command");
    if (!command) return hook::malformed(command.error().message);
    auto cwd = hook::optional_string(*doc, "cwd");
    if (!cwd) return hook::malformed(cwd.error().message);
    const auto* roots = doc->get("workspace_roots");
    if (roots && roots->kind != json::Kind::null && !roots->is_array())
      return hook::malformed("hook input field \"workspace_roots\" is not an array");
    std::string where = *cwd ? **cwd : std::string();
    if (where.empty()) where = first_workspace_root(*doc);
    return hook::shell(std::string(kEvent), **command, std::move(where));
  }

  HookReply answer(const HookOutcome& o) const override {
    if (!o.error && (!o.shell || o.decision == Decision::allow)) return {"{\"permission\":\"allow\"}\n", "", 0};
    std::string user = "countersign blocked this command: " + o.reason;
    return {R"({"permission":"deny","user_message":)" + text::json_quote(user) + R"(,"agent_message":)" +
                text::json_quote(o.reason) + "}\n",
            "", 0};
  }

  std::string settings_file(HookScope scope, std::string_view project_dir, std::string_view home) const override {
    return std::string(scope == HookScope::user ? home : project_dir) + "/.cursor/hooks.json";
  }
  std::string_view event() const override { return kEvent; }
  std::vector<json::Value> entries(std::string_view command) const override {
    return {hook::object({{"command", hook::str(command)}})};
  }
  void add_defaults(json::Value& settings) const override {
    if (!settings.get("version")) settings.set("version", hook::num(1));
  }
  std::string sample_payload(std::string_view command, std::string_view cwd) const override {
    return R"({"conversation_id":"countersign-doctor","generation_id":"gen-doctor","model":"auto","hook_event_name":"beforeShellExecution","cursor_version":"2.0.0","workspace_roots":[)" +
           text::json_quote(cwd) + R"(],"user_email":"","command":)" + text::json_quote(command) + R"(,"cwd":""})";
  }
};

}  // namespace

const HookAdapter& cursor_adapter() {
  static const CursorAdapter adapter;
  return adapter;
}

}  // namespace cs::guard
