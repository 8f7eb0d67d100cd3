// Signatures an attacker controls: truncated, garbled, lying about lengths, padded with trailing
// bytes, or made with algorithms we refuse. None may verify, and none may crash.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <memory>

#include "countersign/signoff/ssh_crypto.h"
#include "countersign/signoff/sshsig.h"
#include "support/ssh_keys.h"
#include "support/test_support.h"

namespace cs::signoff {
namespace {

const std::string kMessage = "countersign-approval v1\nchange abc\n";

std::string armor(ByteView blob) {
  return "-----BEGIN SSH SIGNATURE-----\n" + base64_encode(blob) + "\n-----END SSH SIGNATURE-----\n";
}

struct SignedBlob {
  test::TempDir dir;
  std::filesystem::path key;
  std::string armored;
  Bytes blob;
  SignedBlob() {
    key = test::make_ssh_key(dir.path(), "id", {"ed25519"});
    armored = test::ssh_keygen_sign(key, kMessage);
    auto sig = sshsig_parse(armored);
    EXPECT_TRUE(sig);
    auto b64 = armored.substr(armored.find('\n') + 1);
    b64 = b64.substr(0, b64.find("-----END"));
    blob = *base64_decode(b64);
  }
};

bool verifies(std::string_view armored) {
  auto sig = sshsig_parse(armored);
  return sig && sshsig_verify(*sig, kMessage, kApprovalNamespace).has_value();
}

TEST(SshsigHostile, GarbageAndTruncatedArmor) {
  SignedBlob s;
  ASSERT_TRUE(verifies(s.armored));
  for (std::string_view bad : {"", "hello", "-----BEGIN SSH SIGNATURE-----\n",
                               "-----BEGIN SSH SIGNATURE-----\n-----END SSH SIGNATURE-----\n",
                               "-----BEGIN SSH SIGNATURE-----\n!!!!\n-----END SSH SIGNATURE-----\n",
                               "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n"}) {
    auto r = sshsig_parse(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::parse);
  }
  for (std::size_t cut = 0; cut < s.armored.size(); cut += 7) EXPECT_FALSE(verifies(s.armored.substr(0, cut))) << cut;
  EXPECT_FALSE(verifies(s.armored + "extra\n"));
  EXPECT_TRUE(verifies("\n  " + s.armored + "\n\n"));  // surrounding whitespace is fine
}

TEST(SshsigHostile, EveryTruncationAndEveryByteFlipFails) {
  SignedBlob s;
  for (std::size_t len = 0; len < s.blob.size(); ++len) {
    auto r = sshsig_parse_blob(ByteView(s.blob).first(len));
    EXPECT_FALSE(r) << "prefix of " << len << " bytes parsed";
  }
  for (std::size_t i = 0; i < s.blob.size(); ++i) {
    Bytes b = s.blob;
    b[i] ^= 0x01;
    auto sig = sshsig_parse_blob(b);
    EXPECT_FALSE(sig && sshsig_verify(*sig, kMessage, kApprovalNamespace)) << "flip at byte " << i << " verified";
  }
}

TEST(SshsigHostile, WrongMagicVersionLengthsAndTrailingBytes) {
  SignedBlob s;
  Bytes magic = s.blob;
  magic[5] = 'H';
  EXPECT_NE(sshsig_parse(armor(magic)).error().message.find("magic"), std::string::npos);
  Bytes version = s.blob;
  version[9] = 2;
  EXPECT_NE(sshsig_parse(armor(version)).error().message.find("version"), std::string::npos);
  Bytes past_end = s.blob;
  past_end[10] = 0x7f;  // length of the public key string: now far beyond the blob
  auto r = sshsig_parse(armor(past_end));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("past the end"), std::string::npos) << r.error().message;
  Bytes huge = s.blob;
  huge[10] = huge[11] = huge[12] = huge[13] = 0xff;
  EXPECT_FALSE(sshsig_parse(armor(huge)));
  Bytes trailing = s.blob;
  trailing.push_back(0);
  r = sshsig_parse(armor(trailing));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("trailing"), std::string::npos) << r.error().message;
}

TEST(SshsigHostile, UnsupportedHashAlgorithm) {
  SignedBlob s;
  auto sig = sshsig_parse(s.armored);
  ASSERT_TRUE(sig);
  sig->hash_algorithm = "sha1";
  auto r = sshsig_verify(*sig, kMessage, kApprovalNamespace);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unsupported);
}

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};

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

// A genuine RSA PKCS#1 v1.5 signature with SHA-1 ("ssh-rsa") must be refused, though it is
// mathematically valid.
TEST(SshsigHostile, SshRsaSha1SignatureIsRefused) {
  test::TempDir dir;
  const auto key = test::make_ssh_key(dir.path(), "id", {"rsa", 2048});
  auto pub = read_public_key_file(key.string() + ".pub");
  ASSERT_TRUE(pub);
  const auto pem = dir.path() / "pem";
  ASSERT_EQ(test::sh("cp " + test::quote(key.string()) + " " + test::quote(pem.string()) +
                     " && ssh-keygen -q -p -N '' -m PEM -f " + test::quote(pem.string()))
                .exit_code,
            0);
  std::unique_ptr<std::FILE, decltype(&std::fclose)> f(std::fopen(pem.c_str(), "r"), std::fclose);
  ASSERT_TRUE(f);
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey(PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr));
  ASSERT_TRUE(pkey);

  const Bytes to_sign = sshsig_signed_data(kApprovalNamespace, "sha512", digest("sha512", as_bytes(kMessage)));
  WireWriter sig;
  sig.string("ssh-rsa");
  sig.string(openssl_sign(pkey.get(), EVP_sha1(), to_sign));
  WireWriter blob;
  blob.raw("SSHSIG");
  blob.u32(1);
  blob.string(pub->blob);
  blob.string(kApprovalNamespace);
  blob.string("");
  blob.string("sha512");
  blob.string(sig.bytes());
  auto parsed = sshsig_parse(armor(blob.bytes()));
  ASSERT_TRUE(parsed) << parsed.error().describe();
  auto r = sshsig_verify(*parsed, kMessage, kApprovalNamespace);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unsupported);
  EXPECT_NE(r.error().message.find("SHA-1"), std::string::npos) << r.error().message;
  // ssh-keygen refuses it as well.
  EXPECT_NE(test::ssh_keygen_verify(pub->to_line(), armor(blob.bytes()), kMessage).exit_code, 0);
}

}  // namespace
}  // namespace cs::signoff
