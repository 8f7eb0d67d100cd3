// Migrations as psql runs them: a backslash command ends at the end of its line (or at the next
// unquoted backslash, and "\\" returns to SQL), so the SQL after it runs; \g sends the buffer like
// ';'; \gexec, \i and shell escapes run what the file does not show. And the bytes psql and
// PostgreSQL's scanner accept: a byte-order mark, a lone CR ending a -- comment.
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

TEST(SqlPsql, MetaCommandLinesDoNotSwallowTheStatementAfterThem) {
  for (const char* head : {"\\set ON_ERROR_STOP on\n", "\\set ON_ERROR_STOP 1\r\n", "\\timing\n",
                           "\\echo 'migrating; not done'\n", "\\pset pager off\n", "\\c shop\n",
                           "\\set QUIET 1 \\set x 'a b'\n", "\\unset x\n", "\\encoding UTF8\n"}) {
    auto fs = pg(std::string(head) + "DROP TABLE users;\n");
    EXPECT_EQ(count(fs, "sql-drop-table"), 1) << head;
  }
  // SQL before a meta-command on the same line stays in the buffer and goes on on the next line.
  EXPECT_EQ(count(pg("TRUNCATE \\echo hi\nusers;\n"), "sql-truncate"), 1);
  // "\\" ends the arguments: the rest of the line is SQL.
  EXPECT_EQ(count(pg("\\set x 1 \\\\ DROP TABLE users;\n"), "sql-drop-table"), 1);
  EXPECT_EQ(count(pg("\\echo 'it''s \\\\ fine' \\\\ ALTER TABLE t DROP COLUMN c;\n"), "sql-drop-column"), 1);
}

TEST(SqlPsql, TheGFamilySendsTheBufferLikeASemicolon) {
  auto fs = pg("DROP TABLE a \\g\nDROP TABLE b\n\\g\nSELECT 1 \\gx\nTRUNCATE c \\gset\n");
  EXPECT_EQ(count(fs, "sql-drop-table"), 2);
  EXPECT_EQ(count(fs, "sql-truncate"), 1);
}

TEST(SqlPsql, WhatTheFileDoesNotShowIsUnreviewable) {
  auto gexec = pg("SELECT format('DROP TABLE %I', tablename) FROM pg_tables WHERE schemaname = 'old' \\gexec\n");
  EXPECT_EQ(count(gexec, "unreviewable"), 1);
  EXPECT_EQ(gexec.front().severity, Severity::high);
  EXPECT_NE(gexec.front().message.find("gexec"), std::string::npos);
  for (const char* inc : {"\\i drop_all.sql\n", "\\ir ../shared/cleanup.sql\n", "\\include x.sql\n",
                          "\\include_relative x.sql\n"}) {
    auto fs = pg(std::string("\\set ON_ERROR_STOP on\n") + inc + "SELECT 1;\n");
    EXPECT_EQ(count(fs, "unreviewable"), 1) << inc;
  }
  EXPECT_EQ(count(pg("\\! psql -c 'DROP DATABASE shop'\n"), "unreviewable"), 1);
  EXPECT_EQ(count(pg("\\set t `cat tables.txt`\nSELECT 1;\n"), "unreviewable"), 1);
}

TEST(SqlPsql, BackslashesThatAreNotCommands) {
  // Inside strings, dollar quotes, comments and identifiers a backslash is text.
  EXPECT_TRUE(pg("SELECT E'a\\\\set b';\nSELECT 'c:\\\\temp';\n").empty());
  EXPECT_TRUE(pg("CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$ SELECT '\\i x' $$;\n").empty());
  EXPECT_TRUE(pg("-- \\i evil.sql\nSELECT 1;\n").empty());
  EXPECT_TRUE(pg("SELECT \"a\\b\" FROM t;\n").empty());
}

TEST(SqlPsql, ByteOrderMarkAndLoneCarriageReturns) {
  EXPECT_EQ(count(pg("\xEF\xBB\xBF" "DROP TABLE users;\n"), "sql-drop-table"), 1);
  EXPECT_EQ(count(pg("\xEF\xBB\xBF\\set ON_ERROR_STOP on\nDROP TABLE users;\n"), "sql-drop-table"), 1);
  // PostgreSQL ends a -- comment at a CR: the DROP after it runs.
  EXPECT_EQ(count(pg("-- clean up\rDROP TABLE users;\r"), "sql-drop-table"), 1);
  EXPECT_EQ(count(pg("SELECT 1; -- note\rTRUNCATE users;\r\n"), "sql-truncate"), 1);
}

}  // namespace
}  // namespace cs::risk
