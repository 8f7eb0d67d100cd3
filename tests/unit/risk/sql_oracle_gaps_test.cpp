// What the PostgreSQL oracle (tests/integration/risk_sql_oracle_test.cpp,
// bench/pg_regress_oracle.py) found missing, and the grammar it needs: BEGIN ATOMIC bodies of
// called functions, files psql includes, MERGE inside PL/pgSQL, ALTER TYPE ... DROP ATTRIBUTE
// CASCADE, a dropped column of a new table, and PostgreSQL 18's NOT NULL constraints.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "countersign/risk/risk.h"

namespace cs::risk {
namespace {

std::vector<Finding> pg(std::string_view sql) {
  return assess_sql(sql, "db/migrations/m.sql");
}

int count(const std::vector<Finding>& fs, std::string_view rule) {
  return static_cast<int>(std::count_if(fs.begin(), fs.end(), [&](const Finding& f) { return f.rule == rule; }));
}

const Finding* find(const std::vector<Finding>& fs, std::string_view rule) {
  for (const auto& f : fs)
    if (f.rule == rule) return &f;
  return nullptr;
}

TEST(SqlOracleGaps, BeginAtomicBodyOfACalledFunctionIsAnalysed) {
  auto fs =
      pg("CREATE FUNCTION purge() RETURNS void LANGUAGE sql\nBEGIN ATOMIC\n  DELETE FROM sessions;\n  "
         "TRUNCATE audit;\nEND;\nSELECT purge();\n");
  ASSERT_EQ(count(fs, "sql-delete-without-where"), 1);
  EXPECT_EQ(find(fs, "sql-delete-without-where")->resource, "sessions");
  EXPECT_EQ(find(fs, "sql-delete-without-where")->location, "3:3");
  EXPECT_NE(find(fs, "sql-delete-without-where")->message.find("inside function purge, defined at line 1"),
            std::string::npos);
  EXPECT_EQ(count(fs, "sql-truncate"), 1);
  // A procedure, no LANGUAGE clause (SQL is implied), a CASE ... END inside the body.
  auto proc = pg("CREATE PROCEDURE p() BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; DELETE FROM t; END;\nCALL p();");
  EXPECT_EQ(count(proc, "sql-delete-without-where"), 1);
  // Not called: not run.
  EXPECT_TRUE(pg("CREATE FUNCTION purge() RETURNS void LANGUAGE sql BEGIN ATOMIC DELETE FROM sessions; END;").empty());
  // A targeted delete inside is not flagged.
  EXPECT_TRUE(
      pg("CREATE FUNCTION f() RETURNS void BEGIN ATOMIC DELETE FROM t WHERE id = 1; END;\nSELECT f();").empty());
}

TEST(SqlOracleGaps, MergeInsidePlpgsqlIsOneStatement) {
  // THEN inside MERGE is not a PL/pgSQL block boundary: no "UPDATE SET" or "DELETE" statement of
  // its own (the regression suite's merge.sql).
  auto fs =
      pg("DO $$\nBEGIN\nMERGE INTO target t USING source AS s ON t.tid = s.sid\nWHEN MATCHED AND "
         "t.balance > s.delta THEN\n  UPDATE SET balance = t.balance - s.delta\nWHEN MATCHED THEN DELETE;\n"
         "END;\n$$;\n");
  EXPECT_TRUE(fs.empty()) << fs.front().rule << " " << fs.front().resource;
  auto all = pg("DO $$ BEGIN MERGE INTO target t USING (SELECT 1) s ON true WHEN MATCHED THEN DELETE; END $$;");
  ASSERT_EQ(count(all, "sql-delete-without-where"), 1);
  EXPECT_EQ(find(all, "sql-delete-without-where")->resource, "target");
  // IF ... THEN still starts a statement.
  EXPECT_EQ(count(pg("DO $$ BEGIN IF true THEN DELETE FROM t; END IF; END $$;"), "sql-delete-without-where"), 1);
}

TEST(SqlOracleGaps, AlterTypeDropAttributeCascade) {
  auto fs = pg("ALTER TYPE address DROP ATTRIBUTE IF EXISTS zip CASCADE;");
  ASSERT_EQ(count(fs, "sql-drop-cascade"), 1);
  EXPECT_EQ(fs[0].resource, "address.zip");
  EXPECT_EQ(fs[0].severity, Severity::critical);
  EXPECT_EQ(count(pg("ALTER TYPE a DROP ATTRIBUTE x, DROP ATTRIBUTE y CASCADE;"), "sql-drop-cascade"), 1);
  EXPECT_TRUE(pg("ALTER TYPE address DROP ATTRIBUTE zip;").empty());  // refused when a table uses it
  EXPECT_TRUE(pg("ALTER TYPE mood ADD VALUE 'meh';").empty());
}

TEST(SqlOracleGaps, DropColumnOfANewTableIsLow) {
  auto fs = pg("CREATE TABLE t (a int, b int);\nALTER TABLE t DROP COLUMN b;");
  ASSERT_EQ(count(fs, "sql-drop-column"), 1);
  EXPECT_EQ(fs[0].severity, Severity::low);
  EXPECT_NE(fs[0].message.find("created at line 1"), std::string::npos);
}

TEST(SqlOracleGaps, Postgres18NotNullConstraints) {
  auto fs = pg("ALTER TABLE users ADD NOT NULL email;\nALTER TABLE users ADD CONSTRAINT nick_nn NOT NULL nick;\n");
  ASSERT_EQ(count(fs, "sql-not-null-without-default"), 2);
  EXPECT_EQ(fs[0].resource, "users.email");
  EXPECT_EQ(fs[1].resource, "users.nick");
  EXPECT_EQ(fs[0].severity, Severity::medium);
  // NOT VALID skips the scan; a new table has no rows; other constraints are not NOT NULL.
  EXPECT_TRUE(pg("ALTER TABLE users ADD CONSTRAINT nick_nn NOT NULL nick NOT VALID;").empty());
  EXPECT_TRUE(pg("CREATE TABLE u (a int);\nALTER TABLE u ADD NOT NULL a;").empty());
  EXPECT_TRUE(pg("ALTER TABLE users ADD CONSTRAINT c CHECK (a IS NOT NULL) NOT VALID;").empty());
  // The column form is what it was: NOT NULL without DEFAULT.
  EXPECT_EQ(count(pg("ALTER TABLE users ADD COLUMN c int NOT NULL;"), "sql-not-null-without-default"), 1);
  EXPECT_EQ(count(pg("ALTER TABLE users ADD c int CONSTRAINT c_nn NOT NULL;"), "sql-not-null-without-default"), 1);
}

TEST(SqlOracleGaps, CopyFromStdinDataIsNotSql) {
  // psql reads the lines after COPY ... FROM STDIN as data up to "\."; the DROP after them runs.
  auto fs = pg("COPY parent (a, b) FROM stdin;\nAAA\t42\nit's\t1\n\\.\nDROP TABLE child1, parent;\n");
  EXPECT_EQ(count(fs, "sql-drop-table"), 2);
  EXPECT_EQ(count(fs, "unreviewable"), 0);
  ASSERT_NE(find(fs, "sql-drop-table"), nullptr);
  EXPECT_EQ(find(fs, "sql-drop-table")->location, "5:1");
  // Data that looks like SQL is data; without "\." the rest of the file is data.
  EXPECT_TRUE(pg("copy t from stdin;\nDROP TABLE users;\n").empty());
  EXPECT_EQ(count(pg("COPY t FROM STDIN WITH (FORMAT csv);\r\nx,y\r\n\\.\r\nTRUNCATE t;\r\n"), "sql-truncate"), 1);
  // COPY ... FROM a file, or TO STDOUT, has no inline data.
  EXPECT_EQ(count(pg("COPY t FROM '/tmp/x.csv';\nDROP TABLE users;\n"), "sql-drop-table"), 1);
  EXPECT_EQ(count(pg("COPY t TO STDOUT;\nDROP TABLE users;\n"), "sql-drop-table"), 1);
}

TEST(SqlOracleGaps, PsqlVariableRunAsAStatementIsUnreviewable) {
  // The regression suite's update.sql: \set init 'truncate range_parted; insert ...' then :init;
  auto fs = pg("\\set init 'truncate range_parted'\n:init;\nSELECT :'x';\n");
  ASSERT_EQ(count(fs, "unreviewable"), 1);
  EXPECT_EQ(find(fs, "unreviewable")->location, "2:1");
  EXPECT_TRUE(pg("SELECT 1::int, x::text FROM t;\n").empty());
}

TEST(SqlOracleGaps, DropCollationCascade) {
  auto fs = pg("DROP COLLATION IF EXISTS german CASCADE;");
  ASSERT_EQ(count(fs, "sql-drop-cascade"), 1);
  EXPECT_EQ(fs[0].resource, "german");
  EXPECT_TRUE(pg("DROP COLLATION german;").empty());
}

class IncludedFiles {
 public:
  std::map<std::string, std::string> files;
  std::vector<std::string> asked;
  SqlOptions options() {
    SqlOptions o;
    o.read_included = [this](const std::string& path) -> std::optional<std::string> {
      asked.push_back(path);
      auto it = files.find(path);
      if (it == files.end()) return std::nullopt;
      return it->second;
    };
    return o;
  }
};

TEST(SqlOracleGaps, IncludedFilesInTheRepositoryAreFollowed) {
  IncludedFiles repo;
  repo.files["db/migrations/parts/drop.sql"] = "SELECT 1;\nDROP TABLE sessions;\n";
  repo.files["scripts/cleanup.sql"] = "\\ir more.sql\n";
  repo.files["scripts/more.sql"] = "TRUNCATE audit;\n";
  auto fs = assess_sql("\\set ON_ERROR_STOP on\n\\ir parts/drop.sql\n\\i scripts/cleanup.sql\nSELECT 1;\n",
                       "db/migrations/m.sql", repo.options());
  ASSERT_EQ(count(fs, "sql-drop-table"), 1) << (fs.empty() ? "" : fs[0].message);
  const Finding* drop = find(fs, "sql-drop-table");
  EXPECT_EQ(drop->file, "db/migrations/parts/drop.sql");  // \ir: relative to the including file
  EXPECT_EQ(drop->location, "2:1");
  EXPECT_NE(drop->message.find("included by db/migrations/m.sql at line 2"), std::string::npos);
  ASSERT_EQ(count(fs, "sql-truncate"), 1);  // \i from the working directory, then \ir from there
  EXPECT_EQ(find(fs, "sql-truncate")->file, "scripts/more.sql");
  EXPECT_EQ(count(fs, "unreviewable"), 0);
  EXPECT_EQ(repo.asked,
            (std::vector<std::string>{"db/migrations/parts/drop.sql", "scripts/cleanup.sql", "scripts/more.sql"}));
}

TEST(SqlOracleGaps, IncludedFilesOutsideTheRepositoryStayUnreviewable) {
  IncludedFiles repo;
  auto fs = assess_sql("\\i '/etc/evil.sql'\nSELECT 1;\n", "m.sql", repo.options());
  ASSERT_EQ(count(fs, "unreviewable"), 1);
  EXPECT_EQ(fs[0].resource, "/etc/evil.sql");
  EXPECT_EQ(repo.asked, std::vector<std::string>{"/etc/evil.sql"});
  // A file that includes itself: followed 16 levels deep, then unreviewable, not a hang.
  repo.files["loop.sql"] = "\\i loop.sql\nDELETE FROM t;\n";
  auto loop = assess_sql(repo.files["loop.sql"], "loop.sql", repo.options());
  EXPECT_EQ(count(loop, "unreviewable"), 1);
  EXPECT_EQ(count(loop, "sql-delete-without-where"), 17);
  // Without a reader (the guard's psql -c), nothing is followed.
  EXPECT_EQ(count(pg("\\i x.sql\n"), "unreviewable"), 1);
}

}  // namespace
}  // namespace cs::risk
