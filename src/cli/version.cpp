#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/commands.h"
#include "countersign/data/embedded.h"

namespace cs::cli {
namespace {

void add_version(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("version", "Print the version and the embedded data files");
  cmd->callback([&exit_code] {
    std::printf("countersign 0.1.0\nembedded data:\n");
    for (const auto& f : data::embedded_files())
      std::printf("  %.*s (%zu bytes)\n", int(f.path.size()), f.path.data(), f.contents.size());
    exit_code = 0;
  });
}

const Registrar registrar(1000, add_version);

}  // namespace
}  // namespace cs::cli
