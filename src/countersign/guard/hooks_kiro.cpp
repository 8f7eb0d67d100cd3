// Kiro CLI / Amazon Q Developer CLI preToolUse: judges execute_bash, and use_aws, which calls AWS
// APIs without a shell. A use_aws call is rewritten as the aws CLI command that does the same
// thing (DeleteStack with StackName → `aws cloudformation delete-stack --stack-name ...`), so the
// aws pack judges it exactly as it judges the shell form. Exit 0 allows; exit 2 blocks with the
// reason on stderr; there is no "ask", so a held call is denied with its approval request id.
// Kiro has renamed its tools (shell, aws, write; execute_cmd on Windows): both names are judged.
// Hooks live in agent files, and a name-less file is an agent nobody runs (Amazon Q rejects it), so
// install goes into the agent in use: the configured default agent, else the only agent file,
// else a new named agent "countersign" that the user selects.
#include <algorithm>
#include <cctype>
#include <filesystem>

#include "countersign/core/text.h"
#include "countersign/guard/files.h"
#include "countersign/guard/hooks.h"

namespace cs::guard {
namespace {

// "DeleteDBInstance" → "delete-db-instance"; "stack_name" → "stack-name".
std::string kebab(std::string_view name) {
  std::string out;
  auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c == '_' || c == ' ') c = '-';
    bool boundary = upper(c) && i > 0 &&
                    (lower_or_digit(name[i - 1]) || (upper(name[i - 1]) && i + 1 < name.size() && lower_or_digit(name[i + 1])));
    if (boundary && !out.empty() && out.back() != '-') out += '-';
    out += upper(c) ? char(c - 'A' + 'a') : c;
  }
  return out;
}

std::string shell_word(std::string_view w) {
  bool plain = !w.empty();
  for (char c : w)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '/' || c == ':' ||
          c == '=' || c == ',' || c == '@'))
      plain = false;
  if (plain) return std::string(w);
  std::string out = "'";
  for (char c : w) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::string value_text(const json::Value& v) {
  if (v.is_string() || v.kind == json::Kind::number) return v.text;
  std::string s = json::write(v);
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

HookRequest read_use_aws(const json::Value& input, std::string cwd) {
  auto service = hook::required_string(input, "service_name");
  if (!service) return hook::malformed("use_aws: " + service.error().message);
  auto operation = hook::required_string(input, "operation_name");
  if (!operation) return hook::malformed("use_aws: " + operation.error().message);
  auto region = hook::optional_string(input, "region");
  if (!region) return hook::malformed("use_aws: " + region.error().message);
  auto profile = hook::optional_string(input, "profile_name");
  if (!profile) return hook::malformed("use_aws: " + profile.error().message);
  std::string command = "aws " + shell_word(kebab(**service)) + " " + shell_word(kebab(**operation));
  if (const auto* params = input.get("parameters"); params && params->kind != json::Kind::null) {
    if (!params->is_object()) return hook::malformed("use_aws: \"parameters\" is not an object");
    for (size_t i = 0; i < params->keys.size(); ++i) {
      const auto& v = params->items[i];
      std::string flag = "--" + kebab(params->keys[i]);
      if (v.kind == json::Kind::boolean) {
        command += " " + shell_word(v.boolean ? flag : "--no-" + flag.substr(2));
      } else if (v.kind != json::Kind::null) {
        command += " " + shell_word(flag) + " " + shell_word(value_text(v));
      }
    }
  }
  if (*region) command += " --region " + shell_word(**region);
  if (*profile) command += " --profile " + shell_word(**profile);
  return hook::shell("use_aws", std::move(command), std::move(cwd));
}

constexpr hook::ShellTool kShell[] = {{"execute_bash"}, {"shell"}, {"execute_cmd"}};
constexpr hook::WriteTool kWrite[] = {{"fs_write", {"path"}}, {"write", {"path"}}};
constexpr std::string_view kNewAgent = "countersign";

// `chat.defaultAgent` from Kiro's settings (<base>/.kiro/settings/cli.json), or empty.
std::string default_agent(const std::string& base) {
  auto text = files::read(base + "/.kiro/settings/cli.json");
  if (!text) return {};
  auto doc = json::parse(*text);
  if (!doc || !doc->is_object()) return {};
  const auto* v = doc->get("chat.defaultAgent");
  if (!v) v = doc->get("chat") ? doc->get("chat")->get("defaultAgent") : nullptr;
  return v && v->is_string() ? v->text : std::string();
}

// The agent file a hook in `dir` must go into: the default agent's, the only named agent's, or a new one.
std::string agent_file(const std::string& dir, const std::string& preferred) {
  namespace fs = std::filesystem;
  if (!preferred.empty() && fs::exists(dir + "/" + preferred + ".json")) return dir + "/" + preferred + ".json";
  std::vector<std::string> named;
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(dir, ec)) {
    if (f.path().extension() != ".json") continue;
    auto text = files::read(f.path().string());
    auto doc = text ? json::parse(*text) : Result<json::Value>(fail(Errc::parse, ""));
    if (doc && doc->is_object() && doc->get("name") && doc->get("name")->is_string()) named.push_back(f.path().string());
  }
  if (named.size() == 1) return named.front();
  return dir + "/" + std::string(kNewAgent) + ".json";
}

class KiroAdapter final : public HookAdapter {
 public:
  std::string_view name() const override { return "kiro"; }
  bool supports_ask() const override { return false; }

  HookRequest read(std::string_view payload) const override {
    auto doc = hook::read_object(payload);
    if (!doc) return hook::malformed(doc.error().message);
    auto tool = hook::optional_string(*doc, "tool_name");
    if (tool && *tool && (**tool == "use_aws" || **tool == "aws")) {
      auto ev = hook::optional_string(*doc, "hook_event_name");
      if (!ev) return hook::malformed(ev.error().message);
      if (*ev && **ev != "preToolUse") return hook::malformed("hook input is for event \"" + **ev + "\", not preToolUse");
      auto cwd = hook::optional_string(*doc, "cwd");
      if (!cwd) return hook::malformed(cwd.error().message);
      const auto* input = doc->get("tool_input");
      if (!input || !input->is_object()) return hook::malformed("hook input has no \"tool_input\" object");
      auto req = read_use_aws(*input, *cwd ? **cwd : std::string());
      if (req.kind == HookRequest::Kind::shell) req.tool = **tool;
      return req;
    }
    return hook::read_tool_call(*doc, "preToolUse", hook::ToolTable{kShell, kWrite});
  }

  HookReply answer(const HookOutcome& o) const override {
    if (!o.error && (!o.shell || o.decision == Decision::allow)) return {"", "", 0};
    return {"", hook::stderr_line(o.reason), 2};
  }

  std::string settings_file(HookScope scope, std::string_view project_dir, std::string_view home) const override {
    std::string preferred = default_agent(std::string(project_dir));
    if (preferred.empty()) preferred = default_agent(std::string(home));
    return agent_file(std::string(scope == HookScope::user ? home : project_dir) + "/.kiro/agents", preferred);
  }
  std::vector<std::string> settings_files(HookScope scope, std::string_view project_dir,
                                          std::string_view home) const override {
    std::vector<std::string> out{settings_file(scope, project_dir, home)};
    // Amazon Q Developer CLI reads the same agent format from its own directory.
    std::string q = scope == HookScope::user ? std::string(home) + "/.aws/amazonq" : std::string(project_dir) + "/.amazonq";
    if (std::filesystem::exists(q)) out.push_back(agent_file(q + "/cli-agents", {}));
    return out;
  }
  std::vector<std::string> files_to_check(HookScope scope, std::string_view project_dir,
                                          std::string_view home) const override {
    auto out = settings_files(scope, project_dir, home);
    auto legacy = std::string(scope == HookScope::user ? home : project_dir) + "/.kiro/agents/default.json";
    if (std::find(out.begin(), out.end(), legacy) == out.end() && std::filesystem::exists(legacy)) out.push_back(legacy);
    return out;
  }
  void prepare_settings(json::Value& settings, std::string_view file, bool created) const override {
    if (!settings.get("name"))
      settings.set("name", hook::str(std::filesystem::path(std::string(file)).stem().string()));
    if (created) {
      settings.set("description", hook::str("The default tools, guarded by countersign"));
      auto tools = json::Value::array_of();
      tools.items.push_back(hook::str("*"));
      settings.set("tools", std::move(tools));
    }
  }
  std::string never_loaded(const json::Value& settings, std::string_view file) const override {
    const auto* name = settings.get("name");
    if (!name || !name->is_string() || name->text.empty())
      return "the agent file has no \"name\": Kiro loads it as an agent with no tools that no session uses, and "
             "Amazon Q rejects it; run `countersign install-hook kiro` to install into the agent in use";
    // <base>/.kiro/agents/<name>.json: used by default sessions only when it is the default agent.
    std::filesystem::path f{std::string(file)};
    if (f.parent_path().filename() != "agents" || f.parent_path().parent_path().filename() != ".kiro") return {};
    auto base = f.parent_path().parent_path().parent_path().string();
    auto preferred = default_agent(base);
    if (preferred == name->text || preferred == f.stem().string()) return {};
    // The only agent file with a name is what install chose, but Kiro still starts its built-in agent.
    return "agent \"" + name->text + "\" is not the default agent, so sessions run without it unless started with "
           "`kiro-cli chat --agent " + name->text + "`; make it the default with `kiro-cli settings chat.defaultAgent " +
           name->text + "`";
  }
  std::string_view event() const override { return "preToolUse"; }
  std::vector<json::Value> entries(std::string_view command) const override {
    std::vector<json::Value> out;
    for (std::string_view matcher : {"execute_bash", "use_aws", "fs_write", "shell", "aws", "write", "execute_cmd"})
      out.push_back(hook::object(
          {{"matcher", hook::str(matcher)}, {"command", hook::str(command)}, {"timeout_ms", hook::num(30000)}}));
    return out;
  }
  std::string sample_payload(std::string_view command, std::string_view cwd) const override {
    return R"({"hook_event_name":"preToolUse","cwd":)" + text::json_quote(cwd) +
           R"(,"tool_name":"execute_bash","tool_input":{"command":)" + text::json_quote(command) +
           R"(,"summary":"countersign doctor canary"}})";
  }
};

}  // namespace

const HookAdapter& kiro_adapter() {
  static const KiroAdapter adapter;
  return adapter;
}

}  // namespace cs::guard
