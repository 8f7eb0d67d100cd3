// countersign's SSHSIG against the real OpenSSH: signatures from `ssh-keygen -Y sign` verify in
// countersign, countersign's verify in `ssh-keygen -Y verify`, and signing through a real
// ssh-agent holding an encrypted key works.
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>

#include "countersign/signoff/sshsig.h"
#include "support/ssh_keys.h"
#include "support/test_support.h"

namespace cs::signoff {
namespace {

using test::SshKeySpec;

const std::string kStatement =
    "countersign-approval v1\nrepo github.com/example/app\nchange 9f2c\napprover alice@example.com\n";
const std::vector<SshKeySpec> kEveryType = {{"ed25519"}, {"ecdsa", 256}, {"ecdsa", 384}, {"ecdsa", 521}, {"rsa", 3072}};


TEST(SshsigInterop, SshKeygenSignaturesOfEveryTypeVerify) {
  test::TempDir dir;
  for (const auto& spec : kEveryType) {
    const auto key = test::make_ssh_key(dir.path(), spec.label(), spec);
    auto sig = sshsig_parse(test::ssh_keygen_sign(key, kStatement));
    ASSERT_TRUE(sig) << spec.label() << ": " << sig.error().describe();
    auto ok = sshsig_verify(*sig, kStatement, kApprovalNamespace);
    EXPECT_TRUE(ok) << spec.label() << ": " << ok.error().describe();
    EXPECT_FALSE(sshsig_verify(*sig, kStatement + "\n", kApprovalNamespace)) << spec.label();
  }
}

TEST(SshsigInterop, CountersignSignaturesOfEveryTypeVerifyInSshKeygen) {
  test::TempDir dir;
  for (const auto& spec : kEveryType) {
    const auto key = test::make_ssh_key(dir.path(), spec.label(), spec);
    auto signer = read_private_key_file(key);
    ASSERT_TRUE(signer) << signer.error().describe();
    for (std::string_view hash : {"sha512", "sha256"}) {
      auto armored = sshsig_sign(**signer, kStatement, kApprovalNamespace, hash);
      ASSERT_TRUE(armored) << armored.error().describe();
      auto r = test::ssh_keygen_verify(test::pub_line(key), *armored, kStatement);
      EXPECT_EQ(r.exit_code, 0) << spec.label() << " " << hash << ": " << r.err;
      EXPECT_NE(r.out.find("Good \"countersign-approval\" signature"), std::string::npos) << r.out;
      // ...and ssh-keygen rejects it for another message or namespace, so the check is real.
      EXPECT_NE(test::ssh_keygen_verify(test::pub_line(key), *armored, kStatement + "x").exit_code, 0);
      EXPECT_NE(test::ssh_keygen_verify(test::pub_line(key), *armored, kStatement, "git").exit_code, 0);
    }
  }
}

// A private ssh-agent on a socket in a temporary directory, killed (by its pid) at the end.
class Agent {
 public:
  explicit Agent(const std::filesystem::path& dir) : socket_(dir / "agent.sock") {
    auto r = test::sh("ssh-agent -s -a " + test::quote(socket_.string()));
    std::smatch m;
    if (r.exit_code != 0 || !std::regex_search(r.out, m, std::regex("SSH_AGENT_PID=([0-9]+)")))
      ADD_FAILURE() << "ssh-agent did not start: " << r.out << r.err;
    else
      pid_ = std::stoi(m[1]);
  }
  ~Agent() {
    if (pid_ > 0) ::kill(pid_, SIGTERM);
  }
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;
  const std::filesystem::path& socket() const { return socket_; }

  // ssh-add with the passphrase supplied by an SSH_ASKPASS script, as a desktop would.
  void add(const std::filesystem::path& key, const std::string& passphrase) {
    const auto askpass = socket_.parent_path() / "askpass.sh";
    test::sh("printf '#!/bin/sh\\necho %s\\n' " + test::quote(passphrase) + " > " + test::quote(askpass.string()) +
             " && chmod 700 " + test::quote(askpass.string()));
    auto r = test::sh("SSH_AUTH_SOCK=" + test::quote(socket_.string()) + " SSH_ASKPASS=" +
                      test::quote(askpass.string()) + " SSH_ASKPASS_REQUIRE=force DISPLAY=:0 ssh-add " +
                      test::quote(key.string()) + " </dev/null");
    EXPECT_EQ(r.exit_code, 0) << "ssh-add: " << r.err;
  }

 private:
  std::filesystem::path socket_;
  int pid_ = -1;
};

TEST(SshsigInterop, EncryptedKeysSignThroughARealSshAgent) {
  test::TempDir dir;
  Agent agent(dir.path());
  for (const auto& spec : {SshKeySpec{"ed25519"}, SshKeySpec{"ecdsa", 384}, SshKeySpec{"rsa", 2048}}) {
    const auto key = test::make_ssh_key(dir.path(), spec.label(), spec, "open sesame");
    ASSERT_FALSE(read_private_key_file(key));  // countersign cannot read it itself
    agent.add(key, "open sesame");

    auto signer = choose_signer(key, agent.socket());
    ASSERT_TRUE(signer) << signer.error().describe();
    EXPECT_EQ((*signer)->public_key().blob, parse_public_key(test::pub_line(key))->blob);
    for (std::string_view hash : {"sha512", "sha256"}) {
      auto armored = sshsig_sign(**signer, kStatement, kApprovalNamespace, hash);
      ASSERT_TRUE(armored) << spec.label() << ": " << armored.error().describe();
      auto sig = sshsig_parse(*armored);
      ASSERT_TRUE(sig);
      auto ok = sshsig_verify(*sig, kStatement, kApprovalNamespace);
      EXPECT_TRUE(ok) << spec.label() << ": " << ok.error().describe();
      auto r = test::ssh_keygen_verify(test::pub_line(key), *armored, kStatement);
      EXPECT_EQ(r.exit_code, 0) << spec.label() << " " << hash << ": " << r.err;
    }
    // The .pub file names the same agent identity.
    auto by_pub = choose_signer(std::filesystem::path(key.string() + ".pub"), agent.socket());
    ASSERT_TRUE(by_pub) << by_pub.error().describe();
    EXPECT_EQ((*by_pub)->public_key(), (*signer)->public_key());
  }
  // Without --key, the agent's first identity signs.
  auto first = choose_signer(std::nullopt, agent.socket());
  ASSERT_TRUE(first) << first.error().describe();
  EXPECT_EQ((*first)->public_key().type, "ssh-ed25519");
  auto ids = agent_identities(agent.socket());
  ASSERT_TRUE(ids);
  EXPECT_EQ(ids->size(), 3u);
}

TEST(SshsigInterop, ExplainsWhenTheAgentCannotHelp) {
  test::TempDir dir;
  const auto key = test::make_ssh_key(dir.path(), "id", {"ed25519"}, "secret");
  auto no_agent = choose_signer(key, std::nullopt);
  ASSERT_FALSE(no_agent);
  EXPECT_NE(no_agent.error().message.find("encrypted"), std::string::npos) << no_agent.error().message;
  EXPECT_NE(no_agent.error().message.find("SSH_AUTH_SOCK"), std::string::npos) << no_agent.error().message;

  Agent agent(dir.path());
  auto not_added = choose_signer(key, agent.socket());
  ASSERT_FALSE(not_added);
  EXPECT_NE(not_added.error().message.find("ssh-add"), std::string::npos) << not_added.error().message;
  auto empty = choose_signer(std::nullopt, agent.socket());
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("holds no keys"), std::string::npos) << empty.error().message;

  // An unencrypted key file signs by itself, without asking the agent.
  const auto plain = test::make_ssh_key(dir.path(), "plain", {"ecdsa", 256});
  auto signer = choose_signer(plain, std::nullopt);
  ASSERT_TRUE(signer) << signer.error().describe();
}

}  // namespace
}  // namespace cs::signoff
