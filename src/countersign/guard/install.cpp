// `install-hook`: merges countersign's entry into an agent's settings file. The file is parsed
// and written back with everything else in it unchanged (key order and numbers kept), our entry is
// found again by its "guard --agent NAME" command so that installing twice changes nothing, and a
// file we cannot parse is never overwritten.
#include <sys/stat.h>

#include <filesystem>

#include "countersign/core/text.h"
#include "countersign/guard/files.h"
#include "countersign/guard/hooks.h"
#include "countersign/guard/install.h"

namespace cs::guard {
namespace {

const json::Value* direct_command(const json::Value& hook) {
  for (std::string_view key : {"command", "bash"})
    if (const auto* v = hook.get(key); v && v->is_string()) return v;
  return nullptr;
}

bool same_matcher(const json::Value& a, const json::Value& b) {
  const auto* ma = a.get("matcher");
  const auto* mb = b.get("matcher");
  if (!ma || !mb) return !ma && !mb;
  return ma->is_string() && mb->is_string() && ma->text == mb->text;
}

// The hook objects an event entry holds: its "hooks" array when it is a matcher group, else itself.
std::vector<json::Value*> hook_objects(json::Value& entry) {
  std::vector<json::Value*> out;
  if (!entry.is_object()) return out;
  if (auto* group = entry.get("hooks"); group && group->is_array()) {
    for (auto& h : group->items)
      if (h.is_object()) out.push_back(&h);
  } else {
    out.push_back(&entry);
  }
  return out;
}

json::Value& inner_hook(json::Value& desired) {
  if (auto* group = desired.get("hooks"); group && group->is_array() && !group->items.empty()) return group->items[0];
  return desired;
}

std::string shell_quote_path(std::string_view path) {
  bool plain = !path.empty() && path.find_first_of(" \t\n'\"\\$`;&|<>()*?[]{}!#~") == std::string_view::npos;
  if (plain) return std::string(path);
  std::string out = "'";
  for (char c : path) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string hook_marker(std::string_view agent) { return " guard --agent " + std::string(agent); }

bool is_countersign_hook(const json::Value& hook, std::string_view agent) {
  const auto* cmd = direct_command(hook);
  if (!cmd) return false;
  auto marker = hook_marker(agent);
  auto pos = cmd->text.find(marker);
  if (pos == std::string::npos) return false;
  auto end = pos + marker.size();
  return end == cmd->text.size() || cmd->text[end] == ' ' || cmd->text[end] == '\'' || cmd->text[end] == '"' ||
         cmd->text[end] == ';';
}

// A single-quoted shell word.
std::string sh_single_quoted(std::string_view s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string hook_command(const HookAdapter& adapter, std::string_view countersign) {
  bool by_path = countersign.find('/') == std::string_view::npos;
  std::string exe = shell_quote_path(countersign);
  std::string found = by_path ? "command -v " + exe + " >/dev/null 2>&1" : "[ -x " + exe + " ]";
  std::string why = by_path ? "countersign is not installed (no countersign on PATH), and this project's agent hooks "
                              "require it, so every tool call is blocked. Install countersign, then retry."
                            : "countersign is not installed at " + std::string(countersign) +
                                  ", which the agent hooks run, so every tool call is blocked. Reinstall it there or "
                                  "run `countersign install-hook " + std::string(adapter.name()) + "` again.";
  // What countersign itself answers to input it cannot judge: the agent's own blocking reply.
  auto blocked = adapter.answer(HookOutcome{Decision::deny, "countersign: " + why, true, true, {}});
  auto line = [](std::string text) {
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  };
  std::string cmd = "if " + found + "; then exec " + exe + hook_marker(adapter.name()) + "; fi;";
  if (!blocked.out.empty()) cmd += " printf '%s\\n' " + sh_single_quoted(line(blocked.out)) + ";";
  if (!blocked.err.empty()) cmd += " printf '%s\\n' " + sh_single_quoted(line(blocked.err)) + " >&2;";
  return cmd + " exit " + std::to_string(blocked.exit_code);
}

std::vector<std::string> configured_commands(const json::Value& settings, const HookAdapter& adapter,
                                             std::string_view event_name) {
  std::vector<std::string> out;
  const auto* hooks = settings.get("hooks");
  const auto* event = hooks ? hooks->get(event_name.empty() ? adapter.event() : event_name) : nullptr;
  if (!event || !event->is_array()) return out;
  for (auto entry : event->items)  // copy: hook_objects wants a mutable value
    for (auto* h : hook_objects(entry))
      if (is_countersign_hook(*h, adapter.name())) out.push_back(direct_command(*h)->text);
  return out;
}

Result<std::string> hook_settings_file(std::string_view agent, HookScope scope, std::string_view project_dir,
                                       std::string_view home) {
  const auto* adapter = find_adapter(agent);
  if (!adapter) return fail(Errc::invalid_argument, "unknown agent \"" + std::string(agent) + "\"");
  if (scope == HookScope::user && home.empty()) return fail(Errc::invalid_argument, "HOME is not set");
  return adapter->settings_file(scope, project_dir, home);
}

Result<std::vector<std::string>> hook_settings_files(std::string_view agent, HookScope scope,
                                                     std::string_view project_dir, std::string_view home) {
  const auto* adapter = find_adapter(agent);
  if (!adapter) return fail(Errc::invalid_argument, "unknown agent \"" + std::string(agent) + "\"");
  if (scope == HookScope::user && home.empty()) return fail(Errc::invalid_argument, "HOME is not set");
  return adapter->settings_files(scope, project_dir, home);
}

Result<bool> merge_hook(json::Value& settings, const HookAdapter& adapter, std::string_view command) {
  if (!settings.is_object()) return fail(Errc::parse, "the settings file is not a JSON object");
  auto* hooks = settings.get("hooks");
  if (!hooks) hooks = &settings.set("hooks", json::Value::object_of());
  if (!hooks->is_object()) return fail(Errc::parse, "\"hooks\" is not an object");
  bool changed = false;
  for (auto& [event_name, entries] : adapter.hook_events(command)) {
    auto* event = hooks->get(event_name);
    if (!event) event = &hooks->set(event_name, json::Value::array_of());
    if (!event->is_array()) return fail(Errc::parse, "\"hooks\"." + event_name + " is not an array");
    for (auto& desired : entries) {
      auto& want = inner_hook(desired);
      bool found = false;
      for (auto& entry : event->items) {
        if (desired.get("matcher") && !same_matcher(entry, desired)) continue;
        for (auto* h : hook_objects(entry)) {
          if (!is_countersign_hook(*h, adapter.name())) continue;
          found = true;
          if (json::write(*h) != json::write(want)) {
            *h = want;
            changed = true;
          }
        }
      }
      if (!found) {
        event->items.push_back(desired);
        changed = true;
      }
    }
  }
  return changed;
}

// Agents whose hook is an executable (Cline's .clinerules/hooks/PreToolUse): the script runs our
// command. Someone else's script there is never replaced.
Result<HookInstall> install_script(const HookAdapter& adapter, const std::string& file, const std::string& command) {
  std::string script = "#!/bin/sh\n# countersign judges this agent's tool calls (countersign install-hook " +
                       std::string(adapter.name()) + ")\n" + command + "\n";
  auto text = files::read(file);
  if (text && text->find(hook_marker(adapter.name())) == std::string::npos)
    return fail(Errc::parse, "refusing to change " + file +
                                 ": it is another hook script; call `countersign guard --agent " + std::string(adapter.name()) + "` from it instead");
  if (!text && text.error().code != Errc::not_found) return std::unexpected(text.error());
  bool changed = !text || *text != script;
  if (changed) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(file).parent_path(), ec);
    if (ec) return fail(Errc::io, "cannot create the directory of " + file + ": " + ec.message());
    if (auto w = files::write_atomically(file, script, 0755); !w) return std::unexpected(w.error());
  }
  return HookInstall{std::string(adapter.name()), file, changed, {}};
}

Result<HookInstall> install_hook(std::string_view agent, std::string_view settings_file,
                                 std::string_view countersign_path) {
  const auto* adapter = find_adapter(agent);
  if (!adapter) return fail(Errc::invalid_argument, "unknown agent \"" + std::string(agent) + "\"");
  std::string file(settings_file);
  std::string command = hook_command(*adapter, countersign_path);
  if (adapter->script_hook()) return install_script(*adapter, file, command);
  json::Value settings = json::Value::object_of();
  unsigned mode = 0644;
  auto text = files::read(file);
  if (text) {
    auto parsed = json::parse(*text);
    if (!parsed)
      return fail(Errc::parse, "refusing to change " + file + ": it is not valid JSON (" + parsed.error().describe() +
                                   "); fix or move it, then run install-hook again");
    settings = std::move(*parsed);
    struct stat st {};
    if (::stat(file.c_str(), &st) == 0) mode = st.st_mode & 07777;
  } else if (text.error().code != Errc::not_found) {
    return std::unexpected(text.error());
  }
  if (settings.is_object()) adapter->prepare_settings(settings, file, !text);
  auto changed = merge_hook(settings, *adapter, command);
  if (!changed)
    return fail(Errc::parse, "refusing to change " + file + ": " + changed.error().message +
                                 "; fix it by hand, then run install-hook again");
  if (*changed) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(file).parent_path(), ec);
    if (ec) return fail(Errc::io, "cannot create the directory of " + file + ": " + ec.message());
    if (auto w = files::write_atomically(file, json::write(settings), mode); !w) return std::unexpected(w.error());
  }
  return HookInstall{std::string(adapter->name()), file, *changed, adapter->never_loaded(settings, file)};
}

}  // namespace cs::guard
