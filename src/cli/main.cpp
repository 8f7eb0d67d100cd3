#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"countersign: the deploy gate for AI-written code"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "countersign 0.1.0");
  int exit_code = 0;

  cs::cli::add_version(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    // Usage errors are errors (2); --help and --version are not.
    return rc == 0 ? 0 : 2;
  }
  std::fflush(stdout);
  return exit_code;
}
