// Kiro CLI / Amazon Q Developer CLI preToolUse: judges execute_bash, and use_aws, which calls AWS
// APIs without a shell. A use_aws call is rewritten as the aws CLI command that does the same
// thing (DeleteStack with StackName → `aws cloudformation delete-stack --stack-name ...`), so the
// aws pack judges it exactly as it judges the shell form. Exit 0 allows; exit 2 blocks with the
// reason on stderr; there is no "ask", so a held call is denied with its approval request id.
#include <cctype>

#include "countersign/core/text.h"
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

class KiroAdapter final : public HookAdapter {
 public:
  std::string_view name() const override { return "kiro"; }
  bool supports_ask() const override { return false; }

  HookRequest read(std::string_view payload) const override {
    auto doc = hook::read_object(payload);
    if (!doc) return hook::malformed(doc.error().message);
    auto tool = hook::optional_string(*doc, "tool_name");
    if (tool && *tool && **tool == "use_aws") {
      auto ev = hook::optional_string(*doc, "hook_event_name");
      if (!ev) return hook::malformed(ev.error().message);
      if (*ev && **ev != "preToolUse") return hook::malformed("hook input is for event \"" + **ev + "\", not preToolUse");
      auto cwd = hook::optional_string(*doc, "cwd");
      if (!cwd) return hook::malformed(cwd.error().message);
      const auto* input = doc->get("tool_input");
      if (!input || !input->is_object()) return hook::malformed("hook input has no \"tool_input\" object");
      return read_use_aws(*input, *cwd ? **cwd : std::string());
    }
    return hook::read_tool_input(payload, "preToolUse", "execute_bash");
  }

  HookReply answer(const HookOutcome& o) const override {
    if (!o.error && (!o.shell || o.decision == Decision::allow)) return {"", "", 0};
    return {"", hook::stderr_line(o.reason), 2};
  }

  std::string settings_file(HookScope scope, std::string_view project_dir, std::string_view home) const override {
    return std::string(scope == HookScope::user ? home : project_dir) + "/.kiro/agents/default.json";
  }
  std::string_view event() const override { return "preToolUse"; }
  std::vector<json::Value> entries(std::string_view command) const override {
    std::vector<json::Value> out;
    for (std::string_view matcher : {"execute_bash", "use_aws"})
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
