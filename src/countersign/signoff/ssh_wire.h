// The SSH wire encoding (RFC 4251 §5) used by keys, signatures, SSHSIG blobs and the agent
// protocol, plus base64. Readers never trust a length: every read is bounds-checked, so a
// hostile blob yields an error, never a read past its end. Private to signoff/.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "countersign/core/error.h"

namespace cs::signoff {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_text(ByteView b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

// Reads SSH wire values from a borrowed buffer; views it returns point into that buffer.
class WireReader {
 public:
  explicit WireReader(ByteView data) : data_(data) {}

  Result<std::uint8_t> byte();
  Result<std::uint32_t> u32();
  Result<ByteView> string();        // uint32 length + bytes
  Result<std::string_view> text();  // a string holding text (no NUL bytes allowed)
  // An mpint that must be non-negative; returns the big-endian magnitude without leading zeros.
  Result<ByteView> mpint();
  Result<ByteView> raw(std::size_t n);  // n bytes with no length prefix

  bool empty() const { return pos_ == data_.size(); }
  std::size_t remaining() const { return data_.size() - pos_; }
  // Fails when bytes are left over: a structure must be consumed exactly.
  Result<void> expect_end(std::string_view what) const;

 private:
  ByteView data_;
  std::size_t pos_ = 0;
};

class WireWriter {
 public:
  void byte(std::uint8_t v) { out_.push_back(v); }
  void u32(std::uint32_t v);
  void string(ByteView s);
  void string(std::string_view s) { string(as_bytes(s)); }
  // Writes a non-negative integer given as a big-endian magnitude (leading zeros allowed).
  void mpint(ByteView magnitude);
  void raw(ByteView s);
  void raw(std::string_view s) { raw(as_bytes(s)); }

  const Bytes& bytes() const { return out_; }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

std::string base64_encode(ByteView data, bool pad = true);
// Strict decoding: only the standard alphabet, '=' padding only at the end; whitespace
// (space, tab, CR, LF) is skipped so armored text can be decoded directly.
Result<Bytes> base64_decode(std::string_view text);

}  // namespace cs::signoff
