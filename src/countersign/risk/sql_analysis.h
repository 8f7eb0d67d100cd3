// Private to risk/: the statement splitter and classifier behind assess_sql(). A migration is
// lexed once; tokens are fed to an Analyzer that splits statements the way psql and the mysql
// client do (parentheses, BEGIN ... END in function bodies, DELIMITER), keeps only a bounded
// window of each statement, and reports findings as each part of a statement completes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "countersign/risk/risk.h"
#include "countersign/risk/sql_lexer.h"

namespace cs::risk::sql {

// A column type as written, reduced to what narrowing needs.
struct ColumnType {
  std::string name;      // normalised base name: "varchar", "int4", "numeric", "text", ...
  std::string spelling;  // as written, for messages
  long long length = -1;  // varchar(n) / char(n) / numeric precision
  long long scale = -1;   // numeric scale
};

// Null when `next` cannot hold every value of `old`; otherwise why it is narrower.
std::optional<std::string> narrowing(const ColumnType& old, const ColumnType& next, Dialect dialect);
// True when a change to this type may narrow whatever the old type was.
bool bounded(const ColumnType& t);

struct SourcedFunction {
  std::string_view source;  // where the body lives (the file, or an unescaped string)
  std::size_t body_begin = 0, body_end = 0;
  std::size_t defined_at = 0;
  std::optional<std::size_t> pinned;  // set when the body is not in the file itself
  bool plpgsql = false;
  bool analysed = false;
};

// State that spans the statements of one migration file.
struct MigrationContext {
  std::string_view file_text;
  std::string file;
  Dialect dialect = Dialect::postgresql;
  const SqlOptions* options = nullptr;
  int include_depth = 0;  // files that \i / \ir went through to reach this one
  std::vector<Finding> findings;
  std::map<std::string, std::size_t> created_tables;    // created in this migration -> offset
  std::map<std::string, ColumnType> column_types;       // "table.column" -> last known type
  struct DroppedColumn {
    std::size_t offset = 0;
    std::optional<ColumnType> type;  // when this migration said what it was
    bool re_added = false;
  };
  std::map<std::string, DroppedColumn> dropped_columns;  // "table.column"

  std::map<std::string, SourcedFunction> functions;     // functions defined in this migration
  std::vector<std::unique_ptr<std::string>> owned_sources;  // unescaped bodies analysed as SQL
  int nesting = 0;
  std::vector<std::size_t> newlines;  // built on first use
  bool newlines_built = false;

  std::string location(std::size_t offset);
  int line_of(std::size_t offset);
};

// Analyses one file; `include_depth` counts the psql \i / \ir that led to it.
std::vector<Finding> assess_file(std::string_view text, std::string_view file, const SqlOptions& options,
                                 int include_depth);

// A token with its parenthesis depth inside the statement ('(' and ')' carry the outer depth).
struct Tok {
  Token token;
  int depth = 0;
};

enum class Mode : std::uint8_t { sql, plpgsql };

class Analyzer {
 public:
  // Analyses [begin, end) of `source`. When `pinned` is set, every finding points there (the
  // source is an unescaped string, not the file).
  Analyzer(MigrationContext& ctx, std::string_view source, std::size_t begin, std::size_t end, Mode mode,
           std::optional<std::size_t> pinned);
  void run();
  // The file is run by psql: read its meta-commands (\set, \i, \gexec ...) as psql does.
  void read_psql_commands() { lexer_.read_psql_commands(true); }

 private:
  struct DmlFrame {
    bool is_delete = false;
    int depth = 0;
    std::size_t begin = 0;
    std::vector<Tok> target;  // the tokens after the verb, enough to read the table name
    bool has_where = false;
    bool where_closed = false;
    std::vector<Tok> where;  // the first tokens of the WHERE clause, to spot "WHERE true"
    bool where_long = false;
  };

  void feed(const Token& t);
  void end_statement();
  void end_item();
  void open_dml(bool is_delete);
  void feed_dml_into(DmlFrame& f, const Tok& t);
  void close_dml(DmlFrame& f);
  void track_function_blocks(const Token& t);
  bool plpgsql_boundary(const Token& t);
  void maybe_call(const Token& t);

  // Classification (sql_rules.cpp).
  void classify_head();
  void classify_item(const std::vector<Tok>& item, bool first);
  void on_drop(const std::vector<Tok>& item, std::size_t from);
  void on_truncate(const std::vector<Tok>& item, std::size_t from);
  void on_alter_action(const std::vector<Tok>& item, std::size_t from);
  void on_alter_column(const std::vector<Tok>& item, std::size_t from);
  void on_alter_type_action(const std::vector<Tok>& item, std::size_t from);
  void on_add_column(const std::vector<Tok>& item, std::size_t from);
  void on_rename_table_pair(const std::vector<Tok>& item, std::size_t from);
  void on_create_table(const std::vector<Tok>& item);
  void on_create_index(const std::vector<Tok>& item);
  void on_statement_end();
  void on_merge();
  void analyse_body(std::string_view source, std::size_t begin, std::size_t end, bool plpgsql,
                    std::optional<std::size_t> pinned, std::string note);
  void type_change(const std::string& column, const ColumnType& next);
  void not_null_without_default(const std::string& column, std::string_view how);
  void analyse_string(const Token& t, bool plpgsql, std::string note);
  void report(std::string rule, Severity severity, std::string resource, std::size_t offset, std::string message);
  void on_psql_command(const Token& t);
  void on_include(const Token& t, std::string_view verb, std::string_view args);

  // Name and type readers over a window of tokens.
  bool is_word(const std::vector<Tok>& item, std::size_t i, std::string_view kw) const;
  // A WHERE clause (its first tokens) that holds for every row (sql_condition.cpp).
  bool always_true(const std::vector<Tok>& where) const;
  std::optional<std::string> read_name(const std::vector<Tok>& item, std::size_t& i) const;
  std::string identifier(const Token& t) const;
  ColumnType read_type(const std::vector<Tok>& item, std::size_t& i) const;
  std::string column_key(const std::string& column) const { return table_ + "." + column; }
  bool table_is_new(std::size_t* created_at = nullptr) const;

  MigrationContext& ctx_;
  std::string_view src_;
  Lexer lexer_;
  Mode mode_;
  std::optional<std::size_t> pinned_;
 public:
  std::string note;  // appended to every message: where a nested body came from
 private:

  // The statement being read.
  bool empty_ = true;
  std::size_t begin_ = 0;
  int depth_ = 0;
  int begin_depth_ = 0;        // BEGIN ... END inside CREATE FUNCTION (psql's rule)
  bool pending_end_ = false;   // END seen, decided by the next word (END IF, END LOOP, ...)
  int word_count_ = 0;
  std::string leading_;        // first letters of the leading words, as psql tracks them
  int case_depth_ = 0;         // PL/pgSQL: CASE ... END inside a statement
  std::size_t item_index_ = 0;
  std::vector<Tok> head_;      // the first part of the statement (up to a depth-0 comma)
  std::vector<Tok> item_;      // the current later part
  bool item_not_null_ = false, item_default_ = false;
  bool head_not_null_ = false, head_default_ = false;
  std::vector<DmlFrame> frames_;
  Tok prev_;
  bool has_prev_ = false;
  std::optional<Token> as_body_, first_string_;
  // CREATE FUNCTION ... BEGIN ATOMIC <body> END: the body's bytes, when the statement has one.
  std::size_t atomic_begin_ = 0, atomic_end_ = 0;
  std::string language_;

  // What the head said, for the later parts.
  enum class Kind : std::uint8_t { other, drop_table, drop_schema, drop_database, drop_type, truncate, alter_table,
                                   rename_table, create_function, do_block, execute, call_site,
                                   alter_type } kind_ = Kind::other;
  std::string dropped_kind_;               // DROP TYPE / DOMAIN / EXTENSION: which
  std::vector<std::string> dropped_types_;  // ... and the names, reported at the end when CASCADE
  std::string table_;  // ALTER TABLE target
  bool mysql_schema_is_database_ = false;
};

}  // namespace cs::risk::sql
