// Private to guard: a git command line read as git reads it. Aliases (from -c, --config-env,
// GIT_CONFIG_COUNT/KEY_n/VALUE_n and GIT_CONFIG_PARAMETERS) are expanded, abbreviated long
// options (`push --del`, `--mir`) are completed to the option git would take, and the shell
// commands that configuration on the command line makes git run (a `!` alias, core.sshCommand,
// GIT_SSH_COMMAND, core.pager, ...) are returned for the normaliser to analyse.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "countersign/guard/shell.h"

namespace cs::guard {

struct GitCommand {
  std::vector<shell::Word> words;  // git, its global options, the subcommand and its arguments
  struct Script {
    std::string via;  // "git alias x", "core.sshCommand"
    shell::Word text;
  };
  std::vector<Script> scripts;  // shell command lines git runs
  std::string dynamic;          // why the command cannot be known statically, or empty
  bool shell_alias = false;     // the subcommand is a `!` alias: `words` is not a git command
};

GitCommand read_git(const std::vector<shell::Word>& words,
                    const std::vector<std::pair<std::string, std::string>>& command_env,
                    const std::map<std::string, std::string>& env);

}  // namespace cs::guard
