// Tokenizer traps: destructive words that are not statements, and code that does run although
// it is quoted (DO blocks, functions the migration calls, EXECUTE, MySQL /*! */).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "countersign/risk/risk.h"

namespace cs::risk {
namespace {

std::vector<Finding> pg(std::string_view sql) { return assess_sql(sql, "m.sql"); }
std::vector<Finding> my(std::string_view sql) { return assess_sql(sql, "m.sql", SqlOptions{SqlDialect::mysql}); }

int count(const std::vector<Finding>& fs, std::string_view rule) {
  return static_cast<int>(std::count_if(fs.begin(), fs.end(), [&](const Finding& f) { return f.rule == rule; }));
}

TEST(SqlTraps, DestructiveWordsThatAreNotStatements) {
  EXPECT_TRUE(pg("INSERT INTO log (msg) VALUES ('DROP TABLE users; -- oops');").empty());
  EXPECT_TRUE(pg("-- DROP TABLE users;\nSELECT 1;").empty());
  EXPECT_TRUE(pg("/* TRUNCATE users; /* nested */ DELETE FROM users; */ SELECT 1;").empty());
  EXPECT_TRUE(pg("COMMENT ON TABLE users IS 'never DROP this table';").empty());
  EXPECT_TRUE(pg("CREATE TABLE \"drop table users\" (id int);").empty());
  EXPECT_TRUE(pg("SELECT \"DELETE FROM x\" FROM t;").empty());
  EXPECT_TRUE(pg("UPDATE t SET name = 'drop table t' WHERE id = 7;").empty());
  EXPECT_TRUE(pg("SELECT E'it\\'s; DROP TABLE users; --';").empty());
  EXPECT_TRUE(my("INSERT INTO t VALUES ('it\\'s; DROP TABLE users; -- ');").empty());
  EXPECT_TRUE(my("# DROP DATABASE shop;\nSELECT 1;").empty());
}

TEST(SqlTraps, MysqlHashCommentInAPostgresMigrationIsNotASilentPass) {
  // Read as PostgreSQL, '#' is an operator: the line would swallow the DROP after it.
  auto fs = pg("# drop the legacy column\nALTER TABLE users DROP COLUMN legacy;\n");
  EXPECT_EQ(count(fs, "unreviewable"), 1);
  EXPECT_EQ(count(fs, "sql-drop-column"), 1);
  auto last = pg("SELECT 1;\n# trailing note without a newline");
  EXPECT_EQ(count(last, "unreviewable"), 1);
  // '#' inside a statement is PostgreSQL's XOR operator, and MySQL reads the line as a comment.
  EXPECT_TRUE(pg("SELECT 5 # 3;").empty());
  EXPECT_TRUE(my("# drop the legacy column\nSELECT 1;\n").empty());
  EXPECT_EQ(count(my("# note\nALTER TABLE users DROP COLUMN legacy;\n"), "sql-drop-column"), 1);
}

TEST(SqlTraps, FunctionBodiesAreNotRunByTheMigration) {
  EXPECT_TRUE(pg("CREATE OR REPLACE FUNCTION cleanup() RETURNS void AS $fn$ BEGIN DROP TABLE IF EXISTS tmp; "
                 "DELETE FROM audit; END $fn$ LANGUAGE plpgsql;")
                  .empty());
  EXPECT_TRUE(pg("CREATE FUNCTION f() RETURNS void LANGUAGE sql AS 'DELETE FROM audit';").empty());
  // SQL-standard bodies: semicolons inside BEGIN ATOMIC ... END do not end the statement.
  EXPECT_TRUE(pg("CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC DELETE FROM audit; TRUNCATE x; END;\nSELECT 1;")
                  .empty());
  // MySQL routine bodies, with and without DELIMITER.
  EXPECT_TRUE(my("DELIMITER //\nCREATE PROCEDURE p() BEGIN IF 1 THEN DELETE FROM audit; END IF; END//\n"
                 "DELIMITER ;\nSELECT 1;")
                  .empty());
  EXPECT_TRUE(my("CREATE PROCEDURE p() BEGIN IF x THEN DELETE FROM audit; END IF; LOOP TRUNCATE t; END LOOP; END;")
                  .empty());
  auto after = my("DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\nDELIMITER ;\nDROP TABLE t;");
  EXPECT_EQ(count(after, "sql-drop-table"), 1);
}

TEST(SqlTraps, FunctionCalledByTheMigrationRunsItsBody) {
  auto fs = pg("CREATE FUNCTION wipe() RETURNS void AS $$ BEGIN DELETE FROM audit; END $$ LANGUAGE plpgsql;\n"
               "SELECT wipe();");
  ASSERT_EQ(count(fs, "sql-delete-without-where"), 1);
  EXPECT_EQ(fs[0].location, "1:49");
  EXPECT_NE(fs[0].message.find("inside function wipe"), std::string::npos);
}

TEST(SqlTraps, DoBlocksRun) {
  auto fs = pg("DO $$\nBEGIN\n  IF EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'old') THEN\n"
               "    DROP TABLE old;\n  END IF;\n  UPDATE t SET a = CASE WHEN b THEN 1 ELSE 2 END;\nEND $$;");
  ASSERT_EQ(count(fs, "sql-drop-table"), 1);
  EXPECT_EQ(fs[0].location, "4:5");
  EXPECT_NE(fs[0].message.find("inside the DO block at line 1"), std::string::npos);
  EXPECT_EQ(count(fs, "sql-update-without-where"), 1);
  EXPECT_TRUE(pg("DO $$ BEGIN RAISE NOTICE 'DROP TABLE x'; END $$;").empty());
  // Plain-quoted body with doubled quotes: unescaped, findings point at the string.
  auto quoted = pg("DO 'BEGIN DELETE FROM t WHERE a = ''x''; TRUNCATE y; END';");
  EXPECT_EQ(count(quoted, "sql-truncate"), 1);
  EXPECT_EQ(count(quoted, "sql-delete-without-where"), 0);
  EXPECT_EQ(count(pg("DO LANGUAGE plpython3u $$ import os $$;"), "unreviewable"), 1);
}

TEST(SqlTraps, ExecuteInPlpgsql) {
  auto literal = pg("DO $$ BEGIN EXECUTE 'DROP SCHEMA old CASCADE'; END $$;");
  EXPECT_EQ(count(literal, "sql-drop-schema"), 1);
  auto dynamic = pg("DO $$ BEGIN EXECUTE format('DROP TABLE %I', 'x'); END $$;");
  EXPECT_EQ(count(dynamic, "unreviewable"), 1);
  EXPECT_TRUE(pg("PREPARE q AS SELECT 1; EXECUTE q;").empty());
}

TEST(SqlTraps, MysqlExecutableCommentsRun) {
  EXPECT_EQ(count(my("/*!40101 DROP TABLE users */;"), "sql-drop-table"), 1);
  EXPECT_TRUE(my("/* DROP TABLE users */ SELECT 1;").empty());
}

}  // namespace
}  // namespace cs::risk
