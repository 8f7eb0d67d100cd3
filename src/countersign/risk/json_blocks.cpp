#include "countersign/risk/json_blocks.h"

#include <cstdint>

#if defined(__x86_64__)
#include <immintrin.h>
#if __has_include(<sys/platform/x86.h>)
#include <sys/platform/x86.h>
#endif
#endif

namespace cs::risk::json {
namespace {

// The characters of one 64-byte block that matter: bit i is byte i. '{' and '[' differ only
// in bit 5 (0x20), as do '}' and ']', so one comparison after OR 0x20 finds both. `control`
// is bytes below 0x20, which JSON forbids inside strings (simdjson's stage 1 rejects them too).
struct Masks {
  std::uint64_t quote = 0, backslash = 0, open = 0, close = 0, control = 0;
};

// What one block hands to the next.
struct Carry {
  std::uint64_t escaped = 0;    // the first byte of the next block is escaped
  std::uint64_t in_string = 0;  // all ones when the block ended inside a string
  std::int64_t depth = 0;
};

// Bits of characters escaped by a backslash, carrying odd backslash runs across blocks. This
// is simdjson's find_escaped; plans rarely hold a backslash, so callers skip it for a block
// without one.
inline std::uint64_t escaped_bits(std::uint64_t backslash, std::uint64_t& prev_escaped) {
  backslash &= ~prev_escaped;
  const std::uint64_t follows_escape = backslash << 1 | prev_escaped;
  const std::uint64_t even_bits = 0x5555555555555555ULL;
  const std::uint64_t odd_starts = backslash & ~even_bits & ~follows_escape;
  std::uint64_t even_starts;
  prev_escaped = __builtin_add_overflow(odd_starts, backslash, &even_starts);
  const std::uint64_t invert = even_starts << 1;
  return (even_bits ^ invert) & follows_escape;
}

inline void keep_low(Masks& m, std::size_t n) {
  const std::uint64_t valid = (std::uint64_t(1) << n) - 1;
  m.quote &= valid, m.backslash &= valid, m.open &= valid, m.close &= valid, m.control &= valid;
}

// Applies one block's brackets (already cleared of those inside strings) to the depth.
// Returns the index + 1 of the bracket that brings the depth to zero, or 0. The depth can
// only reach zero in a block with at least `depth` closing brackets; only then are the
// closing brackets visited, each by the count of opening brackets before it.
inline unsigned depth_step(std::uint64_t opens, std::uint64_t closes, Carry& c) {
  const int n_open = __builtin_popcountll(opens), n_close = __builtin_popcountll(closes);
  if (n_close >= c.depth) {
    std::int64_t closed = 0;
    for (std::uint64_t bits = closes; bits; bits &= bits - 1) {
      const std::uint64_t below = (bits & (0 - bits)) - 1;
      if (c.depth + __builtin_popcountll(opens & below) - ++closed == 0)
        return static_cast<unsigned>(__builtin_ctzll(bits)) + 1;
    }
  }
  c.depth += n_open - n_close;
  return 0;
}

std::uint64_t prefix_xor_shifts(std::uint64_t x) {
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  return x;
}

Masks masks_portable(const char* p) {
  Masks m;
  for (int i = 0; i < 64; ++i) {
    const std::uint64_t bit = std::uint64_t(1) << i;
    const char c = p[i];
    if (c == '"') m.quote |= bit;
    if (c == '\\') m.backslash |= bit;
    if ((c | 0x20) == '{') m.open |= bit;
    if ((c | 0x20) == '}') m.close |= bit;
    if (static_cast<unsigned char>(c) < 0x20) m.control |= bit;
  }
  return m;
}

// How far ahead of the block being classified the next bytes are asked for. The hardware
// prefetcher stops at each 4 KiB page, and a page-cache mapping is not contiguous in physical
// memory: asking 2 KiB ahead takes the scan from 7 to over 10 GB/s here. A prefetch past the
// end of the mapping is harmless, it never faults.
constexpr std::size_t kPrefetchAhead = 2048;

inline void prefetch_ahead(const char* p) {  // by address: p + 2048 may lie past the buffer
  __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(p) + kPrefetchAhead));
}

// The loop, once per kernel so that each gets its own inlined classifier and instructions:
// a function template could not inline the target-specific classifiers into itself.
#define CS_CONTAINER_END_BODY(MASKS, PREFIX_XOR)                                                        \
  Carry c;                                                                                              \
  for (std::size_t off = open; off < size; off += 64) {                                                 \
    prefetch_ahead(data + off);                                                                         \
    Masks m = MASKS(data + off);                                                                        \
    if (size - off < 64) keep_low(m, size - off);                                                       \
    const std::uint64_t escaped = (m.backslash | c.escaped) ? escaped_bits(m.backslash, c.escaped) : 0; \
    const std::uint64_t in_string = PREFIX_XOR(m.quote & ~escaped) ^ c.in_string;                       \
    c.in_string = static_cast<std::uint64_t>(static_cast<std::int64_t>(in_string) >> 63);               \
    const std::uint64_t control = m.control & in_string;                                                \
    if (const unsigned at = depth_step(m.open & ~in_string, m.close & ~in_string, c))                   \
      return control & ((std::uint64_t(1) << (at - 1)) - 1) ? kControlInString : off + at;              \
    if (control) return kControlInString;                                                               \
  }                                                                                                     \
  return 0;

// A string's end: the first quote or backslash of each block is the only byte looked at; a
// backslash skips the byte it escapes. Most strings end within their first block.
#define CS_STRING_END_BODY(MASKS)                                                                              \
  std::size_t pos = quote + 1;                                                                                 \
  prefetch_ahead(data + pos); /* members are walked string by string: keep reading ahead */                    \
  while (pos < size) {                                                                                         \
    Masks m = MASKS(data + pos);                                                                               \
    if (size - pos < 64) keep_low(m, size - pos);                                                              \
    const std::uint64_t stop = m.quote | m.backslash;                                                          \
    const std::uint64_t before_stop = stop ? (stop & (0 - stop)) - 1 : ~std::uint64_t(0);                      \
    if (m.control & before_stop) return kControlInString;                                                      \
    if (stop == 0) {                                                                                           \
      pos += 64;                                                                                               \
      prefetch_ahead(data + pos); /* a long string: read ahead as container_end does */                        \
      continue;                                                                                                \
    }                                                                                                          \
    const unsigned at = static_cast<unsigned>(__builtin_ctzll(stop));                                          \
    if (m.quote >> at & 1) return pos + at + 1;                                                                \
    if (pos + at + 1 < size && static_cast<unsigned char>(data[pos + at + 1]) < 0x20) return kControlInString; \
    if (escapes) *escapes = true;                                                                              \
    pos += at + 2;                                                                                             \
  }                                                                                                            \
  return 0;

std::size_t container_end_portable(const char* data, std::size_t size,
                                   std::size_t open){CS_CONTAINER_END_BODY(masks_portable, prefix_xor_shifts)}

std::size_t string_end_portable(const char* data, std::size_t size, std::size_t quote, bool* escapes) {
  CS_STRING_END_BODY(masks_portable)
}

#if defined(__x86_64__)
// The quote parity: bit i is the XOR of bits 0..i, a carry-less multiply by all ones.
__attribute__((target("pclmul"), always_inline)) inline std::uint64_t prefix_xor_clmul(std::uint64_t x) {
  const __m128i product =
      _mm_clmulepi64_si128(_mm_set_epi64x(0, static_cast<long long>(x)), _mm_set1_epi8(char(0xFF)), 0);
  return static_cast<std::uint64_t>(_mm_cvtsi128_si64(product));
}

__attribute__((target("avx2"), always_inline)) inline std::uint64_t eq_avx2(__m256i lo, __m256i hi, char ch) {
  const __m256i v = _mm256_set1_epi8(ch);
  const auto l = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, v)));
  const auto h = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, v)));
  return std::uint64_t(l) | (std::uint64_t(h) << 32);
}

// Bytes up to 0x1F: those that an unsigned minimum with 0x1F leaves unchanged.
__attribute__((target("avx2"), always_inline)) inline std::uint64_t control_avx2(__m256i lo, __m256i hi) {
  const __m256i max = _mm256_set1_epi8(0x1F);
  const auto l = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(lo, max), lo)));
  const auto h = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(hi, max), hi)));
  return std::uint64_t(l) | (std::uint64_t(h) << 32);
}

__attribute__((target("avx2"), always_inline)) inline Masks masks_avx2(const char* p) {
  const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
  const __m256i bit5 = _mm256_set1_epi8(0x20);
  const __m256i flo = _mm256_or_si256(lo, bit5), fhi = _mm256_or_si256(hi, bit5);
  return {eq_avx2(lo, hi, '"'), eq_avx2(lo, hi, '\\'), eq_avx2(flo, fhi, '{'), eq_avx2(flo, fhi, '}'),
          control_avx2(lo, hi)};
}

__attribute__((target("avx512f,avx512bw"), always_inline)) inline Masks masks_avx512(const char* p) {
  const __m512i v = _mm512_loadu_si512(p);
  const __m512i folded = _mm512_or_si512(v, _mm512_set1_epi8(0x20));
  return {_mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('"')), _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\\')),
          _mm512_cmpeq_epi8_mask(folded, _mm512_set1_epi8('{')), _mm512_cmpeq_epi8_mask(folded, _mm512_set1_epi8('}')),
          _mm512_cmplt_epu8_mask(v, _mm512_set1_epi8(0x20))};
}

__attribute__((target("avx2,pclmul,popcnt,bmi"))) std::size_t container_end_avx2(const char* data, std::size_t size,
                                                                                 std::size_t open) {
  CS_CONTAINER_END_BODY(masks_avx2, prefix_xor_clmul)
}

__attribute__((target("avx2,popcnt,bmi"))) std::size_t string_end_avx2(const char* data, std::size_t size,
                                                                       std::size_t quote, bool* escapes) {
  CS_STRING_END_BODY(masks_avx2)
}

__attribute__((target("avx512f,avx512bw,pclmul,popcnt,bmi"))) std::size_t container_end_avx512(const char* data,
                                                                                               std::size_t size,
                                                                                               std::size_t open) {
  CS_CONTAINER_END_BODY(masks_avx512, prefix_xor_clmul)
}

__attribute__((target("avx512f,avx512bw,popcnt,bmi"))) std::size_t string_end_avx512(const char* data, std::size_t size,
                                                                                     std::size_t quote, bool* escapes) {
  CS_STRING_END_BODY(masks_avx512)
}

// glibc's record of the CPU, taken once by the loader. __builtin_cpu_supports would link libgcc's
// start-up constructor, which runs CPUID (microseconds each under a hypervisor) in every command,
// `countersign guard` included.
#if defined(CPU_FEATURE_ACTIVE)
#define CS_CPU_HAS(feature, name) CPU_FEATURE_ACTIVE(feature)
#else
#define CS_CPU_HAS(feature, name) __builtin_cpu_supports(name)
#endif

bool cpu_has(BlockKernel kernel) {
  switch (kernel) {
    case BlockKernel::portable:
      return true;
    case BlockKernel::avx2:
      return CS_CPU_HAS(AVX2, "avx2") && CS_CPU_HAS(PCLMULQDQ, "pclmul") && CS_CPU_HAS(POPCNT, "popcnt") &&
             CS_CPU_HAS(BMI1, "bmi");
    case BlockKernel::avx512:
      return CS_CPU_HAS(AVX512F, "avx512f") && CS_CPU_HAS(AVX512BW, "avx512bw") && CS_CPU_HAS(PCLMULQDQ, "pclmul") &&
             CS_CPU_HAS(POPCNT, "popcnt") && CS_CPU_HAS(BMI1, "bmi");
  }
  return false;
}

const BlockKernel kBest = cpu_has(BlockKernel::avx512) ? BlockKernel::avx512
                          : cpu_has(BlockKernel::avx2) ? BlockKernel::avx2
                                                       : BlockKernel::portable;
// Strings are ended once per member of every object walked: called straight, not by a switch.
using StringEnd = std::size_t (*)(const char*, std::size_t, std::size_t, bool*);
const StringEnd kStringEnd = kBest == BlockKernel::avx512 ? string_end_avx512
                             : kBest == BlockKernel::avx2 ? string_end_avx2
                                                          : string_end_portable;
#else
bool cpu_has(BlockKernel kernel) {
  return kernel == BlockKernel::portable;
}
const BlockKernel kBest = BlockKernel::portable;
using StringEnd = std::size_t (*)(const char*, std::size_t, std::size_t, bool*);
const StringEnd kStringEnd = string_end_portable;
#endif
#undef CS_CONTAINER_END_BODY
#undef CS_STRING_END_BODY

}  // namespace

bool kernel_available(BlockKernel kernel) {
  return cpu_has(kernel);
}

std::size_t container_end(BlockKernel kernel, const char* data, std::size_t size, std::size_t open) {
#if defined(__x86_64__)
  if (kernel == BlockKernel::avx512) return container_end_avx512(data, size, open);
  if (kernel == BlockKernel::avx2) return container_end_avx2(data, size, open);
#endif
  (void)kernel;
  return container_end_portable(data, size, open);
}

std::size_t container_end(const char* data, std::size_t size, std::size_t open) {
  return container_end(kBest, data, size, open);
}

std::size_t string_end(BlockKernel kernel, const char* data, std::size_t size, std::size_t quote, bool* escapes) {
#if defined(__x86_64__)
  if (kernel == BlockKernel::avx512) return string_end_avx512(data, size, quote, escapes);
  if (kernel == BlockKernel::avx2) return string_end_avx2(data, size, quote, escapes);
#endif
  (void)kernel;
  return string_end_portable(data, size, quote, escapes);
}

std::size_t string_end(const char* data, std::size_t size, std::size_t quote, bool* escapes) {
  return kStringEnd(data, size, quote, escapes);
}

}  // namespace cs::risk::json
