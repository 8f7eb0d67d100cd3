// OpenAI Codex CLI PreToolUse: the Claude Code shape, but "ask" is unsupported (the call would
// proceed) and unknown output fields make the hook count as failed (the call would proceed). So a
// held command is denied with its approval request id, the output carries exactly the documented
// fields, and a deny also exits 2 with the reason on stderr, which blocks on its own.
#include "countersign/core/text.h"
#include "countersign/guard/hooks.h"

namespace cs::guard {
namespace {

class CodexAdapter final : public HookAdapter {
 public:
  std::string_view name() const override { return "codex"; }
  bool supports_ask() const override { return false; }

  HookRequest read(std::string_view payload) const override {
    return hook::read_tool_input(payload, "PreToolUse", "Bash");
  }

  HookReply answer(const HookOutcome& o) const override {
    if (o.error) return {"", hook::stderr_line(o.reason), 2};
    if (!o.shell || o.decision == Decision::allow) return {"", "", 0};
    // Never "ask": the pipeline turns holds into denials for this adapter.
    return {hook::pre_tool_use_output(Decision::deny, o.reason), hook::stderr_line(o.reason), 2};
  }

  std::string settings_file(HookScope scope, std::string_view project_dir, std::string_view home) const override {
    return std::string(scope == HookScope::user ? home : project_dir) + "/.codex/hooks.json";
  }
  std::string_view event() const override { return "PreToolUse"; }
  std::vector<json::Value> entries(std::string_view command) const override {
    auto hook = hook::object({{"type", hook::str("command")}, {"command", hook::str(command)}, {"timeout", hook::num(10)}});
    auto hooks = json::Value::array_of();
    hooks.items.push_back(std::move(hook));
    return {hook::object({{"matcher", hook::str("Bash")}, {"hooks", std::move(hooks)}})};
  }
  std::string sample_payload(std::string_view command, std::string_view cwd) const override {
    return R"({"session_id":"countersign-doctor","turn_id":"turn-doctor","model":"gpt-5-codex","transcript_path":"","cwd":)" +
           text::json_quote(cwd) + R"(,"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":)" +
           text::json_quote(command) + R"(},"tool_use_id":"call_doctor"})";
  }
};

}  // namespace

const HookAdapter& codex_adapter() {
  static const CodexAdapter adapter;
  return adapter;
}

}  // namespace cs::guard
