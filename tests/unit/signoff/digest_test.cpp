#include <gtest/gtest.h>

#include "countersign/signoff/signoff.h"
#include "support/test_support.h"

namespace cs::signoff {
namespace {

std::string trim_nl(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

struct Opened {
  git::Repository repo;
  git::Commit commit;
};

Opened open_at(test::GitRepo& g, const std::string& rev) {
  auto repo = git::Repository::open(g.path().string());
  EXPECT_TRUE(repo);
  auto id = repo->resolve(rev);
  EXPECT_TRUE(id) << rev;
  auto c = repo->commit(*id);
  EXPECT_TRUE(c);
  return {std::move(*repo), std::move(*c)};
}

std::string text_of(test::GitRepo& g, const std::string& rev) {
  auto o = open_at(g, rev);
  auto t = commit_canonical_change(o.repo, o.commit);
  EXPECT_TRUE(t) << t.error().describe();
  return t && *t ? **t : std::string("<none>");
}

ChangeDigest digest_at(test::GitRepo& g, const std::string& rev) {
  auto o = open_at(g, rev);
  auto d = commit_digest(o.repo, o.commit);
  EXPECT_TRUE(d && *d);
  return d && *d ? **d : ChangeDigest{};
}

TEST(ChangeDigest, CanonicalTextIsExactlyTheSpecifiedLayout) {
  test::GitRepo g;
  g.write("b.txt", "1\n2\n3\n4\n5\n6\n7\n8\n9\n");
  g.write("gone.txt", "bye");
  g.commit("base");
  g.write("b.txt", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n");
  g.write("a.txt", "new\nno newline");
  g.write("bin.dat", std::string("\x00\x01\x02", 3));
  std::filesystem::remove(g.path() / "gone.txt");
  g.commit("change");
  std::string expected =
      "countersign-change-v1\n"
      "file /dev/null a.txt\nmode 0 100644\n@@\n+new\n+no newline\n\\ No newline at end of file\n"
      "file b.txt b.txt\nmode 100644 100644\n@@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
      "file /dev/null bin.dat\nmode 0 100644\n"
      "binary 0 ae4b3280e56e2faf83f414a6e3dabe9d5fbe18976544c05fed121accb85b53fc\n"
      "file gone.txt /dev/null\nmode 100644 0\n@@\n-bye\n\\ No newline at end of file\n";
  EXPECT_EQ(text_of(g, "HEAD"), expected);
  EXPECT_EQ(digest_at(g, "HEAD").hex(), ChangeDigest::of(expected).hex());
  // Given the changed paths the gate already holds, the digest is the same.
  auto o = open_at(g, "HEAD");
  auto paths = o.repo.changed_paths(o.commit);
  ASSERT_TRUE(paths);
  auto d = commit_digest(o.repo, o.commit, *paths);
  ASSERT_TRUE(d && *d);
  EXPECT_EQ((*d)->hex(), ChangeDigest::of(expected).hex());
}

TEST(ChangeDigest, ModeChangeAndEmptyFile) {
  test::GitRepo g;
  g.write("run.sh", "echo hi\n");
  g.commit("base");
  std::filesystem::permissions(g.path() / "run.sh", std::filesystem::perms::owner_exec, std::filesystem::perm_options::add);
  g.commit("chmod");
  EXPECT_EQ(text_of(g, "HEAD"), "countersign-change-v1\nfile run.sh run.sh\nmode 100644 100755\n");
  g.write("empty", "");
  g.commit("empty file");
  EXPECT_EQ(text_of(g, "HEAD"), "countersign-change-v1\nfile /dev/null empty\nmode 0 100644\n");
}

TEST(ChangeDigest, CleanRebaseKeepsItAndContentChangesVoidIt) {
  test::GitRepo g;
  std::string lines;
  for (int i = 0; i < 40; ++i) lines += "line " + std::to_string(i) + "\n";
  g.write("f.py", lines);
  g.write("other.txt", "x\n");
  g.commit("base");
  g.git("checkout -q -b feature");
  std::string edited = lines;
  edited.replace(edited.find("line 30\n"), 8, "line thirty\n");
  g.write("f.py", edited);
  g.commit("feature edit");
  auto before = digest_at(g, "feature");
  auto before_id = trim_nl(g.git("rev-parse feature"));

  // main moves: another file and a distant part of the same file.
  g.git("checkout -q main");
  std::string upstream = lines;
  upstream.replace(upstream.find("line 2\n"), 7, "line two\n");
  g.write("f.py", upstream);
  g.write("other.txt", "y\n");
  g.commit("upstream");
  g.git("checkout -q feature");
  g.git("rebase -q main");
  EXPECT_NE(trim_nl(g.git("rev-parse feature")), before_id);
  EXPECT_EQ(digest_at(g, "feature").hex(), before.hex());

  // Amending with only a whitespace change voids it.
  std::string ws = edited;
  ws.replace(ws.find("line 31\n"), 8, "line 31 \n");
  std::string rebased = upstream;
  rebased.replace(rebased.find("line 30\n"), 8, "line thirty\n");
  rebased.replace(rebased.find("line 31\n"), 8, "line 31 \n");
  g.write("f.py", rebased);
  g.git("commit -q -a --amend --no-edit");
  EXPECT_NE(digest_at(g, "feature").hex(), before.hex());
}

TEST(ChangeDigest, ContextChangeNearTheHunkVoidsIt) {
  test::GitRepo g;
  g.write("f.txt", "a\nb\nc\nd\ne\nf\ng\n");
  g.commit("base");
  g.git("checkout -q -b feature");
  g.write("f.txt", "a\nb\nc\nD\ne\nf\ng\n");
  g.commit("edit d");
  auto before = digest_at(g, "feature");
  g.git("checkout -q main");
  g.write("f.txt", "a\nB\nc\nd\ne\nf\ng\n");  // within 3 lines of the edit
  g.commit("edit b");
  g.git("checkout -q feature");
  g.git("rebase -q main");
  EXPECT_NE(digest_at(g, "feature").hex(), before.hex());
}

TEST(ChangeDigest, MergeCommitOnlyCountsWhatTheMergerChanged) {
  test::GitRepo g;
  g.write("a.txt", "a\n");
  g.write("b.txt", "b\n");
  g.commit("base");
  g.git("checkout -q -b side");
  g.write("b.txt", "b2\n");
  g.commit("side");
  g.git("checkout -q main");
  g.write("a.txt", "a2\n");
  g.commit("main");
  g.git("merge -q --no-edit side");
  EXPECT_EQ(text_of(g, "HEAD"), "<none>");  // clean automatic merge: nothing of its own

  g.git("reset -q --hard HEAD~1");
  g.git("merge -q --no-commit side");
  g.write("c.txt", "sneaked in\n");
  g.git("add c.txt");
  g.git("commit -q --no-edit");
  EXPECT_EQ(text_of(g, "HEAD"), "countersign-change-v1\nfile /dev/null c.txt\nmode 0 100644\n@@\n+sneaked in\n");
}

TEST(ChangeDigest, RangeListsItsMembers) {
  test::GitRepo g;
  g.write("a", "1\n");
  auto base = g.commit("base");
  g.write("a", "2\n");
  g.commit("one");
  g.write("b", "3\n");
  g.commit("two");
  auto repo = git::Repository::open(g.path().string());
  ASSERT_TRUE(repo);
  auto r = range_change(*repo, base + "..HEAD");
  ASSERT_TRUE(r) << r.error().describe();
  ASSERT_EQ(r->members.size(), 2u);
  EXPECT_EQ(r->members[0].digest.hex(), digest_at(g, "HEAD~1").hex());
  EXPECT_EQ(r->members[1].digest.hex(), digest_at(g, "HEAD").hex());
  EXPECT_EQ(r->digest.hex(), ChangeDigest::of("countersign-change-v1\nfile a a\nmode 100644 100644\n@@\n-1\n+2\n"
                                              "file /dev/null b\nmode 0 100644\n@@\n+3\n")
                                 .hex());
}

TEST(RepositoryId, NormalisesOriginUrls) {
  EXPECT_EQ(normalise_remote_url("git@github.com:Org/Repo.git"), "github.com/Org/Repo");
  EXPECT_EQ(normalise_remote_url("https://user:pw@GitHub.com/Org/Repo/"), "github.com/Org/Repo");
  EXPECT_EQ(normalise_remote_url("ssh://git@github.com:22/Org/Repo.git"), "github.com/Org/Repo");
  EXPECT_EQ(normalise_remote_url("https://gitlab.example.com//group/sub/proj.git"), "gitlab.example.com/group/sub/proj");
  EXPECT_EQ(normalise_remote_url("/srv/git/proj.git/"), "/srv/git/proj");
  EXPECT_EQ(normalise_remote_url("file:///srv/git/proj.git"), "/srv/git/proj");
}

TEST(RepositoryId, ConfiguredNameWinsOverOrigin) {
  test::GitRepo g;
  g.write("a", "1\n");
  g.commit("c");
  auto repo = git::Repository::open(g.path().string());
  ASSERT_TRUE(repo);
  EXPECT_FALSE(repository_id(*repo));
  g.git("remote add origin git@example.com:team/app.git");
  auto r1 = git::Repository::open(g.path().string());
  EXPECT_EQ(repository_id(*r1).value_or(""), "example.com/team/app");
  g.git("config countersign.repo payments");
  auto r2 = git::Repository::open(g.path().string());
  EXPECT_EQ(repository_id(*r2).value_or(""), "payments");
}

}  // namespace
}  // namespace cs::signoff
