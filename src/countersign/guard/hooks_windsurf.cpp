// Windsurf Cascade hooks (docs.windsurf.com/windsurf/cascade/hooks): pre_run_command and
// pre_write_code, configured in .windsurf/hooks.json or ~/.codeium/windsurf/hooks.json. stdin:
// {"agent_action_name","trajectory_id","execution_id","timestamp","tool_info":{...}} with
// tool_info {command_line, cwd} for a command and {file_path, edits} for a write. Exit 2 blocks
// the action and shows stderr; there is no "ask", so a hold is a deny with its approval request id.
#include "countersign/core/text.h"
#include "countersign/guard/hooks.h"

namespace cs::guard {
namespace {

constexpr std::string_view kRun = "pre_run_command";
constexpr std::string_view kWrite = "pre_write_code";

class WindsurfAdapter final : public HookAdapter {
 public:
  std::string_view name() const override { return "windsurf"; }
  bool supports_ask() const override { return false; }

  HookRequest read(std::string_view payload) const override {
    auto doc = hook::read_object(payload);
    if (!doc) return hook::malformed(doc.error().message);
    auto action = hook::required_string(*doc, "agent_action_name");
    if (!action) return hook::malformed(action.error().message);
    if (**action != kRun && **action != kWrite) return hook::other_tool(**action);
    const auto* info = doc->get("tool_info");
    if (!info || !info->is_object()) return hook::malformed("hook input has no \"tool_info\" object");
    auto cwd = hook::optional_string(*info, "cwd");
    if (!cwd) return hook::malformed("tool_info: " + cwd.error().message);
    std::string where = *cwd ? **cwd : std::string();
    if (**action == kRun) {
      auto command = hook::required_string(*info, "command_line");
      if (!command) return hook::malformed("tool_info: " + command.error().message);
      return hook::shell(std::string(kRun), **command, std::move(where));
    }
    auto path = hook::required_string(*info, "file_path");
    if (!path) return hook::malformed("tool_info: " + path.error().message);
    return hook::file_write(std::string(kWrite), {**path}, std::move(where), json::write(*info));
  }

  HookReply answer(const HookOutcome& o) const override {
    if (!o.error && (!o.shell || o.decision == Decision::allow)) return {"", "", 0};
    return {"", hook::stderr_line(o.reason), 2};
  }

  std::string settings_file(HookScope scope, std::string_view project_dir, std::string_view home) const override {
    return scope == HookScope::user ? std::string(home) + "/.codeium/windsurf/hooks.json"
                                    : std::string(project_dir) + "/.windsurf/hooks.json";
  }
  std::string_view event() const override { return kRun; }
  std::vector<json::Value> entries(std::string_view command) const override {
    return {hook::object({{"command", hook::str(command)}, {"show_output", json::Value::boolean_of(true)}})};
  }
  std::vector<HookEventEntries> hook_events(std::string_view command) const override {
    return {{std::string(kRun), entries(command)}, {std::string(kWrite), entries(command)}};
  }
  std::string sample_payload(std::string_view command, std::string_view cwd) const override {
    return R"({"agent_action_name":"pre_run_command","trajectory_id":"countersign-doctor","execution_id":"exec-doctor","timestamp":"2026-01-01T00:00:00Z","tool_info":{"command_line":)" +
           text::json_quote(command) + R"(,"cwd":)" + text::json_quote(cwd) + "}}";
  }
};

}  // namespace

const HookAdapter& windsurf_adapter() {
  static const WindsurfAdapter adapter;
  return adapter;
}

}  // namespace cs::guard
