// The guard's light reader (git/light_trust.h) against the gate's rule (gate::choose_trust_root
// with nothing given) on every repository shape of the trust-root tests and on unusual and damaged
// ones: wherever the light reader answers, it answers what the gate does (the same revision and the
// same files, or no trusted revision); where it cannot tell, it says undecided and the guard asks
// libgit2. The shapes a clone normally has must be decided by the light reader, or the guard pays
// libgit2's start-up on every command again.
#include "countersign/git/light_trust.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "countersign/gate/gate.h"
#include "countersign/git/git.h"
#include "countersign/policy/policy.h"
#include "support/test_support.h"
#include "support/trust_remote.h"

namespace cs::test {
namespace {

using Outcome = git::LightRoot::Outcome;

const char* name_of(Outcome o) {
  switch (o) {
    case Outcome::found:
      return "found";
    case Outcome::none:
      return "none";
    case Outcome::undecided:
      return "undecided";
  }
  return "?";
}

// Compares the two readers on the repository at `work`; returns what the light reader answered.
Outcome agree(const std::filesystem::path& work, const std::string& shape) {
  SCOPED_TRACE(shape);
  std::string why;
  auto light = git::LightRepository::open(work.string(), why);
  auto repo = git::Repository::open(work.string());
  if (!light) return Outcome::undecided;
  git::LightRoot root = light->trust_root();
  if (root.outcome == Outcome::undecided) return root.outcome;
  EXPECT_TRUE(repo) << shape;
  if (!repo) return Outcome::undecided;
  auto gate_root = gate::choose_trust_root(*repo, gate::TrustQuery{});
  if (root.outcome == Outcome::none) {
    EXPECT_FALSE(gate_root && gate_root->commit)
        << shape << ": the light reader found no trusted revision (" << root.why << "), the gate trusts "
        << (gate_root ? gate_root->ref : "");
    return root.outcome;
  }
  EXPECT_TRUE(gate_root && gate_root->commit) << shape << ": the light reader trusts " << root.ref << ", the gate says "
                                              << (gate_root ? "no commit" : gate_root.error().message);
  if (!gate_root || !gate_root->commit) return root.outcome;
  EXPECT_EQ(root.ref, gate_root->ref) << shape;
  EXPECT_EQ(root.commit.hex(), gate_root->commit->hex()) << shape;
  for (std::string_view path : {policy::kPolicyFile, policy::kPeopleFile, std::string_view(".countersign/guard.yaml"),
                                std::string_view("app.py"), std::string_view(".countersign"),
                                std::string_view("absent/file"), std::string_view("app.py/x")}) {
    auto mine = light->file_at(root.commit, path);
    auto theirs = repo->file_at(*gate_root->commit, path);
    // Every object of these repositories is readable: the light reader must decide each path.
    EXPECT_TRUE(mine) << shape << " " << path;
    EXPECT_TRUE(theirs) << shape << " " << path;
    if (mine && theirs) {
      EXPECT_EQ(*mine, *theirs) << shape << " " << path;
    }
  }
  return root.outcome;
}

void expect_outcome(const std::filesystem::path& work, const std::string& shape, Outcome want) {
  Outcome got = agree(work, shape);
  EXPECT_EQ(name_of(got), std::string(name_of(want))) << shape;
}

// The shapes of trust_root_test.cpp, one after another on the same clone.
TEST(LightTrust, AgreesWithTheGateOnTheTrustRootShapes) {
  Remote t("version: 1\nbranches:\n  protected: [main, release/*]\nrules: []\n");
  expect_outcome(t.work, "a fresh clone on feature", Outcome::found);
  t.promote_and_change();
  expect_outcome(t.work, "commits on feature", Outcome::found);
  t.git("push -q -u origin feature");
  expect_outcome(t.work, "feature pushed with an upstream", Outcome::found);
  t.git("push -q origin " + t.base + ":refs/heads/release/1");
  t.git("fetch -q");
  expect_outcome(t.work, "a protected release branch", Outcome::found);
  t.git("push -q origin feature:main");
  t.git("fetch -q");
  expect_outcome(t.work, "origin/main moved to feature", Outcome::found);
  std::string head = t.git("rev-parse HEAD");
  t.git("tag origin/main " + head);
  expect_outcome(t.work, "a tag named origin/main", Outcome::found);
  t.git("tag -d origin/main");
  t.git("branch production " + t.base);
  t.git("tag production " + head);
  t.git("branch origin/main " + head);
  t.git("branch " + head.substr(0, 7) + " " + head);
  t.git("update-ref refs/tags/HEAD " + head);
  expect_outcome(t.work, "ambiguous names (branch origin/main, tag production, refs/tags/HEAD, a hex branch)",
                 Outcome::found);
  t.git("checkout -q main");
  expect_outcome(t.work, "on main", Outcome::found);
  t.git("checkout -q --detach HEAD");
  expect_outcome(t.work, "detached HEAD", Outcome::found);
  t.git("checkout -q feature");
  t.git("pack-refs --all");
  expect_outcome(t.work, "every ref packed", Outcome::found);
  t.git("gc -q");
  expect_outcome(t.work, "objects packed by gc", Outcome::found);
  t.git("remote set-head origin -d");
  expect_outcome(t.work, "the default branch not recorded", Outcome::none);
  t.git("push -q origin feature:refs/heads/master");  // a branch named like a default one
  t.git("fetch -q");
  expect_outcome(t.work, "not recorded, a master pushed", Outcome::none);
  t.git("remote set-head origin main");
  expect_outcome(t.work, "recorded again", Outcome::found);
}

TEST(LightTrust, AgreesOnShallowSingleBranchAndWorktreeClones) {
  Remote t;
  t.promote_and_change();
  t.git("push -q -u origin feature");
  auto single = t.dir.path() / "single";
  t.clone(single, "--depth 1 --single-branch --branch feature");
  agree(single, "a shallow single-branch clone of feature");
  auto shallow = t.dir.path() / "shallow";
  t.clone(shallow, "--depth 1 --no-single-branch --branch feature");
  expect_outcome(shallow, "a shallow clone", Outcome::found);
  auto tree = t.dir.path() / "linked";
  t.git("worktree add -q -b other " + quote(tree.string()));
  expect_outcome(tree, "a linked worktree (.git file, commondir)", Outcome::found);
  t.git("config branch.other.remote nowhere");
  expect_outcome(tree, "a branch whose remote does not exist", Outcome::found);
}

TEST(LightTrust, AgreesWithoutARemote) {
  GitRepo g;
  g.write(".countersign/policy.yaml", "version: 1\nrules: []\n");
  expect_outcome(g.path(), "no commits at all", Outcome::none);
  g.commit("first");
  expect_outcome(g.path(), "a local main", Outcome::found);
  g.git("branch -m main trunk");
  expect_outcome(g.path(), "neither main nor master", Outcome::none);
  g.git("config init.defaultBranch trunk");
  expect_outcome(g.path(), "init.defaultBranch", Outcome::found);
  g.git("config --unset init.defaultBranch");
  g.git("branch master");
  expect_outcome(g.path(), "a local master", Outcome::found);
  g.git("remote add upstream /nonexistent");
  expect_outcome(g.path(), "one remote, not origin, nothing fetched", Outcome::none);
  g.git("remote add other /elsewhere");
  expect_outcome(g.path(), "two remotes, neither origin: no remote, the local master", Outcome::found);
}

// Unusual and damaged repositories: the light reader leaves each to libgit2 (or agrees).
TEST(LightTrust, LeavesUnusualRepositoriesToLibgit2) {
  Remote t;
  t.promote_and_change();
  auto refs = t.work / ".git" / "refs" / "remotes" / "origin";
  std::string main_id = t.git("rev-parse refs/remotes/origin/main");

  t.git("config include.path extra.config");
  expect_outcome(t.work, "an include in the configuration", Outcome::undecided);
  t.git("config --unset include.path");
  t.git("config remote.origin.pushurl \"a\\\\b\"");
  expect_outcome(t.work, "an escape in the configuration", Outcome::undecided);
  t.git("config --unset remote.origin.pushurl");
  expect_outcome(t.work, "back to plain", Outcome::found);

  // A symbolic ref where the branch should be.
  t.git("symbolic-ref refs/remotes/origin/main refs/remotes/origin/feature-x");
  expect_outcome(t.work, "origin/main is symbolic", Outcome::undecided);
  t.git("update-ref --no-deref refs/remotes/origin/main " + main_id);

  // An annotated tag where a commit should be.
  t.git("tag -a -m signed v1 " + main_id);
  t.git("update-ref refs/remotes/origin/main " + t.git("rev-parse v1"));
  expect_outcome(t.work, "origin/main names an annotated tag", Outcome::undecided);
  t.git("update-ref refs/remotes/origin/main " + main_id);

  // A damaged loose ref and a ref to a commit that is not there.
  t.git("pack-refs --all");
  sh("mkdir -p " + quote(refs.string()) + " && printf 'not an id\\n' > " + quote((refs / "main").string()));
  expect_outcome(t.work, "a damaged loose ref", Outcome::undecided);
  sh("printf '%s\\n' 1234567890123456789012345678901234567890 > " + quote((refs / "main").string()));
  expect_outcome(t.work, "a ref to a missing commit", Outcome::undecided);
  sh("printf '%s\\n' " + main_id + " > " + quote((refs / "main").string()));
  expect_outcome(t.work, "repaired", Outcome::found);

  // Alternates, a newer repository format, an extension.
  sh("mkdir -p .git/objects/info && echo /nonexistent > .git/objects/info/alternates", t.work);
  expect_outcome(t.work, "alternates", Outcome::undecided);
  sh("rm .git/objects/info/alternates", t.work);
  t.git("config extensions.worktreeConfig true");
  expect_outcome(t.work, "an extension", Outcome::undecided);
  t.git("config --unset extensions.worktreeConfig");
  expect_outcome(t.work, "plain again", Outcome::found);
}

}  // namespace
}  // namespace cs::test
