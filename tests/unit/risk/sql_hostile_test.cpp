// Hostile migrations: unreadable input is an `unreviewable` finding with a position, never a
// crash and never a silent pass; large and deep input costs time and memory in proportion.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "countersign/risk/risk.h"

namespace cs::risk {
namespace {

std::vector<Finding> pg(std::string_view sql) { return assess_sql(sql, "m.sql"); }

int count(const std::vector<Finding>& fs, std::string_view rule) {
  return static_cast<int>(std::count_if(fs.begin(), fs.end(), [&](const Finding& f) { return f.rule == rule; }));
}

const Finding* find(const std::vector<Finding>& fs, std::string_view rule) {
  for (const auto& f : fs)
    if (f.rule == rule) return &f;
  return nullptr;
}

TEST(SqlHostile, UnterminatedConstructsAreUnreviewableAtTheirStart) {
  struct Case {
    const char* sql;
    const char* location;
    const char* what;
  } cases[] = {
      {"DROP TABLE a;\nSELECT 'abc;\nDROP TABLE b;", "2:8", "unterminated string literal"},
      {"SELECT 1;\n  /* open /* nested */ DROP TABLE b;", "2:3", "unterminated block comment"},
      {"CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1;", "1:36", "unterminated dollar-quoted string"},
      {"SELECT \"x FROM t;", "1:8", "unterminated quoted identifier"},
  };
  for (const auto& c : cases) {
    auto fs = pg(c.sql);
    const Finding* u = find(fs, "unreviewable");
    ASSERT_NE(u, nullptr) << c.sql;
    EXPECT_EQ(u->severity, Severity::high);
    EXPECT_EQ(u->location, c.location) << c.sql;
    EXPECT_NE(u->message.find(c.what), std::string::npos) << u->message;
  }
  // What precedes the broken construct is still analysed.
  EXPECT_EQ(count(pg("DROP TABLE a;\nSELECT 'abc;\nDROP TABLE b;"), "sql-drop-table"), 1);
}

TEST(SqlHostile, UnbalancedParenthesesAreUnreviewable) {
  auto fs = pg("SELECT (1;\nDROP TABLE x;");
  EXPECT_EQ(count(fs, "unreviewable"), 1);
}

TEST(SqlHostile, NulBytesAreUnreviewableAndDoNotHideStatements) {
  std::string sql = std::string("SELECT 1;\n\0\0DROP TABLE users;", 29);
  auto fs = pg(sql);
  ASSERT_EQ(count(fs, "unreviewable"), 1);
  EXPECT_EQ(find(fs, "unreviewable")->location, "2:1");
  EXPECT_EQ(count(fs, "sql-drop-table"), 1);
}

TEST(SqlHostile, InvalidUtf8IsUnreviewableAndOutputStaysValid) {
  auto fs = pg("SELECT 1;\nDROP TABLE \"caf\xE9\";");
  ASSERT_EQ(count(fs, "unreviewable"), 1);
  EXPECT_EQ(find(fs, "unreviewable")->location, "2:16");
  const Finding* drop = find(fs, "sql-drop-table");
  ASSERT_NE(drop, nullptr);
  EXPECT_EQ(drop->resource, "\"caf\xEF\xBF\xBD\"");
}

TEST(SqlHostile, FiftyMegabyteStatement) {
  // One UPDATE whose SET list is 50 MB, with its only WHERE inside a subquery at the end.
  std::string sql = "UPDATE big SET a = 0";
  sql.reserve(50u << 20);
  while (sql.size() < (50u << 20)) sql += " + 1";
  sql += ", b = (SELECT 1 WHERE true);\nDELETE FROM big WHERE id = 1;";
  auto fs = pg(sql);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].rule, "sql-update-without-where");
  // And a 50 MB string literal followed by a real statement.
  std::string str = "INSERT INTO t VALUES ('" + std::string(50u << 20, 'x') + "');\nTRUNCATE t;";
  auto fs2 = pg(str);
  ASSERT_EQ(fs2.size(), 1u);
  EXPECT_EQ(fs2[0].location, "2:1");
}

TEST(SqlHostile, DeeplyNestedParentheses) {
  std::string sql = "SELECT " + std::string(1'000'000, '(') + "1" + std::string(1'000'000, ')') + ";\nDELETE FROM t;";
  auto fs = pg(sql);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].rule, "sql-delete-without-where");
  std::string cte = "WITH a AS " + std::string(100'000, '(') + "DELETE FROM x" + std::string(100'000, ')') + " SELECT 1;";
  EXPECT_NO_THROW(pg(cte));
}

TEST(SqlHostile, DeeplyNestedDoBlocksStop) {
  std::string sql = "DROP TABLE z;";
  for (int i = 0; i < 40; ++i) {
    std::string tag = "$t" + std::to_string(i) + "$";
    sql = "DO " + tag + " BEGIN EXECUTE " + tag + sql + tag + "; END " + tag + ";";
    if (sql.size() > 4000) break;
  }
  // Either analysed or reported, never a crash.
  auto fs = pg(sql);
  EXPECT_FALSE(fs.empty());
}

TEST(SqlHostile, EmptyAndWhitespaceOnly) {
  EXPECT_TRUE(pg("").empty());
  EXPECT_TRUE(pg(" \n\t;;; -- nothing\n").empty());
}

TEST(MigrationPaths, DefaultGlobs) {
  const auto& globs = default_migration_globs();
  EXPECT_TRUE(is_migration_path("migrations/0001_init.sql", globs));
  EXPECT_TRUE(is_migration_path("services/api/migrations/2024/01_x.sql", globs));
  EXPECT_TRUE(is_migration_path("db/migrate/20240101_add.sql", globs));
  EXPECT_FALSE(is_migration_path("src/migrations.cpp", globs));
  EXPECT_FALSE(is_migration_path("docs/migrations/README.md", globs));
  EXPECT_TRUE(glob_match("a/**/*.sql", "a/b/c.sql"));
  EXPECT_FALSE(glob_match("a/*.sql", "a/b/c.sql"));
  EXPECT_TRUE(glob_match("*.s?l", "x.sql"));
  // "**/" may match nothing, its slash included, wherever it stands.
  EXPECT_TRUE(glob_match("**/plan.json", "plan.json"));
  EXPECT_TRUE(glob_match("a**/b", "ab"));
  EXPECT_TRUE(glob_match("a/**/b", "a/b"));
  EXPECT_FALSE(glob_match("a/**/b", "ab"));
  EXPECT_FALSE(glob_match("infra/**", "infra"));
}

}  // namespace
}  // namespace cs::risk
