// Subcommands register themselves: each src/cli/<name>.cpp defines a static Registrar that adds
// its subcommand to the app. When the subcommand runs it stores its exit code (0 pass,
// 1 blocked, 2 error) in `exit_code`. Subcommand files only parse arguments and call the
// library; no logic lives here.
#pragma once

namespace CLI {
class App;
}

namespace cs::cli {

using RegisterFn = void (*)(CLI::App& app, int& exit_code);

struct Registrar {
  // `order` sorts the subcommands in --help (lower first).
  Registrar(int order, RegisterFn fn);
};

void register_all(CLI::App& app, int& exit_code);

}  // namespace cs::cli
