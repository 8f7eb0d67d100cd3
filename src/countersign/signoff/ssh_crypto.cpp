#include "countersign/signoff/ssh_crypto.h"

#include <sodium.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <fmt/format.h>

#include <bit>
#include <cstring>
#include <unordered_map>
#include <mutex>

namespace cs::signoff {

void EvpPkeyFree::operator()(evp_pkey_st* p) const { EVP_PKEY_free(p); }

namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_clear_free(p); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, ParamFree>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, EcdsaSigFree>;

constexpr std::string_view kSkEd25519 = "sk-ssh-ed25519@openssh.com";
constexpr std::string_view kSkEcdsa = "sk-ecdsa-sha2-nistp256@openssh.com";
constexpr std::uint8_t kUserPresent = 0x01;

BnPtr to_bn(ByteView magnitude) { return BnPtr(BN_bin2bn(magnitude.data(), int(magnitude.size()), nullptr)); }

const EVP_MD* ecdsa_md(int bits) {
  return bits == 256 ? EVP_sha256() : bits == 384 ? EVP_sha384() : EVP_sha512();
}
const char* ecdsa_group(int bits) { return bits == 256 ? "P-256" : bits == 384 ? "P-384" : "P-521"; }
std::string_view ecdsa_curve_id(int bits) { return bits == 256 ? "nistp256" : bits == 384 ? "nistp384" : "nistp521"; }

int ecdsa_bits_of(std::string_view type) {
  if (type == "ecdsa-sha2-nistp256") return 256;
  if (type == "ecdsa-sha2-nistp384") return 384;
  if (type == "ecdsa-sha2-nistp521") return 521;
  return 0;
}

Result<EvpPkeyPtr> pkey_from_params(const char* algorithm, OSSL_PARAM_BLD* bld, int selection) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, algorithm, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) <= 0)
    return fail(Errc::crypto, fmt::format("invalid {} key", algorithm));
  return EvpPkeyPtr(raw);
}

Result<EvpPkeyPtr> ec_public_key(int bits, ByteView point) {
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, ecdsa_group(bits), 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()))
    return fail(Errc::internal, "out of memory building an EC key");
  auto key = pkey_from_params("EC", bld.get(), EVP_PKEY_PUBLIC_KEY);
  if (!key) return fail(Errc::crypto, "invalid ECDSA public key: the point is not on the curve");
  return key;
}

Result<EvpPkeyPtr> rsa_public_key(ByteView e, ByteView n) {
  const std::size_t bits = n.empty() ? 0 : (n.size() - 1) * 8 + std::size_t(std::bit_width(unsigned(n[0])));
  if (bits < 1024) return fail(Errc::unsupported, fmt::format("RSA key of {} bits is too small (minimum 1024)", bits));
  if (bits > 16384) return fail(Errc::unsupported, fmt::format("RSA key of {} bits is too large", bits));
  BnPtr bn_n = to_bn(n), bn_e = to_bn(e);
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()))
    return fail(Errc::internal, "out of memory building an RSA key");
  return pkey_from_params("RSA", bld.get(), EVP_PKEY_PUBLIC_KEY);
}

Result<EvpPkeyPtr> ed25519_public_key(ByteView pk) {
  if (pk.size() != 32) return fail(Errc::parse, "Ed25519 public key must be 32 bytes");
  EVP_PKEY* raw = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pk.data(), pk.size());
  if (!raw) return fail(Errc::crypto, "invalid Ed25519 public key");
  return EvpPkeyPtr(raw);
}

// One-shot EVP verification; md is null for Ed25519.
bool evp_verify(evp_pkey_st* pkey, const EVP_MD* md, ByteView sig, ByteView data) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, pkey) <= 0) return false;
  return EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), data.data(), data.size()) == 1;
}

// A key's table costs about as much as a hundred verifications and takes half a megabyte: it is
// made once the key has verified kTabulateAfter signatures (both ways give the same answers:
// ed25519_test.cpp), for at most kMaxTables keys at a time, so that made-up keys signing junk
// cannot make the gate allocate without bound.
constexpr uint32_t kTabulateAfter = 32;
constexpr int kMaxTables = 16;
std::atomic<int> live_tables{0};

bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

// The key's table, once it has earned one; null before (and when the table budget is spent).
const ed25519::PrecomputedKey* table_of(const VerifyKey& key) {
  if (key.kind != KeyKind::ed25519 || !sodium_ready() || key.ed25519_uses.load(std::memory_order_relaxed) < kTabulateAfter)
    return nullptr;
  std::call_once(key.ed25519_tabulating, [&key] {
    if (live_tables.fetch_add(1) < kMaxTables) key.ed25519_table = ed25519::PrecomputedKey::make(key.ed25519);
    if (!key.ed25519_table) live_tables.fetch_sub(1);
  });
  return key.ed25519_table.get();
}

// Ed25519 through libsodium (twice as fast as OpenSSL 3.0's), or the key's table once it has
// one. Both are stricter than OpenSSH (non-canonical encodings and small-order points are
// refused); ssh-keygen's honest signatures are never either.
bool ed25519_verify(const VerifyKey& key, ByteView sig, ByteView data) {
  if (!sodium_ready()) return evp_verify(key.pkey.get(), nullptr, sig, data);
  if (const auto* table = table_of(key)) return table->verify(std::span<const uint8_t, 64>(sig.data(), 64), data);
  bool ok = crypto_sign_verify_detached(sig.data(), data.data(), data.size(), key.ed25519.data()) == 0;
  if (ok) key.ed25519_uses.fetch_add(1, std::memory_order_relaxed);
  return ok;
}

Result<Bytes> evp_sign(evp_pkey_st* pkey, const EVP_MD* md, ByteView data) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, pkey) <= 0 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) <= 0)
    return fail(Errc::crypto, "signing failed: the private key is unusable");
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, data.data(), data.size()) <= 0)
    return fail(Errc::crypto, "signing failed");
  sig.resize(len);
  return sig;
}

// SSH ECDSA signatures carry (mpint r, mpint s); OpenSSL wants DER.
Result<Bytes> ecdsa_der_from_ssh(ByteView inner) {
  WireReader r(inner);
  auto sr = r.mpint();
  if (!sr) return std::unexpected(sr.error());
  auto ss = r.mpint();
  if (!ss) return std::unexpected(ss.error());
  if (auto end = r.expect_end("ECDSA signature"); !end) return std::unexpected(end.error());
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BnPtr bn_r = to_bn(*sr), bn_s = to_bn(*ss);
  if (!sig || !bn_r || !bn_s || !ECDSA_SIG_set0(sig.get(), bn_r.get(), bn_s.get()))
    return fail(Errc::internal, "out of memory decoding an ECDSA signature");
  bn_r.release();
  bn_s.release();
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return fail(Errc::internal, "cannot encode an ECDSA signature");
  Bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  if (i2d_ECDSA_SIG(sig.get(), &p) != len) return fail(Errc::internal, "cannot encode an ECDSA signature");
  return out;
}

Result<Bytes> ecdsa_ssh_from_der(ByteView der) {
  const unsigned char* p = der.data();
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, long(der.size())));
  if (!sig) return fail(Errc::crypto, "OpenSSL produced an unreadable ECDSA signature");
  const BIGNUM *r = nullptr, *s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  Bytes br(std::size_t(BN_num_bytes(r))), bs(std::size_t(BN_num_bytes(s)));
  BN_bn2bin(r, br.data());
  BN_bn2bin(s, bs.data());
  WireWriter w;
  w.mpint(br);
  w.mpint(bs);
  return w.take();
}

Result<void> bad_signature() { return fail(Errc::crypto, "bad signature: it does not verify with the signer's key"); }

// sk- signatures sign SHA256(application) || flags || counter || SHA256(data) (PROTOCOL.u2f).
Bytes sk_signed_data(const VerifyKey& key, std::uint8_t flags, std::uint32_t counter, ByteView data) {
  WireWriter w;
  w.raw(digest("sha256", as_bytes(key.application)));
  w.byte(flags);
  w.u32(counter);
  w.raw(digest("sha256", data));
  return w.take();
}

Result<void> verify_sk(const VerifyKey& key, std::string_view algorithm, WireReader& r, ByteView data) {
  if (algorithm != key.type)
    return fail(Errc::crypto, fmt::format("signature algorithm {} does not match key type {}", algorithm, key.type));
  auto inner = r.string();
  if (!inner) return std::unexpected(inner.error());
  auto flags = r.byte();
  if (!flags) return std::unexpected(flags.error());
  auto counter = r.u32();
  if (!counter) return std::unexpected(counter.error());
  if (auto end = r.expect_end("SSH signature"); !end) return std::unexpected(end.error());
  const Bytes signed_data = sk_signed_data(key, *flags, *counter, data);
  bool ok = false;
  if (key.kind == KeyKind::sk_ed25519) {
    if (inner->size() != 64) return fail(Errc::parse, "Ed25519 signature must be 64 bytes");
    ok = evp_verify(key.pkey.get(), nullptr, *inner, signed_data);
  } else {
    auto der = ecdsa_der_from_ssh(*inner);
    if (!der) return std::unexpected(der.error());
    ok = evp_verify(key.pkey.get(), EVP_sha256(), *der, signed_data);
  }
  if (!ok) return bad_signature();
  if (!(*flags & kUserPresent))
    return fail(Errc::crypto, "security key signature lacks user presence (the key was not touched)");
  return {};
}

}  // namespace

VerifyKey::~VerifyKey() {
  if (ed25519_table) live_tables.fetch_sub(1);
}

bool known_key_type(std::string_view type) {
  return type == "ssh-ed25519" || type == "ssh-rsa" || ecdsa_bits_of(type) != 0 || type == kSkEd25519 ||
         type == kSkEcdsa;
}

Result<std::unique_ptr<VerifyKey>> decode_public_key(ByteView blob) {
  WireReader r(blob);
  auto type = r.text();
  if (!type) return std::unexpected(type.error());
  auto key = std::make_unique<VerifyKey>();
  key->type = std::string(*type);
  Result<EvpPkeyPtr> pkey = fail(Errc::unsupported, fmt::format("unsupported SSH key type \"{}\"", *type));
  if (*type == "ssh-ed25519" || *type == kSkEd25519) {
    key->kind = *type == "ssh-ed25519" ? KeyKind::ed25519 : KeyKind::sk_ed25519;
    auto pk = r.string();
    if (!pk) return std::unexpected(pk.error());
    pkey = ed25519_public_key(*pk);
    if (pkey) std::memcpy(key->ed25519.data(), pk->data(), key->ed25519.size());
  } else if (const int bits = *type == kSkEcdsa ? 256 : ecdsa_bits_of(*type); bits != 0) {
    key->kind = *type == kSkEcdsa ? KeyKind::sk_ecdsa : KeyKind::ecdsa;
    key->ecdsa_bits = bits;
    auto curve = r.text();
    if (!curve) return std::unexpected(curve.error());
    if (*curve != ecdsa_curve_id(bits))
      return fail(Errc::parse, fmt::format("ECDSA key type {} names curve \"{}\"", *type, *curve));
    auto point = r.string();
    if (!point) return std::unexpected(point.error());
    pkey = ec_public_key(bits, *point);
  } else if (*type == "ssh-rsa") {
    key->kind = KeyKind::rsa;
    auto e = r.mpint();
    if (!e) return std::unexpected(e.error());
    auto n = r.mpint();
    if (!n) return std::unexpected(n.error());
    pkey = rsa_public_key(*e, *n);
  }
  if (!pkey) return std::unexpected(pkey.error());
  key->pkey = std::move(*pkey);
  if (key->kind == KeyKind::sk_ed25519 || key->kind == KeyKind::sk_ecdsa) {
    auto app = r.text();
    if (!app) return std::unexpected(app.error());
    key->application = std::string(*app);
  }
  if (auto end = r.expect_end("SSH public key"); !end) return std::unexpected(end.error());
  return key;
}

Result<std::shared_ptr<const VerifyKey>> cached_public_key(ByteView blob) {
  static std::mutex mutex;
  static std::unordered_map<std::string, std::shared_ptr<const VerifyKey>> cache;
  constexpr std::size_t kMaxEntries = 4096;
  std::string k(as_text(blob));
  {
    std::lock_guard lock(mutex);
    if (auto it = cache.find(k); it != cache.end()) return it->second;
  }
  auto decoded = decode_public_key(blob);
  if (!decoded) return std::unexpected(decoded.error());
  std::shared_ptr<const VerifyKey> key(std::move(*decoded));
  std::lock_guard lock(mutex);
  if (cache.size() >= kMaxEntries) cache.clear();
  cache.emplace(std::move(k), key);
  return key;
}

Result<void> verify_signature(const VerifyKey& key, ByteView signature, ByteView data) {
  WireReader r(signature);
  auto algorithm = r.text();
  if (!algorithm) return std::unexpected(algorithm.error());
  if (key.kind == KeyKind::sk_ed25519 || key.kind == KeyKind::sk_ecdsa) return verify_sk(key, *algorithm, r, data);

  const EVP_MD* md = nullptr;
  if (key.kind == KeyKind::rsa) {
    if (*algorithm == "ssh-rsa")
      return fail(Errc::unsupported, "ssh-rsa signatures use SHA-1 and are refused; sign with rsa-sha2-256 or rsa-sha2-512");
    if (*algorithm == "rsa-sha2-256")
      md = EVP_sha256();
    else if (*algorithm == "rsa-sha2-512")
      md = EVP_sha512();
    else
      return fail(Errc::unsupported, fmt::format("unsupported RSA signature algorithm \"{}\"", *algorithm));
  } else if (*algorithm != key.type) {
    return fail(Errc::crypto, fmt::format("signature algorithm {} does not match key type {}", *algorithm, key.type));
  }
  auto inner = r.string();
  if (!inner) return std::unexpected(inner.error());
  if (auto end = r.expect_end("SSH signature"); !end) return std::unexpected(end.error());

  switch (key.kind) {
    case KeyKind::ed25519:
      if (inner->size() != 64) return fail(Errc::parse, "Ed25519 signature must be 64 bytes");
      return ed25519_verify(key, *inner, data) ? Result<void>{} : bad_signature();
    case KeyKind::ecdsa: {
      auto der = ecdsa_der_from_ssh(*inner);
      if (!der) return std::unexpected(der.error());
      return evp_verify(key.pkey.get(), ecdsa_md(key.ecdsa_bits), *der, data) ? Result<void>{} : bad_signature();
    }
    case KeyKind::rsa: {
      // OpenSSH accepts signatures shorter than the modulus and left-pads them with zeros.
      const std::size_t modlen = std::size_t(EVP_PKEY_get_size(key.pkey.get()));
      if (inner->size() > modlen) return fail(Errc::parse, "RSA signature is longer than the modulus");
      Bytes padded(modlen - inner->size(), 0);
      padded.insert(padded.end(), inner->begin(), inner->end());
      return evp_verify(key.pkey.get(), md, padded, data) ? Result<void>{} : bad_signature();
    }
    default:
      return fail(Errc::internal, "unreachable key kind");
  }
}

std::vector<Result<void>> verify_signatures(const VerifyKey& key, std::span<const SignedData> items) {
  std::vector<Result<void>> out;
  out.reserve(items.size());
  const ed25519::PrecomputedKey* table = table_of(key);
  if (!table) {
    for (const auto& it : items) out.push_back(verify_signature(key, it.signature, it.data));
    return out;
  }
  // The same checks as verify_signature's for ssh-ed25519, then one batch for the curve.
  std::vector<ed25519::PrecomputedKey::Signed> batch;
  std::vector<size_t> of;
  for (size_t k = 0; k < items.size(); ++k) {
    out.emplace_back();
    WireReader r(items[k].signature);
    auto algorithm = r.text();
    if (!algorithm) {
      out[k] = std::unexpected(algorithm.error());
      continue;
    }
    if (*algorithm != key.type) {
      out[k] = fail(Errc::crypto, fmt::format("signature algorithm {} does not match key type {}", *algorithm, key.type));
      continue;
    }
    auto inner = r.string();
    if (!inner) {
      out[k] = std::unexpected(inner.error());
      continue;
    }
    if (auto end = r.expect_end("SSH signature"); !end) {
      out[k] = std::unexpected(end.error());
      continue;
    }
    if (inner->size() != 64) {
      out[k] = fail(Errc::parse, "Ed25519 signature must be 64 bytes");
      continue;
    }
    batch.push_back({std::span<const uint8_t, 64>(inner->data(), 64), items[k].data});
    of.push_back(k);
  }
  std::unique_ptr<bool[]> ok(new bool[batch.size() + 1]);
  table->verify_many(batch, {ok.get(), batch.size()});
  for (size_t j = 0; j < batch.size(); ++j)
    if (!ok[j]) out[of[j]] = bad_signature();
  return out;
}

Result<Bytes> sign_with_pkey(evp_pkey_st* pkey, KeyKind kind, int ecdsa_bits, ByteView data,
                             std::string_view rsa_algorithm) {
  WireWriter w;
  switch (kind) {
    case KeyKind::ed25519: {
      auto sig = evp_sign(pkey, nullptr, data);
      if (!sig) return std::unexpected(sig.error());
      w.string("ssh-ed25519");
      w.string(*sig);
      return w.take();
    }
    case KeyKind::ecdsa: {
      auto der = evp_sign(pkey, ecdsa_md(ecdsa_bits), data);
      if (!der) return std::unexpected(der.error());
      auto inner = ecdsa_ssh_from_der(*der);
      if (!inner) return std::unexpected(inner.error());
      w.string(fmt::format("ecdsa-sha2-{}", ecdsa_curve_id(ecdsa_bits)));
      w.string(*inner);
      return w.take();
    }
    case KeyKind::rsa: {
      if (rsa_algorithm != "rsa-sha2-256" && rsa_algorithm != "rsa-sha2-512")
        return fail(Errc::unsupported, fmt::format("refusing to sign with RSA algorithm \"{}\"", rsa_algorithm));
      auto sig = evp_sign(pkey, rsa_algorithm == "rsa-sha2-256" ? EVP_sha256() : EVP_sha512(), data);
      if (!sig) return std::unexpected(sig.error());
      w.string(rsa_algorithm);
      w.string(*sig);
      return w.take();
    }
    default:
      return fail(Errc::unsupported, "security keys sign only through ssh-agent");
  }
}

Bytes digest(std::string_view algorithm, ByteView data) {
  // Fetched once each: EVP_sha256() and its kin look the algorithm up on every call.
  static EVP_MD* const sha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  static EVP_MD* const sha384 = EVP_MD_fetch(nullptr, "SHA384", nullptr);
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  const EVP_MD* md = algorithm == "sha512"   ? (sha512 ? sha512 : EVP_sha512())
                     : algorithm == "sha384" ? (sha384 ? sha384 : EVP_sha384())
                                             : (sha256 ? sha256 : EVP_sha256());
  Bytes out(std::size_t(EVP_MD_get_size(md)));
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr);
  out.resize(len);
  return out;
}

Result<EvpPkeyPtr> ed25519_private_key(ByteView seed) {
  if (seed.size() != 32) return fail(Errc::parse, "Ed25519 private key seed must be 32 bytes");
  EVP_PKEY* raw = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size());
  if (!raw) return fail(Errc::crypto, "invalid Ed25519 private key");
  return EvpPkeyPtr(raw);
}

Result<EvpPkeyPtr> ecdsa_private_key(int bits, ByteView point, ByteView scalar) {
  BnPtr d = to_bn(scalar);
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!d || !bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, ecdsa_group(bits), 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()))
    return fail(Errc::internal, "out of memory building an EC key");
  return pkey_from_params("EC", bld.get(), EVP_PKEY_KEYPAIR);
}

Result<EvpPkeyPtr> rsa_private_key(ByteView n, ByteView e, ByteView d, ByteView iqmp, ByteView p, ByteView q) {
  BnPtr bn_n = to_bn(n), bn_e = to_bn(e), bn_d = to_bn(d), bn_iqmp = to_bn(iqmp), bn_p = to_bn(p), bn_q = to_bn(q);
  BnPtr dmp1(BN_new()), dmq1(BN_new()), p1(BN_new()), q1(BN_new());
  std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> ctx(BN_CTX_new(), BN_CTX_free);
  if (!bn_n || !bn_e || !bn_d || !bn_iqmp || !bn_p || !bn_q || !dmp1 || !dmq1 || !p1 || !q1 || !ctx)
    return fail(Errc::internal, "out of memory building an RSA key");
  // OpenSSH files omit the CRT exponents; derive them: d mod (p-1), d mod (q-1).
  if (!BN_sub(p1.get(), bn_p.get(), BN_value_one()) || !BN_sub(q1.get(), bn_q.get(), BN_value_one()) ||
      BN_is_zero(p1.get()) || BN_is_zero(q1.get()) || !BN_mod(dmp1.get(), bn_d.get(), p1.get(), ctx.get()) ||
      !BN_mod(dmq1.get(), bn_d.get(), q1.get(), ctx.get()))
    return fail(Errc::crypto, "invalid RSA private key");
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_D, bn_d.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, bn_p.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR2, bn_q.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1, dmp1.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2, dmq1.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1, bn_iqmp.get()))
    return fail(Errc::internal, "out of memory building an RSA key");
  return pkey_from_params("RSA", bld.get(), EVP_PKEY_KEYPAIR);
}

}  // namespace cs::signoff
