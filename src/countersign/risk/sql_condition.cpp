// Whether a WHERE clause is always true: `true`, `(true)`, `1=1`, `'a' = 'a'`, `id = 3 OR true`,
// `NOT false`, `'t'::boolean`, `CAST('true' AS bool)`, `x IS NOT FALSE` over constants. Three-valued:
// a column, a function or anything else not a constant makes its part unknown, and an unknown part
// decides nothing (so `id = 3 OR true` is true, `id = 3 AND true` is not known).
#include "countersign/core/text.h"
#include "countersign/risk/sql_analysis.h"

namespace cs::risk::sql {
namespace {

enum class Truth { yes, no, unknown };

Truth negate(Truth t) { return t == Truth::yes ? Truth::no : t == Truth::no ? Truth::yes : Truth::unknown; }

struct Value {
  Value(Truth t = Truth::unknown) : truth(t) {}  // NOLINT(google-explicit-constructor): a truth is a value
  Value(std::string text, bool is_number) : literal(std::move(text)), number(is_number) {}
  Truth truth = Truth::unknown;
  std::optional<std::string> literal;  // a number or string constant, for comparisons
  bool number = false;
};

class Condition {
 public:
  Condition(const Lexer& lexer, const std::vector<Tok>& tokens) : lx_(lexer), w_(tokens) {}

  Truth evaluate() {
    Value v = disjunction();
    if (i_ != w_.size()) return Truth::unknown;
    if (v.truth == Truth::unknown && v.number && v.literal) return *v.literal != "0" ? Truth::yes : Truth::no;  // MySQL
    return v.truth;
  }

 private:
  bool at(TokenKind k) const { return i_ < w_.size() && w_[i_].token.kind == k; }
  std::string_view text() const { return lx_.text(w_[i_].token); }
  bool word(std::string_view kw) {
    if (!at(TokenKind::word) || !is_keyword(text(), kw)) return false;
    ++i_;
    return true;
  }
  bool op(std::string_view o) {
    if (i_ + o.size() > w_.size()) return false;
    for (std::size_t k = 0; k < o.size(); ++k)
      if (w_[i_ + k].token.kind != TokenKind::op || lx_.text(w_[i_ + k].token) != o.substr(k, 1)) return false;
    i_ += o.size();
    return true;
  }

  Value disjunction() {
    Value v = conjunction();
    while (word("OR")) {
      Truth r = conjunction().truth;
      v = {v.truth == Truth::yes || r == Truth::yes     ? Truth::yes
           : v.truth == Truth::no && r == Truth::no     ? Truth::no
                                                         : Truth::unknown};
    }
    return v;
  }
  Value conjunction() {
    Value v = negation();
    while (word("AND")) {
      Truth r = negation().truth;
      v = {v.truth == Truth::no || r == Truth::no      ? Truth::no
           : v.truth == Truth::yes && r == Truth::yes  ? Truth::yes
                                                        : Truth::unknown};
    }
    return v;
  }
  Value negation() {
    if (word("NOT")) return {negate(negation().truth)};
    return comparison();
  }
  Value comparison() {
    Value l = primary();
    if (op("=")) return equal(l, primary());
    if (op("<>") || op("!=")) return {negate(equal(l, primary()).truth)};
    if (word("IS")) {
      bool is_not = word("NOT");
      Truth t = Truth::unknown;
      if (word("TRUE")) t = l.truth;
      else if (word("FALSE")) t = negate(l.truth);
      else return {Truth::unknown};  // IS NULL, IS DISTINCT FROM ...: not constant-folded
      return {is_not ? negate(t) : t};
    }
    return l;
  }
  static Value equal(const Value& l, const Value& r) {
    if (l.literal && r.literal && l.number == r.number) return {*l.literal == *r.literal ? Truth::yes : Truth::no};
    if (l.truth != Truth::unknown && r.truth != Truth::unknown) return {l.truth == r.truth ? Truth::yes : Truth::no};
    return {Truth::unknown};
  }
  static Value as_boolean(const Value& v) {
    if (!v.literal) return {v.truth};
    std::string s = text::lower(*v.literal);
    if (s == "t" || s == "true" || s == "y" || s == "yes" || s == "on" || s == "1") return {Truth::yes};
    if (s == "f" || s == "false" || s == "n" || s == "no" || s == "off" || s == "0") return {Truth::no};
    return {Truth::unknown};
  }
  Value casts(Value v) {
    while (op("::")) {
      if (!at(TokenKind::word)) return {Truth::unknown};
      bool boolean = is_keyword(text(), "BOOLEAN") || is_keyword(text(), "BOOL");
      ++i_;
      v = boolean ? as_boolean(v) : Value{Truth::unknown};
    }
    return v;
  }
  Value primary() {
    if (i_ >= w_.size()) return {Truth::unknown};
    if (at(TokenKind::lparen)) {
      ++i_;
      Value v = disjunction();
      if (!at(TokenKind::rparen)) return skip_rest();
      ++i_;
      return casts(v);
    }
    if (word("TRUE")) return casts({Truth::yes});
    if (word("FALSE")) return casts({Truth::no});
    if (at(TokenKind::word) && is_keyword(text(), "CAST") && i_ + 1 < w_.size() &&
        w_[i_ + 1].token.kind == TokenKind::lparen) {
      i_ += 2;
      Value v = disjunction();
      if (!word("AS") || !at(TokenKind::word)) return skip_rest();
      bool boolean = is_keyword(text(), "BOOLEAN") || is_keyword(text(), "BOOL");
      ++i_;
      if (!at(TokenKind::rparen)) return skip_rest();
      ++i_;
      return casts(boolean ? as_boolean(v) : Value{Truth::unknown});
    }
    if (at(TokenKind::number) || at(TokenKind::string)) {
      Value v(std::string(at(TokenKind::string) ? lx_.body(w_[i_].token) : text()), at(TokenKind::number));
      ++i_;
      return casts(v);
    }
    // A column, a parameter, a function call: not a constant.
    ++i_;
    if (at(TokenKind::lparen)) skip_group();
    return {Truth::unknown};
  }
  void skip_group() {
    int depth = 0;
    do {
      if (at(TokenKind::lparen)) ++depth;
      else if (at(TokenKind::rparen)) --depth;
      ++i_;
    } while (i_ < w_.size() && depth > 0);
  }
  Value skip_rest() {
    i_ = w_.size() + 1;  // evaluate() sees the parse did not end cleanly
    return {Truth::unknown};
  }

  const Lexer& lx_;
  const std::vector<Tok>& w_;
  std::size_t i_ = 0;
};

}  // namespace

bool Analyzer::always_true(const std::vector<Tok>& where) const { return Condition(lexer_, where).evaluate() == Truth::yes; }

}  // namespace cs::risk::sql
