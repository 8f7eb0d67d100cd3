#include "countersign/risk/sql_lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cs::risk::sql {
namespace {

struct Lexed {
  std::vector<TokenKind> kinds;
  std::vector<std::string> texts;
  std::string error;
};

Lexed lex(std::string_view src, Dialect d = Dialect::postgresql) {
  Lexer lx(src, d);
  Lexed out;
  for (;;) {
    Token t = lx.next();
    if (t.kind == TokenKind::end) break;
    out.kinds.push_back(t.kind);
    out.texts.emplace_back(lx.text(t));
    if (t.kind == TokenKind::error) {
      out.error = lx.error_message();
      break;
    }
  }
  return out;
}

TEST(SqlLexer, StringsWithDoubledQuotesAreOneToken) {
  auto l = lex("SELECT 'it''s; DROP TABLE x' ;");
  ASSERT_EQ(l.kinds.size(), 3u);
  EXPECT_EQ(l.kinds[1], TokenKind::string);
  EXPECT_EQ(l.texts[1], "'it''s; DROP TABLE x'");
  EXPECT_EQ(l.kinds[2], TokenKind::semicolon);
}

TEST(SqlLexer, PostgresBackslashIsLiteralOutsideEStrings) {
  // Standard strings end at the quote after the backslash; E-strings escape it.
  auto std_string = lex(R"(SELECT 'a\'; DROP TABLE t; --')");
  EXPECT_EQ(std_string.texts[1], R"('a\')");
  EXPECT_EQ(std_string.texts[2], ";");
  auto e_string = lex(R"(SELECT E'a\'; DROP TABLE t; --';)");
  ASSERT_EQ(e_string.kinds.size(), 3u);
  EXPECT_EQ(e_string.kinds[1], TokenKind::string);
}

TEST(SqlLexer, MysqlBackslashesAndDoubleQuotedStrings) {
  auto l = lex(R"(SELECT 'a\'b', "x;y", `drop table`;)", Dialect::mysql);
  ASSERT_EQ(l.kinds.size(), 7u);
  EXPECT_EQ(l.kinds[1], TokenKind::string);
  EXPECT_EQ(l.kinds[3], TokenKind::string);
  EXPECT_EQ(l.kinds[5], TokenKind::quoted_ident);
  Lexer lx(R"('a\'b')", Dialect::mysql);
  EXPECT_EQ(lx.unescaped(lx.next()), "a'b");
}

TEST(SqlLexer, DollarQuotesWithAndWithoutTags) {
  auto l = lex("SELECT $$a;b$$, $fn$ $$ ; $fn$, $1, a$b$;");
  ASSERT_EQ(l.kinds.size(), 9u);
  EXPECT_EQ(l.kinds[1], TokenKind::dollar_string);
  EXPECT_EQ(l.kinds[3], TokenKind::dollar_string);
  EXPECT_EQ(l.texts[3], "$fn$ $$ ; $fn$");
  EXPECT_EQ(l.kinds[5], TokenKind::param);
  EXPECT_EQ(l.kinds[7], TokenKind::word);  // '$' is an identifier character after the first
  EXPECT_EQ(l.texts[7], "a$b$");
}

TEST(SqlLexer, CommentsNestInPostgresNotInMysql) {
  auto pg = lex("/* a /* b */ DROP TABLE x; */ SELECT 1;");
  ASSERT_EQ(pg.kinds.size(), 3u);
  EXPECT_EQ(pg.texts[0], "SELECT");
  auto my = lex("/* a /* b */ SELECT 1;", Dialect::mysql);
  EXPECT_EQ(my.texts[0], "SELECT");
  auto hash = lex("# DROP TABLE x;\nSELECT 1 -- also\n;", Dialect::mysql);
  EXPECT_EQ(hash.texts[0], "SELECT");
  EXPECT_EQ(hash.kinds.size(), 3u);
}

TEST(SqlLexer, MysqlExecutableCommentContentIsCode) {
  auto l = lex("/*!40101 DROP TABLE x */;", Dialect::mysql);
  ASSERT_GE(l.kinds.size(), 3u);
  EXPECT_EQ(l.texts[0], "DROP");
  EXPECT_EQ(l.texts.back(), ";");
}

TEST(SqlLexer, QuotedIdentifiersUnescape) {
  Lexer lx(R"("drop ""table""")", Dialect::postgresql);
  Token t = lx.next();
  EXPECT_EQ(t.kind, TokenKind::quoted_ident);
  EXPECT_EQ(lx.unescaped(t), R"(drop "table")");
}

TEST(SqlLexer, NumbersAndRangeDots) {
  auto l = lex("1.5e-3 .5 0x1F 1..10");
  ASSERT_EQ(l.kinds.size(), 6u);
  EXPECT_EQ(l.texts[0], "1.5e-3");
  EXPECT_EQ(l.texts[1], ".5");
  EXPECT_EQ(l.texts[3], "1");
  EXPECT_EQ(l.texts[4], ".");
}

TEST(SqlLexer, UnterminatedConstructsAreErrorsAtTheirStart) {
  EXPECT_EQ(lex("SELECT 'abc").error, "unterminated string literal");
  EXPECT_EQ(lex("SELECT $x$ abc $y$").error, "unterminated dollar-quoted string");
  EXPECT_EQ(lex("SELECT /* /* */").error, "unterminated block comment");
  EXPECT_EQ(lex("SELECT \"abc").error, "unterminated quoted identifier");
  EXPECT_EQ(lex("SELECT `abc", Dialect::mysql).error, "unterminated quoted identifier");
  auto l = lex("SELECT 'abc");
  EXPECT_EQ(l.texts.back(), "'abc");
}

TEST(SqlLexer, MysqlDelimiterCommand) {
  std::string src = "DELIMITER //\nCREATE PROCEDURE p() BEGIN DROP TABLE x; END//\nDELIMITER ;\nSELECT 1;";
  Lexer lx(src, Dialect::mysql);
  Token t = lx.next();
  EXPECT_EQ(lx.text(t), "DELIMITER");
  lx.read_delimiter_command();
  EXPECT_EQ(lx.delimiter(), "//");
  int semicolons = 0;
  for (t = lx.next(); t.kind != TokenKind::end && !(t.kind == TokenKind::word && lx.text(t) == "DELIMITER");
       t = lx.next())
    if (t.kind == TokenKind::semicolon) ++semicolons;
  EXPECT_EQ(semicolons, 1);  // only the // after END
}

}  // namespace
}  // namespace cs::risk::sql
