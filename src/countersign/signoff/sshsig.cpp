#include "countersign/signoff/sshsig.h"

#include <fmt/format.h>

#include "countersign/core/text.h"
#include "countersign/signoff/ssh_crypto.h"

namespace cs::signoff {
namespace {

constexpr std::string_view kMagic = "SSHSIG";
constexpr std::uint32_t kVersion = 1;
constexpr std::string_view kBegin = "-----BEGIN SSH SIGNATURE-----";
constexpr std::string_view kEnd = "-----END SSH SIGNATURE-----";
constexpr std::size_t kWrap = 70;  // what sshbuf_dtob64 does, so our output matches ssh-keygen's

bool allowed_hash(std::string_view h) { return h == "sha256" || h == "sha512"; }

std::unexpected<Error> malformed(std::string_view why) {
  return std::unexpected(Error{Errc::parse, fmt::format("malformed SSH signature: {}", why), {}});
}

std::string armor(ByteView blob) {
  const std::string b64 = base64_encode(blob);
  std::string out(kBegin);
  out += '\n';
  for (std::size_t i = 0; i < b64.size(); i += kWrap) {
    out.append(b64, i, kWrap);
    out += '\n';
  }
  out += kEnd;
  out += '\n';
  return out;
}

}  // namespace

Bytes sshsig_signed_data(std::string_view sig_namespace, std::string_view hash_algorithm, ByteView message_hash) {
  WireWriter w;
  w.raw(kMagic);
  w.string(sig_namespace);
  w.string(std::string_view{});  // reserved
  w.string(hash_algorithm);
  w.string(message_hash);
  return w.take();
}

Result<std::string> sshsig_sign(Signer& signer, std::string_view message, std::string_view sig_namespace,
                                std::string_view hash_algorithm) {
  if (!allowed_hash(hash_algorithm))
    return fail(Errc::unsupported, fmt::format("unsupported SSHSIG hash algorithm \"{}\"", hash_algorithm));
  if (sig_namespace.empty()) return fail(Errc::invalid_argument, "an SSHSIG namespace must not be empty");
  const Bytes to_sign = sshsig_signed_data(sig_namespace, hash_algorithm, digest(hash_algorithm, as_bytes(message)));
  auto sig = signer.sign(to_sign, hash_algorithm == "sha256" ? "rsa-sha2-256" : "rsa-sha2-512");
  if (!sig) return std::unexpected(sig.error());
  WireWriter blob;
  blob.raw(kMagic);
  blob.u32(kVersion);
  blob.string(signer.public_key().blob);
  blob.string(sig_namespace);
  blob.string(std::string_view{});
  blob.string(hash_algorithm);
  blob.string(*sig);
  return armor(blob.bytes());
}

Result<Sshsig> sshsig_parse_blob(ByteView blob) {
  WireReader r(blob);
  auto magic = r.raw(kMagic.size());
  if (!magic || as_text(*magic) != kMagic) return malformed("missing SSHSIG magic");
  auto version = r.u32();
  if (!version) return malformed(version.error().message);
  if (*version != kVersion) return malformed(fmt::format("unsupported SSHSIG version {}", *version));
  auto key = r.string();
  if (!key) return malformed(key.error().message);
  auto ns = r.text();
  if (!ns) return malformed(ns.error().message);
  auto reserved = r.string();
  if (!reserved) return malformed(reserved.error().message);
  auto hash = r.text();
  if (!hash) return malformed(hash.error().message);
  auto signature = r.string();
  if (!signature) return malformed(signature.error().message);
  if (auto end = r.expect_end("signature"); !end) return malformed(end.error().message);
  auto pub = PublicKey::from_blob(*key);
  if (!pub) {
    if (pub.error().code == Errc::unsupported) return std::unexpected(pub.error());
    return malformed("signer key: " + pub.error().message);
  }
  return Sshsig{std::move(*pub), std::string(*ns), Bytes(reserved->begin(), reserved->end()), std::string(*hash),
                Bytes(signature->begin(), signature->end())};
}

Result<Sshsig> sshsig_parse(std::string_view armored) {
  const std::string_view text = text::trim(armored);
  if (!text.starts_with(kBegin)) return malformed("missing \"-----BEGIN SSH SIGNATURE-----\" header");
  if (!text.ends_with(kEnd)) return malformed("missing \"-----END SSH SIGNATURE-----\" footer");
  if (text.size() < kBegin.size() + kEnd.size()) return malformed("truncated armor");
  auto blob = base64_decode(text.substr(kBegin.size(), text.size() - kBegin.size() - kEnd.size()));
  if (!blob) return malformed(blob.error().message);
  return sshsig_parse_blob(*blob);
}

namespace {

// What sshsig_verify checks before the signature itself: the key, and the bytes it must sign.
struct Prepared {
  std::shared_ptr<const VerifyKey> key;
  Bytes signed_data;
};

Result<Prepared> prepare(const Sshsig& sig, std::string_view message, std::string_view expected_namespace) {
  if (sig.sig_namespace != expected_namespace)
    return fail(Errc::invalid_argument, fmt::format("wrong namespace: signed for \"{}\", expected \"{}\"",
                                                    text::sanitize_utf8(sig.sig_namespace), expected_namespace));
  if (!allowed_hash(sig.hash_algorithm))
    return fail(Errc::unsupported, fmt::format("unsupported SSHSIG hash algorithm \"{}\"",
                                               text::sanitize_utf8(sig.hash_algorithm)));
  auto key = cached_public_key(sig.key.blob);
  if (!key) return std::unexpected(key.error());
  // The reserved field is signed as empty, as ssh-keygen does: a non-empty one cannot verify.
  return Prepared{std::move(*key), sshsig_signed_data(expected_namespace, sig.hash_algorithm,
                                                      digest(sig.hash_algorithm, as_bytes(message)))};
}

}  // namespace

Result<void> sshsig_verify(const Sshsig& sig, std::string_view message, std::string_view expected_namespace) {
  auto p = prepare(sig, message, expected_namespace);
  if (!p) return std::unexpected(p.error());
  return verify_signature(*p->key, sig.signature, p->signed_data);
}

std::vector<Result<void>> sshsig_verify_many(std::span<const Sshsig* const> sigs, std::span<const std::string_view> messages,
                                             std::string_view expected_namespace) {
  std::vector<Result<void>> out(sigs.size());
  std::vector<std::optional<Prepared>> prepared(sigs.size());
  for (size_t k = 0; k < sigs.size(); ++k) {
    auto p = prepare(*sigs[k], messages[k], expected_namespace);
    if (p) prepared[k] = std::move(*p);
    else out[k] = std::unexpected(p.error());
  }
  // One call per key, in the order keys first appear.
  std::vector<char> done(sigs.size(), 0);
  for (size_t k = 0; k < sigs.size(); ++k) {
    if (!prepared[k] || done[k]) continue;
    const VerifyKey* key = prepared[k]->key.get();
    std::vector<SignedData> items;
    std::vector<size_t> of;
    for (size_t j = k; j < sigs.size(); ++j) {
      if (!prepared[j] || done[j] || prepared[j]->key.get() != key) continue;
      items.push_back({sigs[j]->signature, prepared[j]->signed_data});
      of.push_back(j);
      done[j] = 1;
    }
    auto answers = verify_signatures(*key, items);
    for (size_t i = 0; i < of.size(); ++i) out[of[i]] = std::move(answers[i]);
  }
  return out;
}

}  // namespace cs::signoff
