// Private to guard: what the SQL (or redis / mongo script) sent to a database does, statement
// by statement, with strings and comments skipped, so that `grep 'DROP TABLE'` style data
// inside literals does not count and `DELETE FROM t` without WHERE does.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cs::guard {

// Kinds found: drop_database, drop_schema, drop_table, truncate, delete_no_where (also with a
// WHERE that is always true), update_no_where (likewise), alter_drop, flushall, flushdb,
// shell_escape (psql \! or mysql system). `client` (psql, mysql, ...) picks the SQL dialect.
std::vector<std::string> sql_kinds(std::string_view sql, std::string_view client = {});

}  // namespace cs::guard
