#include "countersign/git/git.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace cs::git {

TEST(Git, RangeWalkAndChangedPaths) {
  test::GitRepo repo;
  repo.write("a.txt", "one\n");
  auto c1 = repo.commit("first");
  repo.write("dir/b.txt", "two\n");
  repo.write("a.txt", "one\nmore\n");
  auto c2 = repo.commit("second");

  auto r = Repository::open(repo.path().string());
  ASSERT_TRUE(r) << r.error().describe();
  auto all = r->commits_in("main");
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].hex(), c2);

  auto range = r->commits_in(c1 + ".." + c2);
  ASSERT_TRUE(range);
  ASSERT_EQ(range->size(), 1u);

  auto commit = r->commit((*range)[0]);
  ASSERT_TRUE(commit);
  EXPECT_EQ(commit->author.email, "alice@example.com");
  auto paths = r->changed_paths(*commit);
  ASSERT_TRUE(paths);
  ASSERT_EQ(paths->size(), 2u);
  EXPECT_EQ((*paths)[0].path, "a.txt");
  EXPECT_EQ((*paths)[1].path, "dir/b.txt");
  EXPECT_EQ((*paths)[1].kind, ChangeKind::added);

  auto diff = r->diff(*commit);
  ASSERT_TRUE(diff);
  ASSERT_EQ(diff->size(), 2u);
  EXPECT_EQ((*diff)[1].old_path, "/dev/null");
  ASSERT_EQ((*diff)[0].hunks.size(), 1u);
  EXPECT_EQ((*diff)[0].hunks[0].lines.back().origin, '+');
  EXPECT_EQ((*diff)[0].hunks[0].lines.back().content, "more\n");
}

TEST(Git, UnknownRevisionIsNotFound) {
  test::GitRepo repo;
  repo.write("a", "x");
  repo.commit("c");
  auto r = Repository::open(repo.path().string());
  ASSERT_TRUE(r);
  auto range = r->commits_in("nope..main");
  ASSERT_FALSE(range);
  EXPECT_EQ(range.error().code, Errc::not_found);
}

TEST(Git, EmptyRepositoryIsAClearError) {
  test::GitRepo repo;
  auto r = Repository::open(repo.path().string());
  ASSERT_TRUE(r);
  auto range = r->commits_in("");
  ASSERT_FALSE(range);
  EXPECT_NE(range.error().message.find("no commits"), std::string::npos) << range.error().message;
}

TEST(Git, ShallowCloneWalkStopsAtTheBoundary) {
  test::GitRepo origin;
  for (int i = 0; i < 4; ++i) {
    origin.write("f", std::to_string(i));
    origin.commit("c" + std::to_string(i));
  }
  test::TempDir dir;
  auto clone = test::sh("git clone -q --depth 2 file://" + origin.path().string() + " shallow", dir.path());
  ASSERT_EQ(clone.exit_code, 0) << clone.err;
  auto r = Repository::open((dir.path() / "shallow").string());
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->is_shallow());
  auto all = r->commits_in("HEAD");
  ASSERT_TRUE(all) << all.error().describe();
  EXPECT_EQ(all->size(), 2u);
}

}  // namespace cs::git

namespace cs::git {

// Git orders a directory "a" after a file "a.b" ('/' sorts after '.'); comparing names with
// strcmp instead made the lockstep walk report both as added and deleted.
TEST(Git, ChangedPathsFollowGitTreeOrder) {
  test::GitRepo repo;
  repo.write("a.b", "file\n");
  repo.write("a/x", "in dir\n");
  repo.write("a-c", "dash\n");
  repo.commit("first");
  repo.write("a/x", "changed\n");
  repo.git("rm -q a.b");
  auto second = repo.commit("second");

  auto r = Repository::open(repo.path().string());
  ASSERT_TRUE(r);
  auto id = ObjectId::from_hex(second);
  ASSERT_TRUE(id);
  auto c = r->commit(*id);
  ASSERT_TRUE(c);
  auto paths = r->changed_paths(*c);
  ASSERT_TRUE(paths);
  ASSERT_EQ(paths->size(), 2u);
  EXPECT_EQ((*paths)[0].path, "a.b");
  EXPECT_EQ((*paths)[0].kind, ChangeKind::deleted);
  EXPECT_EQ((*paths)[1].path, "a/x");
  EXPECT_EQ((*paths)[1].kind, ChangeKind::modified);
}

}  // namespace cs::git
