#include <array>

#include "countersign/guard/hooks.h"

#include "countersign/core/text.h"

namespace cs::guard {

std::span<const HookAdapter* const> all_adapters() {
  static const std::array<const HookAdapter*, 6> adapters = {&claude_code_adapter(), &codex_adapter(),
                                                              &gemini_adapter(),      &cursor_adapter(),
                                                              &copilot_adapter(),     &kiro_adapter()};
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

HookRequest read_tool_input(std::string_view payload, std::string_view event, std::string_view shell_tool) {
  auto doc = read_object(payload);
  if (!doc) return malformed(doc.error().message);
  auto ev = optional_string(*doc, "hook_event_name");
  if (!ev) return malformed(ev.error().message);
  if (*ev && **ev != event)
    return malformed("hook input is for event \"" + **ev + "\", not " + std::string(event));
  auto tool = required_string(*doc, "tool_name");
  if (!tool) return malformed(tool.error().message);
  auto cwd = optional_string(*doc, "cwd");
  if (!cwd) return malformed(cwd.error().message);
  if (**tool != shell_tool) return other_tool(**tool);
  const auto* input = doc->get("tool_input");
  if (!input || !input->is_object()) return malformed("hook input has no \"tool_input\" object");
  auto command = required_string(*input, "command");
  if (!command) return malformed("tool_input: " + command.error().message);
  return shell(**tool, **command, *cwd ? **cwd : std::string());
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
