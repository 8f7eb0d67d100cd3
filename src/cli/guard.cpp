#include <CLI/CLI.hpp>
#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>

#include "cli/commands.h"
#include "cli/trusted_policy.h"
#include "countersign/guard/guard.h"

extern char** environ;

namespace cs::cli {
namespace {

std::map<std::string, std::string> process_env() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string_view::npos) env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return env;
}

std::string current_dir() {
  char buf[4096];
  return ::getcwd(buf, sizeof buf) ? std::string(buf) : std::string();
}

// "90s", "15m", "2h", or plain seconds.
long parse_ttl(const std::string& s) {
  if (s.empty()) return -1;
  size_t used = 0;
  long n = 0;
  try {
    n = std::stol(s, &used);
  } catch (...) {
    return -1;
  }
  std::string unit = s.substr(used);
  if (unit.empty() || unit == "s") return n;
  if (unit == "m") return n * 60;
  if (unit == "h") return n * 3600;
  return -1;
}

void add_approve(CLI::App& guard, int& exit_code) {
  auto* cmd = guard.add_subcommand("approve", "Approve one retry of a held command (run by a senior, in their own terminal)");
  static std::string id, ttl = "15m", as;
  cmd->add_option("id", id, "The approval request id printed with the held command")->required();
  cmd->add_option("--ttl", ttl, "How long the approval stays usable: 90s, 15m, 2h (default 15m)");
  cmd->add_option("--as", as, "Approver name (default $USER)");
  cmd->callback([&exit_code] {
    auto env = process_env();
    std::string approver = !as.empty() ? as : !env["USER"].empty() ? env["USER"] : env["LOGNAME"];
    if (approver.empty())
      if (const auto* pw = ::getpwuid(::getuid())) approver = pw->pw_name;
    long seconds = parse_ttl(ttl);
    if (seconds < 0) {
      std::fprintf(stderr, "countersign: --ttl %s is not a duration like 90s, 15m or 2h\n", ttl.c_str());
      exit_code = 2;
      return;
    }
    if (auto pending = guard::pending_requests(env))
      for (const auto& r : *pending)
        if (r.id == id)
          std::printf("request %s (%s)\n  command: %s\n  cwd: %s\n  environment: %s\n", r.id.c_str(), r.agent.c_str(),
                      r.command.c_str(), r.cwd.c_str(), r.environment.c_str());
    auto grant = guard::approve_request(id, approver, seconds, env);
    if (!grant) {
      std::fprintf(stderr, "countersign: %s\n", grant.error().describe().c_str());
      exit_code = 2;
      return;
    }
    std::printf("approved by %s until %s: exactly one retry of exactly this command will pass\n  signed with: %s\n",
                grant->approver.c_str(), grant->expires.c_str(), grant->method.c_str());
    exit_code = 0;
  });
}

void add_pending(CLI::App& guard, int& exit_code) {
  auto* cmd = guard.add_subcommand("pending", "List held commands waiting for approval");
  cmd->callback([&exit_code] {
    auto pending = guard::pending_requests(process_env());
    if (!pending) {
      std::fprintf(stderr, "countersign: %s\n", pending.error().describe().c_str());
      exit_code = 2;
      return;
    }
    if (pending->empty()) std::printf("no held commands\n");
    for (const auto& r : *pending) {
      std::string rules;
      for (const auto& rule : r.rules) rules += (rules.empty() ? "" : ", ") + rule;
      std::printf("%s  %s  %s%s\n  %s\n  cwd %s, environment %s, rules %s\n", r.id.c_str(), r.created.c_str(),
                  r.agent.c_str(), r.approved ? "  (approved, retry pending)" : "", r.command.c_str(), r.cwd.c_str(),
                  r.environment.c_str(), rules.c_str());
    }
    exit_code = 0;
  });
}

void add_doctor(CLI::App& guard, int& exit_code) {
  auto* cmd = guard.add_subcommand("doctor", "Show where the agent hooks are installed and prove each one blocks a canary");
  static std::string project;
  cmd->add_option("--project", project, "Project directory (default: the current directory)");
  cmd->callback([&exit_code] {
    auto env = process_env();
    auto checks = guard::doctor(project.empty() ? current_dir() : project, env["HOME"], env);
    int installed = 0, failing = 0;
    for (const auto& c : checks) {
      if (!c.installed) continue;
      ++installed;
      if (!c.blocks_canary) ++failing;
      std::printf("%-4s %-12s %s\n     command: %s\n     %s\n", c.blocks_canary ? "ok" : "FAIL", c.agent.c_str(),
                  c.file.c_str(), c.command.c_str(), c.detail.c_str());
    }
    for (const auto& c : checks)
      if (!c.installed && c.detail != "no settings file")
        std::printf("--   %-12s %s: %s\n", c.agent.c_str(), c.file.c_str(), c.detail.c_str());
    if (installed == 0)
      std::printf("no countersign hook is installed for any agent; run `countersign install-hook <agent>`\n");
    // The configuration the hooks will load: where it comes from, and what of the work tree's is ignored.
    guard::Config config;
    config.project_dir = guard::find_project_dir(project.empty() ? current_dir() : project);
    config.trusted_config = trusted_guard_config(config.project_dir);
    std::printf("configuration: trusted revision %s\n", config.trusted_config->revision.empty()
                                                            ? "none (built-in environments, no allow-list)"
                                                            : config.trusted_config->revision.c_str());
    auto loaded = guard::Guard::load(config);
    if (!loaded) {
      std::printf("FAIL configuration: %s\n", loaded.error().describe().c_str());
      ++failing;
    } else {
      for (const auto& w : loaded->warnings()) std::printf("     %s\n", w.describe().c_str());
    }
    exit_code = installed > 0 && failing == 0 ? 0 : 1;
  });
}

std::string read_stdin_limited() {
  // One byte over the parser's limit is enough to know the input is too large.
  constexpr size_t kLimit = (4u << 20) + 1;
  std::string input;
  char buf[65536];
  size_t n;
  while (input.size() < kLimit && (n = std::fread(buf, 1, sizeof buf, stdin)) > 0) input.append(buf, n);
  return input;
}

void add_guard(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("guard", "Judge an agent's shell command from its pre-tool hook (JSON on stdin)");
  static std::string agent;
  cmd->add_option("--agent", agent, "The agent whose hook protocol to speak: " + [] {
    std::string names;
    for (const auto& a : guard::hook_agents()) names += (names.empty() ? "" : ", ") + a;
    return names;
  }());
  cmd->require_subcommand(0, 1);
  add_approve(*cmd, exit_code);
  add_pending(*cmd, exit_code);
  add_doctor(*cmd, exit_code);
  cmd->callback([cmd, &exit_code] {
    if (!cmd->get_subcommands().empty()) return;
    if (agent.empty()) {
      std::fprintf(stderr, "countersign: guard needs --agent NAME, or a subcommand: approve, pending, doctor\n");
      exit_code = 2;
      return;
    }
    exit_code = guard_hook(agent.c_str());
  });
}

const Registrar registrar(40, add_guard);

}  // namespace

int guard_hook(const char* agent) {
  auto reply =
      guard::run_hook(agent, read_stdin_limited(),
                      guard::HookEnvironment{process_env(), current_dir(), trusted_guard_policy, trusted_guard_config});
  std::fwrite(reply.out.data(), 1, reply.out.size(), stdout);
  std::fwrite(reply.err.data(), 1, reply.err.size(), stderr);
  std::fflush(stdout);
  return reply.exit_code;
}

}  // namespace cs::cli
