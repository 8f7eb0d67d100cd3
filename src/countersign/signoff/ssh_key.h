// SSH keys as countersign meets them: OpenSSH public key lines, unencrypted OpenSSH private key
// files, and signers that produce SSH signature blobs from a key file or through the running
// ssh-agent (encrypted and hardware keys). Private to signoff/.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "countersign/signoff/ssh_wire.h"

namespace cs::signoff {

struct PublicKey {
  std::string type;     // "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa", "sk-ssh-ed25519@openssh.com", ...
  Bytes blob;           // the SSH wire encoding of the key
  std::string comment;  // free text after the key on its line; may be empty

  // "SHA256:<unpadded base64 of SHA-256(blob)>", as `ssh-keygen -l` prints it.
  std::string fingerprint() const;
  // "type base64 comment", the authorized_keys / .pub form.
  std::string to_line() const;

  // A validated key from its wire blob (the type name is read from the blob).
  static Result<PublicKey> from_blob(ByteView blob, std::string comment = {});
};

bool operator==(const PublicKey& a, const PublicKey& b);  // same blob; comments do not matter

// Parses "type base64 [comment]" (an id_*.pub line). The key must be well formed and its
// type must match the blob.
Result<PublicKey> parse_public_key(std::string_view line);
Result<PublicKey> read_public_key_file(const std::filesystem::path& path);

// Something that makes SSH signature blobs with one private key.
class Signer {
 public:
  virtual ~Signer() = default;
  virtual const PublicKey& public_key() const = 0;
  // An SSH signature blob (string algorithm, string signature, ...) over `data`. For RSA keys
  // `rsa_algorithm` picks rsa-sha2-256 or rsa-sha2-512; other key types ignore it.
  virtual Result<Bytes> sign(ByteView data, std::string_view rsa_algorithm = "rsa-sha2-512") = 0;
};

// Reads an unencrypted OpenSSH private key (-----BEGIN OPENSSH PRIVATE KEY-----). An encrypted
// key fails with Errc::unsupported and a message pointing at ssh-agent.
Result<std::unique_ptr<Signer>> load_private_key(std::string_view pem, std::string_view filename = "key");
Result<std::unique_ptr<Signer>> read_private_key_file(const std::filesystem::path& path);

// The public keys an agent holds (SSH_AGENTC_REQUEST_IDENTITIES), comments included.
Result<std::vector<PublicKey>> agent_identities(const std::filesystem::path& socket);
// A signer that asks the agent at `socket` to sign with `key`.
std::unique_ptr<Signer> agent_signer(std::filesystem::path socket, PublicKey key);

// Picks the signer for `countersign approve`: with a key file, that file when it is an
// unencrypted private key; when it is a .pub or an encrypted private key, the agent identity
// with the same public key. Without one, the first identity of the agent. `agent_socket` is
// normally $SSH_AUTH_SOCK (std::nullopt when unset).
Result<std::unique_ptr<Signer>> choose_signer(const std::optional<std::filesystem::path>& key_file,
                                              const std::optional<std::filesystem::path>& agent_socket);
// choose_signer with the agent socket taken from $SSH_AUTH_SOCK.
Result<std::unique_ptr<Signer>> choose_signer(const std::optional<std::filesystem::path>& key_file);

}  // namespace cs::signoff
