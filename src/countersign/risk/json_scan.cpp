#include "countersign/risk/json_scan.h"

#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#if __has_include(<sys/platform/x86.h>)
#include <sys/platform/x86.h>
#endif
#endif

#include "countersign/risk/input_buffer.h"

namespace cs::risk::json {
namespace {

struct BlockMasks {
  std::uint64_t quote = 0, backslash = 0, open = 0, close = 0;
};

// Classifies 64 bytes. '{' and '[' differ from each other only in bit 5, as do '}' and ']'.
#if defined(__x86_64__)
__attribute__((target("avx2"), always_inline)) inline std::uint64_t eq_avx2(__m256i lo, __m256i hi, char c) {
  const __m256i v = _mm256_set1_epi8(c);
  const auto l = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, v)));
  const auto h = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, v)));
  return std::uint64_t(l) | (std::uint64_t(h) << 32);
}
__attribute__((target("avx2"), always_inline)) inline BlockMasks classify_avx2(const char* p) {
  const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
  const __m256i bit5 = _mm256_set1_epi8(0x20);
  const __m256i flo = _mm256_or_si256(lo, bit5), fhi = _mm256_or_si256(hi, bit5);
  return {eq_avx2(lo, hi, '"'), eq_avx2(lo, hi, '\\'), eq_avx2(flo, fhi, '{'), eq_avx2(flo, fhi, '}')};
}
BlockMasks classify_sse2(const char* p) {
  BlockMasks m;
  const __m128i bit5 = _mm_set1_epi8(0x20);
  for (int i = 0; i < 4; ++i) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
    const __m128i f = _mm_or_si128(v, bit5);
    auto mask = [](__m128i a, char c) {
      return std::uint64_t(static_cast<std::uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(a, _mm_set1_epi8(c)))));
    };
    m.quote |= mask(v, '"') << (16 * i);
    m.backslash |= mask(v, '\\') << (16 * i);
    m.open |= mask(f, '{') << (16 * i);
    m.close |= mask(f, '}') << (16 * i);
  }
  return m;
}
// glibc's record of the CPU, taken once by the loader. __builtin_cpu_supports would link libgcc's
// start-up constructor, which runs CPUID (microseconds each under a hypervisor) in every command.
#if defined(CPU_FEATURE_ACTIVE)
const bool kHasAvx2 = CPU_FEATURE_ACTIVE(AVX2);
#else
const bool kHasAvx2 = __builtin_cpu_supports("avx2");
#endif
BlockMasks classify(const char* p) { return classify_sse2(p); }
#else
BlockMasks classify(const char* p) {
  BlockMasks m;
  for (int i = 0; i < 64; ++i) {
    const std::uint64_t bit = std::uint64_t(1) << i;
    const char c = p[i];
    if (c == '"') m.quote |= bit;
    if (c == '\\') m.backslash |= bit;
    if ((c | 0x20) == '{') m.open |= bit;
    if ((c | 0x20) == '}') m.close |= bit;
  }
  return m;
}
#endif

// Bits of characters escaped by a backslash, carrying odd runs across blocks (as simdjson).
std::uint64_t escaped_bits(std::uint64_t backslash, std::uint64_t& prev_escaped) {
  backslash &= ~prev_escaped;
  const std::uint64_t follows_escape = backslash << 1 | prev_escaped;
  const std::uint64_t even_bits = 0x5555555555555555ULL;
  const std::uint64_t odd_starts = backslash & ~even_bits & ~follows_escape;
  std::uint64_t even_starts;
  prev_escaped = __builtin_add_overflow(odd_starts, backslash, &even_starts);
  const std::uint64_t invert = even_starts << 1;
  return (even_bits ^ invert) & follows_escape;
}

std::uint64_t prefix_xor(std::uint64_t x) {
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  return x;
}

bool is_ws(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

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
    if (c >= '0' && c <= '9') v |= std::uint32_t(c - '0');
    else if (c >= 'a' && c <= 'f') v |= std::uint32_t(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= std::uint32_t(c - 'A' + 10);
    else return false;
  }
  return true;
}

}  // namespace

bool unescape(std::string_view body, std::string& out) {
  out.clear();
  out.reserve(body.size());
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c != '\\') {
      if (static_cast<unsigned char>(c) < 0x20) return false;
      out += c;
      continue;
    }
    if (++i >= body.size()) return false;
    switch (body[i]) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
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
      default: return false;
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

Result<std::size_t> Scanner::string_end(std::size_t quote) const {
  std::size_t pos = quote + 1;
  for (;;) {
    const void* hit = pos < buf_.size() ? std::memchr(buf_.data() + pos, '"', buf_.size() - pos) : nullptr;
    if (!hit) return std::unexpected(error(quote, "unterminated string"));
    const std::size_t q = static_cast<std::size_t>(static_cast<const char*>(hit) - buf_.data());
    std::size_t backslashes = 0;
    while (q - backslashes > quote + 1 && buf_[q - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return q + 1;
    pos = q + 1;
  }
}

namespace {

// Finds the end of the container opening at `open`: one past its closing bracket, or 0 when
// the input ends first. Blocks start at the opening bracket, which is outside any string.
// The body is a macro so that each instruction-set variant gets its own inlined copy.
#define CS_SCAN_BLOCKS(CLASSIFY, POPCOUNT)                                                      \
  std::uint64_t prev_escaped = 0, prev_in_string = 0;                                         \
  std::int64_t depth = 0;                                                                     \
  for (std::size_t off = open; off < size; off += 64) {                                       \
    BlockMasks m = CLASSIFY(data + off); /* reads at most 63 bytes into the padding */        \
    if (size - off < 64) {                                                                    \
      const std::uint64_t valid = (std::uint64_t(1) << (size - off)) - 1;                     \
      m.quote &= valid, m.backslash &= valid, m.open &= valid, m.close &= valid;              \
    }                                                                                         \
    const std::uint64_t quotes = m.quote & ~escaped_bits(m.backslash, prev_escaped);          \
    const std::uint64_t in_string = prefix_xor(quotes) ^ prev_in_string;                     \
    prev_in_string = std::uint64_t(static_cast<std::int64_t>(in_string) >> 63);               \
    const std::uint64_t opens = m.open & ~in_string, closes = m.close & ~in_string;           \
    const int n_close = POPCOUNT(closes);                                                     \
    if (n_close < depth) {                                                                    \
      depth += POPCOUNT(opens) - n_close;                                                     \
      continue;                                                                               \
    }                                                                                         \
    for (std::uint64_t bits = opens | closes; bits; bits &= bits - 1) {                       \
      const int i = __builtin_ctzll(bits);                                                    \
      if (opens >> i & 1) {                                                                   \
        ++depth;                                                                              \
      } else if (--depth == 0) {                                                              \
        return off + std::size_t(i) + 1;                                                      \
      }                                                                                       \
    }                                                                                         \
  }                                                                                           \
  return 0;

#if defined(__x86_64__)
__attribute__((target("avx2,popcnt,bmi"))) std::size_t container_end_avx2(const char* data, std::size_t size,
                                                                          std::size_t open) {
  CS_SCAN_BLOCKS(classify_avx2, __builtin_popcountll)
}
#endif
std::size_t container_end_generic(const char* data, std::size_t size, std::size_t open) {
  CS_SCAN_BLOCKS(classify, __builtin_popcountll)
}
#undef CS_SCAN_BLOCKS

}  // namespace

Result<std::size_t> Scanner::container_end(std::size_t open) const {
#if defined(__x86_64__)
  const std::size_t end = kHasAvx2 ? container_end_avx2(buf_.data(), buf_.size(), open)
                                   : container_end_generic(buf_.data(), buf_.size(), open);
#else
  const std::size_t end = container_end_generic(buf_.data(), buf_.size(), open);
#endif
  if (end == 0) return std::unexpected(error(open, "unterminated object or array (truncated input?)"));
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
  for (;;) {
    if (pos >= buf_.size() || buf_[pos] != '"') return std::unexpected(error(pos, "expected a member name"));
    auto key_end = string_end(pos);
    if (!key_end) return std::unexpected(key_end.error());
    auto key = string({pos, *key_end});
    if (!key) return std::unexpected(key.error());
    pos = skip_ws(*key_end);
    if (pos >= buf_.size() || buf_[pos] != ':') return std::unexpected(error(pos, "expected ':'"));
    const std::size_t begin = skip_ws(pos + 1);
    std::size_t end = member(*key, begin);
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
  auto r = members_from(obj.begin, [&](const std::string& key, std::size_t begin) -> std::size_t {
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
