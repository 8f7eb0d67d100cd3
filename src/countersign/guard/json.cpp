#include "countersign/guard/json.h"

#include <cstdint>
#include <utility>

#include "countersign/core/text.h"

namespace cs::guard::json {

Value Value::string_of(std::string_view s) {
  Value v;
  v.kind = Kind::string;
  v.text = s;
  return v;
}

Value Value::number_of(long long n) {
  Value v;
  v.kind = Kind::number;
  v.text = std::to_string(n);
  return v;
}

Value Value::object_of() {
  Value v;
  v.kind = Kind::object;
  return v;
}

Value Value::array_of() {
  Value v;
  v.kind = Kind::array;
  return v;
}

Value Value::boolean_of(bool b) {
  Value v;
  v.kind = Kind::boolean;
  v.boolean = b;
  return v;
}

const Value* Value::get(std::string_view key) const {
  if (kind != Kind::object) return nullptr;
  for (size_t i = 0; i < keys.size(); ++i)
    if (keys[i] == key) return &items[i];
  return nullptr;
}

Value* Value::get(std::string_view key) { return const_cast<Value*>(std::as_const(*this).get(key)); }

Value& Value::set(std::string_view key, Value v) {
  if (auto* existing = get(key)) return *existing = std::move(v);
  keys.emplace_back(key);
  items.push_back(std::move(v));
  return items.back();
}

namespace {

class Parser {
 public:
  Parser(std::string_view s, Limits limits) : s_(s), limits_(limits) {}

  Result<Value> document() {
    if (s_.size() > limits_.max_bytes)
      return fail(Errc::parse, "JSON input is " + std::to_string(s_.size()) + " bytes, more than the limit of " +
                                   std::to_string(limits_.max_bytes));
    Value v;
    if (!value(v, 0)) return error_;
    skip_ws();
    if (pos_ != s_.size()) return failure("unexpected text after the JSON value");
    return v;
  }

 private:
  std::unexpected<Error> failure(std::string message) {
    int line = 1, column = 1;
    for (size_t i = 0; i < pos_ && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    error_ = fail(Errc::parse, std::move(message), InputLocation{"", line, column, ""});
    return error_;
  }

  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }

  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  bool value(Value& out, int depth) {
    if (depth > limits_.max_depth) return (failure("JSON nested deeper than " + std::to_string(limits_.max_depth)), false);
    skip_ws();
    if (pos_ >= s_.size()) return (failure("unexpected end of JSON input"), false);
    char c = s_[pos_];
    if (c == '{') return object(out, depth);
    if (c == '[') return array(out, depth);
    if (c == '"') {
      out.kind = Kind::string;
      return string(out.text);
    }
    if (c == '-' || (c >= '0' && c <= '9')) return number(out);
    if (literal("true")) {
      out.kind = Kind::boolean;
      out.boolean = true;
      return true;
    }
    if (literal("false")) {
      out.kind = Kind::boolean;
      return true;
    }
    if (literal("null")) return true;
    return (failure("unexpected character in JSON"), false);
  }

  bool object(Value& out, int depth) {
    out.kind = Kind::object;
    ++pos_;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == '}') return ++pos_, true;
    while (true) {
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != '"') return (failure("expected a string key in JSON object"), false);
      std::string key;
      if (!string(key)) return false;
      if (out.get(key)) return (failure("duplicate key \"" + text::sanitize_utf8(key) + "\" in JSON object"), false);
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != ':') return (failure("expected ':' in JSON object"), false);
      ++pos_;
      Value member;
      if (!value(member, depth + 1)) return false;
      out.keys.push_back(std::move(key));
      out.items.push_back(std::move(member));
      skip_ws();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == '}') return ++pos_, true;
      return (failure("expected ',' or '}' in JSON object"), false);
    }
  }

  bool array(Value& out, int depth) {
    out.kind = Kind::array;
    ++pos_;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == ']') return ++pos_, true;
    while (true) {
      Value item;
      if (!value(item, depth + 1)) return false;
      out.items.push_back(std::move(item));
      skip_ws();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == ']') return ++pos_, true;
      return (failure("expected ',' or ']' in JSON array"), false);
    }
  }

  bool number(Value& out) {
    size_t start = pos_;
    auto digits = [&] {
      size_t b = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      return pos_ - b;
    };
    if (s_[pos_] == '-') ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '0') {
      ++pos_;
    } else if (digits() == 0) {
      return (failure("malformed JSON number"), false);
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (digits() == 0) return (failure("malformed JSON number"), false);
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (digits() == 0) return (failure("malformed JSON number"), false);
    }
    out.kind = Kind::number;
    out.text = s_.substr(start, pos_ - start);
    return true;
  }

  int hex4() {
    if (pos_ + 4 > s_.size()) return -1;
    int v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_ + i];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else return -1;
    }
    pos_ += 4;
    return v;
  }

  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += char(cp);
    } else if (cp < 0x800) {
      out += char(0xC0 | (cp >> 6));
      out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += char(0xE0 | (cp >> 12));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    } else {
      out += char(0xF0 | (cp >> 18));
      out += char(0x80 | ((cp >> 12) & 0x3F));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    }
  }

  bool escape(std::string& out) {
    if (pos_ >= s_.size()) return (failure("unterminated JSON string"), false);
    char c = s_[pos_++];
    switch (c) {
      case '"': out += '"'; return true;
      case '\\': out += '\\'; return true;
      case '/': out += '/'; return true;
      case 'b': out += '\b'; return true;
      case 'f': out += '\f'; return true;
      case 'n': out += '\n'; return true;
      case 'r': out += '\r'; return true;
      case 't': out += '\t'; return true;
      case 'u': break;
      default: return (failure("invalid escape in JSON string"), false);
    }
    int hi = hex4();
    if (hi < 0) return (failure("invalid \\u escape in JSON string"), false);
    uint32_t cp = uint32_t(hi);
    if (hi >= 0xDC00 && hi <= 0xDFFF) return (failure("lone low surrogate in JSON string"), false);
    if (hi >= 0xD800 && hi <= 0xDBFF) {
      if (!literal("\\u")) return (failure("lone high surrogate in JSON string"), false);
      int lo = hex4();
      if (lo < 0xDC00 || lo > 0xDFFF) return (failure("invalid surrogate pair in JSON string"), false);
      cp = 0x10000 + ((uint32_t(hi) - 0xD800) << 10) + (uint32_t(lo) - 0xDC00);
    }
    append_utf8(out, cp);
    return true;
  }

  bool string(std::string& out) {
    ++pos_;  // opening quote
    size_t raw_start = pos_;
    while (true) {
      size_t run = pos_;
      while (pos_ < s_.size() && s_[pos_] != '"' && s_[pos_] != '\\' && static_cast<unsigned char>(s_[pos_]) >= 0x20)
        ++pos_;
      out.append(s_.substr(run, pos_ - run));
      if (pos_ >= s_.size()) return (failure("unterminated JSON string"), false);
      char c = s_[pos_];
      if (c == '"') break;
      if (c == '\\') {
        ++pos_;
        if (!escape(out)) return false;
        continue;
      }
      return (failure("control character in JSON string"), false);
    }
    if (!text::valid_utf8(s_.substr(raw_start, pos_ - raw_start)))
      return (failure("invalid UTF-8 in JSON string"), false);
    ++pos_;  // closing quote
    return true;
  }

  std::string_view s_;
  Limits limits_;
  size_t pos_ = 0;
  std::unexpected<Error> error_{Error{}};
};

void write_to(std::string& out, const Value& v, int indent) {
  auto newline = [&](int level) {
    out += '\n';
    out.append(size_t(level) * 2, ' ');
  };
  switch (v.kind) {
    case Kind::null: out += "null"; return;
    case Kind::boolean: out += v.boolean ? "true" : "false"; return;
    case Kind::number: out += v.text; return;
    case Kind::string: out += text::json_quote(v.text); return;
    case Kind::array:
      if (v.items.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (size_t i = 0; i < v.items.size(); ++i) {
        if (i) out += ',';
        newline(indent + 1);
        write_to(out, v.items[i], indent + 1);
      }
      newline(indent);
      out += ']';
      return;
    case Kind::object:
      if (v.items.empty()) {
        out += "{}";
        return;
      }
      out += '{';
      for (size_t i = 0; i < v.items.size(); ++i) {
        if (i) out += ',';
        newline(indent + 1);
        out += text::json_quote(v.keys[i]);
        out += ": ";
        write_to(out, v.items[i], indent + 1);
      }
      newline(indent);
      out += '}';
      return;
  }
}

}  // namespace

Result<Value> parse(std::string_view text, Limits limits) { return Parser(text, limits).document(); }

std::string write(const Value& v) {
  std::string out;
  write_to(out, v, 0);
  out += '\n';
  return out;
}

}  // namespace cs::guard::json
