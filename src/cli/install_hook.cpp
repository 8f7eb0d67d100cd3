#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "cli/commands.h"
#include "countersign/guard/guard.h"

namespace cs::cli {
namespace {

void add_install_hook(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("install-hook", "Install countersign's guard into an agent's pre-tool hooks");
  static std::string agent, file, binary;
  static bool project = false, user = false;
  cmd->add_option("agent", agent, "The agent: " + [] {
       std::string names;
       for (const auto& a : guard::hook_agents()) names += (names.empty() ? "" : ", ") + a;
       return names;
     }())
      ->required()
      ->check(CLI::IsMember(guard::hook_agents()));
  auto* p = cmd->add_flag("--project", project, "In this project's settings (the default)");
  cmd->add_flag("--user", user, "In your user settings, for every project")->excludes(p);
  cmd->add_option("--file", file, "Merge into this settings file instead");
  cmd->add_option("--binary", binary,
                  "The countersign the hook runs (default: `countersign` on PATH for project settings, which are "
                  "committed and shared; this executable's absolute path for --user)");
  cmd->callback([&exit_code] {
    if (binary.empty() && user) {
      std::error_code ec;
      binary = std::filesystem::read_symlink("/proc/self/exe", ec).string();
    }
    if (binary.empty()) binary = "countersign";
    std::vector<std::string> targets;
    if (!file.empty()) {
      targets.push_back(file);
    } else {
      const char* home = std::getenv("HOME");
      auto where = guard::hook_settings_files(agent, user ? guard::HookScope::user : guard::HookScope::project,
                                              std::filesystem::current_path().string(), home ? home : "");
      if (!where) {
        std::fprintf(stderr, "countersign: %s\n", where.error().describe().c_str());
        exit_code = 2;
        return;
      }
      targets = *where;
    }
    for (const auto& target : targets) {
      auto done = guard::install_hook(agent, target, binary);
      if (!done) {
        std::fprintf(stderr, "countersign: %s\n", done.error().describe().c_str());
        exit_code = 2;
        return;
      }
      std::printf("%s: %s %s\n", done->agent.c_str(), done->changed ? "installed in" : "already installed in",
                  done->file.c_str());
      if (!done->note.empty()) std::printf("  still to do: %s\n", done->note.c_str());
    }
    if (binary.find('/') == std::string::npos)
      std::printf("the hook runs `%s` from PATH; where it is missing, the agent is told to block every call\n",
                  binary.c_str());
    std::printf("check it with: countersign guard doctor\n");
    exit_code = 0;
  });
}

const Registrar registrar(41, add_install_hook);

}  // namespace
}  // namespace cs::cli
