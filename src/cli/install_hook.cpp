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
  cmd->add_option("agent", agent, "claude-code, codex, gemini, cursor, copilot or kiro")
      ->required()
      ->check(CLI::IsMember(guard::hook_agents()));
  auto* p = cmd->add_flag("--project", project, "In this project's settings (the default)");
  cmd->add_flag("--user", user, "In your user settings, for every project")->excludes(p);
  cmd->add_option("--file", file, "Merge into this settings file instead");
  cmd->add_option("--binary", binary, "The countersign the hook runs (default: this executable)");
  cmd->callback([&exit_code] {
    if (binary.empty()) {
      std::error_code ec;
      binary = std::filesystem::read_symlink("/proc/self/exe", ec).string();
      if (ec || binary.empty()) binary = "countersign";
    }
    if (file.empty()) {
      const char* home = std::getenv("HOME");
      auto where = guard::hook_settings_file(agent, user ? guard::HookScope::user : guard::HookScope::project,
                                             std::filesystem::current_path().string(), home ? home : "");
      if (!where) {
        std::fprintf(stderr, "countersign: %s\n", where.error().describe().c_str());
        exit_code = 2;
        return;
      }
      file = *where;
    }
    auto done = guard::install_hook(agent, file, binary);
    if (!done) {
      std::fprintf(stderr, "countersign: %s\n", done.error().describe().c_str());
      exit_code = 2;
      return;
    }
    std::printf("%s: %s %s\n", done->agent.c_str(), done->changed ? "installed in" : "already installed in",
                done->file.c_str());
    std::printf("check it with: countersign guard doctor\n");
    exit_code = 0;
  });
}

const Registrar registrar(41, add_install_hook);

}  // namespace
}  // namespace cs::cli
