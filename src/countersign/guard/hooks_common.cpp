#include <array>
#include <filesystem>

#include "countersign/guard/hooks.h"
#include "countersign/guard/powershell.h"

#include "countersign/core/text.h"

namespace cs::guard {

std::span<const HookAdapter* const> all_adapters() {
  static const std::array<const HookAdapter*, 11> adapters = {
      &claude_code_adapter(), &codex_adapter(), &gemini_adapter(),  &cursor_adapter(), &copilot_adapter(),
      &kiro_adapter(),        &windsurf_adapter(), &cline_adapter(), &augment_adapter(), &droid_adapter(),
      &vscode_adapter()};
  return adapters;
}

const HookAdapter* find_adapter(std::string_view name) {
  for (const auto* a : all_adapters())
    if (a->name() == name) return a;
  return nullptr;
}

std::vector<std::string> hook_agents() {
  std::vector<std::string> names;
  for (const auto* a : all_adapters()) names.emplace_back(a->name());
  return names;
}

namespace hook {

Result<json::Value> read_object(std::string_view payload) {
  auto doc = json::parse(payload, json::Limits{});
  if (!doc) return fail(Errc::parse, "hook input is not valid JSON: " + doc.error().describe());
  if (!doc->is_object()) return fail(Errc::parse, "hook input is not a JSON object");
  return doc;
}

Result<const std::string*> optional_string(const json::Value& obj, std::string_view key) {
  const auto* v = obj.get(key);
  if (!v || v->kind == json::Kind::null) return nullptr;
  if (!v->is_string()) return fail(Errc::parse, "hook input field \"" + std::string(key) + "\" is not a string");
  return &v->text;
}

Result<const std::string*> required_string(const json::Value& obj, std::string_view key) {
  auto s = optional_string(obj, key);
  if (!s) return s;
  if (!*s) return fail(Errc::parse, "hook input has no \"" + std::string(key) + "\" field");
  return s;
}

HookRequest malformed(std::string problem) {
  HookRequest r;
  r.kind = HookRequest::Kind::malformed;
  r.problem = std::move(problem);
  return r;
}

HookRequest other_tool(std::string tool) {
  HookRequest r;
  r.kind = HookRequest::Kind::other_tool;
  r.tool = std::move(tool);
  return r;
}

HookRequest shell(std::string tool, std::string command, std::string cwd) {
  HookRequest r;
  if (command.find_first_not_of(" \t\r\n") == std::string::npos)
    return malformed("hook input has an empty command");
  r.kind = HookRequest::Kind::shell;
  r.tool = std::move(tool);
  r.command = std::move(command);
  r.cwd = std::move(cwd);
  return r;
}

HookRequest powershell(std::string tool, std::string command, std::string cwd) {
  auto as_shell = powershell_as_shell(command);
  if (as_shell) return shell(std::move(tool), std::move(*as_shell), std::move(cwd));
  auto r = shell(std::move(tool), std::move(command), std::move(cwd));
  if (r.kind != HookRequest::Kind::shell) return r;
  r.kind = HookRequest::Kind::unjudgeable;
  r.problem = "countersign cannot read this PowerShell command for certain (" + as_shell.error().message +
              "), so it is held for a human";
  return r;
}

HookRequest file_write(std::string tool, std::vector<std::string> paths, std::string cwd, std::string content) {
  if (paths.empty()) return malformed("the file tool \"" + tool + "\" names no file");
  for (const auto& p : paths)
    if (p.find_first_not_of(" \t\r\n") == std::string::npos)
      return malformed("the file tool \"" + tool + "\" has an empty path");
  HookRequest r;
  r.kind = HookRequest::Kind::file_write;
  r.tool = std::move(tool);
  r.paths = std::move(paths);
  r.cwd = std::move(cwd);
  r.content = std::move(content);
  for (const auto& p : r.paths) r.command += (r.command.empty() ? "" : " ") + p;
  return r;
}

std::string run_dir(std::string_view cwd, std::string_view dir) {
  if (dir.empty()) return std::string(cwd);
  std::filesystem::path d{std::string(dir)};
  if (d.is_absolute()) return d.lexically_normal().string();
  if (cwd.empty()) return {};
  auto joined = (std::filesystem::path(std::string(cwd)) / d).lexically_normal().string();
  if (joined.size() > 1 && joined.back() == '/') joined.pop_back();
  return joined;
}

bool apply_run_dir(const json::Value& input, std::string_view key, std::string& cwd, std::string& problem) {
  auto dir = optional_string(input, key);
  if (!dir) {
    problem = "tool_input: " + dir.error().message;
    return false;
  }
  if (!*dir || (*dir)->empty()) return true;
  auto where = run_dir(cwd, **dir);
  if (where.empty()) {
    problem = "tool_input." + std::string(key) + " \"" + **dir + "\" is relative and the payload has no cwd";
    return false;
  }
  cwd = std::move(where);
  return true;
}

Result<std::vector<std::string>> string_members(const json::Value& obj, std::initializer_list<std::string_view> keys) {
  std::vector<std::string> out;
  for (auto key : keys) {
    const auto* v = obj.get(key);
    if (!v || v->kind == json::Kind::null) continue;
    if (v->is_string()) {
      out.push_back(v->text);
    } else if (v->is_array()) {
      for (const auto& item : v->items) {
        const json::Value* p = &item;
        // VS Code's editFiles and similar list objects with a path member.
        if (item.is_object()) {
          p = nullptr;
          for (std::string_view k : {"path", "file_path", "filePath"})
            if (const auto* f = item.get(k); f && f->is_string()) p = f;
        }
        if (!p || !p->is_string())
          return fail(Errc::parse, "hook input field \"" + std::string(key) + "\" holds something that is not a path");
        out.push_back(p->text);
      }
    } else {
      return fail(Errc::parse, "hook input field \"" + std::string(key) + "\" is not a path");
    }
  }
  return out;
}

Result<std::vector<std::string>> patch_paths(std::string_view patch) {
  std::vector<std::string> out;
  bool begun = false;
  for (auto line : text::lines(patch)) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (text::trim(line) == "*** Begin Patch") begun = true;
    for (std::string_view tag : {"*** Add File: ", "*** Update File: ", "*** Delete File: ", "*** Move to: "}) {
      if (!line.starts_with(tag)) continue;
      auto path = text::trim(line.substr(tag.size()));
      if (path.empty()) return fail(Errc::parse, "the patch has \"" + std::string(tag) + "\" without a path");
      out.emplace_back(path);
    }
  }
  if (!begun) return fail(Errc::parse, "the patch has no \"*** Begin Patch\" line");
  if (out.empty()) return fail(Errc::parse, "the patch names no file");
  return out;
}

json::Value object(std::initializer_list<std::pair<std::string_view, json::Value>> members) {
  auto o = json::Value::object_of();
  for (const auto& [k, v] : members) o.set(k, v);
  return o;
}

json::Value str(std::string_view s) { return json::Value::string_of(s); }
json::Value num(long long n) { return json::Value::number_of(n); }

}  // namespace hook
}  // namespace cs::guard

namespace cs::guard::hook {

std::string_view decision_word(Decision d) {
  switch (d) {
    case Decision::allow: return "allow";
    case Decision::ask: return "ask";
    case Decision::deny: return "deny";
  }
  return "deny";
}

HookRequest read_tool_call(const json::Value& doc, std::string_view event, const ToolTable& tools) {
  auto ev = optional_string(doc, "hook_event_name");
  if (!ev) return malformed(ev.error().message);
  if (*ev && **ev != event) return malformed("hook input is for event \"" + **ev + "\", not " + std::string(event));
  auto tool = required_string(doc, "tool_name");
  if (!tool) return malformed(tool.error().message);
  auto cwd_field = optional_string(doc, "cwd");
  if (!cwd_field) return malformed(cwd_field.error().message);
  std::string cwd = *cwd_field ? **cwd_field : std::string();
  const ShellTool* shell_tool = nullptr;
  for (const auto& t : tools.shell)
    if (t.name == **tool) shell_tool = &t;
  const WriteTool* write_tool = nullptr;
  for (const auto& t : tools.write)
    if (t.name == **tool) write_tool = &t;
  if (!shell_tool && !write_tool) return other_tool(**tool);
  const auto* input = doc.get("tool_input");
  if (!input || !input->is_object()) return malformed("hook input has no \"tool_input\" object");
  if (shell_tool) {
    auto command = required_string(*input, shell_tool->command_key);
    if (!command) return malformed("tool_input: " + command.error().message);
    std::string problem;
    if (!shell_tool->dir_key.empty() && !apply_run_dir(*input, shell_tool->dir_key, cwd, problem))
      return malformed(std::move(problem));
    if (shell_tool->powershell) return powershell(**tool, **command, std::move(cwd));
    return shell(**tool, **command, std::move(cwd));
  }
  std::vector<std::string> paths;
  if (write_tool->patch) {
    auto text = required_string(*input, write_tool->path_keys[0]);
    if (!text) return malformed("tool_input: " + text.error().message);
    auto files = patch_paths(**text);
    if (!files) return malformed(**tool + ": " + files.error().message);
    paths = std::move(*files);
  } else {
    for (auto key : write_tool->path_keys) {
      if (key.empty()) continue;
      auto found = string_members(*input, {key});
      if (!found) return malformed("tool_input: " + found.error().message);
      paths.insert(paths.end(), found->begin(), found->end());
    }
  }
  return file_write(**tool, std::move(paths), std::move(cwd), json::write(*input));
}

HookRequest read_tool_call(std::string_view payload, std::string_view event, const ToolTable& tools) {
  auto doc = read_object(payload);
  if (!doc) return malformed(doc.error().message);
  return read_tool_call(*doc, event, tools);
}

HookRequest read_tool_input(std::string_view payload, std::string_view event, std::string_view shell_tool) {
  const ShellTool shell[] = {{shell_tool}};
  return read_tool_call(payload, event, ToolTable{shell, {}});
}

std::string stderr_line(std::string_view reason) {
  std::string line = reason.starts_with("countersign") ? std::string(reason) : "countersign: " + std::string(reason);
  return line + "\n";
}

std::string pre_tool_use_output(Decision decision, std::string_view reason) {
  return R"({"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":)" +
         text::json_quote(decision_word(decision)) + R"(,"permissionDecisionReason":)" + text::json_quote(reason) +
         "}}\n";
}

}  // namespace cs::guard::hook
