// Ed25519 verification for a key that signs many statements (a senior approving thousands of
// commits): the key's multiples are tabulated once, so each verification is a few dozen point
// additions instead of a full double scalar multiplication. It accepts exactly what libsodium's
// crypto_sign_verify_detached accepts; the tests compare the two. Private to signoff/.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>

namespace cs::signoff::ed25519 {

class PrecomputedKey {
 public:
  // Null when libsodium refuses every signature by this key: the encoding is not canonical, is
  // not a point, or is a point of small order. Costs about a hundred verifications.
  static std::unique_ptr<const PrecomputedKey> make(std::span<const uint8_t, 32> public_key);

  // R || S over `message`: S below the group order, and R the canonical encoding of
  // [S]B - [H(R || A || message) mod L]A, a point not of small order.
  bool verify(std::span<const uint8_t, 64> signature, std::span<const uint8_t> message) const;

  // verify() for each of `items` (ok[k] answers items[k]), with one field inversion shared by all
  // of them instead of one each (Montgomery's trick).
  struct Signed {
    std::span<const uint8_t, 64> signature;
    std::span<const uint8_t> message;
  };
  void verify_many(std::span<const Signed> items, std::span<bool> ok) const;

  struct Table;  // multiples of a point, by window
  ~PrecomputedKey();

 private:
  PrecomputedKey() = default;
  std::array<uint8_t, 32> key_{};
  std::unique_ptr<const Table> multiples_;
};

}  // namespace cs::signoff::ed25519
