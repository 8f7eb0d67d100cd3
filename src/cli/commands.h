// One registration function per subcommand. Each adds its subcommand to the app and, when the
// subcommand is chosen, stores its exit code (0 pass, 1 blocked, 2 error) in `exit_code`.
// Subcommand files only parse arguments and call the library; no logic lives here.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace cs::cli {

struct GlobalOptions {
  std::string repo = ".";
};

void add_version(CLI::App& app, int& exit_code);

}  // namespace cs::cli
