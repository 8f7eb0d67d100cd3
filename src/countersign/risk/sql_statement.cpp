// Statement splitting: how psql and the mysql client decide where a statement ends, and the
// bounded per-statement state the classifier reads (sql_rules.cpp).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <optional>

#include "countersign/risk/sql_analysis.h"

namespace cs::risk::sql {
namespace {

constexpr std::size_t kMaxItemTokens = 4096;  // enough for any CREATE TABLE; the rest is skipped
constexpr std::size_t kMaxDmlFrames = 64;
constexpr std::size_t kTargetTokens = 8;
constexpr std::size_t kWhereTokens = 48;  // enough for `a = 1 OR (1 = 1)` and casts

bool any_keyword(std::string_view w, std::initializer_list<std::string_view> kws) {
  return std::any_of(kws.begin(), kws.end(), [&](std::string_view k) { return is_keyword(w, k); });
}

}  // namespace

Analyzer::Analyzer(MigrationContext& ctx, std::string_view source, std::size_t begin, std::size_t end, Mode mode,
                   std::optional<std::size_t> pinned)
    : ctx_(ctx), src_(source), lexer_(source, ctx.dialect, begin, end), mode_(mode), pinned_(pinned) {}

void Analyzer::run() {
  std::optional<Token> carried;  // the token after a skipped '#' line, still to be handled
  for (;;) {
    Token t = carried ? *carried : lexer_.next();
    carried.reset();
    // PostgreSQL has no '#' comments: a statement cannot start with '#', so the line is a MySQL
    // comment in a file read as PostgreSQL (or garbage). Either way the file is not what the
    // dialect says: report it, then read the line as a comment so that what follows is still
    // checked (a DROP after it must not hide behind the misread line).
    if (empty_ && mode_ == Mode::sql && ctx_.dialect == Dialect::postgresql && t.kind == TokenKind::op &&
        lexer_.text(t) == "#") {
      report("unreviewable", Severity::high, "", t.begin,
             "a statement starts with '#', which PostgreSQL rejects (it is a comment only in MySQL): the "
             "migration is not valid PostgreSQL; if it is MySQL, set the dialect to mysql");
      const std::size_t line_end = src_.find('\n', t.begin);
      do t = lexer_.next();
      while (t.kind != TokenKind::end && t.kind != TokenKind::error && line_end != std::string_view::npos &&
             t.begin < line_end);
      if (line_end == std::string_view::npos && t.kind != TokenKind::error) {
        while (t.kind != TokenKind::end && t.kind != TokenKind::error) t = lexer_.next();
      }
      carried = t;
      continue;
    }
    if (t.kind == TokenKind::error) {
      report("unreviewable", Severity::high, "", t.begin,
             std::string(lexer_.error_message()) +
                 ": the rest of the migration cannot be read as SQL, so it cannot be reviewed; a database "
                 "would reject it or read it differently");
      return;
    }
    if (t.kind == TokenKind::end) {
      if (depth_ > 0 && mode_ == Mode::sql) {
        report("unreviewable", Severity::high, "", begin_,
               "unbalanced parentheses: the statement starting here never closes, so where the following "
               "statements start depends on the tool that runs the migration");
      }
      if (!empty_) end_statement();
      return;
    }
    if (t.kind == TokenKind::psql_command) {
      on_psql_command(t);
      continue;
    }
    if (empty_ && mode_ == Mode::sql && lexer_.reads_psql_commands() && t.kind == TokenKind::op &&
        lexer_.text(t) == ":")
      report("unreviewable", Severity::high, "", t.begin,
             "a statement starts with a psql variable (:name): psql runs the variable's value (\\set earlier, or -v "
             "on the command line) as SQL here, which is not read as part of the migration");
    if (t.kind == TokenKind::semicolon) {
      if (pending_end_) {
        pending_end_ = false;
        if (begin_depth_ > 0) --begin_depth_;
      }
      bool custom = lexer_.delimiter() != ";";
      if (custom || (depth_ == 0 && begin_depth_ == 0)) {
        if (!empty_) end_statement();
        continue;
      }
    }
    if (empty_ && ctx_.dialect == Dialect::mysql && t.kind == TokenKind::word &&
        is_keyword(lexer_.text(t), "DELIMITER")) {
      lexer_.read_delimiter_command();
      continue;
    }
    feed(t);
  }
}

// psql runs a meta-command when it reads it and goes on with the query buffer on the next line:
// most are not SQL at all (\set ON_ERROR_STOP on), the \g family sends the buffer like ';', and a
// few run what the file does not show.
void Analyzer::on_psql_command(const Token& t) {
  std::string_view body = lexer_.body(t);
  std::string_view verb = body.substr(0, std::min(body.find_first_of(" \t\r"), body.size()));
  std::string_view args = body.substr(verb.size());
  while (!args.empty() && (args.front() == ' ' || args.front() == '\t')) args.remove_prefix(1);
  if (t.shell)
    report("unreviewable", Severity::high, "", t.begin,
           "psql runs a shell command here (\\! or a `backquoted` argument): what it does cannot be read from the "
           "migration");
  if (verb == "g" || verb == "gx" || verb == "gset" || verb == "gexec" || verb == "gdesc" || verb == "crosstabview") {
    if (!empty_) end_statement();
    if (verb == "gexec")
      report("unreviewable", Severity::high, "", t.begin,
             "psql \\gexec runs every value the query returns as a statement: what runs is not in the file, so it "
             "cannot be reviewed");
  } else if (verb == "i" || verb == "ir" || verb == "include" || verb == "include_relative") {
    on_include(t, verb, args);
  }
}

// psql runs the included file's statements here: read it as part of this migration when it is in
// the repository; otherwise what runs cannot be reviewed from this file.
void Analyzer::on_include(const Token& t, std::string_view verb, std::string_view args) {
  std::string target(args);
  while (!target.empty() && (target.back() == ' ' || target.back() == '\t' || target.back() == '\r')) target.pop_back();
  if (target.size() >= 2 && target.front() == '\'' && target.back() == '\'')
    target = target.substr(1, target.size() - 2);
  std::optional<std::string> text;
  std::string path = target;
  if (!target.empty() && ctx_.options && ctx_.options->read_included && ctx_.include_depth < 16) {
    bool relative = verb == "ir" || verb == "include_relative";
    if (relative && !target.starts_with("/"))
      path = (std::filesystem::path(ctx_.file).parent_path() / target).lexically_normal().string();
    text = ctx_.options->read_included(path);
  }
  if (!text) {
    report("unreviewable", Severity::high, target, t.begin,
           "psql includes " + (target.empty() ? std::string("another file") : target) +
               " here and runs its statements as part of this migration, and that file is not in the repository "
               "(or nested too deep): review it too");
    return;
  }
  const std::string where =
      fmt::format(" (in {}, included by {} at line {})", path, ctx_.file, ctx_.line_of(pinned_.value_or(t.begin)));
  for (auto& f : assess_file(*text, path, *ctx_.options, ctx_.include_depth + 1)) {
    f.message += where;
    ctx_.findings.push_back(std::move(f));
  }
}

// PL/pgSQL has no statement terminator before its first statement in a block: BEGIN, THEN,
// ELSE, LOOP, DECLARE and EXCEPTION start a new statement.
bool Analyzer::plpgsql_boundary(const Token& t) {
  if (mode_ != Mode::plpgsql || t.kind != TokenKind::word || depth_ != 0) return false;
  auto w = lexer_.text(t);
  if (is_keyword(w, "CASE")) {
    if (!empty_) ++case_depth_;  // a CASE expression; a CASE statement starts a statement
    return false;
  }
  if (is_keyword(w, "END") && case_depth_ > 0) {
    --case_depth_;
    return false;
  }
  // MERGE ... WHEN MATCHED THEN UPDATE / DELETE: that THEN is part of the statement.
  bool in_merge = !empty_ && !head_.empty() && is_keyword(lexer_.text(head_.front().token), "MERGE");
  if (in_merge && any_keyword(w, {"THEN", "ELSE"})) return false;
  if (case_depth_ == 0 && any_keyword(w, {"BEGIN", "THEN", "ELSE", "LOOP", "DECLARE", "EXCEPTION"})) {
    if (!empty_) end_statement();
    return true;
  }
  return false;
}

// psql keeps semicolons inside BEGIN ... END of a CREATE FUNCTION/PROCEDURE (SQL-standard
// bodies); MySQL routine bodies use BEGIN ... END with END IF / END LOOP / END CASE inside.
void Analyzer::track_function_blocks(const Token& t) {
  if (t.kind != TokenKind::word || mode_ != Mode::sql) return;
  auto w = lexer_.text(t);
  ++word_count_;
  if (word_count_ == 1) {
    leading_ = is_keyword(w, "CREATE") ? "c" : "";
    return;
  }
  if (leading_ == "c" && word_count_ <= 8 && depth_ == 0 &&
      (any_keyword(w, {"FUNCTION", "PROCEDURE"}) ||
       (ctx_.dialect == Dialect::mysql && any_keyword(w, {"TRIGGER", "EVENT"})))) {
    leading_ = "cr";  // a routine definition
    return;
  }
  if (leading_ != "cr" || depth_ != 0) return;
  bool skip_case = false;
  if (pending_end_) {
    pending_end_ = false;
    if (any_keyword(w, {"IF", "LOOP", "WHILE", "REPEAT"})) return;
    if (begin_depth_ > 0) --begin_depth_;
    skip_case = is_keyword(w, "CASE");
  }
  if (is_keyword(w, "BEGIN")) {
    ++begin_depth_;
  } else if (is_keyword(w, "ATOMIC") && begin_depth_ == 1 && atomic_begin_ == 0 && has_prev_ &&
             prev_.token.kind == TokenKind::word && is_keyword(lexer_.text(prev_.token), "BEGIN")) {
    atomic_begin_ = t.end;  // an SQL-standard body: what a call runs
  } else if (is_keyword(w, "CASE") && !skip_case) {
    if (begin_depth_ > 0) ++begin_depth_;
  } else if (is_keyword(w, "END")) {
    if (ctx_.dialect == Dialect::mysql) pending_end_ = true;
    else if (begin_depth_ > 0 && --begin_depth_ == 0 && atomic_begin_ != 0 && atomic_end_ == 0)
      atomic_end_ = t.begin;
  }
}

void Analyzer::feed(const Token& t) {
  Tok tk{t, depth_};
  if (t.kind == TokenKind::lparen) {
    ++depth_;
  } else if (t.kind == TokenKind::rparen) {
    depth_ = std::max(0, depth_ - 1);
    tk.depth = depth_;
  }
  if (plpgsql_boundary(t)) return;
  if (empty_) {
    empty_ = false;
    begin_ = t.begin;
  }
  track_function_blocks(t);

  // DML frames: a ')' that leaves a frame's parentheses ends it.
  while (!frames_.empty() && frames_.back().depth > tk.depth) {
    close_dml(frames_.back());
    frames_.pop_back();
  }
  for (auto& f : frames_) feed_dml_into(f, tk);
  if (t.kind == TokenKind::word && frames_.size() < kMaxDmlFrames) {
    auto w = lexer_.text(t);
    bool del = is_keyword(w, "DELETE"), upd = is_keyword(w, "UPDATE");
    if (del || upd) {
      bool first = !has_prev_;
      bool in_with = !head_.empty() && is_keyword(lexer_.text(head_.front().token), "WITH") && has_prev_ &&
                     (prev_.token.kind == TokenKind::lparen ||
                      prev_.token.kind == TokenKind::rparen);  // after a CTE, at any depth: a CTE's own WITH
      if (first || in_with) frames_.push_back(DmlFrame{del, tk.depth, t.begin, {}, false, false, {}, false});
    }
  }

  // Statement-level facts the classifier needs whatever the statement's length.
  if (tk.depth == 0) {
    bool str = t.kind == TokenKind::string || t.kind == TokenKind::dollar_string;
    if (str && !first_string_) first_string_ = t;
    if (str && !as_body_ && has_prev_ && prev_.token.kind == TokenKind::word && is_keyword(lexer_.text(prev_.token), "AS"))
      as_body_ = t;
    if (has_prev_ && prev_.token.kind == TokenKind::word && is_keyword(lexer_.text(prev_.token), "LANGUAGE") &&
        (t.kind == TokenKind::word || t.kind == TokenKind::string || t.kind == TokenKind::quoted_ident))
      language_ = identifier(t);
  }
  if (t.kind == TokenKind::lparen) maybe_call(t);

  if (tk.depth == 0 && t.kind == TokenKind::comma) {
    end_item();
  } else {
    auto& item = item_index_ == 0 ? head_ : item_;
    if (tk.depth <= 2 && item.size() < kMaxItemTokens) item.push_back(tk);
  }
  prev_ = tk;
  has_prev_ = true;
}

void Analyzer::feed_dml_into(DmlFrame& f, const Tok& tk) {
  if (tk.depth == f.depth && f.target.size() < kTargetTokens && !f.has_where) f.target.push_back(tk);
  if (f.has_where && !f.where_closed) {
    if (tk.depth == f.depth && tk.token.kind == TokenKind::word &&
        any_keyword(lexer_.text(tk.token), {"RETURNING", "ORDER", "LIMIT"})) {
      f.where_closed = true;
    } else if (tk.depth < f.depth || f.where.size() >= kWhereTokens) {
      f.where_long = true;
    } else {
      f.where.push_back(tk);
    }
    return;
  }
  if (tk.depth == f.depth && tk.token.kind == TokenKind::word && is_keyword(lexer_.text(tk.token), "WHERE"))
    f.has_where = true;
}

void Analyzer::end_item() {
  if (item_index_ == 0) {
    classify_head();
  } else {
    classify_item(item_, false);
    item_.clear();
  }
  ++item_index_;
}

void Analyzer::end_statement() {
  // psql sends COPY ... FROM STDIN and then reads the data lines that follow it, not SQL.
  bool copy_data = mode_ == Mode::sql && lexer_.reads_psql_commands() && is_word(head_, 0, "COPY");
  if (copy_data) {
    bool from_stdin = false;
    for (std::size_t i = 1; i + 1 < head_.size(); ++i)
      from_stdin = from_stdin || (head_[i].depth == 0 && is_word(head_, i, "FROM") && is_word(head_, i + 1, "STDIN"));
    copy_data = from_stdin;
  }
  end_item();
  while (!frames_.empty()) {
    close_dml(frames_.back());
    frames_.pop_back();
  }
  on_statement_end();
  empty_ = true;
  depth_ = 0;
  begin_depth_ = 0;
  pending_end_ = false;
  word_count_ = 0;
  leading_.clear();
  case_depth_ = 0;
  item_index_ = 0;
  head_.clear();
  item_.clear();
  has_prev_ = false;
  as_body_.reset();
  first_string_.reset();
  atomic_begin_ = atomic_end_ = 0;
  language_.clear();
  kind_ = Kind::other;
  table_.clear();
  if (copy_data) lexer_.skip_copy_data();
}

}  // namespace cs::risk::sql
