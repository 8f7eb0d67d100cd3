// Commits read from a pack (countersign's parser) against the same commits read loose (libgit2's
// parser): every shape git or other tools write, and the odd ones, must come out identical.
// Changed paths against `git diff-tree`.
#include "countersign/git/objects.h"

#include <gtest/gtest.h>

#include <sstream>

#include "countersign/git/git.h"
#include "support/test_support.h"

namespace cs::git {
namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

void expect_same(const Result<Commit>& a, const Result<Commit>& b, const std::string& what) {
  ASSERT_EQ(a.has_value(), b.has_value()) << what;
  if (!a) return;
  EXPECT_EQ(a->tree, b->tree) << what;
  EXPECT_EQ(a->parents, b->parents) << what;
  for (auto [x, y] : {std::pair{&a->author, &b->author}, std::pair{&a->committer, &b->committer}}) {
    EXPECT_EQ(x->name, y->name) << what;
    EXPECT_EQ(x->email, y->email) << what;
    EXPECT_EQ(x->time, y->time) << what;
    EXPECT_EQ(x->offset_minutes, y->offset_minutes) << what;
  }
  EXPECT_EQ(a->message, b->message) << what;
}

TEST(CommitParse, PackedCommitsReadExactlyAsLibgit2ReadsThem) {
  test::GitRepo repo;
  repo.write("a", "x\n");
  std::string base = repo.commit("base");
  std::string tree = trim(repo.git("rev-parse HEAD^{tree}"));
  std::string head = "tree " + tree + "\nparent " + base + "\n";
  const std::string who = "Alice Doe <alice@example.com> 1700000000 +0100\n";
  std::vector<std::pair<std::string, std::string>> shapes = {
      {"plain", head + "author " + who + "committer " + who + "\nsubject\n\nbody\n"},
      {"encoding", head + "author Ren\xe9 <r@example.com> 1700000000 +0000\ncommitter " + who +
                       "encoding ISO-8859-1\n\nlatin-1 name\n"},
      {"gpgsig", head + "author " + who + "committer " + who +
                     "gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----\n\nsigned\n"},
      {"no blank line", head + "author " + who + "committer " + who},
      {"blank line, no message", head + "author " + who + "committer " + who + "\n"},
      {"crlf message", head + "author " + who + "committer " + who + "\nline one\r\nline two\r\n"},
      {"crud around name and email",
       head + "author  ..Alice \"Doe\". <  <alice@example.com>> 1700000000 +0100\ncommitter " + who + "\nx\n"},
      {"timezone out of range", head + "author A <a@example.com> 1700000000 +9999\ncommitter " + who + "\nx\n"},
      {"negative timezone", head + "author A <a@example.com> 1700000000 -0130\ncommitter " + who + "\nx\n"},
      {"no timezone", head + "author A <a@example.com> 1700000000\ncommitter " + who + "\nx\n"},
      {"no time", head + "author A <a@example.com>\ncommitter " + who + "\nx\n"},
      {"two authors", head + "author A <a@example.com> 1 +0000\nauthor B <b@example.com> 2 +0000\ncommitter " + who + "\nx\n"},
      {"nul in message", head + "author " + who + "committer " + who + std::string("\nbefore\0after\n", 14)},
      {"merge", head + "parent " + base + "\nauthor " + who + "committer " + who + "\nmerge\n"},
      {"far future", head + "author A <a@example.com> 99999999999 +0000\ncommitter " + who + "\nx\n"},
      {"no email", head + "author Alice 1700000000 +0000\ncommitter " + who + "\nx\n"},
      {"root commit", "tree " + tree + "\nauthor " + who + "committer " + who + "\nroot\n"},
  };
  std::vector<std::string> ids;
  for (const auto& [name, text] : shapes) {
    auto r = test::sh("git hash-object -t commit -w --literally --stdin", repo.path(), text);
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
    ids.push_back(trim(r.out));
  }
  auto loose = Repository::open(repo.path().string());  // opened before the pack exists: libgit2 reads
  ASSERT_TRUE(loose);
  std::string list;
  for (const auto& id : ids) list += id + "\n";
  ASSERT_EQ(test::sh("git pack-objects -q .git/objects/pack/pack", repo.path(), list).exit_code, 0);
  auto packed = Repository::open(repo.path().string());
  ASSERT_TRUE(packed);

  for (size_t i = 0; i < ids.size(); ++i) {
    auto id = *ObjectId::from_hex(ids[i]);
    auto want = loose->commit(id);
    expect_same(packed->commit(id), want, shapes[i].first);
    std::string bytes = shapes[i].second;
    expect_same(packed->parse(RawCommit{id, bytes, std::nullopt}), want, shapes[i].first + " (parse)");
  }
  // Both parsers decode the Latin-1 name by the encoding header.
  for (const Repository* r : {&*loose, &*packed}) {
    auto latin = r->commit(*ObjectId::from_hex(ids[1]));
    ASSERT_TRUE(latin);
    EXPECT_EQ(latin->author.name, "Ren\xc3\xa9");
  }
  // The shapes the fast parser handles itself (the rest it declines to libgit2).
  EXPECT_TRUE(detail::parse_commit(ObjectId{}, shapes[0].second));
  EXPECT_TRUE(detail::parse_commit(ObjectId{}, shapes[2].second));
  EXPECT_FALSE(detail::parse_commit(ObjectId{}, shapes[9].second));
  EXPECT_FALSE(detail::parse_commit(ObjectId{}, shapes[12].second));
}

// A tree with zero-padded modes (old git wrote them; git and libgit2 still read them) compares
// like any other; one with a sign in a mode, which libgit2 reads and the fast reader does not,
// goes through libgit2 and compares the same.
TEST(ChangedPaths, TreesWithOddModesStillCompare) {
  test::GitRepo repo;
  repo.write("a", "one\n");
  repo.write("b", "two\n");
  std::string base = repo.commit("base");
  auto blob = [&](const std::string& path) { return trim(repo.git("rev-parse HEAD:" + path)); };
  auto raw_id = [](const std::string& hex) {
    std::string bytes;
    for (size_t i = 0; i < 40; i += 2) bytes += char(std::stoi(hex.substr(i, 2), nullptr, 16));
    return bytes;
  };
  auto literal_tree = [&](const std::string& mode_a, const std::string& mode_b) {
    std::string bytes = mode_a + " a" + std::string(1, '\0') + raw_id(blob("a")) + mode_b + " b" + std::string(1, '\0') +
                        raw_id(test::sh("git hash-object -w --stdin", repo.path(), "changed\n").out.substr(0, 40));
    auto r = test::sh("git hash-object -t tree -w --literally --stdin", repo.path(), bytes);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return trim(r.out);
  };
  std::string base_tree = trim(repo.git("rev-parse HEAD^{tree}"));
  auto r = Repository::open(repo.path().string());
  ASSERT_TRUE(r);
  for (auto [mode_a, mode_b] : {std::pair{"0100644", "00100644"}, std::pair{"+100644", "100644"}}) {
    std::string tree = literal_tree(mode_a, mode_b);
    auto paths = r->changed_paths(*ObjectId::from_hex(base_tree), *ObjectId::from_hex(tree));
    ASSERT_TRUE(paths) << mode_a << ": " << paths.error().message;
    ASSERT_EQ(paths->size(), 1u) << mode_a;
    EXPECT_EQ((*paths)[0].path, "b");
    EXPECT_EQ((*paths)[0].new_mode, 0100644u);
    auto items = r->tree(*ObjectId::from_hex(tree));
    ASSERT_TRUE(items) << mode_a;
    EXPECT_EQ(items->size(), 2u);
  }
}

TEST(TreeReader, DeclinesMalformedTrees) {
  std::string id(20, '\x01');
  auto entries = [](std::string_view bytes) {
    detail::TreeReader r(bytes);
    size_t n = 0;
    while (r.next()) ++n;
    return std::pair{n, r.broken()};
  };
  EXPECT_EQ(entries("100644 a" + std::string(1, '\0') + id), std::pair(size_t(1), false));
  EXPECT_EQ(entries("100755 x" + std::string(1, '\0') + id + "40000 d" + std::string(1, '\0') + id), std::pair(size_t(2), false));
  EXPECT_TRUE(entries("100644 a" + std::string(1, '\0') + id.substr(5)).second) << "short id";
  EXPECT_TRUE(entries("100644a" + std::string(1, '\0') + id).second) << "no space";
  EXPECT_TRUE(entries("10x644 a" + std::string(1, '\0') + id).second) << "not octal";
  EXPECT_TRUE(entries("100644 " + std::string(1, '\0') + id).second) << "empty name";
  EXPECT_TRUE(entries("100644 abc").second) << "no NUL";
  EXPECT_TRUE(entries("7777777 a" + std::string(1, '\0') + id).second) << "mode too large";
}

// `git diff-tree -r --no-renames` lines: ":oldmode newmode oldid newid status\tpath".
std::string diff_tree(test::GitRepo& repo, const std::string& a, const std::string& b) {
  return repo.git("diff-tree -r --no-renames --no-abbrev " + a + " " + b);
}

std::string ours(const Repository& r, const std::string& a, const std::string& b) {
  auto ta = r.commit(*ObjectId::from_hex(a)), tb = r.commit(*ObjectId::from_hex(b));
  auto paths = r.changed_paths(ta->tree, tb->tree);
  if (!paths) return "error: " + paths.error().message;
  std::ostringstream out;
  auto mode = [](uint32_t m) {
    std::ostringstream o;
    o.width(6);
    o.fill('0');
    o << std::oct << m;
    return o.str();
  };
  for (const auto& p : *paths) {
    char status = p.kind == ChangeKind::added ? 'A' : p.kind == ChangeKind::deleted ? 'D' : 'M';
    out << ':' << mode(p.old_mode) << ' ' << mode(p.new_mode) << ' ' << p.old_blob.hex() << ' ' << p.new_blob.hex() << ' '
        << status << '\t' << p.path << '\n';
  }
  return out.str();
}

TEST(ChangedPaths, MatchGitDiffTree) {
  test::GitRepo repo;
  repo.write("a", "file\n");
  repo.write("a.b", "dot\n");
  repo.write("dir/x", "1\n");
  repo.write("dir/sub/y", "2\n");
  repo.write("tool.sh", "#!/bin/sh\n");
  std::string c1 = repo.commit("one");
  // A file becomes a directory, a directory becomes a file, a mode changes, a symlink appears,
  // a submodule (gitlink) is added, names that sort differently as files and as directories.
  repo.git("rm -q a");
  repo.write("a/inner", "now a dir\n");
  repo.git("rm -q -r dir/sub");
  repo.write("dir/sub", "now a file\n");
  ASSERT_EQ(test::sh("chmod +x tool.sh && ln -s a.b link", repo.path()).exit_code, 0);
  repo.write("a-b", "sorts between a and a.b\n");
  repo.git("add -A");
  repo.git("update-index --add --cacheinfo 160000," + c1 + ",vendor/mod");
  repo.git("commit -q -m two");
  std::string c2 = trim(repo.git("rev-parse HEAD"));
  repo.git("rm -q --cached vendor/mod");
  repo.git("commit -q -m three");
  std::string c3 = trim(repo.git("rev-parse HEAD"));

  repo.git("repack -adq");
  auto r = Repository::open(repo.path().string());
  ASSERT_TRUE(r);
  for (auto [a, b] : {std::pair{c1, c2}, std::pair{c2, c3}, std::pair{c1, c3}, std::pair{c3, c1}})
    EXPECT_EQ(ours(*r, a, b), diff_tree(repo, a, b)) << a << ".." << b;
}

}  // namespace
}  // namespace cs::git
