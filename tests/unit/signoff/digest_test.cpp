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

std::string text_of(test::GitRepo& g, const std::string& rev, int version = kChangeDigestVersion) {
  auto o = open_at(g, rev);
  auto t = commit_canonical_change(o.repo, o.commit, version);
  EXPECT_TRUE(t) << t.error().describe();
  return t && *t ? **t : std::string("<none>");
}

ChangeDigest digest_at(test::GitRepo& g, const std::string& rev, int version = kChangeDigestVersion) {
  auto o = open_at(g, rev);
  auto d = commit_digest(o.repo, o.commit, version);
  EXPECT_TRUE(d && *d);
  return d && *d ? **d : ChangeDigest{};
}

TEST(ChangeDigest, CanonicalTextV1IsExactlyTheSpecifiedLayout) {
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
  EXPECT_EQ(text_of(g, "HEAD", 1), expected);
  EXPECT_EQ(digest_at(g, "HEAD", 1).hex(), ChangeDigest::of(expected).hex());
  // Given the changed paths the gate already holds, both versions come from one diff.
  auto o = open_at(g, "HEAD");
  auto paths = o.repo.changed_paths(o.commit);
  ASSERT_TRUE(paths);
  auto d = commit_digests(o.repo, o.commit, *paths, true);
  ASSERT_TRUE(d && *d && (*d)->v1);
  EXPECT_EQ((*d)->v1->hex(), ChangeDigest::of(expected).hex());
  EXPECT_EQ((*d)->current.hex(), digest_at(g, "HEAD").hex());
}

// Version 2: each hunk line says how many lines lie between it and the section header above it,
// then that header line (none here: the lines above start with digits, and files start at 0).
TEST(ChangeDigest, CanonicalTextV2IsExactlyTheSpecifiedLayout) {
  test::GitRepo g;
  g.write("b.txt", "1\n2\n3\n4\n5\n6\n7\n8\n9\n");
  g.write("gone.txt", "bye");
  g.write("s.py",
          "import os\n\nclass Store:\n    def get(self):\n        a = 1\n        b = 2\n        c = 3\n"
          "        d = 4\n        return a\n");
  g.commit("base");
  g.write("b.txt", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n");
  g.write("a.txt", "new\nno newline");
  g.write("s.py",
          "import os\n\nclass Store:\n    def get(self):\n        a = 1\n        b = 2\n        c = 3\n"
          "        d = 5\n        return a\n");
  std::filesystem::remove(g.path() / "gone.txt");
  auto id = g.commit("change");
  std::string expected =
      "countersign-change-v2\n"
      "file /dev/null a.txt\nmode 0 100644\n@@ 0\n+new\n+no newline\n\\ No newline at end of file\n"
      "file b.txt b.txt\nmode 100644 100644\n@@ 1\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
      "file gone.txt /dev/null\nmode 100644 0\n@@ 0\n-bye\n\\ No newline at end of file\n"
      "file s.py s.py\nmode 100644 100644\n@@ 1 class Store:\n         a = 1\n         b = 2\n         c = 3\n-        "
      "d = 4\n"
      "+        d = 5\n         return a\n";
  EXPECT_EQ(text_of(g, "HEAD"), expected);
  EXPECT_EQ(digest_at(g, "HEAD").hex(), ChangeDigest::of(expected).hex());
  auto o = open_at(g, "HEAD");
  auto paths = o.repo.changed_paths(o.commit);
  ASSERT_TRUE(paths);
  auto d = commit_digest(o.repo, o.commit, *paths);
  ASSERT_TRUE(d && *d);
  EXPECT_EQ((*d)->hex(), ChangeDigest::of(expected).hex());
  // The header is the one `git diff` shows.
  EXPECT_NE(g.git("show --format= " + id + " -- s.py").find("@@ -5,5 +5,5 @@ class Store:\n"), std::string::npos);
}

TEST(ChangeDigest, ModeChangeAndEmptyFile) {
  test::GitRepo g;
  g.write("run.sh", "echo hi\n");
  g.commit("base");
  std::filesystem::permissions(g.path() / "run.sh", std::filesystem::perms::owner_exec, std::filesystem::perm_options::add);
  g.commit("chmod");
  EXPECT_EQ(text_of(g, "HEAD", 1), "countersign-change-v1\nfile run.sh run.sh\nmode 100644 100755\n");
  EXPECT_EQ(text_of(g, "HEAD"), "countersign-change-v2\nfile run.sh run.sh\nmode 100644 100755\n");
  g.write("empty", "");
  g.commit("empty file");
  EXPECT_EQ(text_of(g, "HEAD", 1), "countersign-change-v1\nfile /dev/null empty\nmode 0 100644\n");
  EXPECT_EQ(text_of(g, "HEAD"), "countersign-change-v2\nfile /dev/null empty\nmode 0 100644\n");
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
  EXPECT_EQ(text_of(g, "HEAD", 1), "countersign-change-v1\nfile /dev/null c.txt\nmode 0 100644\n@@\n+sneaked in\n");
  EXPECT_EQ(text_of(g, "HEAD"), "countersign-change-v2\nfile /dev/null c.txt\nmode 0 100644\n@@ 0\n+sneaked in\n");
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
  EXPECT_EQ(r->digest.hex(), ChangeDigest::of("countersign-change-v2\nfile a a\nmode 100644 100644\n@@ 0\n-1\n+2\n"
                                              "file /dev/null b\nmode 0 100644\n@@ 0\n+3\n")
                                 .hex());
}

// Two functions with the same body: a line added at the same place in either has the same
// three lines of context.
std::string two_functions(const std::string& first, const std::string& second, const std::string& added_to = "",
                          const std::string& above = "") {
  std::string body =
      "    a = 1\n    b = 2\n    c = 3\n    d = 4\n    e = 5\n    f = 6\n    g = 7\n    h = 8\n    return a\n";
  auto with = [&](const std::string& name) {
    std::string b = body;
    if (name == added_to) b.replace(b.find("    g = 7\n"), 0, "    os.remove(path)\n");
    return "def " + name + "(path):\n" + b;
  };
  return "import os\n" + above + "\n" + with(first) + "\n" + with(second);
}

// The weakness of v1: a line approved in one function, added instead to another whose
// surrounding lines are the same, kept its digest. v2 binds the section header.
TEST(ChangeDigestV2, ALineMovedIntoAnotherFunctionChangesIt) {
  test::GitRepo g;
  g.write("app.py", two_functions("read_config", "delete_everything"));
  g.commit("base");
  g.git("checkout -q -b approved");
  g.write("app.py", two_functions("read_config", "delete_everything", "read_config"));
  g.commit("remove the temp file");
  g.git("checkout -q -b moved main");
  g.write("app.py", two_functions("read_config", "delete_everything", "delete_everything"));
  g.commit("remove the temp file");
  EXPECT_EQ(digest_at(g, "approved", 1).hex(), digest_at(g, "moved", 1).hex());
  EXPECT_NE(digest_at(g, "approved").hex(), digest_at(g, "moved").hex());
  EXPECT_NE(text_of(g, "approved").find("@@ 3 def read_config(path):\n"), std::string::npos) << text_of(g, "approved");
  EXPECT_NE(text_of(g, "moved").find("@@ 3 def delete_everything(path):\n"), std::string::npos) << text_of(g, "moved");
}

// Within one section the same context can repeat too: v2 binds how far below its header a hunk
// starts.
TEST(ChangeDigestV2, AHunkMovedWithinItsSectionChangesIt) {
  std::string block = "    step()\n    step()\n    step()\n";
  auto file = [&](int at) {
    std::string f = "def run():\n";
    for (int i = 0; i < 4; ++i) f += block + (i == at ? "    drop_tables()\n" : "") + "    check()\n";
    return f;
  };
  test::GitRepo g;
  g.write("job.py", file(-1));
  g.commit("base");
  g.git("checkout -q -b early");
  g.write("job.py", file(0));
  g.commit("drop");
  g.git("checkout -q -b late main");
  g.write("job.py", file(2));
  g.commit("drop");
  EXPECT_EQ(digest_at(g, "early", 1).hex(), digest_at(g, "late", 1).hex());
  EXPECT_NE(digest_at(g, "early").hex(), digest_at(g, "late").hex());
}

// A clean rebase onto an upstream that adds lines above the change (a new function, imports) and
// edits elsewhere keeps the v2 digest: no line numbers are in it.
TEST(ChangeDigestV2, CleanRebaseOverLinesAddedAboveKeepsIt) {
  test::GitRepo g;
  g.write("app.py", two_functions("read_config", "delete_everything"));
  g.write("other.txt", "x\n");
  g.commit("base");
  g.git("checkout -q -b feature");
  g.write("app.py", two_functions("read_config", "delete_everything", "delete_everything"));
  auto before_id = g.commit("remove the temp file");
  auto before = digest_at(g, "feature");
  g.git("checkout -q main");
  std::string above = "import sys\n\n\ndef helper():\n    return sys.argv\n";
  g.write("app.py", two_functions("read_config", "delete_everything", "", above));
  g.write("other.txt", "y\n");
  g.commit("upstream adds a helper above");
  g.git("checkout -q feature");
  g.git("rebase -q main");
  EXPECT_NE(trim_nl(g.git("rev-parse feature")), before_id);
  EXPECT_EQ(test::read_file(g.path() / "app.py"),
            two_functions("read_config", "delete_everything", "delete_everything", above));
  EXPECT_EQ(digest_at(g, "feature").hex(), before.hex());
}

// The attack with a real rebase: upstream turns the function the approved line was added to into
// another one (here only its def line changes), the feature's hunk applies cleanly at the same
// place, and the approved line now runs in drop_database. v1 cannot tell; v2 can.
TEST(ChangeDigestV2, CleanRebaseThatLandsTheLineInAnotherFunctionChangesIt) {
  test::GitRepo g;
  g.write("app.py", two_functions("read_config", "delete_everything"));
  g.commit("base");
  g.git("checkout -q -b feature");
  g.write("app.py", two_functions("read_config", "delete_everything", "read_config"));
  g.commit("remove the temp file");
  auto v1 = digest_at(g, "feature", 1), v2 = digest_at(g, "feature");
  g.git("checkout -q main");
  g.write("app.py", two_functions("drop_database", "delete_everything"));
  g.commit("rename");
  g.git("checkout -q feature");
  g.git("rebase -q main");
  EXPECT_EQ(test::read_file(g.path() / "app.py"), two_functions("drop_database", "delete_everything", "drop_database"));
  EXPECT_EQ(digest_at(g, "feature", 1).hex(), v1.hex());
  EXPECT_NE(digest_at(g, "feature").hex(), v2.hex());
}

// The header is git's default one (what `git diff` shows with no diff driver), the whole line,
// whatever .gitattributes or .git/info/attributes say: attributes come from the candidate's tree
// or the clone, and would let the change's author steer which header is bound.
TEST(ChangeDigestV2, HeaderIsGitsDefaultWhateverTheAttributes) {
  test::GitRepo g;
  std::string name = "def " + std::string(90, 'n') + "(x):\n";
  auto file = [&](const std::string& d) {
    return "class Store:\n" + std::string("    ") + name +
           "        a = 1\n        b = 2\n        c = 3\n        d = " + d + "\n        return a\n" +
           std::string(4, '\n') + name + "    a = 1\n    b = 2\n    c = 3\n    d = " + d + "\n    return a\n";
  };
  g.write("s.py", file("4"));
  g.commit("base");
  g.write("s.py", file("5"));
  auto id = g.commit("change");
  auto text = text_of(g, "HEAD");
  auto plain = g.git("show --format= " + id);
  // git shows the first 80 bytes of the header line; the digest binds all of it.
  EXPECT_NE(plain.find("@@ class Store:\n"), std::string::npos) << plain;
  EXPECT_NE(plain.find("@@ " + name.substr(0, 80) + "\n"), std::string::npos) << plain;
  EXPECT_NE(text.find("@@ 1 class Store:\n"), std::string::npos) << text;
  EXPECT_NE(text.find("@@ 0 " + name.substr(0, name.size() - 1) + "\n"), std::string::npos) << text;
  auto digest = digest_at(g, "HEAD");
  // A python diff driver makes git show the indented method as the first hunk's header.
  g.write(".git/info/attributes", "*.py diff=python\n");
  auto driven = g.git("show --format= " + id);
  EXPECT_EQ(driven.find("@@ class Store:\n"), std::string::npos) << driven;
  EXPECT_EQ(digest_at(g, "HEAD").hex(), digest.hex());
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
