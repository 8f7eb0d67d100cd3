// Test helpers: a temporary directory removed at the end of the test, a git repository in it
// built with the real git CLI, and a runner for the countersign binary that captures its output.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace cs::test {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `command` through /bin/sh in `cwd`, with `input` on stdin; captures stdout and stderr.
RunResult sh(const std::string& command, const std::filesystem::path& cwd = {}, const std::string& input = {});
// Quotes a word for /bin/sh.
std::string quote(const std::string& word);

// Runs the countersign binary under test with these arguments.
RunResult countersign(const std::vector<std::string>& args, const std::filesystem::path& cwd = {},
                      const std::string& input = {});

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A git repository made with the git CLI, with a fixed identity and dates so that commits are
// reproducible. Every method fails the current test (ADD_FAILURE) when git fails.
class GitRepo {
 public:
  GitRepo();  // `git init` in a fresh temporary directory, branch main
  const std::filesystem::path& path() const { return dir_.path(); }

  void write(const std::string& relpath, const std::string& contents);
  // Stages everything and commits with this message and author; returns the commit id.
  std::string commit(const std::string& message, const std::string& author_name = "Alice Doe",
                     const std::string& author_email = "alice@example.com");
  // Runs git with these arguments (already quoted for sh) in the repository; returns stdout.
  std::string git(const std::string& args);

 private:
  TempDir dir_;
  int tick_ = 0;
};

std::string read_file(const std::filesystem::path& p);
// `s` without its trailing line ends (what a command printed, a key file's one line).
inline std::string chomp(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}
std::filesystem::path source_dir();   // the repository root
std::filesystem::path shared_dir();   // ../shared beside the repository

}  // namespace cs::test
