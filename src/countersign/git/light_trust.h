// The trusted revision and a few files on it, read without libgit2. The guard runs before every
// command an agent types, and starting libgit2 (its TLS set-up loads the CA bundle) costs more than
// judging the command; the guard only needs a handful of refs, the configuration and three small
// files. This reader follows the same rule as gate::choose_trust_root given nothing, over the
// repository's own files, and declines (Outcome::undecided) anything unusual, for which the caller
// asks libgit2 through the gate instead — never the work tree.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "countersign/git/git.h"

namespace cs::git {

struct LightRoot {
  enum class Outcome {
    found,      // `ref` at `commit` is the revision choose_trust_root would trust
    none,       // choose_trust_root would find no trusted revision (no default branch recorded, ...)
    undecided,  // something this reader does not read as libgit2 would: ask libgit2
  };
  Outcome outcome = Outcome::undecided;
  std::string ref;  // "refs/remotes/origin/main"
  ObjectId commit;
  std::string why;  // for none and undecided: what was found
};

class LightRepository {
 public:
  // The repository whose work tree is `project_dir` (`project_dir`/.git, a directory or a
  // `gitdir:` file); nullptr, with why, when there is none this reader can read.
  static std::unique_ptr<LightRepository> open(const std::string& project_dir, std::string& why);
  ~LightRepository();

  // gate::choose_trust_root(repo, TrustQuery{}) up to the policy check on the default branch
  // (which the caller makes: it needs the policy loader).
  LightRoot trust_root();

  // The blob at `path` in `commit`'s tree: nullopt when it cannot be read here (ask libgit2); an
  // empty inner optional when there is no file there (as Repository::file_at).
  std::optional<std::optional<std::string>> file_at(const ObjectId& commit, std::string_view path);

  struct Impl;

 private:
  explicit LightRepository(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cs::git
