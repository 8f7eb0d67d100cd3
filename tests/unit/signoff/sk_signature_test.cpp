// FIDO security-key signatures (sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com).
// No authenticator is available here, so each test plays the authenticator with an OpenSSL
// software key: it builds the structure a security key signs (PROTOCOL.u2f:
// SHA256(application) || flags || counter || SHA256(message)), wraps it as OpenSSH does, and
// checks the result against countersign and against the real `ssh-keygen -Y verify`.
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <memory>

#include "countersign/signoff/ssh_crypto.h"
#include "countersign/signoff/sshsig.h"
#include "support/ssh_keys.h"

namespace cs::signoff {
namespace {

const std::string kMessage = "countersign-approval v1\nchange 1234\n";
constexpr std::string_view kApplication = "ssh:";

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Bytes openssl_sign(EVP_PKEY* pkey, const EVP_MD* md, ByteView data) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  std::size_t len = 0;
  EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, pkey), 1);
  EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()), 1);
  Bytes sig(len);
  EXPECT_EQ(EVP_DigestSign(ctx.get(), sig.data(), &len, data.data(), data.size()), 1);
  sig.resize(len);
  return sig;
}

// A software stand-in for a security key of either type.
struct SoftwareAuthenticator {
  bool ecdsa;
  Pkey pkey;
  Bytes key_blob;

  explicit SoftwareAuthenticator(bool use_ecdsa) : ecdsa(use_ecdsa) {
    WireWriter w;
    if (ecdsa) {
      pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
      Bytes point(65);
      std::size_t len = 0;
      EXPECT_EQ(EVP_PKEY_get_octet_string_param(pkey.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point.data(),
                                                point.size(), &len),
                1);
      point.resize(len);
      w.string("sk-ecdsa-sha2-nistp256@openssh.com");
      w.string("nistp256");
      w.string(point);
    } else {
      pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
      Bytes pk(32);
      std::size_t len = pk.size();
      EXPECT_EQ(EVP_PKEY_get_raw_public_key(pkey.get(), pk.data(), &len), 1);
      w.string("sk-ssh-ed25519@openssh.com");
      w.string(pk);
    }
    w.string(kApplication);
    key_blob = w.take();
  }

  std::string type() const { return ecdsa ? "sk-ecdsa-sha2-nistp256@openssh.com" : "sk-ssh-ed25519@openssh.com"; }

  // What the authenticator returns for `data`, as an SSH signature blob.
  Bytes sign(ByteView data, std::uint8_t flags, std::uint32_t counter) {
    WireWriter signed_part;
    signed_part.raw(digest("sha256", as_bytes(kApplication)));
    signed_part.byte(flags);
    signed_part.u32(counter);
    signed_part.raw(digest("sha256", data));
    WireWriter sig;
    sig.string(type());
    if (ecdsa) {
      const Bytes der = openssl_sign(pkey.get(), EVP_sha256(), signed_part.bytes());
      const unsigned char* p = der.data();
      std::unique_ptr<ECDSA_SIG, EcdsaSigFree> es(d2i_ECDSA_SIG(nullptr, &p, long(der.size())));
      const BIGNUM *r = nullptr, *s = nullptr;
      ECDSA_SIG_get0(es.get(), &r, &s);
      Bytes br(std::size_t(BN_num_bytes(r))), bs(std::size_t(BN_num_bytes(s)));
      BN_bn2bin(r, br.data());
      BN_bn2bin(s, bs.data());
      WireWriter inner;
      inner.mpint(br);
      inner.mpint(bs);
      sig.string(inner.bytes());
    } else {
      sig.string(openssl_sign(pkey.get(), nullptr, signed_part.bytes()));
    }
    sig.byte(flags);
    sig.u32(counter);
    return sig.take();
  }

  // An armored SSHSIG over `message`, as ssh-keygen -Y sign would write with this key.
  std::string sshsig(const std::string& message, std::uint8_t flags, std::uint32_t counter = 7) {
    const Bytes to_sign = sshsig_signed_data(kApprovalNamespace, "sha512", digest("sha512", as_bytes(message)));
    WireWriter blob;
    blob.raw("SSHSIG");
    blob.u32(1);
    blob.string(key_blob);
    blob.string(kApprovalNamespace);
    blob.string("");
    blob.string("sha512");
    blob.string(sign(to_sign, flags, counter));
    return "-----BEGIN SSH SIGNATURE-----\n" + base64_encode(blob.bytes()) + "\n-----END SSH SIGNATURE-----\n";
  }

  std::string public_line() const { return type() + " " + base64_encode(key_blob); }
};

class SecurityKey : public ::testing::TestWithParam<bool> {};

TEST_P(SecurityKey, TouchedSignatureVerifiesHereAndInSshKeygen) {
  SoftwareAuthenticator authenticator(GetParam());
  const std::string armored = authenticator.sshsig(kMessage, 0x01);
  auto sig = sshsig_parse(armored);
  ASSERT_TRUE(sig) << sig.error().describe();
  EXPECT_EQ(sig->key.type, authenticator.type());
  auto ok = sshsig_verify(*sig, kMessage, kApprovalNamespace);
  EXPECT_TRUE(ok) << ok.error().describe();
  // The vector is built right: OpenSSH itself accepts it.
  auto theirs = test::ssh_keygen_verify(authenticator.public_line(), armored, kMessage);
  EXPECT_EQ(theirs.exit_code, 0) << theirs.err;
  EXPECT_FALSE(sshsig_verify(*sig, kMessage + "x", kApprovalNamespace));
}

TEST_P(SecurityKey, SignatureWithoutUserPresenceIsRefused) {
  SoftwareAuthenticator authenticator(GetParam());
  auto sig = sshsig_parse(authenticator.sshsig(kMessage, 0x04));  // user verified, but not present
  ASSERT_TRUE(sig);
  auto r = sshsig_verify(*sig, kMessage, kApprovalNamespace);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::crypto);
  EXPECT_NE(r.error().message.find("user presence"), std::string::npos) << r.error().message;
}

TEST_P(SecurityKey, FlagsAndCounterAreSigned) {
  SoftwareAuthenticator authenticator(GetParam());
  auto sig = sshsig_parse(authenticator.sshsig(kMessage, 0x00, 41));
  ASSERT_TRUE(sig);
  // Set the presence bit after signing (last 5 bytes of the signature blob: flags, counter).
  sig->signature[sig->signature.size() - 5] = 0x01;
  auto r = sshsig_verify(*sig, kMessage, kApprovalNamespace);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("bad signature"), std::string::npos) << r.error().message;
  sig->signature[sig->signature.size() - 5] = 0x00;
  sig->signature.back() = 42;  // counter
  EXPECT_FALSE(sshsig_verify(*sig, kMessage, kApprovalNamespace));
}

TEST_P(SecurityKey, PublicKeyBlobParsesWithFingerprint) {
  SoftwareAuthenticator authenticator(GetParam());
  auto pub = PublicKey::from_blob(authenticator.key_blob);
  ASSERT_TRUE(pub) << pub.error().describe();
  EXPECT_EQ(pub->fingerprint().substr(0, 7), "SHA256:");
}

INSTANTIATE_TEST_SUITE_P(Types, SecurityKey, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "ecdsa" : "ed25519"; });

}  // namespace
}  // namespace cs::signoff
