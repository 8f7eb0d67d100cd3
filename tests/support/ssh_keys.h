// Real SSH keys for tests, made with ssh-keygen in a temporary directory, and ssh-keygen's own
// SSHSIG signing and verification to compare countersign against.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/test_support.h"

namespace cs::test {

struct SshKeySpec {
  std::string type;  // ssh-keygen -t: ed25519, ecdsa, rsa
  int bits = 0;      // ssh-keygen -b, 0 for the default
  std::string label() const { return bits ? type + std::to_string(bits) : type; }
};

// Makes dir/<name> and dir/<name>.pub; returns the private key path.
inline std::filesystem::path make_ssh_key(const std::filesystem::path& dir, const std::string& name,
                                          const SshKeySpec& spec, const std::string& passphrase = "",
                                          const std::string& comment = "tester@example.com") {
  const auto path = dir / name;
  std::string cmd = "ssh-keygen -q -t " + spec.type + (spec.bits ? " -b " + std::to_string(spec.bits) : "") +
                    " -N " + quote(passphrase) + " -C " + quote(comment) + " -f " + quote(path.string());
  auto r = sh(cmd);
  if (r.exit_code != 0) ADD_FAILURE() << cmd << ": " << r.err;
  return path;
}

// The public key line of the key made at `key` (its .pub file, without the line end).
inline std::string pub_line(const std::filesystem::path& key) { return chomp(read_file(key.string() + ".pub")); }

// `ssh-keygen -Y sign` of `message`; returns the armored signature.
inline std::string ssh_keygen_sign(const std::filesystem::path& key, const std::string& message,
                                   const std::string& ns = "countersign-approval") {
  TempDir tmp;
  const auto msg = tmp.path() / "msg";
  auto w = sh("cat > " + quote(msg.string()), {}, message);
  auto r = sh("ssh-keygen -q -Y sign -n " + quote(ns) + " -f " + quote(key.string()) + " " + quote(msg.string()));
  if (r.exit_code != 0) ADD_FAILURE() << "ssh-keygen -Y sign: " << r.err;
  return read_file(msg.string() + ".sig");
}

// `ssh-keygen -Y verify` with a one-line allowed_signers file; returns its result.
inline RunResult ssh_keygen_verify(const std::string& public_key_line, const std::string& armored,
                                   const std::string& message, const std::string& ns = "countersign-approval",
                                   const std::string& principal = "alice@example.com") {
  TempDir tmp;
  const auto signers = tmp.path() / "allowed_signers", sig = tmp.path() / "sig";
  sh("cat > " + quote(signers.string()), {}, principal + " " + public_key_line + "\n");
  sh("cat > " + quote(sig.string()), {}, armored);
  return sh("ssh-keygen -Y verify -f " + quote(signers.string()) + " -I " + quote(principal) + " -n " + quote(ns) +
                " -s " + quote(sig.string()),
            {}, message);
}

}  // namespace cs::test
