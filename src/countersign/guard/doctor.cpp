// `guard doctor`: finds countersign's hook in every agent's project and user settings, then proves
// each configured command blocks by running it, exactly as the agent would, on a canary payload:
// `terraform destroy -auto-approve` in an empty directory with no environment configured, which
// must be denied or held.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

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
    for (std::string_view key : {"permissionDecision", "decision", "permission"})
      if (const auto* v = obj->get(key); v && v->is_string() && (v->text == "deny" || v->text == "ask" || v->text == "block"))
        return key == "permissionDecision" || key == "permission" ? std::string(key) + " " + v->text : "decision " + v->text;
  }
  return {};
}

void check(HookCheck& c, const HookAdapter& adapter, const std::map<std::string, std::string>& env) {
  auto text = files::read(c.file);
  if (!text) {
    c.detail = text.error().code == Errc::not_found ? "no settings file" : text.error().message;
    return;
  }
  auto settings = json::parse(*text);
  if (!settings) {
    c.detail = "cannot parse: " + settings.error().describe();
    return;
  }
  auto commands = configured_commands(*settings, adapter);
  if (commands.empty()) {
    c.detail = "settings file has no countersign hook";
    return;
  }
  c.installed = true;
  c.command = commands.front();
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
  c.blocks_canary = !answer.empty();
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
      c.file = adapter->settings_file(scope, project_dir, home);
      if (scope == HookScope::user && !out.empty() && out.back().file == c.file) continue;  // project is home
      check(c, *adapter, env);
      out.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace cs::guard
