// The bridge between SSH key and signature encodings and OpenSSL 3: turns a public key blob into
// an EVP_PKEY, verifies raw SSH signature blobs (RFC 8709 Ed25519, RFC 5656 ECDSA, RFC 8332
// RSA, and the FIDO sk- variants of PROTOCOL.u2f) and makes them with a private EVP_PKEY.
// OpenSSL types stay out of every other header. Private to signoff/.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "countersign/signoff/ed25519.h"
#include "countersign/signoff/ssh_wire.h"

struct evp_pkey_st;

namespace cs::signoff {

struct EvpPkeyFree {
  void operator()(evp_pkey_st* p) const;
};
using EvpPkeyPtr = std::unique_ptr<evp_pkey_st, EvpPkeyFree>;

enum class KeyKind { ed25519, ecdsa, rsa, sk_ed25519, sk_ecdsa };

// A public key decoded from its SSH blob and ready to verify signatures.
struct VerifyKey {
  KeyKind kind = KeyKind::ed25519;
  std::string type;         // the SSH key type name, e.g. "ecdsa-sha2-nistp256"
  std::string application;  // sk- keys only: the FIDO application, e.g. "ssh:"
  int ecdsa_bits = 0;       // 256, 384 or 521 for ECDSA keys
  EvpPkeyPtr pkey;
  std::array<uint8_t, 32> ed25519{};  // the raw point, for Ed25519 keys
  // An Ed25519 key that has verified a few signatures gets its multiples tabulated: a gate
  // checking thousands of one senior's approvals then verifies each several times faster.
  mutable std::atomic<uint32_t> ed25519_uses{0};
  mutable std::once_flag ed25519_tabulating;
  mutable std::unique_ptr<const ed25519::PrecomputedKey> ed25519_table;
  ~VerifyKey();
};

// True for the key type names this module understands.
bool known_key_type(std::string_view type);

// Decodes a public key blob (strictly: no trailing bytes, valid point, sane RSA size).
Result<std::unique_ptr<VerifyKey>> decode_public_key(ByteView blob);
// The same, memoised per blob: verifying many signatures by one key decodes it once.
// Thread-safe; the cache is bounded.
Result<std::shared_ptr<const VerifyKey>> cached_public_key(ByteView blob);

// Verifies an SSH signature blob (string algorithm, string signature[, flags, counter]) over
// `data`. Errors: Errc::parse (malformed blob), Errc::unsupported (an algorithm we refuse, such
// as ssh-rsa with SHA-1), Errc::crypto (the signature does not verify, or an sk- signature
// lacks user presence).
Result<void> verify_signature(const VerifyKey& key, ByteView signature, ByteView data);

// verify_signature for many signatures by one key, answers in order. The signatures of an
// Ed25519 key that has earned a table are checked as one batch.
struct SignedData {
  ByteView signature;  // the SSH signature blob
  ByteView data;       // what it signs
};
std::vector<Result<void>> verify_signatures(const VerifyKey& key, std::span<const SignedData> items);

// Makes an SSH signature blob over `data` with a private key of this kind. For RSA,
// `rsa_algorithm` is "rsa-sha2-256" or "rsa-sha2-512".
Result<Bytes> sign_with_pkey(evp_pkey_st* pkey, KeyKind kind, int ecdsa_bits, ByteView data,
                             std::string_view rsa_algorithm);

// SHA-256 / SHA-384 / SHA-512 of `data`.
Bytes digest(std::string_view algorithm, ByteView data);

}  // namespace cs::signoff

namespace cs::signoff {

// Private keys from the fields of an OpenSSH private key file.
Result<EvpPkeyPtr> ed25519_private_key(ByteView seed);
Result<EvpPkeyPtr> ecdsa_private_key(int bits, ByteView point, ByteView scalar);
Result<EvpPkeyPtr> rsa_private_key(ByteView n, ByteView e, ByteView d, ByteView iqmp, ByteView p, ByteView q);

}  // namespace cs::signoff
