// Column types as far as narrowing needs them: a family, a width, and a rule for when a change
// from one to another can no longer hold every old value.
#include <charconv>
#include <fmt/format.h>

#include "countersign/core/text.h"
#include "countersign/risk/sql_analysis.h"

namespace cs::risk::sql {
namespace {

bool stop_word(std::string_view w) {
  for (auto kw : {"NOT", "NULL", "DEFAULT", "PRIMARY", "REFERENCES", "CHECK", "UNIQUE", "CONSTRAINT", "COLLATE",
                  "USING", "GENERATED", "AUTO_INCREMENT", "COMMENT", "FIRST", "AFTER", "CHARACTER", "CHARSET",
                  "ON", "AS", "STORED", "VIRTUAL", "KEY", "IDENTITY", "INVISIBLE", "VISIBLE", "SET", "DROP", "ALTER",
                  "ADD", "RENAME", "ARRAY"})
    if (is_keyword(w, kw)) return true;
  return false;
}

std::string normalise(std::string words) {
  static const std::pair<const char*, const char*> names[] = {
      {"character varying", "varchar"}, {"char varying", "varchar"}, {"nvarchar", "varchar"},
      {"varchar2", "varchar"},          {"character", "char"},       {"nchar", "char"},
      {"bpchar", "char"},               {"tinyint", "int1"},         {"smallint", "int2"},
      {"int2", "int2"},                 {"smallserial", "int2 serial"}, {"mediumint", "int3"},
      {"int", "int4"},                  {"integer", "int4"},         {"serial", "int4 serial"},
      {"serial4", "int4 serial"},       {"bigint", "int8"},          {"bigserial", "int8 serial"},
      {"serial8", "int8 serial"},       {"decimal", "numeric"},      {"dec", "numeric"},
      {"real", "float4"},               {"double precision", "float8"}, {"double", "float8"},
      {"timestamp with time zone", "timestamptz"}, {"timestamp without time zone", "timestamp"},
      {"datetime", "timestamp"},        {"boolean", "bool"},         {"time with time zone", "timetz"},
      {"time without time zone", "time"},
  };
  for (const auto& [from, to] : names)
    if (words == from) return to;
  return words;
}

int int_rank(const std::string& n) {
  if (n.starts_with("int1")) return 1;
  if (n.starts_with("int2")) return 2;
  if (n.starts_with("int3")) return 3;
  if (n.starts_with("int4")) return 4;
  if (n.starts_with("int8")) return 5;
  return 0;
}

int int_digits(int rank) { return rank == 1 ? 3 : rank == 2 ? 5 : rank == 3 ? 7 : rank == 4 ? 10 : 19; }

// Characters a string type holds; -1 when it is not a string type, LLONG_MAX when unbounded.
long long string_capacity(const ColumnType& t, Dialect dialect) {
  constexpr long long unbounded = 1LL << 62;
  if (t.name == "varchar") return t.length > 0 ? t.length : unbounded;
  if (t.name == "char") return t.length > 0 ? t.length : 1;
  if (t.name == "tinytext") return 255;
  if (t.name == "text") return dialect == Dialect::mysql ? 65535 : unbounded;
  if (t.name == "mediumtext") return 16777215;
  if (t.name == "longtext" || t.name == "citext") return unbounded;
  return -1;
}

bool is_float(const std::string& n) { return n == "float4" || n == "float8" || n == "float"; }

}  // namespace

ColumnType Analyzer::read_type(const std::vector<Tok>& item, std::size_t& i) const {
  ColumnType type;
  std::string words;
  std::size_t first = i, last = i;
  auto trailing = [&](std::string_view w) {
    for (auto kw : {"WITH", "WITHOUT", "TIME", "ZONE", "UNSIGNED", "SIGNED", "ZEROFILL", "VARYING", "PRECISION"})
      if (is_keyword(w, kw)) return true;
    return false;
  };
  while (i < item.size() && item[i].token.kind == TokenKind::word) {
    auto w = lexer_.text(item[i].token);
    if (!words.empty() && (stop_word(w) || !trailing(w))) break;
    if (!words.empty()) words += ' ';
    words += text::lower(w);
    last = i++;
  }
  if (words.empty()) {
    // A quoted or qualified type name: keep it as written, it only matters for equality.
    if (i < item.size() && item[i].token.kind == TokenKind::quoted_ident) {
      type.name = identifier(item[i].token);
      type.spelling = lexer_.text(item[i].token);
      ++i;
    }
    return type;
  }
  if (i < item.size() && item[i].token.kind == TokenKind::lparen) {
    int arg = 0;
    int depth = item[i].depth;
    ++i;
    while (i < item.size() && !(item[i].token.kind == TokenKind::rparen && item[i].depth == depth)) {
      if (item[i].token.kind == TokenKind::number) {
        auto n = lexer_.text(item[i].token);
        long long v = -1;
        std::from_chars(n.data(), n.data() + n.size(), v);
        (arg == 0 ? type.length : type.scale) = v;
      } else if (item[i].token.kind == TokenKind::comma) {
        ++arg;
      }
      ++i;
    }
    if (i < item.size()) last = i++;
    while (i < item.size() && item[i].token.kind == TokenKind::word && trailing(lexer_.text(item[i].token))) {
      words += ' ';
      words += text::lower(lexer_.text(item[i].token));
      last = i++;
    }
  }
  while (i + 1 < item.size() && lexer_.text(item[i].token) == "[" && lexer_.text(item[i + 1].token) == "]") {
    words += "[]";
    last = i + 1;
    i += 2;
  }
  // "timestamp(3) with time zone" and "int(11) unsigned": drop the qualifiers that do not change width.
  for (auto suffix : {" unsigned", " signed", " zerofill"})
    if (words.ends_with(suffix)) words.resize(words.size() - std::string_view(suffix).size());
  type.name = normalise(words);
  if (type.name == "float" && type.length > 0 && type.length <= 24) type.name = "float4";
  else if (type.name == "float") type.name = "float8";
  type.spelling = std::string(src_.substr(item[first].token.begin, item[last].token.end - item[first].token.begin));
  return type;
}

std::optional<std::string> narrowing(const ColumnType& old, const ColumnType& next, Dialect dialect) {
  int old_int = int_rank(old.name), next_int = int_rank(next.name);
  if (old_int && next_int)
    return next_int < old_int ? std::optional<std::string>("values beyond the smaller integer range make the "
                                                           "migration fail (or are clamped in MySQL)")
                              : std::nullopt;
  long long old_cap = string_capacity(old, dialect), next_cap = string_capacity(next, dialect);
  if (old_cap >= 0 && next_cap >= 0)
    return next_cap < old_cap ? std::optional<std::string>("longer values are rejected, or truncated in MySQL "
                                                           "without strict mode")
                              : std::nullopt;
  if (old_cap >= 0 && next_cap < 0)
    return fmt::format("every string that does not convert to {} makes the migration fail", next.spelling);
  bool old_numeric = old.name == "numeric", next_numeric = next.name == "numeric";
  if (next_numeric && next.length > 0) {
    long long next_digits = next.length - std::max(0LL, next.scale);
    long long old_digits = old_numeric ? (old.length > 0 ? old.length - std::max(0LL, old.scale) : 1LL << 40)
                           : old_int   ? int_digits(old_int)
                           : is_float(old.name) ? 1LL << 40
                                                : -1;
    if (old_digits > next_digits) return std::optional<std::string>("fewer integer digits: larger values fail");
    long long old_scale = old_numeric ? (old.length > 0 ? std::max(0LL, old.scale) : 1LL << 40)
                          : is_float(old.name) ? 1LL << 40 : 0;
    if (std::max(0LL, next.scale) < old_scale) return std::optional<std::string>("fewer decimal places: values are rounded");
    return std::nullopt;
  }
  if ((old_numeric || is_float(old.name)) && next_int) return std::optional<std::string>("fractions are rounded away");
  if (old.name == "float8" && next.name == "float4") return std::optional<std::string>("precision is lost");
  if ((old.name == "timestamp" || old.name == "timestamptz") && next.name == "date")
    return std::optional<std::string>("the time of day is lost");
  return std::nullopt;
}

bool bounded(const ColumnType& t) {
  int rank = int_rank(t.name);
  if (rank > 0 && rank < 5) return true;
  if ((t.name == "varchar" || t.name == "char") && t.length > 0) return true;
  if (t.name == "numeric" && t.length > 0) return true;
  return t.name == "float4" || t.name == "date" || t.name == "bool" || t.name == "tinytext";
}

}  // namespace cs::risk::sql
