// Commits written in a legacy encoding (git -c i18n.commitEncoding=...) read as UTF-8, as git log
// shows them; a notes ref that names no commit is an error that says which ref and what to do.
#include <gtest/gtest.h>

#include <fstream>

#include "countersign/git/git.h"
#include "support/test_support.h"

namespace cs::git {
namespace {

struct Written {
  test::GitRepo repo;
  std::string id;
};

// A commit whose author name and message are `name` and `message` in bytes of `encoding`.
void commit_in(Written& w, const std::string& encoding, const std::string& name, const std::string& message) {
  w.repo.write("f.txt", "x\n");
  w.repo.git("add -A");
  auto msg = w.repo.path() / ".git" / "CS_ENC_MSG";
  {
    std::ofstream m(msg, std::ios::binary);
    m << message;
  }
  w.repo.git("-c i18n.commitEncoding=" + test::quote(encoding) + " commit -q --cleanup=verbatim -F " +
             test::quote(msg.string()) + " --author " + test::quote(name + " <dev@example.com>"));
  w.id = test::chomp(w.repo.git("rev-parse HEAD"));
}

Commit read(const Written& w) {
  auto r = Repository::open(w.repo.path().string());
  EXPECT_TRUE(r);
  auto c = r->commit(*ObjectId::from_hex(w.id));
  EXPECT_TRUE(c) << c.error().describe();
  return c ? std::move(*c) : Commit{};
}

TEST(CommitEncoding, Latin1NameAndMessageReadAsUtf8LikeGitLog) {
  Written w;
  commit_in(w, "ISO-8859-1", "Jos\xe9 Mu\xf1oz", "Caf\xe9 fix\n\nCo-authored-by: Ren\xe9 <rene@example.com>\n");
  ASSERT_NE(w.repo.git("cat-file commit HEAD").find("\nencoding ISO-8859-1\n"), std::string::npos);
  Commit c = read(w);
  EXPECT_EQ(c.author.name, "Jos\xc3\xa9 Mu\xc3\xb1oz");
  EXPECT_EQ(c.message, "Caf\xc3\xa9 fix\n\nCo-authored-by: Ren\xc3\xa9 <rene@example.com>\n");
  // What git itself shows when asked for UTF-8.
  EXPECT_EQ(c.author.name, test::chomp(w.repo.git("log -1 --encoding=UTF-8 --format=%an")));
}

TEST(CommitEncoding, EucJpReadAsUtf8) {
  Written w;
  // 日本 (Japan) in EUC-JP, then in UTF-8.
  commit_in(w, "EUC-JP", "\xc6\xfc\xcb\xdc", "\xc6\xfc\xcb\xdc\n");
  Commit c = read(w);
  EXPECT_EQ(c.author.name, "\xe6\x97\xa5\xe6\x9c\xac");
  EXPECT_EQ(c.message, "\xe6\x97\xa5\xe6\x9c\xac\n");
  EXPECT_EQ(c.author.name, test::chomp(w.repo.git("log -1 --encoding=UTF-8 --format=%an")));
}

TEST(CommitEncoding, Utf8HeaderAndUnknownEncodingKeepTheBytes) {
  Written utf8;
  commit_in(utf8, "utf8", "Jos\xc3\xa9", "x\n");
  EXPECT_EQ(read(utf8).author.name, "Jos\xc3\xa9");
  Written unknown;
  commit_in(unknown, "X-NO-SUCH-ENCODING", "Jos\xe9", "x\n");
  Commit c = read(unknown);
  EXPECT_EQ(c.author.name, "Jos\xe9");  // as git log shows it: iconv cannot convert
}

TEST(NotesRef, PointingAtABlobIsAnErrorNamingTheRefAndTheFix) {
  test::GitRepo repo;
  repo.write("f.txt", "x\n");
  auto id = repo.commit("c");
  auto blob = test::chomp(repo.git("hash-object -w f.txt"));
  repo.git("update-ref refs/notes/ai " + blob);
  auto r = Repository::open(repo.path().string());
  ASSERT_TRUE(r);
  auto all = r->notes("refs/notes/ai");
  ASSERT_FALSE(all);
  EXPECT_NE(all.error().message.find("refs/notes/ai points at a blob (" + blob + ")"), std::string::npos)
      << all.error().message;
  EXPECT_NE(all.error().message.find("git update-ref -d refs/notes/ai"), std::string::npos);
  EXPECT_EQ(all.error().message.find("invalid argument"), std::string::npos);
  auto one = r->note("refs/notes/ai", *ObjectId::from_hex(id));
  ASSERT_FALSE(one);
  EXPECT_NE(one.error().message.find("refs/notes/ai points at a blob"), std::string::npos);
  // A tree is refused the same way; a notes commit reads.
  repo.git("update-ref refs/notes/ai " + test::chomp(repo.git("rev-parse HEAD^{tree}")));
  auto tree = r->notes("refs/notes/ai");
  ASSERT_FALSE(tree);
  EXPECT_NE(tree.error().message.find("points at a tree"), std::string::npos);
  repo.git("update-ref -d refs/notes/ai");
  repo.git("notes --ref=ai add -m note " + id);
  auto good = r->notes("refs/notes/ai");
  ASSERT_TRUE(good) << good.error().describe();
  EXPECT_EQ(good->size(), 1u);
}

}  // namespace
}  // namespace cs::git
