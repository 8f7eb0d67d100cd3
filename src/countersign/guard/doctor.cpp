// `guard doctor`: finds countersign's hook in every agent's project and user settings, then proves
// each configured command blocks by running it, exactly as the agent would, on a canary payload:
// `terraform destroy -auto-approve` in an empty directory with no environment configured, which
// must be denied or held.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>

#include "countersign/guard/files.h"
#include "countersign/guard/install.h"

extern char** environ;

namespace cs::guard {
namespace {

constexpr std::string_view kCanary = "terraform destroy -auto-approve";

struct Run {
  int exit_code = -1;
  std::string out, err;
};

// Runs `command` through /bin/sh with `input` on stdin and only the variables in `env`.
Run run_shell(const std::string& command, const std::string& input, const std::map<std::string, std::string>& env,
              const std::string& dir) {
  Run r;
  auto in = dir + "/stdin", out = dir + "/stdout", err = dir + "/stderr";
  if (!files::write_atomically(in, input, 0600)) return r;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string sh = "/bin/sh", dash_c = "-c", cmd = command;
  char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, "/bin/sh", &actions, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return r;
  int status = 0;
  for (int waited = 0; waited < 300; ++waited) {  // 30 s, then the hook counts as not blocking
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (waited == 299) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      r.err = "timed out after 30 s";
      return r;
    }
    ::usleep(100000);
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  r.out = files::read(out).value_or("");
  r.err = files::read(err).value_or("");
  return r;
}

// Whether an agent would block the call on this reply: exit 2, or a deny/ask/block decision.
std::string blocking_answer(const Run& r) {
  // Exit 2 blocks, but so would a usage error: only countersign's own denial counts.
  if (r.exit_code == 2) return r.err.starts_with("countersign") ? "exit 2: " + r.err.substr(0, r.err.find('\n')) : "";
  if (r.exit_code != 0) return {};
  auto doc = json::parse(r.out);
  if (!doc || !doc->is_object()) return {};
  const json::Value* specific = doc->get("hookSpecificOutput");
  for (const json::Value* obj : {specific, static_cast<const json::Value*>(&*doc)}) {
    if (!obj || !obj->is_object()) continue;
    if (const auto* cancel = obj->get("cancel"); cancel && cancel->kind == json::Kind::boolean && cancel->boolean)
      return "cancel true";
    for (std::string_view key : {"permissionDecision", "decision", "permission"})
      if (const auto* v = obj->get(key); v && v->is_string() && (v->text == "deny" || v->text == "ask" || v->text == "block"))
        return key == "permissionDecision" || key == "permission" ? std::string(key) + " " + v->text : "decision " + v->text;
  }
  return {};
}

// The hook commands configured in `c.file` (every event of the adapter), or why there are none.
std::vector<std::string> installed_commands(HookCheck& c, const HookAdapter& adapter, std::string& unloaded) {
  auto text = files::read(c.file);
  if (!text) {
    c.detail = text.error().code == Errc::not_found ? "no settings file" : text.error().message;
    return {};
  }
  if (adapter.script_hook()) {
    if (text->find(hook_marker(adapter.name())) == std::string::npos) {
      c.detail = "the hook script does not run countersign";
      return {};
    }
    if (::access(c.file.c_str(), X_OK) != 0) unloaded = "the hook script is not executable, so the agent never runs it";
    return {"'" + c.file + "'"};
  }
  auto settings = json::parse(*text);
  if (!settings) {
    c.detail = "cannot parse: " + settings.error().describe();
    return {};
  }
  std::vector<std::string> commands;
  for (const auto& e : adapter.hook_events("countersign"))
    for (auto& cmd : configured_commands(*settings, adapter, e.event))
      if (std::find(commands.begin(), commands.end(), cmd) == commands.end()) commands.push_back(cmd);
  if (commands.empty()) c.detail = "settings file has no countersign hook";
  else unloaded = adapter.never_loaded(*settings, c.file);
  // Cursor runs a failed hook's tool unless the entry says failClosed.
  if (!commands.empty() && adapter.name() == "cursor" && text->find("\"failClosed\": true") == std::string::npos)
    c.notes.push_back("an entry lacks \"failClosed\": true, so Cursor runs the tool when the hook fails; run "
                      "`countersign install-hook cursor` again");
  return commands;
}

void check(HookCheck& c, const HookAdapter& adapter, const std::map<std::string, std::string>& env, HookScope scope,
           std::string_view home) {
  std::string unloaded;
  auto commands = installed_commands(c, adapter, unloaded);
  if (commands.empty()) return;
  c.installed = true;
  c.command = commands.front();
  if (!unloaded.empty()) {
    c.detail = "will NOT run: " + unloaded;
    return;
  }
  if (auto why = adapter.not_trusted(c.file, home); !why.empty()) {
    c.detail = "will NOT run yet: " + why;
    return;
  }
  bool wrapped = c.command.starts_with("if ") || adapter.script_hook();
  if (!adapter.fails_open().empty()) {
    std::string note = std::string(adapter.name()) + " fails open: it " + std::string(adapter.fails_open()) + ".";
    if (wrapped) {
      note += " This command blocks when countersign is missing; a crash or timeout still lets the call run.";
    } else if (scope == HookScope::project) {
      c.detail = "did NOT guard everyone: the committed command runs countersign by a path only this machine has, and " +
                 std::string(adapter.name()) + " " + std::string(adapter.fails_open()) +
                 ", so a teammate without it runs everything unguarded; run `countersign install-hook " +
                 std::string(adapter.name()) + "` again";
      return;
    } else {
      note += " This command does not block when countersign is missing; run install-hook again.";
    }
    c.notes.push_back(std::move(note));
  }
  char tmpl[] = "/tmp/countersign-doctor-XXXXXX";
  if (!::mkdtemp(tmpl)) {
    c.detail = "cannot make a temporary directory for the canary";
    return;
  }
  std::string dir = tmpl;
  std::filesystem::create_directories(dir + "/work");
  std::filesystem::create_directories(dir + "/state");
  std::map<std::string, std::string> child_env;
  for (std::string_view keep : {"PATH", "HOME", "USER", "LOGNAME", "LANG", "TMPDIR", "COUNTERSIGN_DATA_DIR"})
    if (auto it = env.find(std::string(keep)); it != env.end()) child_env.emplace(it->first, it->second);
  child_env["XDG_STATE_HOME"] = dir + "/state";  // the canary leaves no pending request behind
  auto run = run_shell(c.command, adapter.sample_payload(kCanary, dir + "/work"), child_env, dir);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  auto answer = blocking_answer(run);
  bool missing = (run.out + run.err).find("countersign is not installed") != std::string::npos;
  c.blocks_canary = !answer.empty() && !missing;
  if (!answer.empty() && missing) {
    c.detail = "did NOT run countersign: " + answer + " (the hook blocks every call until countersign is installed)";
    return;
  }
  if (c.blocks_canary) {
    c.detail = "blocked the canary `" + std::string(kCanary) + "` (" + answer + ")";
  } else {
    std::string out = run.out.size() > 300 ? run.out.substr(0, 300) + "…" : run.out;
    std::string err = run.err.size() > 300 ? run.err.substr(0, 300) + "…" : run.err;
    c.detail = "did NOT block the canary `" + std::string(kCanary) + "`: exit " + std::to_string(run.exit_code) +
               ", stdout " + (out.empty() ? "empty" : "\"" + out + "\"") + (err.empty() ? "" : ", stderr \"" + err + "\"");
  }
}

}  // namespace

std::vector<HookCheck> doctor(std::string_view project_dir, std::string_view home,
                              const std::map<std::string, std::string>& env) {
  std::vector<HookCheck> out;
  for (const auto* adapter : all_adapters()) {
    for (auto scope : {HookScope::project, HookScope::user}) {
      if (scope == HookScope::user && home.empty()) continue;
      HookCheck c;
      c.agent = adapter->name();
      for (const auto& file : adapter->files_to_check(scope, project_dir, home)) {
        HookCheck one = c;
        one.file = file;
        bool seen = std::any_of(out.begin(), out.end(), [&](const HookCheck& o) { return o.file == file; });
        if (seen) continue;  // project is home
        check(one, *adapter, env, scope, home);
        for (const auto& note : one.notes) one.detail += "\n     note: " + note;
        out.push_back(std::move(one));
      }
    }
  }
  return out;
}

}  // namespace cs::guard
