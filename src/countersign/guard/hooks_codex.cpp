// OpenAI Codex CLI PreToolUse: the Claude Code shape, but "ask" is unsupported (the call would
// proceed) and unknown output fields make the hook count as failed (the call would proceed). So a
// held command is denied with its approval request id, the output carries exactly the documented
// fields, and a deny also exits 2 with the reason on stderr, which blocks on its own. File edits
// arrive as apply_patch with the patch text in tool_input.command: judged on the files it adds,
// updates, deletes and moves to. A shell call's `workdir`, when sent, is where it runs.
#include "countersign/core/text.h"
#include <filesystem>

#include "countersign/guard/files.h"
#include "countersign/guard/hooks.h"

namespace cs::guard {
namespace {

constexpr hook::ShellTool kShell[] = {{"Bash", "command", "workdir"}};
constexpr hook::WriteTool kWrite[] = {{"apply_patch", {"command"}, true}};

class CodexAdapter final : public HookAdapter {
 public:
  std::string_view name() const override { return "codex"; }
  bool supports_ask() const override { return false; }

  HookRequest read(std::string_view payload) const override {
    return hook::read_tool_call(payload, "PreToolUse", hook::ToolTable{kShell, kWrite});
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
  std::string_view fails_open() const override {
    return "lets the call proceed when the hook is missing, crashes, times out or prints output it does not expect";
  }
  // Codex runs a project's hooks only once the user has trusted the project, which it records in
  // ~/.codex/config.toml as [projects."<dir>"] trust_level = "trusted".
  std::string not_trusted(std::string_view file, std::string_view home) const override {
    namespace fs = std::filesystem;
    auto project = fs::path(std::string(file)).parent_path().parent_path().lexically_normal().string();
    if (home.empty() || fs::path(project) == fs::path(std::string(home)).lexically_normal()) return {};
    auto config = files::read(std::string(home) + "/.codex/config.toml");
    bool in_section = false;
    if (config)
      for (auto raw : text::lines(*config)) {
        auto line = text::trim(raw);
        if (line.starts_with("[")) {
          in_section = line == "[projects." + text::json_quote(project) + "]" ||
                       line == "[projects.'" + project + "']";
          continue;
        }
        if (in_section && line.starts_with("trust_level") && line.find("\"trusted\"") != std::string_view::npos) return {};
      }
    return "Codex runs project hooks only after you have reviewed and trusted them, and ~/.codex/config.toml does not "
           "trust " + project + "; start Codex in the project and trust it (and review its hooks), or install with --user";
  }
  std::vector<json::Value> entries(std::string_view command) const override {
    std::vector<json::Value> out;
    for (std::string_view matcher : {"Bash", "apply_patch"}) {
      auto hooks = json::Value::array_of();
      hooks.items.push_back(
          hook::object({{"type", hook::str("command")}, {"command", hook::str(command)}, {"timeout", hook::num(10)}}));
      out.push_back(hook::object({{"matcher", hook::str(matcher)}, {"hooks", std::move(hooks)}}));
    }
    return out;
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
