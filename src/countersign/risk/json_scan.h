// A fast structural scanner for very large JSON documents. It walks what a reader asks for
// (members of objects, elements of arrays) and skips every other value with a 64-bytes-at-a-
// time bracket counter (json_blocks.h); no structural index of the document is built, which
// for a 200 MB plan would cost more memory than the plan itself. The buffer must have
// kPadding readable bytes after its end.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "countersign/core/error.h"

namespace cs::risk::json {

struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;  // one past the value's last byte
};

class Scanner {
 public:
  explicit Scanner(std::string_view padded) : buf_(padded) {}

  std::string_view text(Span s) const { return buf_.substr(s.begin, s.end - s.begin); }
  std::string_view buffer() const { return buf_; }
  std::size_t skip_ws(std::size_t pos) const;

  // The span of the value starting at `pos` (after whitespace), checked for balanced brackets
  // and well-formed strings (terminated, no raw control character) only.
  Result<Span> value(std::size_t pos) const;
  // The whole document: one value, then only whitespace.
  Result<Span> document() const;

  // Calls `member(key, value)` for each member of the object at `obj`; stops early when it
  // returns false. Keys are unescaped; a key is valid only during its call.
  using MemberFn = std::function<bool(std::string_view key, Span value)>;
  Result<void> members(Span obj, const MemberFn& member) const;
  using ElementFn = std::function<bool(std::size_t index, Span value)>;
  Result<void> elements(Span arr, const ElementFn& element) const;

  // Lazy forms for the big sections: `member`/`element` is told where the value starts and
  // returns where it ends after reading it, 0 to have the scanner skip it, or kStop to stop.
  // They return the position one past the closing bracket, or of the stop: a callback that
  // stops on an error must keep that error itself, since the walk reports no error then.
  static constexpr std::size_t kStop = static_cast<std::size_t>(-1);
  using LazyMemberFn = std::function<std::size_t(std::string_view key, std::size_t value_begin)>;
  using LazyElementFn = std::function<std::size_t(std::size_t index, std::size_t value_begin)>;
  Result<std::size_t> members_from(std::size_t obj, const LazyMemberFn& member) const;
  Result<std::size_t> elements_from(std::size_t arr, const LazyElementFn& element) const;

  // The unescaped contents of a JSON string value.
  Result<std::string> string(Span s) const;

 private:
  Result<std::size_t> container_end(std::size_t open) const;
  Result<std::size_t> string_end(std::size_t quote, bool* escapes = nullptr) const;
  Error error(std::size_t pos, std::string what) const;

  std::string_view buf_;
};

// Unescapes the body of a JSON string (without its quotes); false when an escape is malformed.
bool unescape(std::string_view body, std::string& out);

}  // namespace cs::risk::json
