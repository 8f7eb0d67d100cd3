// The inner loop of the JSON scanner (json_scan.h): where an object or array ends, found 64
// bytes at a time. Strings are found as simdjson's stage 1 finds them (a mask of escaped
// characters, then the quote parity by a carry-less multiply), brackets outside strings are
// counted with popcount, and only a block in which the depth can reach zero is looked at
// bracket by bracket. Most of a large plan is skipped by this loop, so it decides the speed.
#pragma once

#include <cstddef>

namespace cs::risk::json {

enum class BlockKernel { portable, avx2, avx512 };

// Returned for a byte below 0x20 inside a string, which JSON forbids.
inline constexpr std::size_t kControlInString = static_cast<std::size_t>(-1);

// One past the bracket that closes the container opening at data[open] ('{' or '['), 0 when
// `size` is reached first, or kControlInString. Brackets are counted, not matched by kind:
// the caller checks that the closing bracket is the right one. As in simdjson, a backslash
// escapes the next byte even outside a string (where it is invalid JSON). Reads up to 63
// bytes past `size`, which must be readable (the input's padding); bytes past it are ignored.
std::size_t container_end(const char* data, std::size_t size, std::size_t open);

// One past the quote that closes the string opening at data[quote], 0 when `size` is reached
// first, or kControlInString; `*escapes` (when given) is set if the string holds a backslash.
// The same reads past `size` as container_end.
std::size_t string_end(const char* data, std::size_t size, std::size_t quote, bool* escapes = nullptr);

// The same with a chosen kernel, so that tests can compare every kernel this CPU runs.
bool kernel_available(BlockKernel kernel);
std::size_t container_end(BlockKernel kernel, const char* data, std::size_t size, std::size_t open);
std::size_t string_end(BlockKernel kernel, const char* data, std::size_t size, std::size_t quote,
                       bool* escapes = nullptr);

}  // namespace cs::risk::json
