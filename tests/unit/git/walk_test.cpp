// The revision walk against `git rev-list`: the same commits in the same order for plain and
// limited ranges, over merges, clock skew and equal timestamps, with loose and packed objects.
#include <gtest/gtest.h>

#include <sstream>

#include "countersign/git/git.h"
#include "support/test_support.h"

namespace cs::git {
namespace {

// Commits the index with both dates at `epoch` and returns the id.
std::string commit_at(test::GitRepo& repo, const std::string& message, long epoch) {
  std::string date = std::to_string(1600000000 + epoch) + " +0000";
  std::string env = "GIT_AUTHOR_DATE='" + date + "' GIT_COMMITTER_DATE='" + date + "' ";
  auto r = test::sh(env + "git commit -q --allow-empty -m " + test::quote(message) + " && git rev-parse HEAD", repo.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out.substr(0, 40);
}

std::string merge_at(test::GitRepo& repo, const std::string& branch, long epoch) {
  std::string date = std::to_string(1600000000 + epoch) + " +0000";
  std::string env = "GIT_AUTHOR_DATE='" + date + "' GIT_COMMITTER_DATE='" + date + "' ";
  auto r = test::sh(env + "git merge -q --no-ff -m 'merge " + branch + "' " + branch + " && git rev-parse HEAD", repo.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out.substr(0, 40);
}

// A history with a merged branch whose commits are dated before the main line's (clock skew),
// commits with equal timestamps, an unmerged branch, and a branch far in the past.
struct History {
  test::GitRepo repo;
  std::string c1, c2, c3, f1, f2, m, c5;
  History() {
    c1 = commit_at(repo, "c1", 1000);
    c2 = commit_at(repo, "c2", 2000);
    repo.git("branch feature");
    c3 = commit_at(repo, "c3", 3000);
    commit_at(repo, "c4", 3000);  // same second as c3
    repo.git("checkout -q feature");
    f1 = commit_at(repo, "f1", 1500);  // older than its parent: a skewed clock
    f2 = commit_at(repo, "f2", 2500);
    repo.git("checkout -q -b unmerged");
    commit_at(repo, "u1", 5000);
    repo.git("checkout -q main");
    m = merge_at(repo, "feature", 4000);
    c5 = commit_at(repo, "c5", 4000);
    repo.git("checkout -q -b ancient " + c1);
    commit_at(repo, "a1", 10);
    repo.git("checkout -q main");
  }
};

std::vector<std::string> ours(const Repository& r, const std::string& range) {
  std::vector<std::string> out;
  auto ids = r.commits_in(range);
  if (!ids) return {"error: " + ids.error().message};
  for (const auto& id : *ids) out.push_back(id.hex());
  return out;
}

std::vector<std::string> rev_list(test::GitRepo& repo, const std::string& args) {
  std::vector<std::string> out;
  std::istringstream in(repo.git("rev-list " + args));
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

void expect_like_rev_list(History& h) {
  auto r = Repository::open(h.repo.path().string());
  ASSERT_TRUE(r);
  const std::vector<std::string> ranges = {
      "main", "feature", "unmerged", "ancient", h.c2 + "..main", "feature..main", "main..feature", "main..unmerged",
      "unmerged..main", "main...unmerged", "ancient..main", "main..ancient", h.f1 + ".." + h.c5, h.c5 + ".." + h.c5,
      h.m + "^2..main"};
  for (const auto& range : ranges) EXPECT_EQ(ours(*r, range), rev_list(h.repo, range)) << range;
  // The default range is HEAD's commits not on its upstream; without one, all of HEAD.
  EXPECT_EQ(ours(*r, ""), rev_list(h.repo, "HEAD"));
}

// A commit made with plumbing: these parents, both dates at `epoch` (seconds after 1600000000).
std::string commit_tree(test::GitRepo& repo, const std::vector<std::string>& parents, long epoch, const std::string& msg) {
  std::string date = std::to_string(1600000000 + epoch) + " +0000";
  std::string cmd = "GIT_AUTHOR_DATE='" + date + "' GIT_COMMITTER_DATE='" + date + "' git commit-tree " +
                    "4b825dc642cb6eb9a060e54bf8d69288fbee4904 -m " + test::quote(msg);
  for (const auto& p : parents) cmd += " -p " + p;
  auto r = test::sh(cmd, repo.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out.substr(0, 40);
}

// Clock skew across a hidden side: A's parent p is older than q, which p descends from and B
// reaches. git marks q uninteresting when it processes A (p's parents are marked at once), so
// A..B is B alone; a walk that marks only direct parents lists q too.
TEST(Walk, UninterestingMarksReachAncestorsNotYetQueued) {
  test::GitRepo repo;
  repo.git("hash-object -t tree -w /dev/null");
  std::string q = commit_tree(repo, {}, 100, "q");
  std::string p = commit_tree(repo, {q}, 50, "p");
  std::string chain;
  for (int i = 6; i >= 1; --i) chain = commit_tree(repo, chain.empty() ? std::vector<std::string>{} : std::vector{chain}, 84 + i, "a" + std::to_string(i));
  std::string a = commit_tree(repo, {chain, p}, 300, "A");
  std::string b = commit_tree(repo, {q}, 200, "B");
  repo.git("update-ref refs/heads/a " + a);
  repo.git("update-ref refs/heads/b " + b);
  auto r = Repository::open(repo.path().string());
  ASSERT_TRUE(r);
  for (const std::string range : {"a..b", "b..a", "a...b"}) EXPECT_EQ(ours(*r, range), rev_list(repo, range)) << range;
  EXPECT_EQ(ours(*r, "a..b"), std::vector<std::string>{b});
}

TEST(Walk, LooseObjectsWalkLikeRevList) {
  History h;
  expect_like_rev_list(h);
}

TEST(Walk, PackedObjectsWalkLikeRevList) {
  History h;
  h.repo.git("repack -adq");
  expect_like_rev_list(h);
}

// <rev>^! is the commit alone (approve checks exactly its target): a merge without either side,
// a root commit, and a name as well as an id.
TEST(Walk, CaretBangIsTheCommitAlone) {
  History h;
  auto r = Repository::open(h.repo.path().string());
  ASSERT_TRUE(r);
  for (const auto& range : {h.m + "^!", h.c1 + "^!", h.f2 + "^!", std::string("main^!")})
    EXPECT_EQ(ours(*r, range), rev_list(h.repo, range)) << range;
  EXPECT_EQ(ours(*r, h.m + "^!"), std::vector<std::string>{h.m});
  EXPECT_EQ(ours(*r, "nope^!").front().rfind("error: ", 0), 0u);
}

TEST(Walk, RawCommitsCarryTheStoredBytes) {
  History h;
  h.repo.git("repack -adq");
  auto r = Repository::open(h.repo.path().string());
  ASSERT_TRUE(r);
  size_t n = 0;
  auto walked = r->walk_raw("main", [&](RawCommit&& c) {
    EXPECT_EQ(c.bytes, h.repo.git("cat-file commit " + c.id.hex()));
    // The walk hands on the first parent's tree, which changed_paths would otherwise read.
    EXPECT_TRUE(c.first_parent_tree);
    if (c.first_parent_tree) {
      EXPECT_EQ(c.first_parent_tree->hex() + "\n", h.repo.git("rev-parse " + c.id.hex() + "^1^{tree}"));
    }
    auto parsed = r->parse(c);
    EXPECT_TRUE(parsed);
    if (parsed) {
      EXPECT_EQ(parsed->id, c.id);
    }
    return ++n < 3;  // stopping early is honoured
  });
  ASSERT_TRUE(walked);
  EXPECT_EQ(n, 3u);
}

TEST(Walk, MissingParentIsAnErrorNotAShortHistory) {
  History h;
  // Remove c2 (loose): walking past it must fail, not quietly end.
  std::string path = ".git/objects/" + h.c2.substr(0, 2) + "/" + h.c2.substr(2);
  ASSERT_EQ(test::sh("rm " + path, h.repo.path()).exit_code, 0);
  auto r = Repository::open(h.repo.path().string());
  ASSERT_TRUE(r);
  auto ids = r->commits_in("main");
  ASSERT_FALSE(ids);
  EXPECT_NE(ids.error().message.find(h.c2), std::string::npos) << ids.error().message;
}

}  // namespace
}  // namespace cs::git
