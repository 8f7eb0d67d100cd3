#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <vector>

#include "cli/commands.h"

namespace cs::cli {
namespace {
std::vector<std::pair<int, RegisterFn>>& registry() {
  static std::vector<std::pair<int, RegisterFn>> r;
  return r;
}
}  // namespace

Registrar::Registrar(int order, RegisterFn fn) { registry().emplace_back(order, fn); }

void register_all(CLI::App& app, int& exit_code) {
  auto& r = registry();
  std::stable_sort(r.begin(), r.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [order, fn] : r) fn(app, exit_code);
}

}  // namespace cs::cli

int main(int argc, char** argv) {
  if (argc == 4 && std::string_view(argv[1]) == "guard" && std::string_view(argv[2]) == "--agent")
    return cs::cli::guard_hook(argv[3]);
  if (argc == 3 && std::string_view(argv[1]) == "guard" && std::string_view(argv[2]).starts_with("--agent="))
    return cs::cli::guard_hook(argv[2] + 8);
  CLI::App app{"countersign: the deploy gate for AI-written code"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "countersign 0.1.0");
  int exit_code = 0;
  cs::cli::register_all(app, exit_code);
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
