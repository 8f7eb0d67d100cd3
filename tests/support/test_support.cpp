#include "support/test_support.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace cs::test {
namespace fs = std::filesystem;

std::string quote(const std::string& word) {
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

RunResult sh(const std::string& command, const fs::path& cwd, const std::string& input) {
  TempDir tmp;
  auto in_path = tmp.path() / "stdin", out_path = tmp.path() / "stdout", err_path = tmp.path() / "stderr";
  {
    std::ofstream in(in_path, std::ios::binary);
    in << input;
  }
  std::string full;
  if (!cwd.empty()) full += "cd " + quote(cwd.string()) + " && ";
  full += "( " + command + " ) <" + quote(in_path.string()) + " >" + quote(out_path.string()) + " 2>" + quote(err_path.string());
  int status = std::system(full.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  return r;
}

RunResult countersign(const std::vector<std::string>& args, const fs::path& cwd, const std::string& input) {
  std::string cmd = quote(CS_BINARY);
  for (const auto& a : args) cmd += " " + quote(a);
  return sh(cmd, cwd, input);
}

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "cs-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) ADD_FAILURE() << "mkdtemp failed";
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

GitRepo::GitRepo() {
  git("init -q -b main");
  git("config user.name 'Test Committer'");
  git("config user.email committer@example.com");
  git("config commit.gpgsign false");
}

std::string GitRepo::git(const std::string& args) {
  ++tick_;
  std::string date = std::to_string(1700000000 + tick_ * 60) + " +0000";
  std::string env = "GIT_AUTHOR_DATE=" + quote(date) + " GIT_COMMITTER_DATE=" + quote(date) +
                    " GIT_CONFIG_NOSYSTEM=1 HOME=" + quote(path().string()) + " ";
  auto r = sh(env + "git " + args, path());
  if (r.exit_code != 0) ADD_FAILURE() << "git " << args << " failed: " << r.err;
  return r.out;
}

void GitRepo::write(const std::string& relpath, const std::string& contents) {
  auto p = path() / relpath;
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << contents;
}

std::string GitRepo::commit(const std::string& message, const std::string& author_name, const std::string& author_email) {
  git("add -A");
  auto msg_path = path() / ".git" / "CS_TEST_MSG";
  {
    std::ofstream m(msg_path, std::ios::binary);
    m << message;
  }
  git("commit -q --allow-empty --cleanup=verbatim -F " + quote(msg_path.string()) + " --author " +
      quote(author_name + " <" + author_email + ">"));
  auto id = git("rev-parse HEAD");
  while (!id.empty() && (id.back() == '\n' || id.back() == '\r')) id.pop_back();
  return id;
}

fs::path source_dir() { return CS_SOURCE_DIR; }
fs::path shared_dir() { return CS_SHARED_DIR; }

}  // namespace cs::test
