#include "countersign/signoff/allowed_signers.h"

#include <gtest/gtest.h>

#include "countersign/signoff/sshsig.h"
#include "support/ssh_keys.h"
#include "support/test_support.h"

namespace cs::signoff {
namespace {

struct Keys {
  test::TempDir dir;
  PublicKey alice, bob;
  std::string alice_line, bob_line;
  Keys() {
    auto a = test::make_ssh_key(dir.path(), "alice", {"ed25519"}, "", "alice laptop");
    auto b = test::make_ssh_key(dir.path(), "bob", {"ecdsa", 256});
    alice_line = test::read_file(a.string() + ".pub");
    bob_line = test::read_file(b.string() + ".pub");
    alice_line.pop_back();  // newline
    bob_line.pop_back();
    alice = *parse_public_key(alice_line);
    bob = *parse_public_key(bob_line);
  }
};

constexpr std::int64_t kJan2024 = 1704067200;  // 2024-01-01T00:00:00Z

TEST(AllowedSigners, PrincipalsPatternsAndNegation) {
  EXPECT_EQ(match_pattern_list("alice@example.com", "*@example.com"), 1);
  EXPECT_EQ(match_pattern_list("alice@example.com", "*@example.com,!alice@*"), -1);
  EXPECT_EQ(match_pattern_list("bob@example.com", "*@example.com,!alice@*"), 1);
  EXPECT_EQ(match_pattern_list("al@x", "a?@x"), 1);
  EXPECT_EQ(match_pattern_list("alx@x", "a?@x"), 0);
  EXPECT_EQ(match_pattern_list("Alice", "alice"), 0);  // case-sensitive, like ssh-keygen
  EXPECT_EQ(match_pattern_list("a*b", "a**b"), 1);
}

TEST(AllowedSigners, TimesInEveryForm) {
  EXPECT_EQ(*parse_signer_time("20240101Z"), kJan2024);
  EXPECT_EQ(*parse_signer_time("202401010000Z"), kJan2024);
  EXPECT_EQ(*parse_signer_time("20240101000001UTC"), kJan2024 + 1);
  EXPECT_FALSE(parse_signer_time("2024010"));
  EXPECT_FALSE(parse_signer_time("20240230Z"));
  EXPECT_FALSE(parse_signer_time("2024-1-01Z"));
  EXPECT_FALSE(parse_signer_time("20241301"));
}

TEST(AllowedSigners, ChecksPrincipalKeyNamespaceAndTime) {
  Keys k;
  const std::string file = "# team keys\n\n"
                           "alice@example.com,al@example.com " + k.alice_line + "\n" +
                           "bob@example.com namespaces=\"countersign-*\",valid-after=\"20240101Z\","
                           "valid-before=\"20250101Z\" " + k.bob_line + "\n";
  auto signers = parse_allowed_signers(file, "allowed_signers");
  ASSERT_TRUE(signers) << signers.error().describe();
  ASSERT_EQ(signers->entries.size(), 2u);
  EXPECT_EQ(signers->entries[1].where.line, 4);

  EXPECT_TRUE(signers->check(k.alice, "al@example.com", "countersign-approval", kJan2024).allowed());
  EXPECT_EQ(signers->check(k.alice, "mallory@example.com", "countersign-approval", kJan2024).status,
            SignerStatus::unknown_principal);
  EXPECT_EQ(signers->check(k.bob, "alice@example.com", "countersign-approval", kJan2024).status,
            SignerStatus::unknown_key);
  const std::int64_t mid2024 = kJan2024 + 180 * 86400;
  EXPECT_TRUE(signers->check(k.bob, "bob@example.com", "countersign-approval", mid2024).allowed());
  auto ns = signers->check(k.bob, "bob@example.com", "git", mid2024);
  EXPECT_EQ(ns.status, SignerStatus::wrong_namespace);
  EXPECT_NE(ns.reason.find("allowed_signers:4"), std::string::npos) << ns.reason;
  EXPECT_EQ(signers->check(k.bob, "bob@example.com", "countersign-approval", kJan2024 - 1).status,
            SignerStatus::not_yet_valid);
  auto expired = signers->check(k.bob, "bob@example.com", "countersign-approval", kJan2024 + 400 * 86400);
  EXPECT_EQ(expired.status, SignerStatus::expired);
  EXPECT_NE(expired.reason.find("2025-01-01T00:00:00Z"), std::string::npos) << expired.reason;

  ASSERT_EQ(signers->entries_for(k.bob).size(), 1u);
  EXPECT_EQ(signers->entries_for(k.bob)[0]->principals, "bob@example.com");
}

TEST(AllowedSigners, ErrorsArePositionedAndCollected) {
  Keys k;
  const std::string file = "alice@example.com " + k.alice_line + "\n" +
                           "bob@example.com cert-authority " + k.bob_line + "\n" +
                           "bob@example.com namespaces=git " + k.bob_line + "\n" +
                           "bob@example.com valid-before=\"2024\" " + k.bob_line + "\n" +
                           "bob@example.com bogus=\"1\" " + k.bob_line + "\n" +
                           "carol@example.com\n" +
                           "dave@example.com ssh-ed25519 AAAA!!!\n";
  auto parsed = read_allowed_signers(file, "signers");
  EXPECT_EQ(parsed.signers.entries.size(), 1u);
  ASSERT_EQ(parsed.errors.size(), 6u);
  EXPECT_EQ(parsed.errors[0].code, Errc::unsupported);
  EXPECT_NE(parsed.errors[0].message.find("cert-authority"), std::string::npos);
  EXPECT_EQ(parsed.errors[0].where.line, 2);
  EXPECT_EQ(parsed.errors[0].where.column, 17);
  EXPECT_NE(parsed.errors[1].message.find("double quotes"), std::string::npos);
  EXPECT_EQ(parsed.errors[1].where.column, 28);
  EXPECT_NE(parsed.errors[2].message.find("valid-before"), std::string::npos);
  EXPECT_NE(parsed.errors[3].message.find("unknown option"), std::string::npos);
  EXPECT_NE(parsed.errors[4].message.find("missing key"), std::string::npos);
  EXPECT_EQ(parsed.errors[5].where.line, 7);
  EXPECT_EQ(parsed.errors[5].where.snippet, "dave@example.com ssh-ed25519 AAAA!!!");
  auto strict = parse_allowed_signers(file, "signers");
  ASSERT_FALSE(strict);
  EXPECT_NE(strict.error().describe().find("signers:2:17"), std::string::npos) << strict.error().describe();
}

// The same file and signatures, judged by ssh-keygen and by countersign, must agree.
TEST(AllowedSigners, AgreesWithSshKeygenOnExpiryAndNegation) {
  test::TempDir dir;
  const auto key = test::make_ssh_key(dir.path(), "id", {"ed25519"});
  std::string line = test::read_file(key.string() + ".pub");
  line.pop_back();
  const std::string message = "statement\n";
  const std::string armored = test::ssh_keygen_sign(key, message);
  auto sig = sshsig_parse(armored);
  ASSERT_TRUE(sig);
  const std::int64_t now = std::int64_t(std::time(nullptr));
  struct Case {
    std::string entry;
    std::string principal;
  } cases[] = {
      {"alice@example.com " + line, "alice@example.com"},
      {"*@example.com,!alice@example.com " + line, "alice@example.com"},
      {"alice@example.com valid-before=\"20200101Z\" " + line, "alice@example.com"},
      {"alice@example.com valid-after=\"20990101Z\" " + line, "alice@example.com"},
      {"alice@example.com namespaces=\"git,file\" " + line, "alice@example.com"},
      {"alice@example.com namespaces=\"countersign-*\",valid-after=\"20200101\" " + line, "alice@example.com"},
  };
  for (const auto& c : cases) {
    auto signers = parse_allowed_signers(c.entry + "\n", "f");
    ASSERT_TRUE(signers) << signers.error().describe();
    const bool ours = signers->check(sig->key, c.principal, kApprovalNamespace, now).allowed();
    test::TempDir tmp;
    const auto file = tmp.path() / "allowed", sigfile = tmp.path() / "sig";
    test::sh("cat > " + test::quote(file.string()), {}, c.entry + "\n");
    test::sh("cat > " + test::quote(sigfile.string()), {}, armored);
    auto theirs = test::sh("ssh-keygen -Y verify -f " + test::quote(file.string()) + " -I " +
                               test::quote(c.principal) + " -n countersign-approval -s " + test::quote(sigfile.string()),
                           {}, message);
    EXPECT_EQ(ours, theirs.exit_code == 0) << c.entry << "\n" << theirs.err;
  }
}

}  // namespace
}  // namespace cs::signoff
