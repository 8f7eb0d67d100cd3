#include "countersign/risk/json_scan.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "countersign/risk/json_blocks.h"

namespace cs::risk::json {
namespace {

bool is_ws(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

void append_utf8(std::string& out, std::uint32_t cp) {
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

bool hex4(std::string_view s, std::size_t i, std::uint32_t& v) {
  if (i + 4 > s.size()) return false;
  v = 0;
  for (std::size_t k = i; k < i + 4; ++k) {
    const char c = s[k];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= std::uint32_t(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= std::uint32_t(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= std::uint32_t(c - 'A' + 10);
    else
      return false;
  }
  return true;
}

}  // namespace

bool unescape(std::string_view body, std::string& out) {
  out.clear();
  out.reserve(body.size());
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\') {  // a run without escapes is appended at once
      std::size_t run = i;
      for (; run < body.size() && body[run] != '\\'; ++run)
        if (static_cast<unsigned char>(body[run]) < 0x20) return false;
      out.append(body.data() + i, run - i);
      i = run - 1;
      continue;
    }
    if (++i >= body.size()) return false;
    switch (body[i]) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        std::uint32_t cp;
        if (!hex4(body, i + 1, cp)) return false;
        i += 4;
        if (cp >= 0xD800 && cp < 0xDC00) {
          std::uint32_t lo;
          if (i + 2 >= body.size() || body[i + 1] != '\\' || body[i + 2] != 'u' || !hex4(body, i + 3, lo) ||
              lo < 0xDC00 || lo >= 0xE000)
            return false;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          i += 6;
        } else if (cp >= 0xDC00 && cp < 0xE000) {
          return false;
        }
        append_utf8(out, cp);
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

Error Scanner::error(std::size_t pos, std::string what) const {
  return Error{Errc::parse, what + " at byte " + std::to_string(pos), {}};
}

std::size_t Scanner::skip_ws(std::size_t pos) const {
  while (pos < buf_.size() && is_ws(buf_[pos])) ++pos;
  return pos;
}

Result<std::size_t> Scanner::string_end(std::size_t quote, bool* escapes) const {
  const std::size_t end = json::string_end(buf_.data(), buf_.size(), quote, escapes);
  if (end == 0) return std::unexpected(error(quote, "unterminated string"));
  if (end == kControlInString) return std::unexpected(error(quote, "a control character inside the string starting"));
  return end;
}

Result<std::size_t> Scanner::container_end(std::size_t open) const {
  const std::size_t end = json::container_end(buf_.data(), buf_.size(), open);
  if (end == 0) return std::unexpected(error(open, "unterminated object or array (truncated input?)"));
  if (end == kControlInString)
    return std::unexpected(error(open, "a control character inside a string of the value starting"));
  return end;
}

Result<Span> Scanner::value(std::size_t pos) const {
  pos = skip_ws(pos);
  if (pos >= buf_.size()) return std::unexpected(error(pos, "unexpected end of input"));
  const char c = buf_[pos];
  if (c == '{' || c == '[') {
    auto end = container_end(pos);
    if (!end) return std::unexpected(end.error());
    if (buf_[*end - 1] != (c == '{' ? '}' : ']')) return std::unexpected(error(*end - 1, "mismatched bracket"));
    return Span{pos, *end};
  }
  if (c == '"') {
    auto end = string_end(pos);
    if (!end) return std::unexpected(end.error());
    return Span{pos, *end};
  }
  std::size_t end = pos;
  while (end < buf_.size()) {
    const char d = buf_[end];
    if (is_ws(d) || d == ',' || d == '}' || d == ']' || d == ':') break;
    ++end;
  }
  if (end == pos) return std::unexpected(error(pos, std::string("unexpected character '") + c + "'"));
  return Span{pos, end};
}

Result<Span> Scanner::document() const {
  auto v = value(0);
  if (!v) return v;
  if (skip_ws(v->end) != buf_.size()) return std::unexpected(error(v->end, "trailing content after the document"));
  return v;
}

Result<std::string> Scanner::string(Span s) const {
  if (s.end - s.begin < 2 || buf_[s.begin] != '"') return std::unexpected(error(s.begin, "expected a string"));
  std::string out;
  if (!unescape(buf_.substr(s.begin + 1, s.end - s.begin - 2), out))
    return std::unexpected(error(s.begin, "malformed string escape"));
  return out;
}

Result<std::size_t> Scanner::members_from(std::size_t obj, const LazyMemberFn& member) const {
  obj = skip_ws(obj);
  if (obj >= buf_.size() || buf_[obj] != '{') return std::unexpected(error(obj, "expected an object"));
  std::size_t pos = skip_ws(obj + 1);
  if (pos < buf_.size() && buf_[pos] == '}') return pos + 1;
  std::string unescaped_key;
  for (;;) {
    if (pos >= buf_.size() || buf_[pos] != '"') return std::unexpected(error(pos, "expected a member name"));
    bool escaped = false;
    auto key_end = string_end(pos, &escaped);
    if (!key_end) return std::unexpected(key_end.error());
    // Keys are almost always plain, and used where they stand; string_end has already
    // rejected control characters.
    std::string_view key = buf_.substr(pos + 1, *key_end - pos - 2);
    if (escaped) {
      if (!unescape(key, unescaped_key)) return std::unexpected(error(pos, "malformed string escape"));
      key = unescaped_key;
    }
    pos = skip_ws(*key_end);
    if (pos >= buf_.size() || buf_[pos] != ':') return std::unexpected(error(pos, "expected ':'"));
    const std::size_t begin = skip_ws(pos + 1);
    std::size_t end = member(key, begin);
    if (end == kStop) return pos;
    if (end == 0) {
      auto v = value(begin);
      if (!v) return std::unexpected(v.error());
      end = v->end;
    }
    pos = skip_ws(end);
    if (pos < buf_.size() && buf_[pos] == ',') {
      pos = skip_ws(pos + 1);
      continue;
    }
    if (pos < buf_.size() && buf_[pos] == '}') return pos + 1;
    return std::unexpected(error(pos, "expected ',' or '}'"));
  }
}

Result<std::size_t> Scanner::elements_from(std::size_t arr, const LazyElementFn& element) const {
  arr = skip_ws(arr);
  if (arr >= buf_.size() || buf_[arr] != '[') return std::unexpected(error(arr, "expected an array"));
  std::size_t pos = skip_ws(arr + 1);
  if (pos < buf_.size() && buf_[pos] == ']') return pos + 1;
  for (std::size_t index = 0;; ++index) {
    const std::size_t begin = skip_ws(pos);
    std::size_t end = element(index, begin);
    if (end == kStop) return begin;
    if (end == 0) {
      auto v = value(begin);
      if (!v) return std::unexpected(v.error());
      end = v->end;
    }
    pos = skip_ws(end);
    if (pos < buf_.size() && buf_[pos] == ',') {
      ++pos;
      continue;
    }
    if (pos < buf_.size() && buf_[pos] == ']') return pos + 1;
    return std::unexpected(error(pos, "expected ',' or ']'"));
  }
}

Result<void> Scanner::members(Span obj, const MemberFn& member) const {
  Result<void> inner;
  auto r = members_from(obj.begin, [&](std::string_view key, std::size_t begin) -> std::size_t {
    auto v = value(begin);
    if (!v) return inner = std::unexpected(v.error()), kStop;
    if (v->end > obj.end) return inner = std::unexpected(error(begin, "value runs past its object")), kStop;
    return member(key, *v) ? v->end : kStop;
  });
  if (!inner) return inner;
  if (!r) return std::unexpected(r.error());
  return {};
}

Result<void> Scanner::elements(Span arr, const ElementFn& element) const {
  Result<void> inner;
  auto r = elements_from(arr.begin, [&](std::size_t index, std::size_t begin) -> std::size_t {
    auto v = value(begin);
    if (!v) return inner = std::unexpected(v.error()), kStop;
    if (v->end > arr.end) return inner = std::unexpected(error(begin, "value runs past its array")), kStop;
    return element(index, *v) ? v->end : kStop;
  });
  if (!inner) return inner;
  if (!r) return std::unexpected(r.error());
  return {};
}

}  // namespace cs::risk::json
