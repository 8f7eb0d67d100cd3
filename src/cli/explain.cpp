#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/commands.h"
#include "cli/trusted_policy.h"
#include "countersign/guard/guard.h"

namespace cs::cli {
namespace {

void add_explain(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("explain", "Show how the guard parses and judges a shell command");
  static std::string command, cwd, project;
  cmd->add_option("command", command, "The command line, as the agent would run it")->required();
  cmd->add_option("--cwd", cwd, "Directory the command runs in (default: the current directory)");
  cmd->add_option("--project", project, "Repository root holding .countersign/ (default: found above --cwd)");
  cmd->callback([&exit_code] {
    guard::Context ctx = guard::context_from_process(cwd);
    guard::Config config;
    config.project_dir = project.empty() ? guard::find_project_dir(ctx.cwd) : project;
    if (!config.project_dir.empty()) config.trusted_config = trusted_guard_config(config.project_dir);
    auto g = guard::Guard::load(config);
    if (!g) {
      std::fprintf(stderr, "countersign explain: %s\n", g.error().describe().c_str());
      exit_code = 2;
      return;
    }
    for (const auto& w : g->warnings()) std::fprintf(stderr, "%s\n", w.describe().c_str());
    std::string text = g->explain(command, ctx);
    std::fwrite(text.data(), 1, text.size(), stdout);
    exit_code = 0;
  });
}

const Registrar registrar(510, add_explain);

}  // namespace
}  // namespace cs::cli
