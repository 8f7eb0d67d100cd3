// The DDL rules: what DROP, TRUNCATE, ALTER TABLE, RENAME and CREATE INDEX statements destroy
// or lock. Each depth-0 comma-separated part of a statement is classified as it completes.
#include <fmt/format.h>

#include "countersign/core/text.h"
#include "countersign/risk/sql_analysis.h"

namespace cs::risk::sql {

bool Analyzer::table_is_new(std::size_t* created_at) const {
  auto it = ctx_.created_tables.find(table_);
  if (it == ctx_.created_tables.end()) return false;
  if (created_at) *created_at = it->second;
  return true;
}

void Analyzer::classify_head() {
  const auto& h = head_;
  if (h.empty()) return;
  auto w = [&](std::size_t i, std::string_view kw) { return is_word(h, i, kw); };
  bool mysql = ctx_.dialect == Dialect::mysql;
  if (w(0, "DROP")) {
    if (w(1, "TABLE")) kind_ = Kind::drop_table;
    else if (w(1, "SCHEMA")) kind_ = mysql ? Kind::drop_database : Kind::drop_schema;  // a synonym in MySQL
    else if (w(1, "DATABASE")) kind_ = Kind::drop_database;
    else if (w(1, "TYPE") || w(1, "DOMAIN") || w(1, "EXTENSION") || w(1, "COLLATION")) {
      kind_ = Kind::drop_type;
      dropped_kind_ = w(1, "TYPE") ? "TYPE" : w(1, "DOMAIN") ? "DOMAIN" : w(1, "EXTENSION") ? "EXTENSION" : "COLLATION";
    } else return;
    std::size_t i = 2;
    if (w(i, "IF") && w(i + 1, "EXISTS")) i += 2;
    on_drop(h, i);
  } else if (w(0, "TRUNCATE")) {
    kind_ = Kind::truncate;
    on_truncate(h, w(1, "TABLE") ? 2 : 1);
  } else if (w(0, "ALTER") && w(1, "TYPE")) {
    std::size_t i = 2;
    auto name = read_name(h, i);
    if (!name) return;
    table_ = *name;
    kind_ = Kind::alter_type;
    on_alter_type_action(h, i);
  } else if (w(0, "ALTER")) {
    std::size_t i = 1;
    while (w(i, "ONLINE") || w(i, "IGNORE")) ++i;
    if (!w(i, "TABLE")) return;
    ++i;
    if (w(i, "IF") && w(i + 1, "EXISTS")) i += 2;
    bool only_paren = false;
    if (w(i, "ONLY")) {
      ++i;
      only_paren = i < h.size() && h[i].token.kind == TokenKind::lparen;  // ONLY (name)
      if (only_paren) ++i;
    }
    auto name = read_name(h, i);
    if (!name) return;
    if (only_paren && i < h.size() && h[i].token.kind == TokenKind::rparen) ++i;
    if (i < h.size() && lexer_.text(h[i].token) == "*") ++i;
    table_ = *name;
    kind_ = Kind::alter_table;
    on_alter_action(h, i);
  } else if (w(0, "RENAME") && w(1, "TABLE")) {
    kind_ = Kind::rename_table;
    on_rename_table_pair(h, 2);
  } else if (w(0, "CREATE")) {
    std::size_t i = 1;
    if (w(i, "OR") && w(i + 1, "REPLACE")) i += 2;
    while (w(i, "UNIQUE") || w(i, "GLOBAL") || w(i, "LOCAL") || w(i, "TEMP") || w(i, "TEMPORARY") ||
           w(i, "UNLOGGED"))
      ++i;
    if (w(i, "INDEX")) on_create_index(h);
    else if (w(i, "TABLE")) on_create_table(h);
    else if (w(i, "FUNCTION") || w(i, "PROCEDURE")) kind_ = Kind::create_function;
  } else if (w(0, "DO")) {
    kind_ = Kind::do_block;
  } else if (w(0, "EXECUTE") && mode_ == Mode::plpgsql) {
    kind_ = Kind::execute;
  }
}

void Analyzer::classify_item(const std::vector<Tok>& item, bool) {
  switch (kind_) {
    case Kind::drop_table:
    case Kind::drop_type:
    case Kind::drop_schema:
    case Kind::drop_database: on_drop(item, 0); break;
    case Kind::truncate: on_truncate(item, 0); break;
    case Kind::alter_table: on_alter_action(item, 0); break;
    case Kind::alter_type: on_alter_type_action(item, 0); break;
    case Kind::rename_table: on_rename_table_pair(item, 0); break;
    default: break;
  }
}

void Analyzer::on_drop(const std::vector<Tok>& item, std::size_t i) {
  auto name = read_name(item, i);
  if (!name) return;
  if (kind_ == Kind::drop_type) {
    dropped_types_.push_back(*name);
  } else if (kind_ == Kind::drop_database) {
    report("sql-drop-database", Severity::critical, *name, begin_,
           fmt::format("DROP DATABASE {} deletes the database and everything in it; only a backup brings it back",
                       *name));
  } else if (kind_ == Kind::drop_schema) {
    report("sql-drop-schema", Severity::critical, *name, begin_,
           fmt::format("DROP SCHEMA {} deletes the schema (with CASCADE, every table in it and their rows)", *name));
  } else {
    table_ = *name;
    std::size_t created = 0;
    bool is_new = table_is_new(&created);
    std::string message = fmt::format(
        "DROP TABLE {} deletes the table and every row in it; stop using it in one release, back it up or rename "
        "it, and drop it in a later one",
        *name);
    if (is_new) message += fmt::format(" (the table was created at line {} of this migration)", ctx_.line_of(created));
    report("sql-drop-table", is_new ? Severity::low : Severity::critical, *name, begin_, message);
    table_.clear();
  }
}

void Analyzer::on_truncate(const std::vector<Tok>& item, std::size_t i) {
  if (is_word(item, i, "ONLY")) ++i;
  if (i < item.size() && item[i].token.kind == TokenKind::lparen) ++i;  // ONLY (name)
  auto name = read_name(item, i);
  if (!name) return;
  table_ = *name;
  bool is_new = table_is_new();
  table_.clear();
  report("sql-truncate", is_new ? Severity::low : Severity::critical, *name, begin_,
         fmt::format("TRUNCATE {} deletes every row of the table at once, without row-level triggers", *name));
}

void Analyzer::on_alter_action(const std::vector<Tok>& item, std::size_t i) {
  auto w = [&](std::size_t j, std::string_view kw) { return is_word(item, j, kw); };
  auto any = [&](std::size_t j, std::initializer_list<std::string_view> kws) {
    for (auto kw : kws)
      if (w(j, kw)) return true;
    return false;
  };
  bool is_new = table_is_new();
  if (w(i, "ADD")) {
    std::size_t j = i + 1;
    if (w(j, "COLUMN")) return on_add_column(item, j + 1);
    // PostgreSQL 18 NOT NULL constraints: ADD [CONSTRAINT name] NOT NULL col scans every row
    // under an ACCESS EXCLUSIVE lock, as SET NOT NULL does, unless NOT VALID.
    std::size_t k = j;
    if (w(k, "CONSTRAINT")) {
      ++k;
      (void)read_name(item, k);
    }
    if (w(k, "NOT") && w(k + 1, "NULL")) {
      k += 2;
      auto col = read_name(item, k);
      bool not_valid = false;
      for (std::size_t m = k; m + 1 < item.size(); ++m) not_valid = not_valid || (w(m, "NOT") && w(m + 1, "VALID"));
      if (col && !not_valid)
        not_null_without_default(*col,
                                 "ADD NOT NULL scans every row under an ACCESS EXCLUSIVE lock, blocking "
                                 "reads and writes, and fails if a row holds NULL; add it NOT VALID, then "
                                 "VALIDATE CONSTRAINT");
      return;
    }
    if (any(j, {"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "EXCLUDE", "INDEX", "KEY", "FULLTEXT",
                "SPATIAL", "PARTITION", "PERIOD"}))
      return;
    if (j < item.size() && item[j].token.kind == TokenKind::lparen) return;
    return on_add_column(item, j);
  }
  if (w(i, "DROP")) {
    std::size_t j = i + 1;
    std::string constraint;
    if (w(j, "CONSTRAINT") || w(j, "CHECK")) {
      ++j;
      if (w(j, "IF") && w(j + 1, "EXISTS")) j += 2;
      constraint = read_name(item, j).value_or("?");
    } else if (w(j, "FOREIGN") && w(j + 1, "KEY")) {
      j += 2;
      constraint = read_name(item, j).value_or("?");
    } else if (w(j, "PRIMARY") && w(j + 1, "KEY")) {
      constraint = "PRIMARY KEY";
    } else if (any(j, {"INDEX", "KEY", "PARTITION", "DEFAULT", "PERIOD"})) {
      return;
    } else {
      if (w(j, "COLUMN")) ++j;
      if (w(j, "IF") && w(j + 1, "EXISTS")) j += 2;
      auto col = read_name(item, j);
      if (!col) return;
      std::string key = column_key(*col);
      MigrationContext::DroppedColumn dropped{begin_, std::nullopt, false};
      if (auto t = ctx_.column_types.find(key); t != ctx_.column_types.end()) dropped.type = t->second;
      ctx_.dropped_columns[key] = dropped;
      ctx_.column_types.erase(key);
      std::string message = fmt::format(
          "DROP COLUMN {} deletes the column's data in every row; stop reading and writing it in one release and "
          "drop it in a later one, after a backup",
          key);
      std::size_t created = 0;
      if (table_is_new(&created))
        message += fmt::format(" (the table was created at line {} of this migration)", ctx_.line_of(created));
      report("sql-drop-column", is_new ? Severity::low : Severity::high, key, begin_, message);
      return;
    }
    if (is_new) return;
    report("sql-drop-constraint", Severity::medium, table_ + "." + constraint, begin_,
           fmt::format("dropping constraint {} on {} lets rows that break it in (duplicates, orphans, invalid "
                       "values), and re-adding it later fails on them",
                       constraint, table_));
    return;
  }
  if (w(i, "ALTER")) {
    std::size_t j = i + 1;
    if (w(j, "COLUMN")) ++j;
    return on_alter_column(item, j);
  }
  if (w(i, "MODIFY") || w(i, "CHANGE")) {
    bool change = w(i, "CHANGE");
    std::size_t j = i + 1;
    if (w(j, "COLUMN")) ++j;
    auto col = read_name(item, j);
    if (!col) return;
    std::string target = *col;
    if (change) {
      auto renamed = read_name(item, j);
      if (!renamed) return;
      target = *renamed;
    }
    ColumnType type = read_type(item, j);
    if (!type.name.empty()) type_change(*col, type);
    if (target != *col) {
      if (auto t = ctx_.column_types.find(column_key(*col)); t != ctx_.column_types.end()) {
        ctx_.column_types[column_key(target)] = t->second;
        ctx_.column_types.erase(t);
      }
      if (!is_new)
        report("sql-rename-column", Severity::high, column_key(*col), begin_,
               fmt::format("column {} is renamed to {}: code still running the old release reads and writes the old "
                           "name and fails until it is replaced; add the new column, copy, and drop the old later",
                           column_key(*col), target));
    }
    return;
  }
  if (w(i, "RENAME")) {
    std::size_t j = i + 1;
    if (any(j, {"CONSTRAINT", "INDEX", "KEY"})) return;
    if (w(j, "TO") || w(j, "AS") || (ctx_.dialect == Dialect::mysql && !w(j, "COLUMN") && !w(j + 1, "TO"))) {
      if (w(j, "TO") || w(j, "AS")) ++j;
      auto to = read_name(item, j).value_or("?");
      if (!is_new)
        report("sql-rename-table", Severity::high, table_, begin_,
               fmt::format("table {} is renamed to {}: every query of the running release that names it fails "
                           "until the new release is out; rename in steps (a view with the old name, or expand and "
                           "contract)",
                           table_, to));
      return;
    }
    if (w(j, "COLUMN")) ++j;
    auto from = read_name(item, j);
    if (!from || !w(j, "TO")) return;
    ++j;
    auto to = read_name(item, j).value_or("?");
    if (auto t = ctx_.column_types.find(column_key(*from)); t != ctx_.column_types.end()) {
      ctx_.column_types[column_key(to)] = t->second;
      ctx_.column_types.erase(t);
    }
    if (!is_new)
      report("sql-rename-column", Severity::high, column_key(*from), begin_,
             fmt::format("column {} is renamed to {}: code still running the old release reads and writes the old "
                         "name and fails until it is replaced; add the new column, copy, and drop the old later",
                         column_key(*from), to));
    return;
  }
  if (w(i, "SET") && w(i + 1, "SCHEMA")) {
    std::size_t j = i + 2;
    auto schema = read_name(item, j).value_or("?");
    if (!is_new)
      report("sql-rename-table", Severity::high, table_, begin_,
             fmt::format("table {} moves to schema {}: queries that name it the old way fail", table_, schema));
  }
}

// ALTER TYPE t DROP ATTRIBUTE a CASCADE drops column a, with its data, from every table created
// OF TYPE t (without CASCADE PostgreSQL refuses when such a table exists).
void Analyzer::on_alter_type_action(const std::vector<Tok>& item, std::size_t i) {
  if (!is_word(item, i, "DROP") || !is_word(item, i + 1, "ATTRIBUTE")) return;
  std::size_t j = i + 2;
  if (is_word(item, j, "IF") && is_word(item, j + 1, "EXISTS")) j += 2;
  auto attribute = read_name(item, j);
  if (!attribute || !is_word(item, item.size() - 1, "CASCADE")) return;
  report("sql-drop-cascade", Severity::critical, table_ + "." + *attribute, begin_,
         fmt::format("ALTER TYPE {} DROP ATTRIBUTE {} CASCADE also drops the column {} (and its data) from every "
                     "table created OF TYPE {}",
                     table_, *attribute, *attribute, table_));
}

void Analyzer::on_alter_column(const std::vector<Tok>& item, std::size_t j) {
  auto col = read_name(item, j);
  if (!col) return;
  if (is_word(item, j, "SET") && is_word(item, j + 1, "DATA") && is_word(item, j + 2, "TYPE")) {
    j += 3;
  } else if (is_word(item, j, "TYPE")) {
    j += 1;
  } else {
    if (is_word(item, j, "SET") && is_word(item, j + 1, "NOT") && is_word(item, j + 2, "NULL"))
      not_null_without_default(*col, "SET NOT NULL scans every row under an ACCESS EXCLUSIVE lock, blocking reads "
                                     "and writes; add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT "
                                     "NULL");
    return;
  }
  ColumnType type = read_type(item, j);
  if (!type.name.empty()) type_change(*col, type);
}

void Analyzer::on_add_column(const std::vector<Tok>& item, std::size_t j) {
  if (is_word(item, j, "IF") && is_word(item, j + 1, "NOT") && is_word(item, j + 2, "EXISTS")) j += 3;
  auto col = read_name(item, j);
  if (!col) return;
  std::string key = column_key(*col);
  ColumnType type = read_type(item, j);
  bool not_null = false, has_default = type.name.find("serial") != std::string::npos;
  for (std::size_t k = j; k < item.size(); ++k) {
    if (item[k].depth != 0 || item[k].token.kind != TokenKind::word) continue;
    auto t = lexer_.text(item[k].token);
    if (is_keyword(t, "DEFAULT") || is_keyword(t, "GENERATED") || is_keyword(t, "AUTO_INCREMENT") ||
        is_keyword(t, "AS"))
      has_default = true;
    if (is_keyword(t, "NULL") && k > 0 && is_word(item, k - 1, "NOT")) not_null = true;
  }
  if (auto d = ctx_.dropped_columns.find(key); d != ctx_.dropped_columns.end() && !d->second.re_added) {
    d->second.re_added = true;
    report("sql-column-readded", Severity::high, key, d->second.offset,
           fmt::format("column {} is dropped at line {} and added back at line {} of the same migration: the column "
                       "comes back empty, and every value it held is lost; use ALTER COLUMN ... TYPE, or a rename",
                       key, ctx_.line_of(d->second.offset), ctx_.line_of(pinned_.value_or(begin_))));
  } else if (!type.name.empty()) {
    // A drop of a column whose type this migration knows, then an add of another column of
    // that type on the same table: a rename done by drop and add, which loses the data.
    for (auto& [dropped_key, dropped] : ctx_.dropped_columns) {
      if (dropped.re_added || !dropped.type || dropped.type->name != type.name ||
          dropped.type->length != type.length || !dropped_key.starts_with(table_ + ".") ||
          dropped_key.find('.', table_.size() + 1) != std::string::npos)
        continue;
      dropped.re_added = true;
      report("sql-column-readded", Severity::high, dropped_key, dropped.offset,
             fmt::format("column {} ({}) is dropped at line {} and column {} of the same type is added at line {}: a "
                         "rename done by drop and add loses every value; use RENAME COLUMN",
                         dropped_key, dropped.type->spelling, ctx_.line_of(dropped.offset), key,
                         ctx_.line_of(pinned_.value_or(begin_))));
      break;
    }
  }
  if (!type.name.empty()) ctx_.column_types[key] = type;
  if (not_null && !has_default)
    not_null_without_default(*col, "ADD COLUMN ... NOT NULL without DEFAULT fails on a table that has rows "
                                   "(PostgreSQL) or silently fills zero values (MySQL); add a DEFAULT, or add the "
                                   "column nullable, backfill, then set NOT NULL");
}

void Analyzer::not_null_without_default(const std::string& column, std::string_view how) {
  if (table_is_new()) return;
  report("sql-not-null-without-default", Severity::medium, column_key(column), begin_, std::string(how));
}

void Analyzer::type_change(const std::string& column, const ColumnType& next) {
  std::string key = column_key(column);
  auto old = ctx_.column_types.find(key);
  if (!table_is_new()) {
    if (old != ctx_.column_types.end()) {
      if (auto why = narrowing(old->second, next, ctx_.dialect))
        report("sql-narrowing-type", Severity::high, key, begin_,
               fmt::format("{} changes from {} to {}: {}", key, old->second.spelling, next.spelling, *why));
    } else if (bounded(next)) {
      report("sql-narrowing-type", Severity::medium, key, begin_,
             fmt::format("{} changes to {}, a bounded type; the old type is not in this migration, and if it was "
                         "wider, values are truncated or the migration fails on them",
                         key, next.spelling));
    }
  }
  ctx_.column_types[key] = next;
}

void Analyzer::on_rename_table_pair(const std::vector<Tok>& item, std::size_t i) {
  auto from = read_name(item, i);
  if (!from || !is_word(item, i, "TO")) return;
  ++i;
  auto to = read_name(item, i).value_or("?");
  report("sql-rename-table", Severity::high, *from, begin_,
         fmt::format("table {} is renamed to {}: every query of the running release that names it fails until the "
                     "new release is out",
                     *from, to));
}

void Analyzer::on_create_table(const std::vector<Tok>& h) {
  std::size_t i = 1;
  bool temporary = false;
  while (i < h.size() && !is_word(h, i, "TABLE")) {
    temporary = temporary || is_word(h, i, "TEMP") || is_word(h, i, "TEMPORARY");
    ++i;
  }
  ++i;
  bool if_not_exists = is_word(h, i, "IF") && is_word(h, i + 1, "NOT") && is_word(h, i + 2, "EXISTS");
  if (if_not_exists) i += 3;
  auto name = read_name(h, i);
  if (!name) return;
  // CREATE TABLE IF NOT EXISTS may meet a table that already holds data: not new.
  if (!if_not_exists && !temporary) ctx_.created_tables.emplace(*name, pinned_.value_or(begin_));
  if (i >= h.size() || h[i].token.kind != TokenKind::lparen) return;
  table_ = *name;
  ++i;
  while (i < h.size() && h[i].depth >= 1) {
    bool constraint = false;
    for (auto kw : {"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "EXCLUDE", "LIKE", "INDEX", "KEY"})
      constraint = constraint || is_word(h, i, kw);
    if (!constraint) {
      auto col = read_name(h, i);
      if (col) {
        ColumnType type = read_type(h, i);
        if (!type.name.empty()) ctx_.column_types[column_key(*col)] = type;
      }
    }
    while (i < h.size() && h[i].depth >= 1 && !(h[i].depth == 1 && h[i].token.kind == TokenKind::comma)) ++i;
    if (i < h.size() && h[i].token.kind == TokenKind::comma) ++i;
  }
  table_.clear();
}

void Analyzer::on_create_index(const std::vector<Tok>& h) {
  if (ctx_.dialect != Dialect::postgresql) return;  // InnoDB builds indexes online by default
  std::size_t on = 0;
  for (std::size_t i = 0; i < h.size(); ++i) {
    if (h[i].depth != 0) continue;
    if (is_word(h, i, "CONCURRENTLY")) return;
    if (is_word(h, i, "ON") && on == 0) on = i;
  }
  if (on == 0) return;
  std::size_t i = on + 1;
  if (is_word(h, i, "ONLY")) ++i;
  auto table = read_name(h, i);
  if (!table) return;
  table_ = *table;
  bool is_new = table_is_new();
  table_.clear();
  if (is_new) return;
  report("sql-index-not-concurrent", Severity::medium, *table, begin_,
         fmt::format("CREATE INDEX without CONCURRENTLY locks {} against writes until the index is built; use "
                     "CREATE INDEX CONCURRENTLY (outside a transaction)",
                     *table));
}

}  // namespace cs::risk::sql
