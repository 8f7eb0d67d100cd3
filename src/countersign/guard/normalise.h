// Private to guard: turns the parser's commands into the simple commands that would really
// run. Wrappers (sudo, env, timeout, xargs, find -exec ...) are unwrapped, and scripts handed to
// another interpreter (sh -c, eval, ssh host '...', kubectl exec -- sh -c, heredocs fed to a
// shell, psql -c, git -c alias.x='!...') are parsed in turn, up to a bounded depth.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "countersign/guard/guard.h"
#include "countersign/guard/shell.h"

namespace cs::guard {

// A simple command with what matching needs beyond its argv.
struct Unit {
  std::vector<shell::Word> words;
  std::vector<std::pair<std::string, std::string>> env;  // VAR=value given to this command only
  bool executed = true;
  bool dynamic = false;
  int depth = 0;
  std::string via;
  std::string sql;
  std::string note;
  std::string host;  // the remote host (ssh) or container whose environment it runs in, if any
  int parent = -1;   // kubectl exec: index of the kubectl command whose cluster it runs in
  std::vector<std::string> output_files;
};

struct Analysis {
  std::vector<Unit> units;
  std::vector<std::string> errors;  // parse errors: the input is malformed
};

struct AnalyseOptions {
  const std::map<std::string, std::string>* env = nullptr;  // the agent's environment
  std::string cwd;
  int max_depth = 6;
};

Analysis analyse(std::string_view script, const AnalyseOptions& options);

// Analysis of an argv given directly (no shell): used for AWS API calls.
Analysis analyse_argv(const std::vector<std::string>& argv, const AnalyseOptions& options);

std::string_view basename(std::string_view path);
std::string join_words(const std::vector<shell::Word>& words);

}  // namespace cs::guard
