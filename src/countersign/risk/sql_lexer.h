// SQL tokenizer for migration files (PostgreSQL and MySQL lexical rules). It streams tokens
// one at a time over a byte range of the source, so a 50 MB statement costs no memory beyond
// the source itself; offsets in tokens are absolute offsets into that source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cs::risk::sql {

enum class Dialect : std::uint8_t { postgresql, mysql };

enum class TokenKind : std::uint8_t {
  word,           // unquoted identifier or keyword
  quoted_ident,   // "x" (PostgreSQL) or `x` (MySQL); body excludes the quotes
  string,         // '...', E'...', MySQL "..." ; body excludes the quotes, escapes not undone
  dollar_string,  // $tag$...$tag$ ; body is the text between the tags
  number,
  param,          // $1 (PostgreSQL positional parameter)
  lparen,
  rparen,
  comma,
  dot,
  semicolon,      // ';' or the MySQL client's current DELIMITER
  op,             // any other punctuation, one character per token
  psql_command,   // a psql meta-command (\set, \i, \gexec ...): body is the verb and its arguments
  end,            // end of the range
  error,          // unterminated string, comment or dollar quote: see Lexer::error_message()
};

struct Token {
  TokenKind kind = TokenKind::end;
  std::size_t begin = 0;  // the whole token, [begin, end)
  std::size_t end = 0;
  std::size_t body_begin = 0;  // strings and quoted identifiers: the text between the quotes
  std::size_t body_end = 0;
  bool escapes = false;  // the body contains escapes (doubled quotes or backslashes) to undo
  bool backslash_escapes = false;  // backslash escapes apply to this string (E'' or MySQL)
  bool shell = false;  // psql_command: runs a shell command (\! or a `backquoted` argument)
};

class Lexer {
 public:
  Lexer(std::string_view source, Dialect dialect) : Lexer(source, dialect, 0, source.size()) {}
  Lexer(std::string_view source, Dialect dialect, std::size_t begin, std::size_t end)
      : src_(source), dialect_(dialect), pos_(begin), end_(end) {}

  Token next();

  std::string_view text(const Token& t) const { return src_.substr(t.begin, t.end - t.begin); }
  std::string_view body(const Token& t) const { return src_.substr(t.body_begin, t.body_end - t.body_begin); }
  // The body with its escapes undone ('' -> ', "" -> ", and backslash escapes where they apply).
  std::string unescaped(const Token& t) const;

  // After an error token: what was left unterminated.
  std::string_view error_message() const { return error_; }

  // Reads psql meta-commands as psql does (PostgreSQL files run by psql): an unquoted backslash
  // starts one; its arguments end at the end of the line or at the next unquoted backslash, and
  // "\\" goes back to SQL on the same line. Off for function bodies, which psql never sees.
  void read_psql_commands(bool on) { psql_ = on; }
  bool reads_psql_commands() const { return psql_; }
  // psql's COPY ... FROM STDIN: the lines after the statement's line are data, up to a line
  // holding only "\." (or the end of the file); reading goes on after them.
  void skip_copy_data();

  // MySQL client DELIMITER command: reads the rest of the current line as the new delimiter.
  void read_delimiter_command();
  const std::string& delimiter() const { return delimiter_; }

 private:
  bool skip_space_and_comments(Token& error);
  Token lex_word(std::size_t start);
  Token lex_number(std::size_t start);
  Token lex_quoted(std::size_t start, std::size_t body_start, char quote, bool backslashes, TokenKind kind);
  Token lex_dollar(std::size_t start);
  Token make_error(std::size_t start, std::string_view what);
  Token lex_psql_command(std::size_t start);

  std::string_view src_;
  Dialect dialect_;
  std::size_t pos_;
  std::size_t end_;
  std::string delimiter_ = ";";
  bool in_executable_comment_ = false;  // inside MySQL /*! ... */, whose content runs
  bool psql_ = false;
  std::string error_;
};

// Case-insensitive comparison of a word against an upper-case keyword.
bool is_keyword(std::string_view word, std::string_view upper_keyword);

}  // namespace cs::risk::sql
