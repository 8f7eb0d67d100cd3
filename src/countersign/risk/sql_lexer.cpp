#include "countersign/risk/sql_lexer.h"

#include <cstring>

namespace cs::risk::sql {
namespace {

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == 0; }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_ident_start(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80; }
bool is_ident_char(unsigned char c) { return is_ident_start(c) || is_digit(c) || c == '$'; }
char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

}  // namespace

bool is_keyword(std::string_view word, std::string_view upper_keyword) {
  if (word.size() != upper_keyword.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (upper(word[i]) != upper_keyword[i]) return false;
  return true;
}

Token Lexer::make_error(std::size_t start, std::string_view what) {
  error_ = what;
  pos_ = end_;
  return Token{TokenKind::error, start, end_, start, end_};
}

// Whitespace, -- and # line comments, and block comments (nested in PostgreSQL, flat in MySQL,
// where /*! ... */ is executable and its content is lexed as SQL).
bool Lexer::skip_space_and_comments(Token& error) {
  while (pos_ < end_) {
    auto c = static_cast<unsigned char>(src_[pos_]);
    if (is_space(c)) {
      ++pos_;
      continue;
    }
    char n = pos_ + 1 < end_ ? src_[pos_ + 1] : '\0';
    bool line_comment = (c == '-' && n == '-') || (c == '#' && dialect_ == Dialect::mysql);
    if (line_comment && c == '-' && dialect_ == Dialect::mysql) {
      // MySQL needs whitespace (or the end) after "--" for a comment.
      line_comment = pos_ + 2 >= end_ || is_space(static_cast<unsigned char>(src_[pos_ + 2]));
    }
    if (line_comment) {
      // PostgreSQL's scanner ends a comment at \n or \r: a lone CR (old Mac line ends) ends it too.
      auto nl = dialect_ == Dialect::postgresql ? src_.find_first_of("\n\r", pos_) : src_.find('\n', pos_);
      pos_ = (nl == std::string_view::npos || nl >= end_) ? end_ : nl + 1;
      continue;
    }
    if (c == '*' && n == '/' && in_executable_comment_) {
      in_executable_comment_ = false;
      pos_ += 2;
      continue;
    }
    if (c != '/' || n != '*') return true;
    std::size_t start = pos_;
    if (dialect_ == Dialect::mysql) {
      std::size_t p = pos_ + 2;
      if (p < end_ && src_[p] == 'M' && p + 1 < end_ && src_[p + 1] == '!') ++p;  // MariaDB /*M!
      if (p < end_ && src_[p] == '!' && !in_executable_comment_) {
        ++p;
        while (p < end_ && is_digit(static_cast<unsigned char>(src_[p]))) ++p;  // version number
        in_executable_comment_ = true;
        pos_ = p;
        continue;
      }
      auto close = src_.find("*/", pos_ + 2);
      if (close == std::string_view::npos || close + 2 > end_) {
        error = make_error(start, "unterminated block comment");
        return false;
      }
      pos_ = close + 2;
      continue;
    }
    int depth = 0;
    while (pos_ < end_) {
      char a = src_[pos_];
      char b = pos_ + 1 < end_ ? src_[pos_ + 1] : '\0';
      if (a == '/' && b == '*') {
        ++depth;
        pos_ += 2;
      } else if (a == '*' && b == '/') {
        pos_ += 2;
        if (--depth == 0) break;
      } else {
        // Jump to the next '*' or '/', the only bytes that matter inside a comment.
        std::size_t p = pos_ + 1;
        while (p < end_ && src_[p] != '*' && src_[p] != '/') ++p;
        pos_ = p;
      }
    }
    if (depth != 0) {
      error = make_error(start, "unterminated block comment");
      return false;
    }
  }
  return true;
}

Token Lexer::next() {
  Token error;
  if (!skip_space_and_comments(error)) return error;
  if (pos_ >= end_) return Token{TokenKind::end, end_, end_, end_, end_};
  std::size_t start = pos_;
  if (delimiter_ != ";" && src_.compare(pos_, delimiter_.size(), delimiter_) == 0 &&
      pos_ + delimiter_.size() <= end_) {
    pos_ += delimiter_.size();
    return Token{TokenKind::semicolon, start, pos_, start, pos_};
  }
  auto c = static_cast<unsigned char>(src_[pos_]);
  char n = pos_ + 1 < end_ ? src_[pos_ + 1] : '\0';
  bool mysql = dialect_ == Dialect::mysql;
  if (c == '\'') return lex_quoted(start, start + 1, '\'', mysql, TokenKind::string);
  if (c == '"') return lex_quoted(start, start + 1, '"', mysql, mysql ? TokenKind::string : TokenKind::quoted_ident);
  if (c == '`' && mysql) return lex_quoted(start, start + 1, '`', false, TokenKind::quoted_ident);
  if ((c == 'e' || c == 'E') && n == '\'' && !mysql) return lex_quoted(start, start + 2, '\'', true, TokenKind::string);
  if (is_ident_start(c)) return lex_word(start);
  if (is_digit(c) || (c == '.' && is_digit(static_cast<unsigned char>(n)))) return lex_number(start);
  if (c == '$' && !mysql) return lex_dollar(start);
  if (c == '\\' && psql_) return lex_psql_command(start);
  ++pos_;
  TokenKind kind = TokenKind::op;
  switch (c) {
    case '(': kind = TokenKind::lparen; break;
    case ')': kind = TokenKind::rparen; break;
    case ',': kind = TokenKind::comma; break;
    case '.': kind = TokenKind::dot; break;
    case ';': kind = delimiter_ == ";" ? TokenKind::semicolon : TokenKind::op; break;
    default: break;
  }
  return Token{kind, start, pos_, start, pos_};
}

// psql's rules (psqlscanslash.l): the verb runs to whitespace or a backslash; arguments may be
// quoted ('...' with '' and backslash escapes, "..." identifiers, `...` shell commands).
Token Lexer::lex_psql_command(std::size_t start) {
  std::size_t p = start + 1;
  if (p < end_ && src_[p] == '\\') {  // "\\": back to SQL
    pos_ = p + 1;
    return Token{TokenKind::psql_command, start, pos_, p, p};
  }
  bool shell = p < end_ && src_[p] == '!';
  while (p < end_ && src_[p] != '\n' && src_[p] != '\\') {
    char q = src_[p];
    if (q != '\'' && q != '"' && q != '`') {
      ++p;
      continue;
    }
    if (q == '`') shell = true;
    for (++p; p < end_ && src_[p] != '\n' && src_[p] != q; ++p)
      if (q == '\'' && src_[p] == '\\' && p + 1 < end_ && src_[p + 1] != '\n') ++p;
    if (p < end_ && src_[p] == q) ++p;
  }
  std::size_t body_end = p;
  while (body_end > start + 1 && (src_[body_end - 1] == ' ' || src_[body_end - 1] == '\t' || src_[body_end - 1] == '\r'))
    --body_end;
  pos_ = p;
  if (p + 1 < end_ && src_[p] == '\\' && src_[p + 1] == '\\') pos_ = p + 2;  // "\\" ends the arguments
  Token t{TokenKind::psql_command, start, body_end, start + 1, body_end};
  t.shell = shell;
  return t;
}

Token Lexer::lex_word(std::size_t start) {
  std::size_t p = start + 1;
  bool custom = delimiter_ != ";";
  while (p < end_ && is_ident_char(static_cast<unsigned char>(src_[p]))) {
    if (custom && src_.compare(p, delimiter_.size(), delimiter_) == 0) break;  // END$$ with DELIMITER $$
    ++p;
  }
  pos_ = p;
  return Token{TokenKind::word, start, p, start, p};
}

Token Lexer::lex_number(std::size_t start) {
  std::size_t p = start;
  while (p < end_) {
    auto c = static_cast<unsigned char>(src_[p]);
    bool exponent_sign = (c == '+' || c == '-') && p > start && (src_[p - 1] == 'e' || src_[p - 1] == 'E') &&
                         !(src_.size() > start + 1 && (src_[start + 1] == 'x' || src_[start + 1] == 'X'));
    if (is_digit(c) || is_ident_start(c) || c == '.' || exponent_sign) {
      if (c == '.' && p + 1 < end_ && src_[p + 1] == '.') break;  // 1..10 in PL/pgSQL FOR loops
      ++p;
    } else {
      break;
    }
  }
  pos_ = p;
  return Token{TokenKind::number, start, p, start, p};
}

// A quoted string or identifier. The closing quote doubled is an escape; with backslashes,
// a backslash escapes the next byte.
Token Lexer::lex_quoted(std::size_t start, std::size_t body_start, char quote, bool backslashes, TokenKind kind) {
  std::size_t p = body_start;
  bool escapes = false;
  while (true) {
    std::size_t q = p;
    if (backslashes) {
      while (q < end_ && src_[q] != quote && src_[q] != '\\') ++q;
    } else {
      auto found = src_.find(quote, p);
      q = (found == std::string_view::npos) ? end_ : found;
    }
    if (q >= end_) {
      return make_error(start, kind == TokenKind::quoted_ident ? "unterminated quoted identifier"
                                                               : "unterminated string literal");
    }
    if (src_[q] == '\\') {
      escapes = true;
      p = q + 2;
      continue;
    }
    if (q + 1 < end_ && src_[q + 1] == quote) {
      escapes = true;
      p = q + 2;
      continue;
    }
    pos_ = q + 1;
    Token t{kind, start, pos_, body_start, q};
    t.escapes = escapes;
    t.backslash_escapes = backslashes;
    return t;
  }
}

// $tag$ ... $tag$ ; a '$' that does not open a valid tag is a parameter ($1) or an operator.
Token Lexer::lex_dollar(std::size_t start) {
  std::size_t p = start + 1;
  if (p < end_ && is_digit(static_cast<unsigned char>(src_[p]))) {
    while (p < end_ && is_digit(static_cast<unsigned char>(src_[p]))) ++p;
    pos_ = p;
    return Token{TokenKind::param, start, p, start, p};
  }
  if (p < end_ && is_ident_start(static_cast<unsigned char>(src_[p]))) {
    while (p < end_ && is_ident_char(static_cast<unsigned char>(src_[p])) && src_[p] != '$') ++p;
  }
  if (p >= end_ || src_[p] != '$') {
    pos_ = start + 1;
    return Token{TokenKind::op, start, pos_, start, pos_};
  }
  std::string_view tag = src_.substr(start, p + 1 - start);
  std::size_t body = p + 1;
  auto close = src_.find(tag, body);
  if (close == std::string_view::npos || close + tag.size() > end_)
    return make_error(start, "unterminated dollar-quoted string");
  pos_ = close + tag.size();
  return Token{TokenKind::dollar_string, start, pos_, body, close};
}

std::string Lexer::unescaped(const Token& t) const {
  std::string_view b = body(t);
  if (!t.escapes) return std::string(b);
  std::string out;
  out.reserve(b.size());
  for (std::size_t i = 0; i < b.size(); ++i) {
    char c = b[i];
    if (t.backslash_escapes && c == '\\' && i + 1 < b.size()) {
      char e = b[++i];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case '0': out += '\0'; break;
        default: out += e; break;
      }
      continue;
    }
    out += c;
    if ((c == '\'' || c == '"' || c == '`') && i + 1 < b.size() && b[i + 1] == c) ++i;
  }
  return out;
}

void Lexer::read_delimiter_command() {
  while (pos_ < end_ && (src_[pos_] == ' ' || src_[pos_] == '\t')) ++pos_;
  std::size_t start = pos_;
  while (pos_ < end_ && !is_space(static_cast<unsigned char>(src_[pos_]))) ++pos_;
  if (pos_ > start) delimiter_ = std::string(src_.substr(start, pos_ - start));
  auto nl = src_.find('\n', pos_);
  pos_ = (nl == std::string_view::npos || nl >= end_) ? end_ : nl + 1;
}

void Lexer::skip_copy_data() {
  std::size_t line = src_.find('\n', pos_);
  while (line != std::string_view::npos && line < end_) {
    ++line;
    std::size_t eol = std::min(src_.find('\n', line), end_);
    std::string_view text = src_.substr(line, eol - line);
    if (text.ends_with('\r')) text.remove_suffix(1);
    if (text == "\\.") {
      pos_ = eol;
      return;
    }
    line = eol;
  }
  pos_ = end_;
}

}  // namespace cs::risk::sql
