#include "countersign/signoff/ssh_wire.h"

#include <gtest/gtest.h>

namespace cs::signoff {
namespace {

TEST(SshWire, RoundTripsEveryValueKind) {
  WireWriter w;
  w.byte(7);
  w.u32(0xdeadbeef);
  w.string("ssh-ed25519");
  const Bytes high = {0x80, 0x01};
  w.mpint(high);   // needs a 0x00 pad so it is not negative
  w.mpint(Bytes{0x00, 0x00, 0x05});  // leading zeros are dropped
  w.mpint(Bytes{});                  // zero is the empty string
  const Bytes& b = w.bytes();
  EXPECT_EQ(b.size(), 1u + 4 + 4 + 11 + 4 + 3 + 4 + 1 + 4);

  WireReader r(b);
  EXPECT_EQ(*r.byte(), 7);
  EXPECT_EQ(*r.u32(), 0xdeadbeefu);
  EXPECT_EQ(*r.text(), "ssh-ed25519");
  auto m = r.mpint();
  ASSERT_TRUE(m);
  EXPECT_EQ(Bytes(m->begin(), m->end()), high);
  EXPECT_EQ(r.mpint()->size(), 1u);
  EXPECT_TRUE(r.mpint()->empty());
  EXPECT_TRUE(r.expect_end("test"));
  EXPECT_FALSE(r.byte());
  EXPECT_FALSE(r.u32());
}

TEST(SshWire, HostileLengthsAndIntegers) {
  const Bytes past_end = {0, 0, 0, 9, 'a', 'b'};
  EXPECT_FALSE(WireReader(past_end).string());
  const Bytes huge = {0xff, 0xff, 0xff, 0xff, 'a'};
  EXPECT_FALSE(WireReader(huge).string());
  const Bytes short_u32 = {0, 0, 1};
  EXPECT_FALSE(WireReader(short_u32).u32());
  const Bytes negative = {0, 0, 0, 1, 0x80};
  EXPECT_FALSE(WireReader(negative).mpint());
  const Bytes padded = {0, 0, 0, 3, 0, 0, 1};
  EXPECT_FALSE(WireReader(padded).mpint());
  const Bytes nul = {0, 0, 0, 2, 'a', 0};
  EXPECT_FALSE(WireReader(nul).text());
  const Bytes trailing = {0, 0, 0, 1, 'a', 'b'};
  WireReader r(trailing);
  EXPECT_TRUE(r.string());
  EXPECT_FALSE(r.expect_end("blob"));
}

TEST(SshWire, Base64IsStrict) {
  const std::string text = "any carnal pleas";
  for (std::size_t n = 0; n <= text.size(); ++n) {
    const auto part = as_bytes(std::string_view(text).substr(0, n));
    auto back = base64_decode(base64_encode(part));
    ASSERT_TRUE(back) << n;
    EXPECT_EQ(Bytes(part.begin(), part.end()), *back);
    EXPECT_TRUE(base64_decode(base64_encode(part, false)));
  }
  EXPECT_EQ(base64_encode(as_bytes("ab")), "YWI=");
  EXPECT_EQ(*base64_decode("YW\r\nI="), Bytes({'a', 'b'}));
  EXPECT_FALSE(base64_decode("YWI=YWI="));  // data after padding
  EXPECT_FALSE(base64_decode("YWJ="));      // non-zero trailing bits
  EXPECT_FALSE(base64_decode("Y"));
  EXPECT_FALSE(base64_decode("YW-="));
  EXPECT_FALSE(base64_decode("YWI==="));
}

}  // namespace
}  // namespace cs::signoff
