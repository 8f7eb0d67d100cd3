#include "countersign/signoff/ssh_wire.h"

#include <array>
#include <cstring>

#include <fmt/format.h>

namespace cs::signoff {

Result<std::uint8_t> WireReader::byte() {
  if (remaining() < 1) return fail(Errc::parse, "truncated SSH data: expected a byte");
  return data_[pos_++];
}

Result<std::uint32_t> WireReader::u32() {
  if (remaining() < 4) return fail(Errc::parse, "truncated SSH data: expected a 32-bit integer");
  std::uint32_t v = (std::uint32_t(data_[pos_]) << 24) | (std::uint32_t(data_[pos_ + 1]) << 16) |
                    (std::uint32_t(data_[pos_ + 2]) << 8) | std::uint32_t(data_[pos_ + 3]);
  pos_ += 4;
  return v;
}

Result<ByteView> WireReader::raw(std::size_t n) {
  if (remaining() < n) return fail(Errc::parse, fmt::format("truncated SSH data: {} bytes needed, {} left", n, remaining()));
  ByteView v = data_.subspan(pos_, n);
  pos_ += n;
  return v;
}

Result<ByteView> WireReader::string() {
  auto len = u32();
  if (!len) return std::unexpected(len.error());
  if (*len > remaining())
    return fail(Errc::parse, fmt::format("SSH string length {} points past the end ({} bytes left)", *len, remaining()));
  return raw(*len);
}

Result<std::string_view> WireReader::text() {
  auto s = string();
  if (!s) return std::unexpected(s.error());
  for (auto c : *s)
    if (c == 0) return fail(Errc::parse, "SSH text field contains a NUL byte");
  return as_text(*s);
}

Result<ByteView> WireReader::mpint() {
  auto s = string();
  if (!s) return std::unexpected(s.error());
  ByteView v = *s;
  if (!v.empty() && (v[0] & 0x80)) return fail(Errc::parse, "negative SSH mpint");
  if (v.size() > 2 && v[0] == 0 && !(v[1] & 0x80)) return fail(Errc::parse, "SSH mpint has superfluous leading zeros");
  while (!v.empty() && v[0] == 0) v = v.subspan(1);
  if (v.size() > 16384 / 8 + 1) return fail(Errc::parse, "SSH mpint is too large");
  return v;
}

Result<void> WireReader::expect_end(std::string_view what) const {
  if (!empty()) return fail(Errc::parse, fmt::format("{} has {} trailing bytes", what, remaining()));
  return {};
}

void WireWriter::u32(std::uint32_t v) {
  out_.push_back(std::uint8_t(v >> 24));
  out_.push_back(std::uint8_t(v >> 16));
  out_.push_back(std::uint8_t(v >> 8));
  out_.push_back(std::uint8_t(v));
}

void WireWriter::raw(ByteView s) {
  if (s.empty()) return;
  const std::size_t at = out_.size();
  out_.resize(at + s.size());
  std::memcpy(out_.data() + at, s.data(), s.size());
}

void WireWriter::string(ByteView s) {
  u32(std::uint32_t(s.size()));
  raw(s);
}

void WireWriter::mpint(ByteView magnitude) {
  while (!magnitude.empty() && magnitude[0] == 0) magnitude = magnitude.subspan(1);
  const bool pad = !magnitude.empty() && (magnitude[0] & 0x80);
  u32(std::uint32_t(magnitude.size() + (pad ? 1 : 0)));
  if (pad) out_.push_back(0);
  raw(magnitude);
}

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int, 256> decode_table() {
  std::array<int, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[std::uint8_t(kAlphabet[i])] = i;
  return t;
}
constexpr auto kDecode = decode_table();
}  // namespace

std::string base64_encode(ByteView data, bool pad) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    std::uint32_t v = (std::uint32_t(data[i]) << 16) | (std::uint32_t(data[i + 1]) << 8) | data[i + 2];
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = data.size() - i;
  if (rest == 1) {
    std::uint32_t v = std::uint32_t(data[i]) << 16;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    std::uint32_t v = (std::uint32_t(data[i]) << 16) | (std::uint32_t(data[i + 1]) << 8);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    if (pad) out += '=';
  }
  return out;
}

Result<Bytes> base64_decode(std::string_view text) {
  Bytes out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0, padding = 0, symbols = 0;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    const int v = kDecode[std::uint8_t(c)];
    if (v < 0) return fail(Errc::parse, fmt::format("invalid base64 character (byte 0x{:02x})", std::uint8_t(c)));
    if (padding) return fail(Errc::parse, "base64 data continues after '=' padding");
    acc = (acc << 6) | std::uint32_t(v);
    bits += 6;
    ++symbols;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(std::uint8_t(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  if (symbols % 4 == 1) return fail(Errc::parse, "truncated base64 data");
  if (padding > 2 || (padding && (symbols + padding) % 4 != 0)) return fail(Errc::parse, "invalid base64 padding");
  if (acc != 0) return fail(Errc::parse, "base64 data has non-zero trailing bits");
  return out;
}

}  // namespace cs::signoff
