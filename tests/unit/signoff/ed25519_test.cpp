// The tabulated Ed25519 verifier against libsodium's crypto_sign_verify_detached, which is what it
// replaces for busy keys: on honest signatures, on damaged ones, and on the edge cases where
// Ed25519 verifiers are known to disagree (non-canonical S, small-order R, keys with a torsion
// component). Every answer must be libsodium's.
#include "countersign/signoff/ed25519.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <array>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace cs::signoff::ed25519 {
namespace {

using Key = std::array<uint8_t, 32>;
using Sig = std::array<uint8_t, 64>;
using Msg = std::vector<uint8_t>;

// The points of order dividing 8, canonically encoded.
const char* const kTorsion[] = {
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
};

Key from_hex(const std::string& hex) {
  Key k{};
  for (size_t i = 0; i < 32; ++i) k[i] = uint8_t(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  return k;
}

bool sodium_says(const Key& pk, const Sig& sig, const Msg& m) {
  return crypto_sign_verify_detached(sig.data(), m.data(), m.size(), pk.data()) == 0;
}

class Ed25519Test : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GE(sodium_init(), 0); }
  std::mt19937_64 rng{20261202};

  // Keys and scalars from the seeded generator: every run tests the same cases.
  void keypair(Key& pk, uint8_t sk[64]) {
    uint8_t seed[32];
    for (auto& b : seed) b = uint8_t(rng());
    crypto_sign_seed_keypair(pk.data(), sk, seed);
  }
  std::unique_ptr<const PrecomputedKey> tabulated_keypair(Key& pk, uint8_t sk[64]) {
    keypair(pk, sk);
    return PrecomputedKey::make(pk);
  }
  void random_scalar(uint8_t out[32]) {
    uint8_t wide[64];
    for (auto& b : wide) b = uint8_t(rng());
    crypto_core_ed25519_scalar_reduce(out, wide);
  }

  Msg message() {
    Msg m(rng() % 200);
    for (auto& b : m) b = uint8_t(rng());
    return m;
  }

  // A signature made by hand: R = [r]B for a random r, S = r + h*a, where h hashes the R given
  // (when one is) and `pk` may be any point, not only [a]B.
  Sig sign_by_hand(const Key& pk, const uint8_t a[32], const Msg& m, const Key* r_point = nullptr,
                   const uint8_t* r_scalar = nullptr) {
    Sig sig{};
    uint8_t r[32];
    if (r_scalar)
      std::memcpy(r, r_scalar, 32);
    else
      random_scalar(r);
    if (r_point)
      std::memcpy(sig.data(), r_point->data(), 32);
    else
      EXPECT_EQ(crypto_scalarmult_ed25519_base_noclamp(sig.data(), r), 0);
    uint8_t wide[64], h[32], ha[32];
    crypto_hash_sha512_state st;
    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, sig.data(), 32);
    crypto_hash_sha512_update(&st, pk.data(), 32);
    crypto_hash_sha512_update(&st, m.data(), m.size());
    crypto_hash_sha512_final(&st, wide);
    crypto_core_ed25519_scalar_reduce(h, wide);
    crypto_core_ed25519_scalar_mul(ha, h, a);
    crypto_core_ed25519_scalar_add(sig.data() + 32, r, ha);
    return sig;
  }
};

TEST_F(Ed25519Test, HonestSignaturesVerifyAndDamagedOnesAgreeWithLibsodium) {
  for (int k = 0; k < 8; ++k) {
    Key pk;
    uint8_t sk[64];
    auto fast = tabulated_keypair(pk, sk);
    ASSERT_TRUE(fast);
    for (int i = 0; i < 64; ++i) {
      Msg m = message();
      Sig sig;
      crypto_sign_detached(sig.data(), nullptr, m.data(), m.size(), sk);
      ASSERT_TRUE(fast->verify(sig, m));
      Sig bad = sig;
      bad[rng() % 64] ^= uint8_t(1u << (rng() % 8));
      EXPECT_EQ(fast->verify(bad, m), sodium_says(pk, bad, m));
      EXPECT_FALSE(fast->verify(bad, m));
      Msg other = m;
      if (other.empty()) other.push_back(0);
      other[rng() % other.size()] ^= 1;
      EXPECT_FALSE(fast->verify(sig, other));
    }
  }
}

TEST_F(Ed25519Test, SignaturesByAnotherKeyFail) {
  Key pk, pk2;
  uint8_t sk[64], sk2[64];
  keypair(pk, sk);
  keypair(pk2, sk2);
  auto fast = PrecomputedKey::make(pk);
  ASSERT_TRUE(fast);
  Msg m = message();
  Sig sig;
  crypto_sign_detached(sig.data(), nullptr, m.data(), m.size(), sk2);
  EXPECT_FALSE(fast->verify(sig, m));
}

TEST_F(Ed25519Test, ScalarsAtOrAboveTheGroupOrderAreRefused) {
  Key pk;
  uint8_t sk[64];
  auto fast = tabulated_keypair(pk, sk);
  ASSERT_TRUE(fast);
  const Key order = from_hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  for (int i = 0; i < 16; ++i) {
    Msg m = message();
    Sig sig;
    crypto_sign_detached(sig.data(), nullptr, m.data(), m.size(), sk);
    // S + L: the same point, a non-canonical scalar.
    Sig plus = sig;
    unsigned carry = 0;
    for (int j = 0; j < 32; ++j) {
      unsigned v = unsigned(plus[32 + j]) + order[size_t(j)] + carry;
      plus[32 + j] = uint8_t(v);
      carry = v >> 8;
    }
    ASSERT_FALSE(sodium_says(pk, plus, m));
    EXPECT_FALSE(fast->verify(plus, m));
  }
  Sig at_order{};
  std::memcpy(at_order.data() + 32, order.data(), 32);
  EXPECT_FALSE(fast->verify(at_order, message()));
}

TEST_F(Ed25519Test, KeysLibsodiumRefusesAreRefused) {
  for (const char* t : kTorsion) EXPECT_FALSE(PrecomputedKey::make(from_hex(t))) << t;
  // p + k: non-canonical encodings of k, several of them points of large order (k = 3, 4, ...).
  for (int k = 0; k < 19; ++k) {
    for (uint8_t sign : {0x00, 0x80}) {
      Key y = from_hex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
      y[0] = uint8_t(0xed + k);
      y[31] = uint8_t(0x7f | sign);
      EXPECT_FALSE(PrecomputedKey::make(y)) << k;
    }
  }
  // Canonical after all: y = p - 2^248 - 1 and p - 1 - k (both signs) are accepted when they
  // are points of large order, as libsodium accepts them.
  uint8_t sk[64];
  Key pk;
  keypair(pk, sk);
  int near_p = 0;
  for (int k = 1; k < 40; ++k) {
    for (uint8_t sign : {0x00, 0x80}) {
      Key y = from_hex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
      y[0] = uint8_t(0xec - k);
      y[31] = uint8_t(0x7f | sign);
      if (k == 39) y = from_hex("f0fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe7f");
      uint8_t sum[32];
      bool point = crypto_core_ed25519_add(sum, y.data(), pk.data()) == 0;
      EXPECT_EQ(bool(PrecomputedKey::make(y)), point) << k;
      near_p += point;
    }
  }
  EXPECT_GT(near_p, 10);
  // y values with no x on the curve.
  int off_curve = 0;
  for (uint8_t y = 2; y < 40; ++y) {
    Key k{};
    k[0] = y;
    if (crypto_core_ed25519_is_valid_point(k.data())) continue;
    uint8_t x[32];
    if (crypto_core_ed25519_add(x, k.data(), k.data()) == 0) continue;  // a point after all (small order, say)
    ++off_curve;
    EXPECT_FALSE(PrecomputedKey::make(k)) << int(y);
  }
  EXPECT_GT(off_curve, 5);
}

// R encoding the identity when [S]B = [h]A: libsodium refuses R of small order outright.
TEST_F(Ed25519Test, SmallOrderRIsRefusedEvenWhenTheEquationHolds) {
  uint8_t a[32];
  random_scalar(a);
  Key pk;
  ASSERT_EQ(crypto_scalarmult_ed25519_base_noclamp(pk.data(), a), 0);
  auto fast = PrecomputedKey::make(pk);
  ASSERT_TRUE(fast);
  const Key identity = from_hex(kTorsion[0]);
  const uint8_t zero[32] = {};
  for (int i = 0; i < 8; ++i) {
    Msg m = message();
    Sig sig = sign_by_hand(pk, a, m, &identity, zero);  // S = 0 + h*a
    EXPECT_FALSE(sodium_says(pk, sig, m));
    EXPECT_FALSE(fast->verify(sig, m));
    Sig honest = sign_by_hand(pk, a, m);
    EXPECT_TRUE(sodium_says(pk, honest, m));
    EXPECT_TRUE(fast->verify(honest, m));
  }
}

// A key with a torsion component: whether [S]B - [h]A lands on R depends on h, and a small-order
// R can be hit exactly. Both verifiers must give the same answer every time.
TEST_F(Ed25519Test, KeysWithATorsionComponentAgreeWithLibsodium) {
  int accepted = 0, refused = 0;
  for (const char* t : kTorsion) {
    const Key torsion = from_hex(t);
    uint8_t a[32];
    random_scalar(a);
    Key clean, pk;
    ASSERT_EQ(crypto_scalarmult_ed25519_base_noclamp(clean.data(), a), 0);
    ASSERT_EQ(crypto_core_ed25519_add(pk.data(), clean.data(), torsion.data()), 0);
    auto fast = PrecomputedKey::make(pk);  // a point of large order, whatever the torsion
    ASSERT_TRUE(fast) << t;
    for (int i = 0; i < 24; ++i) {
      Msg m = message();
      Sig honest = sign_by_hand(pk, a, m);
      bool want = sodium_says(pk, honest, m);
      EXPECT_EQ(fast->verify(honest, m), want);
      if (want) {
        ++accepted;
      } else {
        ++refused;
      }
      // R a torsion point and S = h*a: [S]B - [h]A = -[h]T, sometimes exactly R.
      const Key r_point = from_hex(kTorsion[i % 8]);
      const uint8_t zero[32] = {};
      Sig odd = sign_by_hand(pk, a, m, &r_point, zero);
      EXPECT_EQ(fast->verify(odd, m), sodium_says(pk, odd, m));
    }
  }
  EXPECT_GT(accepted, 0);
  EXPECT_GT(refused, 0);
}

// Many signatures at once, honest ones mixed with every kind of bad one: each answer is
// libsodium's, whatever its neighbours.
TEST_F(Ed25519Test, ABatchAnswersEachSignatureAsLibsodiumDoes) {
  uint8_t a[32];
  random_scalar(a);
  Key clean, pk;
  ASSERT_EQ(crypto_scalarmult_ed25519_base_noclamp(clean.data(), a), 0);
  ASSERT_EQ(crypto_core_ed25519_add(pk.data(), clean.data(), from_hex(kTorsion[1]).data()), 0);  // order-2 part
  auto fast = PrecomputedKey::make(pk);
  ASSERT_TRUE(fast);
  std::vector<Msg> messages;
  std::vector<Sig> sigs;
  for (int i = 0; i < 96; ++i) {
    messages.push_back(message());
    const Msg& m = messages.back();
    const uint8_t zero[32] = {};
    const Key r_point = from_hex(kTorsion[i % 8]);
    switch (i % 4) {
      case 0:
        sigs.push_back(sign_by_hand(pk, a, m));
        break;
      case 1:
        sigs.push_back(sign_by_hand(pk, a, m, &r_point, zero));
        break;
      case 2: {
        Sig bad = sign_by_hand(pk, a, m);
        bad[rng() % 64] ^= uint8_t(1u << (rng() % 8));
        sigs.push_back(bad);
        break;
      }
      default: {
        Sig high = sign_by_hand(pk, a, m);
        high[63] |= 0xf0;  // S far above L
        sigs.push_back(high);
      }
    }
  }
  std::vector<PrecomputedKey::Signed> items;
  for (size_t i = 0; i < sigs.size(); ++i) items.push_back({sigs[i], messages[i]});
  std::unique_ptr<bool[]> ok(new bool[items.size()]);
  fast->verify_many(items, {ok.get(), items.size()});
  int accepted = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    bool want = sodium_says(pk, sigs[i], messages[i]);
    EXPECT_EQ(ok[i], want) << i;
    EXPECT_EQ(fast->verify(sigs[i], messages[i]), want) << i;
    accepted += want;
  }
  EXPECT_GT(accepted, 3);
  EXPECT_LT(accepted, 60);
}

TEST_F(Ed25519Test, RandomSignaturesAgreeWithLibsodium) {
  Key pk;
  uint8_t sk[64];
  auto fast = tabulated_keypair(pk, sk);
  ASSERT_TRUE(fast);
  for (int i = 0; i < 256; ++i) {
    Sig sig;
    for (auto& b : sig) b = uint8_t(rng());
    sig[63] &= 0x0f;  // S below L most of the time, so that the equation is what is tested
    Msg m = message();
    EXPECT_EQ(fast->verify(sig, m), sodium_says(pk, sig, m));
  }
}

}  // namespace
}  // namespace cs::signoff::ed25519
