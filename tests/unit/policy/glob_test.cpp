#include <gtest/gtest.h>

#include "countersign/policy/policy.h"

namespace cs::policy {
namespace {

bool hit(std::string_view pattern, std::string_view path) {
  auto g = Glob::compile(pattern);
  EXPECT_TRUE(g.has_value()) << pattern;
  return g && g->matches(path);
}

TEST(Glob, PatternWithoutSlashMatchesAtAnyDepth) {
  EXPECT_TRUE(hit("*.tf", "main.tf"));
  EXPECT_TRUE(hit("*.tf", "infra/prod/main.tf"));
  EXPECT_FALSE(hit("*.tf", "main.tf.bak"));
  EXPECT_TRUE(hit("infra", "infra/main.tf"));  // a directory matches what is under it
  EXPECT_TRUE(hit("infra", "a/infra/main.tf"));
  EXPECT_FALSE(hit("infra", "infrastructure/main.tf"));
}

TEST(Glob, SlashAnchorsToTheRoot) {
  EXPECT_TRUE(hit("infra/*.tf", "infra/main.tf"));
  EXPECT_FALSE(hit("infra/*.tf", "a/infra/main.tf"));
  EXPECT_TRUE(hit("/main.tf", "main.tf"));
  EXPECT_FALSE(hit("/main.tf", "src/main.tf"));
  EXPECT_TRUE(hit("/src", "src/a/b.py"));
}

TEST(Glob, StarAndQuestionMarkNeverCrossASlash) {
  EXPECT_FALSE(hit("infra/*.tf", "infra/prod/main.tf"));
  EXPECT_TRUE(hit("src/?.py", "src/a.py"));
  EXPECT_FALSE(hit("src/?.py", "src/ab.py"));
  EXPECT_FALSE(hit("a?b", "a/b"));
  EXPECT_TRUE(hit("src/*", "src/x/y.py"));  // src/x is a directory the pattern matches
}

TEST(Glob, DoubleStar) {
  EXPECT_TRUE(hit("infra/**", "infra/main.tf"));
  EXPECT_TRUE(hit("infra/**", "infra/a/b/c.tf"));
  EXPECT_FALSE(hit("infra/**", "infra"));  // everything inside, not the directory itself
  EXPECT_FALSE(hit("infra/**", "src/infra/main.tf"));
  EXPECT_TRUE(hit("**/migrations/*.sql", "migrations/001.sql"));
  EXPECT_TRUE(hit("**/migrations/*.sql", "db/pg/migrations/001.sql"));
  EXPECT_TRUE(hit("a/**/b", "a/b"));
  EXPECT_TRUE(hit("a/**/b", "a/x/y/b"));
  EXPECT_FALSE(hit("a/**/b", "a/x/y/c"));
  EXPECT_TRUE(hit("a/**/**/b", "a/b"));
  EXPECT_TRUE(hit("**", "anything/at/all"));
  EXPECT_TRUE(hit("a/x**y/c", "a/xzzy/c"));  // not a whole segment: an ordinary star
  EXPECT_FALSE(hit("a/x**y/c", "a/x/y/c"));
}

TEST(Glob, CharacterClasses) {
  EXPECT_TRUE(hit("file[0-9].txt", "file7.txt"));
  EXPECT_FALSE(hit("file[0-9].txt", "filex.txt"));
  EXPECT_TRUE(hit("file[!0-9].txt", "filex.txt"));
  EXPECT_FALSE(hit("file[^0-9].txt", "file1.txt"));
  EXPECT_TRUE(hit("[]]x", "]x"));
  EXPECT_TRUE(hit("[a-cx]", "x"));
  EXPECT_FALSE(hit("[a-c]", "d"));
  EXPECT_FALSE(Glob::compile("a[/]b").has_value());  // a class cannot hold the separator
}

TEST(Glob, EscapesAndTrailingSlash) {
  EXPECT_TRUE(hit("\\*.md", "*.md"));
  EXPECT_FALSE(hit("\\*.md", "a.md"));
  EXPECT_TRUE(hit("\\!important", "!important"));
  EXPECT_TRUE(hit("build/", "build/out.o"));
  EXPECT_FALSE(hit("build/", "build"));  // a file named build is not a directory
}

TEST(Glob, BrokenPatternsAreReported) {
  EXPECT_FALSE(Glob::compile("file[0-9.txt").has_value());
  EXPECT_FALSE(Glob::compile("oops\\").has_value());
  EXPECT_FALSE(Glob::compile("").has_value());
  EXPECT_FALSE(Glob::compile("!").has_value());
}

TEST(Glob, HostilePatternStaysFast) {
  std::string pattern, path;
  for (int i = 0; i < 30; ++i) pattern += "**/a*a*a*a*a*/";
  pattern += "b";
  for (int i = 0; i < 60; ++i) path += "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/";
  path += "c";
  EXPECT_FALSE(hit(pattern, path));
}

TEST(PathSet, LastMatchingPatternDecides) {
  PathSet set;
  for (auto p : {"infra/**", "!infra/docs/**", "infra/docs/critical.md"}) set.globs.push_back(*Glob::compile(p));
  EXPECT_TRUE(set.matches("infra/main.tf"));
  EXPECT_FALSE(set.matches("infra/docs/readme.md"));
  EXPECT_TRUE(set.matches("infra/docs/critical.md"));
  EXPECT_FALSE(set.matches("src/a.py"));
}

// The one-pass matcher against the general one, over every pattern and path built from a small
// alphabet of segments: both must agree everywhere, including directory and "**" edge cases.
TEST(Glob, FastMatcherAgreesWithTheGeneralOne) {
  const std::vector<std::string> parts = {"a", "b", "**", "*", "a*", "?", "[ab]"};
  std::vector<std::string> patterns;
  for (const auto& x : parts) {
    patterns.push_back(x);
    patterns.push_back(x + "/");
    patterns.push_back("/" + x);
    for (const auto& y : parts) {
      patterns.push_back(x + "/" + y);
      patterns.push_back(x + "/" + y + "/");
      for (const auto& z : parts) patterns.push_back(x + "/" + y + "/" + z);
    }
  }
  std::vector<std::string> paths = {"a", "b", "ab", "a/b", "b/a", "a/a/a", "a/b/c", "ab/b/a/b", "c/c/c/c/a"};
  size_t compared = 0;
  for (const auto& p : patterns) {
    auto g = Glob::compile(p);
    if (!g) continue;
    for (const auto& path : paths) {
      EXPECT_EQ(g->matches(path), g->matches_long(path)) << p << " on " << path;
      ++compared;
    }
  }
  EXPECT_GT(compared, 3000u);
}

TEST(Glob, PathsLongerThanTheBitSetStillMatch) {
  std::string deep;
  for (int i = 0; i < 80; ++i) deep += "d" + std::to_string(i) + "/";
  EXPECT_TRUE(hit("d0/**/x.sql", deep + "x.sql"));
  EXPECT_TRUE(hit("*.sql", deep + "x.sql"));
  EXPECT_FALSE(hit("d1/**", deep + "x.sql"));
  EXPECT_TRUE(hit("d79", deep + "x.sql"));
}

}  // namespace
}  // namespace cs::policy
