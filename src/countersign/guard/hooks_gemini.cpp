// Gemini CLI BeforeTool: judges run_shell_command. Only the decision JSON may appear on stdout;
// the protocol has allow and deny only, so a held command is denied with its approval request id.
// An allowed command prints nothing, leaving Gemini's own confirmation in place. The shell runs in
// tool_input.dir_path (resolved against cwd) when the call names one: the command is judged and
// its approval bound there. File tools write_file and replace are judged on their file_path.
#include "countersign/core/text.h"
#include <filesystem>

#include "countersign/guard/files.h"
#include "countersign/guard/hooks.h"

namespace cs::guard {
namespace {

constexpr hook::ShellTool kShell[] = {{"run_shell_command", "command", "dir_path"}};
constexpr hook::WriteTool kWrite[] = {{"write_file", {"file_path"}}, {"replace", {"file_path"}}};

class GeminiAdapter final : public HookAdapter {
 public:
  std::string_view name() const override { return "gemini"; }
  bool supports_ask() const override { return false; }

  HookRequest read(std::string_view payload) const override {
    return hook::read_tool_call(payload, "BeforeTool", hook::ToolTable{kShell, kWrite});
  }

  HookReply answer(const HookOutcome& o) const override {
    if (!o.error && (!o.shell || o.decision == Decision::allow)) return {"", "", 0};
    return {R"({"decision":"deny","reason":)" + text::json_quote(o.reason) + "}\n", "", 0};
  }

  std::string settings_file(HookScope scope, std::string_view project_dir, std::string_view home) const override {
    return std::string(scope == HookScope::user ? home : project_dir) + "/.gemini/settings.json";
  }
  std::string_view event() const override { return "BeforeTool"; }
  // Gemini CLI applies project hooks only in trusted folders (~/.gemini/trustedFolders.json), unless
  // folder trust is switched off in the user's settings.
  std::string not_trusted(std::string_view file, std::string_view home) const override {
    namespace fs = std::filesystem;
    fs::path project = fs::path(std::string(file)).parent_path().parent_path().lexically_normal();
    if (home.empty() || project == fs::path(std::string(home)).lexically_normal()) return {};
    if (auto text = files::read(std::string(home) + "/.gemini/settings.json")) {
      auto doc = json::parse(*text);
      const json::Value* security = doc ? doc->get("security") : nullptr;
      const json::Value* trust = security ? security->get("folderTrust") : nullptr;
      const json::Value* enabled = trust ? trust->get("enabled") : nullptr;
      if (enabled && enabled->kind == json::Kind::boolean && !enabled->boolean) return {};
    }
    auto under = [](const fs::path& p, const fs::path& dir) {
      auto rel = p.lexically_relative(dir);
      return !rel.empty() && *rel.begin() != "..";
    };
    bool trusted = false;
    if (auto text = files::read(std::string(home) + "/.gemini/trustedFolders.json")) {
      auto doc = json::parse(*text);
      if (doc && doc->is_object())
        for (size_t i = 0; i < doc->keys.size(); ++i) {
          const auto& v = doc->items[i];
          if (!v.is_string()) continue;
          fs::path k = fs::path(doc->keys[i]).lexically_normal();
          if (v.text == "DO_NOT_TRUST" && under(project, k)) return "Gemini CLI is told not to trust " + k.string() +
                                                                       " (~/.gemini/trustedFolders.json), so it ignores this project's hooks";
          if (v.text == "TRUST_FOLDER" && under(project, k)) trusted = true;
          if (v.text == "TRUST_PARENT" && under(project, k.parent_path())) trusted = true;
        }
    }
    if (trusted) return {};
    return "Gemini CLI applies project hooks only in trusted folders, and " + project.string() +
           " is not trusted in ~/.gemini/trustedFolders.json; trust it when Gemini CLI asks (or with /permissions), or "
           "install with --user";
  }
  std::vector<json::Value> entries(std::string_view command) const override {
    std::vector<json::Value> out;
    for (std::string_view matcher : {"run_shell_command", "write_file|replace"}) {
      auto hooks = json::Value::array_of();
      hooks.items.push_back(hook::object({{"name", hook::str("countersign")},
                                          {"type", hook::str("command")},
                                          {"command", hook::str(command)},
                                          {"timeout", hook::num(5000)}}));
      out.push_back(hook::object({{"matcher", hook::str(matcher)}, {"hooks", std::move(hooks)}}));
    }
    return out;
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
