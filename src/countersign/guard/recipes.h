// Private to guard: the command lines a task runner would run for a target, read from the
// project's own file at hook time, as the runner reads it: Makefile recipes (with their
// prerequisites and simple variables), package.json scripts (with pre/post scripts), justfile
// recipes (with parameters and dependencies) and Taskfile.yml tasks. Only read when such a
// command appears; files are bounded in size.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace cs::guard {

struct Recipe {
  enum class Status { absent, unreadable, found };
  Status status = Status::absent;  // absent: no such file or target, the runner runs nothing
  std::string file;                // the file read
  std::vector<std::string> lines;  // shell command lines, in order
};

// make [-C dir] [-f file] [VAR=value ...] [target ...]
Recipe make_recipe(const std::string& dir, const std::string& makefile, const std::vector<std::string>& targets,
                   const std::vector<std::pair<std::string, std::string>>& overrides);

// npm run / yarn / pnpm / bun run: `script` with its arguments appended.
Recipe package_script(const std::string& dir, const std::string& script, const std::vector<std::string>& args);

// just [recipe [args...]]
Recipe just_recipe(const std::string& dir, const std::string& justfile, const std::vector<std::string>& words);

// task [name ...] (go-task)
Recipe task_recipe(const std::string& dir, const std::string& taskfile, const std::vector<std::string>& names);

}  // namespace cs::guard
