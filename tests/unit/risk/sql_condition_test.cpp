// WHERE clauses that hold for every row empty or rewrite the whole table like no WHERE at all;
// those that depend on a column do not.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "countersign/risk/risk.h"

namespace cs::risk {
namespace {

int count(std::string_view sql, std::string_view rule, SqlDialect d = SqlDialect::postgresql) {
  auto fs = assess_sql(sql, "m.sql", SqlOptions{d});
  return static_cast<int>(std::count_if(fs.begin(), fs.end(), [&](const Finding& f) { return f.rule == rule; }));
}

TEST(SqlCondition, AlwaysTrueWhereClausesEmptyTheTable) {
  for (const char* where : {"true", "(true)", "((TRUE))", "1=1", "1 = 1", "'a' = 'a'", "id = 3 OR true",
                            "true OR id = 3", "NOT false", "NOT (1 = 2)", "'t'::boolean", "'yes'::bool",
                            "CAST('true' AS boolean)", "(1=1)::boolean", "id = 3 OR (2 = 2)", "true AND 1 = 1",
                            "1 <> 2", "1 != 2", "false IS NOT TRUE", "true IS TRUE", "NOT NOT true",
                            "name = 'x' OR 'on'::boolean", "(id = 1 AND name = 'x') OR 3 = 3"}) {
    EXPECT_EQ(count("DELETE FROM users WHERE " + std::string(where) + ";", "sql-delete-without-where"), 1) << where;
    EXPECT_EQ(count("UPDATE users SET a = 1 WHERE " + std::string(where) + ";", "sql-update-without-where"), 1) << where;
  }
  EXPECT_EQ(count("DELETE FROM users WHERE 1;", "sql-delete-without-where", SqlDialect::mysql), 1);
}

TEST(SqlCondition, ClausesThatDependOnARowDoNot) {
  for (const char* where : {"id = 3", "id = 3 AND true", "false", "1 = 2", "NOT true", "id = 1 OR id = 2",
                            "'a' = 'b'", "active", "active OR false", "f(id) OR false", "id IN (1, 2)",
                            "'maybe'::boolean", "CAST(id AS boolean)", "id IS NULL", "created < now() - interval '1 day'",
                            "(id = 1) = true", "x = 1 OR (y = 2 AND true)"}) {
    EXPECT_EQ(count("DELETE FROM users WHERE " + std::string(where) + ";", "sql-delete-without-where"), 0) << where;
  }
  EXPECT_EQ(count("DELETE FROM users WHERE 0;", "sql-delete-without-where", SqlDialect::mysql), 0);
}

}  // namespace
}  // namespace cs::risk

namespace cs::risk {
namespace {

TEST(SqlGrammar, DropTypeDomainExtensionCascadeDropsColumns) {
  for (const char* sql : {"DROP TYPE mood CASCADE;", "DROP TYPE IF EXISTS public.mood CASCADE;",
                          "DROP DOMAIN posint CASCADE;", "DROP EXTENSION hstore CASCADE;",
                          "drop type a, b cascade;"}) {
    EXPECT_GE(count(sql, "sql-drop-cascade"), 1) << sql;
  }
  EXPECT_EQ(count("drop type a, b cascade;", "sql-drop-cascade"), 2);
  // Without CASCADE PostgreSQL refuses when anything uses the type: nothing else goes.
  EXPECT_EQ(count("DROP TYPE mood;", "sql-drop-cascade"), 0);
  EXPECT_EQ(count("DROP TYPE mood RESTRICT;", "sql-drop-cascade"), 0);
}

TEST(SqlGrammar, OnlyWithParentheses) {
  EXPECT_EQ(count("TRUNCATE ONLY (users);", "sql-truncate"), 1);
  EXPECT_EQ(count("TRUNCATE TABLE ONLY (public.users), orders;", "sql-truncate"), 2);
  EXPECT_EQ(count("ALTER TABLE ONLY (users) DROP COLUMN c;", "sql-drop-column"), 1);
  EXPECT_EQ(count("ALTER TABLE IF EXISTS ONLY (users) DROP COLUMN c;", "sql-drop-column"), 1);
}

}  // namespace
}  // namespace cs::risk

namespace cs::risk {
namespace {

TEST(SqlGrammar, MergeThenDelete) {
  EXPECT_EQ(count("MERGE INTO t USING s ON true WHEN MATCHED THEN DELETE;", "sql-delete-without-where"), 1);
  EXPECT_EQ(count("MERGE INTO t USING (SELECT 1) s ON 1 = 1 WHEN MATCHED AND t.a > 0 THEN UPDATE SET a = 0 "
                  "WHEN MATCHED THEN DELETE;",
                  "sql-delete-without-where"),
            1);
  EXPECT_EQ(count("MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED BY SOURCE THEN DELETE;",
                  "sql-delete-without-where"),
            1);
  // Rows matched by a real condition, or no DELETE at all.
  EXPECT_EQ(count("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE;", "sql-delete-without-where"), 0);
  EXPECT_EQ(count("MERGE INTO t USING s ON true WHEN MATCHED THEN UPDATE SET a = 1;", "sql-delete-without-where"), 0);
  EXPECT_EQ(count("MERGE INTO t USING s ON true WHEN NOT MATCHED THEN INSERT VALUES (1);", "sql-delete-without-where"), 0);
}

}  // namespace
}  // namespace cs::risk

namespace cs::risk {
namespace {

TEST(SqlGrammar, DataModifyingCteWithItsOwnWith) {
  EXPECT_EQ(count("WITH x AS (WITH y AS (SELECT 1) DELETE FROM users RETURNING *) SELECT * FROM x;",
                  "sql-delete-without-where"),
            1);
  EXPECT_EQ(count("WITH x AS (WITH y AS (SELECT 1), z AS (SELECT 2) UPDATE users SET a = 1 RETURNING *) SELECT 1;",
                  "sql-update-without-where"),
            1);
  EXPECT_EQ(count("WITH x AS (WITH y AS (SELECT 1) DELETE FROM users WHERE id = 1 RETURNING *) SELECT 1;",
                  "sql-delete-without-where"),
            0);
  EXPECT_EQ(count("WITH x AS (SELECT * FROM t WHERE (a) FOR UPDATE) SELECT 1;", "sql-update-without-where"), 0);
}

}  // namespace
}  // namespace cs::risk
