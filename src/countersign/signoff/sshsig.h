// SSHSIG (OpenSSH PROTOCOL.sshsig): detached signatures over a message within a namespace,
// byte-compatible with `ssh-keygen -Y sign` / `-Y verify`. Signing goes through a Signer (key
// file or ssh-agent); verification is in-process with OpenSSL. Private to signoff/.
#pragma once

#include <string>
#include <span>
#include <string_view>
#include <vector>

#include "countersign/signoff/ssh_key.h"

namespace cs::signoff {

// The namespace every countersign approval statement is signed in.
inline constexpr std::string_view kApprovalNamespace = "countersign-approval";

// A decoded SSHSIG blob. Parsing checks structure only; sshsig_verify checks the rest.
struct Sshsig {
  PublicKey key;               // the signer's public key, as embedded in the signature
  std::string sig_namespace;   // e.g. "countersign-approval"
  Bytes reserved;              // empty in every signature OpenSSH makes
  std::string hash_algorithm;  // "sha256" or "sha512"
  Bytes signature;             // the SSH signature blob over the signed data
};

// Signs `message` and returns the armored signature, wrapped like ssh-keygen's output (70
// columns) and ending in a newline. hash_algorithm is "sha512" (ssh-keygen's default) or "sha256".
Result<std::string> sshsig_sign(Signer& signer, std::string_view message, std::string_view sig_namespace,
                                std::string_view hash_algorithm = "sha512");

// Decodes "-----BEGIN SSH SIGNATURE----- ... -----END SSH SIGNATURE-----" (any line wrapping,
// LF or CRLF; only whitespace may surround it). Errors are Errc::parse.
Result<Sshsig> sshsig_parse(std::string_view armored);
// The same for an already de-armored blob.
Result<Sshsig> sshsig_parse_blob(ByteView blob);

// Verifies that `sig` signs `message` in `expected_namespace` with sig.key. It does NOT say
// whether sig.key is trusted: look the key up in allowed_signers for that. Error codes:
//   Errc::invalid_argument  wrong namespace (signed for another purpose)
//   Errc::unsupported       a hash or signature algorithm we refuse (e.g. ssh-rsa with SHA-1)
//   Errc::parse             malformed signature structure
//   Errc::crypto            bad signature (does not verify), or a security-key signature
//                           without user presence
Result<void> sshsig_verify(const Sshsig& sig, std::string_view message, std::string_view expected_namespace);

// sshsig_verify for each of `sigs` over messages[k], answers in order: what a gate checking many
// statements calls, so that one busy key's signatures are checked together.
std::vector<Result<void>> sshsig_verify_many(std::span<const Sshsig* const> sigs, std::span<const std::string_view> messages,
                                             std::string_view expected_namespace);

// The bytes a signer signs: "SSHSIG" || string namespace || string reserved || string hash
// algorithm || string H(message). Exposed for tests that build signatures by hand.
Bytes sshsig_signed_data(std::string_view sig_namespace, std::string_view hash_algorithm, ByteView message_hash);

}  // namespace cs::signoff
