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

// `countersign guard --agent NAME` runs before every shell command an agent issues, so main()
// sends it here directly, without building the whole command line. Returns the exit code.
int guard_hook(const char* agent);

}  // namespace cs::cli
