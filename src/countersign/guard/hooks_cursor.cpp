// Cursor beforeShellExecution: the payload is the command itself (no tool name); cwd may be empty,
// then the first workspace root is where the command runs. Cursor ignores "ask" in some
// auto-review modes (the command would run), so a held command is denied with its approval
// request id; deny always works. File tools (Write, StrReplace, Edit, Delete) arrive through the
// preToolUse event and are judged on the files they write. Hooks fail open unless the entry sets
// "failClosed": true, which install sets on every entry.
#include "countersign/core/text.h"
#include "countersign/guard/hooks.h"

namespace cs::guard {
namespace {

constexpr std::string_view kEvent = "beforeShellExecution";
constexpr std::string_view kToolEvent = "preToolUse";
constexpr hook::WriteTool kWrite[] = {{"Write", {"file_path", "path", "target_file"}},
                                      {"StrReplace", {"file_path", "path", "target_file"}},
                                      {"Edit", {"file_path", "path", "target_file"}},
                                      {"Delete", {"file_path", "path", "target_file"}}};

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
    if (*ev && **ev == kToolEvent) {
      auto req = hook::read_tool_call(*doc, kToolEvent, hook::ToolTable{{}, kWrite});
      if (req.kind == HookRequest::Kind::file_write && req.cwd.empty()) req.cwd = first_workspace_root(*doc);
      req.dialect = kToolEvent;
      return req;
    }
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
    bool allow = !o.error && (!o.shell || o.decision == Decision::allow);
    // preToolUse answers are read as "permission" by some Cursor versions and "decision" by others:
    // both are sent, with the same word.
    std::string both = o.dialect == kToolEvent ? std::string(R"("decision":)") + (allow ? R"("allow",)" : R"("deny",)")
                                               : std::string();
    if (allow) return {"{" + both + "\"permission\":\"allow\"}\n", "", 0};
    std::string user = "countersign blocked this " + std::string(o.dialect == kToolEvent ? "tool call: " : "command: ") + o.reason;
    return {"{" + both + R"("permission":"deny","user_message":)" + text::json_quote(user) + R"(,"agent_message":)" +
                text::json_quote(o.reason) + (o.dialect == kToolEvent ? R"(,"reason":)" + text::json_quote(o.reason) : "") +
                "}\n",
            "", 0};
  }

  std::string settings_file(HookScope scope, std::string_view project_dir, std::string_view home) const override {
    return std::string(scope == HookScope::user ? home : project_dir) + "/.cursor/hooks.json";
  }
  std::string_view event() const override { return kEvent; }
  std::string_view fails_open() const override { return {}; }  // every entry we install says failClosed
  std::vector<json::Value> entries(std::string_view command) const override {
    return {hook::object({{"command", hook::str(command)}, {"failClosed", json::Value::boolean_of(true)}})};
  }
  std::vector<HookEventEntries> hook_events(std::string_view command) const override {
    return {{std::string(kEvent), entries(command)},
            {std::string(kToolEvent),
             {hook::object({{"command", hook::str(command)},
                            {"matcher", hook::str("Write|StrReplace|Edit|Delete")},
                            {"failClosed", json::Value::boolean_of(true)}})}}};
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
