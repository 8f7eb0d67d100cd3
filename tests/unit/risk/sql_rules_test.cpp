// Every sql-* rule: a statement that triggers it and a near miss that must not.
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

const Finding* find(const std::vector<Finding>& fs, std::string_view rule) {
  for (const auto& f : fs)
    if (f.rule == rule) return &f;
  return nullptr;
}

TEST(SqlRules, DropDatabaseSchemaTable) {
  auto fs = pg("DROP DATABASE IF EXISTS shop;\nDROP SCHEMA analytics CASCADE;\n  DROP TABLE IF EXISTS a, public.\"B\";");
  ASSERT_EQ(count(fs, "sql-drop-database"), 1);
  EXPECT_EQ(find(fs, "sql-drop-database")->resource, "shop");
  EXPECT_EQ(find(fs, "sql-drop-database")->location, "1:1");
  EXPECT_EQ(find(fs, "sql-drop-database")->severity, Severity::critical);
  EXPECT_EQ(find(fs, "sql-drop-schema")->resource, "analytics");
  ASSERT_EQ(count(fs, "sql-drop-table"), 2);
  EXPECT_EQ(fs.back().resource, "public.\"B\"");
  EXPECT_EQ(fs.back().location, "3:3");
  EXPECT_EQ(fs.back().file, "m.sql");
  EXPECT_TRUE(pg("DROP VIEW v; DROP INDEX i; DROP FUNCTION f(); CREATE TABLE drop_table (id int);").empty());
}

TEST(SqlRules, MysqlDropSchemaIsDropDatabase) {
  auto fs = my("DROP SCHEMA shop;");
  EXPECT_EQ(count(fs, "sql-drop-database"), 1);
  EXPECT_EQ(count(my("DROP TEMPORARY TABLE scratch;"), "sql-drop-table"), 0);
}

TEST(SqlRules, DropOfATableCreatedInTheSameMigrationIsLow) {
  auto fs = pg("CREATE TABLE tmp_x (id int);\nDROP TABLE tmp_x;");
  ASSERT_EQ(count(fs, "sql-drop-table"), 1);
  EXPECT_EQ(find(fs, "sql-drop-table")->severity, Severity::low);
  // IF NOT EXISTS may meet a table full of data: still critical.
  auto kept = pg("CREATE TABLE IF NOT EXISTS t (id int);\nDROP TABLE t;");
  EXPECT_EQ(find(kept, "sql-drop-table")->severity, Severity::critical);
}

TEST(SqlRules, Truncate) {
  auto fs = pg("TRUNCATE TABLE ONLY a, b RESTART IDENTITY CASCADE;");
  ASSERT_EQ(count(fs, "sql-truncate"), 2);
  EXPECT_EQ(fs[0].resource, "a");
  EXPECT_EQ(fs[1].resource, "b");
  EXPECT_EQ(count(pg("SELECT truncate_log(1);"), "sql-truncate"), 0);
}

TEST(SqlRules, DeleteAndUpdateWithoutWhere) {
  auto fs = pg("DELETE FROM ONLY accounts;\nUPDATE users SET name = '';");
  ASSERT_EQ(count(fs, "sql-delete-without-where"), 1);
  EXPECT_EQ(find(fs, "sql-delete-without-where")->resource, "accounts");
  ASSERT_EQ(count(fs, "sql-update-without-where"), 1);
  EXPECT_EQ(find(fs, "sql-update-without-where")->location, "2:1");
  EXPECT_TRUE(pg("DELETE FROM accounts WHERE id = 1; UPDATE users SET a = 1 WHERE id IN (SELECT 1);").empty());
}

TEST(SqlRules, WhereInsideASubqueryOrStringDoesNotCount) {
  EXPECT_EQ(count(pg("UPDATE t SET a = (SELECT b FROM u WHERE u.id = 1);"), "sql-update-without-where"), 1);
  EXPECT_EQ(count(pg("DELETE FROM t RETURNING 'WHERE id = 1';"), "sql-delete-without-where"), 1);
  EXPECT_EQ(count(pg("UPDATE t SET note = 'x WHERE y' /* WHERE z */;"), "sql-update-without-where"), 1);
  EXPECT_EQ(count(pg("UPDATE t SET a = 1 FROM u WHERE t.id = u.id;"), "sql-update-without-where"), 0);
}

TEST(SqlRules, AlwaysTrueWhereIsNoWhere) {
  EXPECT_EQ(count(pg("DELETE FROM t WHERE true;"), "sql-delete-without-where"), 1);
  EXPECT_EQ(count(pg("DELETE FROM t WHERE 1 = 1;"), "sql-delete-without-where"), 1);
  EXPECT_EQ(count(pg("DELETE FROM t WHERE 1 = 2;"), "sql-delete-without-where"), 0);
  EXPECT_EQ(count(my("DELETE FROM t WHERE 1 LIMIT 5;"), "sql-delete-without-where"), 1);
}

TEST(SqlRules, DataModifyingCteRunsItsDelete) {
  auto fs = pg("WITH gone AS (DELETE FROM sessions RETURNING *) SELECT count(*) FROM gone;");
  ASSERT_EQ(count(fs, "sql-delete-without-where"), 1);
  EXPECT_EQ(find(fs, "sql-delete-without-where")->resource, "sessions");
  EXPECT_EQ(count(pg("WITH x AS (SELECT 1) UPDATE t SET a = 1;"), "sql-update-without-where"), 1);
  EXPECT_EQ(count(pg("WITH x AS (SELECT 1) SELECT * FROM t FOR UPDATE;"), "sql-update-without-where"), 0);
  EXPECT_EQ(count(pg("INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET a = 2;"), "sql-update-without-where"), 0);
}

TEST(SqlRules, DropColumn) {
  auto fs = pg("ALTER TABLE ONLY public.users DROP COLUMN IF EXISTS email, DROP phone;");
  ASSERT_EQ(count(fs, "sql-drop-column"), 2);
  EXPECT_EQ(fs[0].resource, "public.users.email");
  EXPECT_EQ(fs[1].resource, "public.users.phone");
  EXPECT_EQ(fs[0].severity, Severity::high);
  EXPECT_EQ(count(pg("ALTER TABLE users DROP CONSTRAINT users_pkey; ALTER TABLE u ALTER COLUMN a DROP DEFAULT;"),
                  "sql-drop-column"),
            0);
  EXPECT_EQ(count(my("ALTER TABLE t DROP INDEX idx, DROP FOREIGN KEY fk;"), "sql-drop-column"), 0);
}

TEST(SqlRules, ColumnReadded) {
  auto fs = pg("ALTER TABLE users DROP COLUMN email;\nALTER TABLE users ADD COLUMN email text;");
  ASSERT_EQ(count(fs, "sql-column-readded"), 1);
  EXPECT_EQ(find(fs, "sql-column-readded")->resource, "users.email");
  EXPECT_EQ(find(fs, "sql-column-readded")->severity, Severity::high);
  // A rename done by drop and add: the dropped column's type is known from this migration.
  auto rename = pg("ALTER TABLE u ADD COLUMN mail varchar(80);\nALTER TABLE u DROP COLUMN mail, ADD COLUMN email "
                   "varchar(80);");
  EXPECT_EQ(count(rename, "sql-column-readded"), 1);
  EXPECT_EQ(count(pg("ALTER TABLE users DROP COLUMN email;\nALTER TABLE orders ADD COLUMN email text;"),
                  "sql-column-readded"),
            0);
}

TEST(SqlRules, Renames) {
  auto fs = pg("ALTER TABLE users RENAME TO customers;\nALTER TABLE orders RENAME COLUMN total TO amount;\n"
               "ALTER TABLE items RENAME sku TO code;");
  EXPECT_EQ(count(fs, "sql-rename-table"), 1);
  EXPECT_EQ(count(fs, "sql-rename-column"), 2);
  EXPECT_EQ(find(fs, "sql-rename-column")->resource, "orders.total");
  auto mysql = my("RENAME TABLE a TO b, c TO d;\nALTER TABLE t CHANGE COLUMN old_name new_name int;");
  EXPECT_EQ(count(mysql, "sql-rename-table"), 2);
  EXPECT_EQ(count(mysql, "sql-rename-column"), 1);
  EXPECT_TRUE(pg("ALTER TABLE t RENAME CONSTRAINT a TO b; ALTER INDEX i RENAME TO j;").empty());
}

TEST(SqlRules, NarrowingType) {
  auto known = pg("CREATE TABLE IF NOT EXISTS u (name varchar(255), n bigint, price numeric(12,2));\n"
                  "ALTER TABLE u ALTER COLUMN name TYPE varchar(50), ALTER n TYPE int, "
                  "ALTER COLUMN price SET DATA TYPE numeric(12,0);");
  ASSERT_EQ(count(known, "sql-narrowing-type"), 3);
  EXPECT_EQ(known[0].severity, Severity::high);
  EXPECT_EQ(known[0].resource, "u.name");
  auto widening = pg("CREATE TABLE IF NOT EXISTS u (name varchar(50), n int);\n"
                     "ALTER TABLE u ALTER COLUMN name TYPE varchar(255), ALTER n TYPE bigint;");
  EXPECT_EQ(count(widening, "sql-narrowing-type"), 0);
  // Old type unknown: a bounded new type is a medium finding, text is not.
  auto unknown = pg("ALTER TABLE u ALTER COLUMN bio TYPE varchar(100); ALTER TABLE u ALTER COLUMN c TYPE text;");
  ASSERT_EQ(count(unknown, "sql-narrowing-type"), 1);
  EXPECT_EQ(unknown[0].severity, Severity::medium);
  auto text_to_varchar = pg("ALTER TABLE u ADD COLUMN bio text;\nALTER TABLE u ALTER COLUMN bio TYPE varchar(20);");
  EXPECT_EQ(find(text_to_varchar, "sql-narrowing-type")->severity, Severity::high);
  auto mysql = my("CREATE TABLE IF NOT EXISTS t (c varchar(200));\nALTER TABLE t MODIFY c varchar(10) NOT NULL;");
  EXPECT_EQ(count(mysql, "sql-narrowing-type"), 1);
}

TEST(SqlRules, DropConstraint) {
  auto fs = pg("ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_user_fk;");
  ASSERT_EQ(count(fs, "sql-drop-constraint"), 1);
  EXPECT_EQ(fs[0].resource, "orders.orders_user_fk");
  EXPECT_EQ(count(my("ALTER TABLE t DROP FOREIGN KEY fk_1, DROP PRIMARY KEY;"), "sql-drop-constraint"), 2);
  EXPECT_EQ(count(pg("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);"), "sql-drop-constraint"), 0);
}

TEST(SqlRules, IndexNotConcurrent) {
  auto fs = pg("CREATE UNIQUE INDEX users_email ON public.users (email);");
  ASSERT_EQ(count(fs, "sql-index-not-concurrent"), 1);
  EXPECT_EQ(fs[0].resource, "public.users");
  EXPECT_EQ(fs[0].severity, Severity::medium);
  EXPECT_TRUE(pg("CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON users (email);").empty());
  EXPECT_TRUE(pg("CREATE TABLE fresh (id int);\nCREATE INDEX fresh_id ON fresh (id);").empty());
  EXPECT_TRUE(my("CREATE INDEX i ON users (email);").empty());
}

TEST(SqlRules, NotNullWithoutDefault) {
  auto fs = pg("ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;\nALTER TABLE users ALTER COLUMN a SET NOT NULL;");
  ASSERT_EQ(count(fs, "sql-not-null-without-default"), 2);
  EXPECT_EQ(fs[0].resource, "users.tenant_id");
  EXPECT_TRUE(pg("ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL DEFAULT 0;").empty());
  EXPECT_TRUE(pg("ALTER TABLE users ADD COLUMN id2 bigserial NOT NULL;").empty());
  EXPECT_TRUE(pg("ALTER TABLE users ADD COLUMN note text NULL;").empty());
}

TEST(SqlRules, MultiStatementLinesAndColumns) {
  auto fs = pg("SELECT 1; DELETE FROM a;\n\n  -- comment\n  TRUNCATE b;");
  ASSERT_EQ(fs.size(), 2u);
  EXPECT_EQ(fs[0].location, "1:11");
  EXPECT_EQ(fs[1].location, "4:3");
}

}  // namespace
}  // namespace cs::risk
