// Code that runs inside a statement: DELETE/UPDATE without WHERE (including data-modifying
// CTEs), DO blocks, PL/pgSQL EXECUTE, and functions defined and then called in the same
// migration. CREATE FUNCTION bodies are not run by the migration; DO bodies are.
#include <fmt/format.h>

#include "countersign/core/text.h"
#include "countersign/risk/sql_analysis.h"

namespace cs::risk::sql {
namespace {

constexpr int kMaxNesting = 16;

std::string render_part(const std::string& id) {
  bool plain = !id.empty() && !(id[0] >= '0' && id[0] <= '9');
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '$')) plain = false;
  if (plain) return id;
  std::string out = "\"";
  for (char c : id) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string Analyzer::identifier(const Token& t) const {
  if (t.kind == TokenKind::word) return text::lower(lexer_.text(t));
  if (t.kind == TokenKind::quoted_ident || t.kind == TokenKind::string) return lexer_.unescaped(t);
  return std::string(lexer_.text(t));
}

bool Analyzer::is_word(const std::vector<Tok>& item, std::size_t i, std::string_view kw) const {
  return i < item.size() && item[i].token.kind == TokenKind::word && is_keyword(lexer_.text(item[i].token), kw);
}

std::optional<std::string> Analyzer::read_name(const std::vector<Tok>& item, std::size_t& i) const {
  auto part = [&](std::size_t j) {
    return j < item.size() && (item[j].token.kind == TokenKind::word || item[j].token.kind == TokenKind::quoted_ident);
  };
  if (!part(i)) return std::nullopt;
  std::string out = render_part(identifier(item[i].token));
  ++i;
  while (i + 1 < item.size() && item[i].token.kind == TokenKind::dot && part(i + 1)) {
    out += "." + render_part(identifier(item[i + 1].token));
    i += 2;
  }
  return out;
}

void Analyzer::report(std::string rule, Severity severity, std::string resource, std::size_t offset,
                      std::string message) {
  Finding f;
  f.rule = std::move(rule);
  f.severity = severity;
  f.resource = text::sanitize_utf8(resource);
  f.file = ctx_.file;
  f.location = ctx_.location(pinned_.value_or(offset));
  f.message = text::sanitize_utf8(message + note);
  ctx_.findings.push_back(std::move(f));
}

void Analyzer::close_dml(DmlFrame& f) {
  bool trivial = false;
  if (f.has_where) {
    if (f.where_long || f.where.empty()) return;
    trivial = always_true(f.where);
    if (!trivial) return;
  }
  std::size_t i = 0;
  const auto& t = f.target;
  while (is_word(t, i, "LOW_PRIORITY") || is_word(t, i, "QUICK") || is_word(t, i, "IGNORE")) ++i;
  if (f.is_delete && is_word(t, i, "FROM")) ++i;
  if (is_word(t, i, "ONLY")) ++i;
  std::string table = read_name(t, i).value_or("?");
  auto created = ctx_.created_tables.find(table);
  bool is_new = created != ctx_.created_tables.end();
  std::string why = trivial ? "its WHERE clause is always true" : "it has no WHERE clause";
  std::string what = f.is_delete ? "deletes every row of " : "rewrites every row of ";
  std::string message = fmt::format("{} {}{}; add a WHERE clause that names the rows, or run it as a reviewed data "
                                    "fix with a backup",
                                    f.is_delete ? "DELETE" : "UPDATE", what + table + ": ", why);
  if (is_new) message += fmt::format(" (the table was created at line {} of this migration)", ctx_.line_of(created->second));
  report(f.is_delete ? "sql-delete-without-where" : "sql-update-without-where",
         is_new ? Severity::low : Severity::critical, table, f.begin, message);
}

void Analyzer::analyse_body(std::string_view source, std::size_t begin, std::size_t end, bool plpgsql,
                            std::optional<std::size_t> pinned, std::string body_note) {
  if (ctx_.nesting >= kMaxNesting) {
    report("unreviewable", Severity::high, "", pinned.value_or(begin),
           "code nested more than 16 levels deep (DO blocks, EXECUTE, function calls) cannot be reviewed");
    return;
  }
  ++ctx_.nesting;
  Analyzer sub(ctx_, source, begin, end, plpgsql ? Mode::plpgsql : Mode::sql, pinned);
  sub.note = body_note + note;
  sub.run();
  --ctx_.nesting;
}

// Analyses the SQL inside a string token of this statement: in place when its bytes are the
// code itself, otherwise unescaped into a copy whose findings point at the string.
void Analyzer::analyse_string(const Token& t, bool plpgsql, std::string body_note) {
  bool in_place = t.kind == TokenKind::dollar_string || !t.escapes;
  if (in_place) {
    analyse_body(src_, t.body_begin, t.body_end, plpgsql, pinned_, std::move(body_note));
    return;
  }
  ctx_.owned_sources.push_back(std::make_unique<std::string>(lexer_.unescaped(t)));
  const std::string& copy = *ctx_.owned_sources.back();
  analyse_body(copy, 0, copy.size(), plpgsql, pinned_.value_or(t.begin), std::move(body_note));
}

void Analyzer::maybe_call(const Token&) {
  if (ctx_.functions.empty() || !has_prev_ || prev_.token.kind != TokenKind::word || head_.empty()) return;
  auto first = lexer_.text(head_.front().token);
  for (auto kw : {"CREATE", "DROP", "ALTER", "COMMENT", "GRANT", "REVOKE"})
    if (is_keyword(first, kw)) return;
  auto it = ctx_.functions.find(text::lower(lexer_.text(prev_.token)));
  if (it == ctx_.functions.end() || it->second.analysed) return;
  SourcedFunction& fn = it->second;
  fn.analysed = true;
  std::string body_note = fmt::format(" (inside function {}, defined at line {} and called by this migration at line {})",
                                      it->first, ctx_.line_of(fn.defined_at), ctx_.line_of(pinned_.value_or(begin_)));
  analyse_body(fn.source, fn.body_begin, fn.body_end, fn.plpgsql, fn.pinned, body_note);
}

// MERGE INTO t USING s ON cond ... THEN DELETE: with an always-true ON every row of t matches, as
// in a DELETE without WHERE; WHEN NOT MATCHED BY SOURCE deletes every row the source lacks.
void Analyzer::on_merge() {
  const auto& h = head_;
  std::size_t i = 1;
  if (is_word(h, i, "INTO")) ++i;
  if (is_word(h, i, "ONLY")) ++i;
  std::string table = read_name(h, i).value_or("?");
  std::vector<Tok> on;
  bool in_on = false, long_on = false;
  for (std::size_t k = i; k < h.size(); ++k) {
    const auto& t = h[k];
    if (t.depth == 0 && is_word(h, k, "WHEN")) {
      in_on = false;
      bool by_source = is_word(h, k + 1, "NOT") && is_word(h, k + 2, "MATCHED") && is_word(h, k + 3, "BY") &&
                       is_word(h, k + 4, "SOURCE");
      std::size_t then = k + 1;
      while (then < h.size() && !(h[then].depth == 0 && is_word(h, then, "THEN"))) ++then;
      if (!is_word(h, then + 1, "DELETE")) continue;
      if (by_source) {
        report("sql-delete-without-where", Severity::high, table, begin_,
               fmt::format("MERGE ... WHEN NOT MATCHED BY SOURCE THEN DELETE deletes every row of {} that the source "
                           "does not have: an empty or partial source empties the table",
                           table));
      } else if (!long_on && !on.empty() && always_true(on)) {
        report("sql-delete-without-where", Severity::critical, table, begin_,
               fmt::format("MERGE ... THEN DELETE deletes every row of {}: its ON condition is always true", table));
      }
      continue;
    }
    if (in_on) {
      if (on.size() < 48) on.push_back(t);
      else long_on = true;
    }
    if (t.depth == 0 && is_word(h, k, "ON") && on.empty()) in_on = true;
  }
}

void Analyzer::on_statement_end() {
  const auto& h = head_;
  if (is_word(h, 0, "MERGE")) return on_merge();
  if (kind_ == Kind::drop_type) {
    // Without CASCADE PostgreSQL refuses to drop a type something uses; with it, every column of
    // that type goes, with its data, in every table (and an extension takes its types along).
    bool cascade = has_prev_ && prev_.token.kind == TokenKind::word && is_keyword(lexer_.text(prev_.token), "CASCADE");
    for (const auto& name : dropped_types_)
      if (cascade)
        report("sql-drop-cascade", Severity::critical, name, begin_,
               fmt::format("DROP {} {} CASCADE also drops every column (and its data), default and view that uses it, in "
                           "every table; drop those explicitly first so that the migration says what goes",
                           dropped_kind_, name));
    dropped_types_.clear();
    dropped_kind_.clear();
    return;
  }
  if (kind_ == Kind::create_function) {
    std::size_t i = 1;
    if (is_word(h, i, "OR") && is_word(h, i + 1, "REPLACE")) i += 2;
    ++i;  // FUNCTION / PROCEDURE
    auto name = read_name(h, i);
    bool atomic = !as_body_ && atomic_end_ > atomic_begin_;  // BEGIN ATOMIC ... END is always SQL
    bool runnable = language_ == "plpgsql" || language_ == "sql" || (atomic && language_.empty());
    if (!name || (!as_body_ && !atomic) || !runnable) return;
    std::string key = text::lower(name->substr(name->rfind('.') == std::string::npos ? 0 : name->rfind('.') + 1));
    SourcedFunction fn;
    fn.plpgsql = language_ == "plpgsql" && !atomic;
    fn.defined_at = pinned_.value_or(begin_);
    if (atomic) {
      fn.source = src_;
      fn.body_begin = atomic_begin_;
      fn.body_end = atomic_end_;
      fn.pinned = pinned_;
    } else if (as_body_->kind == TokenKind::dollar_string || !as_body_->escapes) {
      fn.source = src_;
      fn.body_begin = as_body_->body_begin;
      fn.body_end = as_body_->body_end;
      fn.pinned = pinned_;
    } else {
      ctx_.owned_sources.push_back(std::make_unique<std::string>(lexer_.unescaped(*as_body_)));
      fn.source = *ctx_.owned_sources.back();
      fn.body_end = fn.source.size();
      fn.pinned = pinned_.value_or(as_body_->begin);
    }
    ctx_.functions[key] = fn;
    return;
  }
  if (kind_ == Kind::do_block) {
    std::string lang = language_.empty() ? "plpgsql" : language_;
    if (!first_string_) return;
    if (lang != "plpgsql" && lang != "sql") {
      report("unreviewable", Severity::high, "", begin_,
             "DO block in language " + lang + ": its code runs during the migration and cannot be analysed");
      return;
    }
    analyse_string(*first_string_, lang == "plpgsql",
                   fmt::format(" (inside the DO block at line {})", ctx_.line_of(pinned_.value_or(begin_))));
    return;
  }
  if (kind_ == Kind::execute) {
    bool literal = h.size() >= 2 &&
                   (h[1].token.kind == TokenKind::string || h[1].token.kind == TokenKind::dollar_string) &&
                   (h.size() == 2 || is_word(h, 2, "USING") || is_word(h, 2, "INTO"));
    if (!literal) {
      report("unreviewable", Severity::high, "", begin_,
             "EXECUTE runs SQL built at run time; what it does cannot be known from the migration text");
      return;
    }
    analyse_string(h[1].token, false, fmt::format(" (run by EXECUTE at line {})", ctx_.line_of(pinned_.value_or(begin_))));
  }
}

}  // namespace cs::risk::sql
