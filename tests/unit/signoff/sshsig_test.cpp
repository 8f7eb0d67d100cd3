#include "countersign/signoff/sshsig.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "support/ssh_keys.h"
#include "support/test_support.h"

namespace cs::signoff {
namespace {

using test::make_ssh_key;
using test::SshKeySpec;

const std::string kStatement = "countersign-approval v1\nrepo example\nchange 00ff\n";

std::unique_ptr<Signer> load(const std::filesystem::path& key) {
  auto signer = read_private_key_file(key);
  EXPECT_TRUE(signer) << signer.error().describe();
  return signer ? std::move(*signer) : nullptr;
}

TEST(Sshsig, Ed25519SignatureIsByteIdenticalToSshKeygen) {
  test::TempDir dir;
  const auto key = make_ssh_key(dir.path(), "id", {"ed25519"});
  auto signer = load(key);
  ASSERT_TRUE(signer);
  auto ours = sshsig_sign(*signer, kStatement, kApprovalNamespace);
  ASSERT_TRUE(ours) << ours.error().describe();
  // Ed25519 is deterministic, so the whole armored text must match ssh-keygen's.
  EXPECT_EQ(*ours, test::ssh_keygen_sign(key, kStatement));
}

TEST(Sshsig, FingerprintMatchesSshKeygen) {
  test::TempDir dir;
  for (const auto& spec : {SshKeySpec{"ed25519"}, SshKeySpec{"ecdsa", 384}, SshKeySpec{"rsa", 2048}}) {
    const auto key = make_ssh_key(dir.path(), spec.label(), spec);
    auto pub = read_public_key_file(key.string() + ".pub");
    ASSERT_TRUE(pub) << pub.error().describe();
    auto r = test::sh("ssh-keygen -l -E sha256 -f " + test::quote(key.string() + ".pub"));
    ASSERT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find(" " + pub->fingerprint() + " "), std::string::npos) << r.out << " vs " << pub->fingerprint();
    EXPECT_EQ(pub->comment, "tester@example.com");
    auto signer = load(key);
    ASSERT_TRUE(signer);
    EXPECT_EQ(signer->public_key(), *pub);
    EXPECT_EQ(signer->public_key().comment, "tester@example.com");
  }
}

class EveryKeyType : public ::testing::TestWithParam<SshKeySpec> {};

TEST_P(EveryKeyType, SshKeygenSignatureVerifiesAndTamperingFails) {
  test::TempDir dir;
  const auto key = make_ssh_key(dir.path(), "id", GetParam());
  auto sig = sshsig_parse(test::ssh_keygen_sign(key, kStatement));
  ASSERT_TRUE(sig) << sig.error().describe();
  auto pub = read_public_key_file(key.string() + ".pub");
  ASSERT_TRUE(pub);
  EXPECT_EQ(sig->key, *pub);
  EXPECT_EQ(sig->hash_algorithm, "sha512");
  auto ok = sshsig_verify(*sig, kStatement, kApprovalNamespace);
  EXPECT_TRUE(ok) << ok.error().describe();

  auto changed = sshsig_verify(*sig, kStatement + " ", kApprovalNamespace);
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.error().code, Errc::crypto);
  EXPECT_NE(changed.error().message.find("bad signature"), std::string::npos);

  auto other_ns = sshsig_verify(*sig, kStatement, "file");
  ASSERT_FALSE(other_ns);
  EXPECT_EQ(other_ns.error().code, Errc::invalid_argument);
  EXPECT_NE(other_ns.error().message.find("wrong namespace"), std::string::npos);
}

TEST_P(EveryKeyType, OwnSignatureVerifiesWithBothHashes) {
  test::TempDir dir;
  const auto key = make_ssh_key(dir.path(), "id", GetParam());
  auto signer = load(key);
  ASSERT_TRUE(signer);
  for (std::string_view hash : {"sha512", "sha256"}) {
    auto armored = sshsig_sign(*signer, kStatement, kApprovalNamespace, hash);
    ASSERT_TRUE(armored) << armored.error().describe();
    auto sig = sshsig_parse(*armored);
    ASSERT_TRUE(sig) << sig.error().describe();
    EXPECT_EQ(sig->hash_algorithm, hash);
    auto ok = sshsig_verify(*sig, kStatement, kApprovalNamespace);
    EXPECT_TRUE(ok) << ok.error().describe();
    EXPECT_FALSE(sshsig_verify(*sig, "something else", kApprovalNamespace));
  }
}

INSTANTIATE_TEST_SUITE_P(Keys, EveryKeyType,
                         ::testing::Values(SshKeySpec{"ed25519"}, SshKeySpec{"ecdsa", 256}, SshKeySpec{"ecdsa", 384},
                                           SshKeySpec{"ecdsa", 521}, SshKeySpec{"rsa", 2048}),
                         [](const auto& info) { return info.param.label(); });

TEST(Sshsig, SignatureByAnotherKeyIsBad) {
  test::TempDir dir;
  const auto a = make_ssh_key(dir.path(), "a", {"ed25519"});
  const auto b = make_ssh_key(dir.path(), "b", {"ed25519"});
  auto sig = sshsig_parse(test::ssh_keygen_sign(a, kStatement));
  ASSERT_TRUE(sig);
  auto other = sshsig_parse(test::ssh_keygen_sign(b, kStatement));
  ASSERT_TRUE(other);
  sig->key = other->key;  // claim b signed what a signed
  auto r = sshsig_verify(*sig, kStatement, kApprovalNamespace);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::crypto);
}

TEST(PrivateKey, EncryptedKeyPointsAtTheAgent) {
  test::TempDir dir;
  const auto key = make_ssh_key(dir.path(), "id", {"ed25519"}, "correct horse");
  auto signer = read_private_key_file(key);
  ASSERT_FALSE(signer);
  EXPECT_EQ(signer.error().code, Errc::unsupported);
  EXPECT_NE(signer.error().message.find("ssh-agent"), std::string::npos) << signer.error().message;
}

TEST(PrivateKey, CorruptedKeyIsRejectedNotCrashing) {
  test::TempDir dir;
  const auto key = make_ssh_key(dir.path(), "id", {"ed25519"});
  const std::string pem = test::read_file(key);
  for (std::size_t cut : {40u, 100u, 200u, 300u}) {
    auto r = load_private_key(pem.substr(0, cut) + "\n-----END OPENSSH PRIVATE KEY-----\n");
    EXPECT_FALSE(r) << cut;
  }
  EXPECT_FALSE(load_private_key("-----BEGIN OPENSSH PRIVATE KEY-----\n!!!\n-----END OPENSSH PRIVATE KEY-----\n"));
  EXPECT_FALSE(load_private_key("not a key"));
}

TEST(PublicKey, RejectsMismatchedTypeAndTrailingBytes) {
  test::TempDir dir;
  const auto key = make_ssh_key(dir.path(), "id", {"ed25519"});
  auto pub = read_public_key_file(key.string() + ".pub");
  ASSERT_TRUE(pub);
  EXPECT_FALSE(parse_public_key("ecdsa-sha2-nistp256 " + base64_encode(pub->blob)));
  Bytes longer = pub->blob;
  longer.push_back(0);
  EXPECT_FALSE(parse_public_key("ssh-ed25519 " + base64_encode(longer)));
  EXPECT_FALSE(parse_public_key("ssh-dss AAAAB3NzaC1kc3M="));
  auto round = parse_public_key(pub->to_line());
  ASSERT_TRUE(round);
  EXPECT_EQ(round->comment, "tester@example.com");
}

// A key that verifies many signatures switches to a tabulated verifier (ssh_crypto.cpp) after a
// few dozen: the answers must not change, from any thread, for good and tampered statements.
TEST(Sshsig, ABusyKeyGivesTheSameAnswersOnEveryThread) {
  test::TempDir dir;
  auto signer = load(make_ssh_key(dir.path(), "busy", {"ed25519"}));
  ASSERT_TRUE(signer);
  std::vector<std::string> statements, armored;
  for (int i = 0; i < 120; ++i) {
    statements.push_back(kStatement + "commit " + std::to_string(i) + "\n");
    auto sig = sshsig_sign(*signer, statements.back(), kApprovalNamespace);
    ASSERT_TRUE(sig) << sig.error().describe();
    armored.push_back(*sig);
  }
  auto check_all = [&](std::vector<int>& wrong) {
    for (size_t i = 0; i < statements.size(); ++i) {
      auto sig = sshsig_parse(armored[i]);
      if (!sig || !sshsig_verify(*sig, statements[i], kApprovalNamespace)) wrong.push_back(int(i));
      auto tampered = sshsig_verify(*sig, statements[i] + " ", kApprovalNamespace);
      if (tampered || tampered.error().code != Errc::crypto) wrong.push_back(-int(i) - 1);
      auto other = sshsig_verify(*sig, statements[(i + 1) % statements.size()], kApprovalNamespace);
      if (other) wrong.push_back(-int(i) - 1);
    }
  };
  std::vector<int> first, second, third;
  check_all(first);  // crosses the threshold on this thread
  std::thread t([&] { check_all(second); });
  check_all(third);
  t.join();
  EXPECT_TRUE(first.empty()) << first.size();
  EXPECT_TRUE(second.empty()) << second.size();
  EXPECT_TRUE(third.empty()) << third.size();
}

// Many signatures at once (the gate's batch): every answer is what sshsig_verify gives for that
// signature alone, across keys, namespaces, tampered messages and a key's switch to its table.
TEST(Sshsig, ManyAtOnceAnswerEachAsAlone) {
  test::TempDir dir;
  auto busy = load(make_ssh_key(dir.path(), "busy", {"ed25519"}));
  auto other = load(make_ssh_key(dir.path(), "other", {"ecdsa", 256}));
  ASSERT_TRUE(busy && other);
  std::vector<Sshsig> sigs;
  std::vector<std::string> statements;
  for (int i = 0; i < 150; ++i) {
    statements.push_back(kStatement + "commit " + std::to_string(i) + "\n");
    Signer& signer = i % 10 == 3 ? *other : *busy;
    auto armored = sshsig_sign(signer, statements.back(), i % 17 == 5 ? "file" : kApprovalNamespace);
    ASSERT_TRUE(armored) << armored.error().describe();
    auto sig = sshsig_parse(*armored);
    ASSERT_TRUE(sig);
    sigs.push_back(std::move(*sig));
    if (i % 3 == 1) statements.back() += "tampered";
  }
  for (size_t start : {size_t(0), size_t(64)}) {  // the second pass: the busy key has its table
    std::vector<const Sshsig*> batch;
    std::vector<std::string_view> messages;
    for (size_t i = start; i < sigs.size(); ++i) {
      batch.push_back(&sigs[i]);
      messages.push_back(statements[i]);
    }
    auto answers = sshsig_verify_many(batch, messages, kApprovalNamespace);
    ASSERT_EQ(answers.size(), batch.size());
    int good = 0;
    for (size_t k = 0; k < batch.size(); ++k) {
      auto alone = sshsig_verify(*batch[k], messages[k], kApprovalNamespace);
      ASSERT_EQ(bool(answers[k]), bool(alone)) << start + k;
      if (!alone) {
        EXPECT_EQ(answers[k].error().code, alone.error().code) << start + k;
      }
      good += bool(alone);
    }
    EXPECT_GT(good, 40);
    EXPECT_LT(good, int(batch.size()));
  }
}

}  // namespace
}  // namespace cs::signoff
