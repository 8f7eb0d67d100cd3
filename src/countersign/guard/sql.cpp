// What the statements sent to a database client do. SQL goes through the risk engine's reader
// (risk/sql_*.cpp: the same lexer, statement splitter and always-true WHERE test as
// `countersign risk`), so the guard and the gate never disagree on a statement; what is not SQL
// (psql and mysql shell escapes, redis and mongo shell commands) is recognised here.
#include "countersign/guard/sql.h"

#include <algorithm>
#include <cctype>

#include "countersign/risk/risk.h"

namespace cs::guard {
namespace {

void add(std::vector<std::string>& kinds, const char* k) {
  if (std::find(kinds.begin(), kinds.end(), k) == kinds.end()) kinds.emplace_back(k);
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// A line of a client script that the client itself acts on: psql's \! and \i-style meta
// commands, mysql's `system` / `\!`, redis commands (one a line). Removed from the SQL.
std::string client_lines(std::string_view s, std::vector<std::string>& kinds) {
  std::string sql;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t end = s.find('\n', i);
    std::string_view line = s.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
    i = end == std::string_view::npos ? s.size() : end + 1;
    std::string_view t = line.substr(std::min(line.find_first_not_of(" \t"), line.size()));
    std::string head = upper(t.substr(0, t.find_first_of(" \t;")));
    if (t.starts_with("\\!") || head == "SYSTEM") {
      add(kinds, "shell_escape");
      continue;
    }
    if (t.starts_with("\\")) continue;  // other psql meta-commands
    if (head == "FLUSHALL") add(kinds, "flushall");
    if (head == "FLUSHDB") add(kinds, "flushdb");
    sql += line;
    sql += '\n';
  }
  return sql;
}

// mongo shell: db.dropDatabase(), db.c.drop(), deleteMany({}) / remove({}) / updateMany({}, ...).
void mongo(std::string_view s, std::vector<std::string>& kinds) {
  std::string flat;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c))) flat += c;
  if (flat.find("dropDatabase(") != std::string::npos) add(kinds, "drop_database");
  if (flat.find(".drop()") != std::string::npos) add(kinds, "drop_table");
  for (const char* call : {"deleteMany({})", "remove({})", "deleteMany()", "remove()"})
    if (flat.find(call) != std::string::npos) add(kinds, "delete_no_where");
  for (const char* call : {"updateMany({},", "update({},"})
    if (flat.find(call) != std::string::npos) add(kinds, "update_no_where");
}

}  // namespace

std::vector<std::string> sql_kinds(std::string_view s, std::string_view client) {
  std::vector<std::string> kinds;
  mongo(s, kinds);
  std::string sql = client_lines(s, kinds);
  risk::SqlOptions options;
  if (client == "mysql" || client == "mariadb") options.dialect = risk::SqlDialect::mysql;
  for (const auto& f : risk::assess_sql(sql, "command line", options)) {
    if (f.severity < Severity::medium) continue;  // e.g. dropping a table this same script created
    if (f.rule == "sql-drop-database") add(kinds, "drop_database");
    else if (f.rule == "sql-drop-schema") add(kinds, "drop_schema");
    else if (f.rule == "sql-drop-table") add(kinds, "drop_table");
    else if (f.rule == "sql-truncate") add(kinds, "truncate");
    else if (f.rule == "sql-delete-without-where") add(kinds, "delete_no_where");
    else if (f.rule == "sql-update-without-where") add(kinds, "update_no_where");
    else if (f.rule == "sql-drop-column" || f.rule == "sql-drop-constraint") add(kinds, "alter_drop");
  }
  return kinds;
}

}  // namespace cs::guard
