// A bare origin.git whose main holds the trusted .countersign/ (carol is the only senior), and a
// clone of it in which dev works on `feature`: the repository shapes the trust-root tests
// (integration/trust_root_test.cpp) and the guard's light reader's differential test share.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/ssh_keys.h"
#include "support/test_support.h"

namespace cs::test {

inline constexpr const char* kAi = "\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n";

inline std::string person(const std::string& id, const std::string& roles, const std::string& key) {
  return "  - id: " + id + "\n    name: " + id + "\n    emails: [" + id + "@example.com]\n    roles: [" + roles +
         "]\n    keys: [\"" + key + "\"]\n";
}

// origin.git (bare) whose main holds the trusted .countersign/ (carol is the only senior), and a
// clone of it in which dev works on `feature`.
struct Remote {
  TempDir dir;
  TempDir keys;
  std::filesystem::path carol, dev;
  std::filesystem::path bare, work;
  std::string base;

  explicit Remote(const std::string& policy = "") {
    carol = make_ssh_key(keys.path(), "carol", {"ed25519"});
    dev = make_ssh_key(keys.path(), "dev", {"ed25519"});
    bare = dir.path() / "origin.git";
    work = dir.path() / "work";
    sh("git init -q --bare -b main " + quote(bare.string()));
    GitRepo seed;
    seed.write(".countersign/people.yaml", "people:\n" + person("carol", "senior, policy-admin", pub(carol)) +
                                               person("dev", "developer", pub(dev)));
    if (!policy.empty()) seed.write(".countersign/policy.yaml", policy);
    seed.write("app.py", "def cost(x):\n    return x * 2\n");
    base = seed.commit("trusted base", "Carol", "carol@example.com");
    seed.git("push -q " + quote(bare.string()) + " main");
    clone(work);
    git("checkout -q -b feature");
  }

  static std::string pub(const std::filesystem::path& key) { return chomp(read_file(key.string() + ".pub")); }

  void clone(const std::filesystem::path& to, const std::string& options = "") {
    auto r = sh("git clone -q " + options + " " + quote("file://" + bare.string()) + " " + quote(to.string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    sh("git config user.name Dev && git config user.email dev@example.com && git config countersign.repo acme/app", to);
  }
  std::string git(const std::string& args, const std::filesystem::path& where = {}) {
    auto r = sh("git " + args, where.empty() ? work : where);
    EXPECT_EQ(r.exit_code, 0) << "git " << args << ": " << r.err;
    return chomp(r.out);
  }
  void write(const std::string& path, const std::string& text) {
    std::filesystem::create_directories((work / path).parent_path());
    sh("cat > " + quote((work / path).string()), {}, text);
  }
  std::string commit(const std::string& message) {
    git("add -A");
    git("-c user.name='Dev Junior' -c user.email=dev@example.com commit -q -m " + quote(message));
    return git("rev-parse HEAD");
  }
  // The attack: dev makes himself senior and policy-admin in the candidate, then an AI change.
  std::string promote_and_change() {
    write(".countersign/people.yaml", "people:\n" + person("carol", "senior, policy-admin", pub(carol)) +
                                          person("dev", "senior, policy-admin", pub(dev)));
    commit(std::string("make dev a senior") + kAi);
    write("app.py", "def cost(x):\n    return 0\n");
    return commit(std::string("fix cost") + kAi);
  }
  // dev signs off his own commits (the candidate's people.yaml says he may).
  void self_approve(const std::string& target) {
    std::vector<std::string> args{"approve", target, "--key", dev.string(), "--approver", "dev@example.com"};
    args.push_back("--force");  // approve refuses what cannot count; signed anyway, it must not count
    if (countersign(args, work).exit_code != 0) {
      args.pop_back();
      auto r = countersign(args, work);
      EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    }
  }
  RunResult run(std::vector<std::string> args, const std::filesystem::path& where = {}) {
    return countersign(args, where.empty() ? work : where);
  }
};

}  // namespace cs::test
