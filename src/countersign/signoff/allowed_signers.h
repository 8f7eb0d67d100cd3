// allowed_signers files as ssh-keygen(1) defines them (section ALLOWED SIGNERS): which keys may
// sign for which principals, in which namespaces and when. countersign uses them as a source of
// people's keys and to decide whether a verified signature's key is trusted. Private to signoff/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "countersign/signoff/ssh_key.h"

namespace cs::signoff {

struct AllowedSigner {
  std::string principals;                // comma-separated patterns (*, ?, !negation), as written
  std::optional<std::string> namespaces;  // comma-separated patterns; unset allows every namespace
  std::optional<std::int64_t> valid_after;   // Unix seconds
  std::optional<std::int64_t> valid_before;  // Unix seconds
  PublicKey key;
  InputLocation where;  // file and line the entry came from

  bool matches_principal(std::string_view principal) const;
};

enum class SignerStatus {
  allowed,
  unknown_principal,  // no line lists the principal
  unknown_key,        // the principal is listed, but not with this key
  wrong_namespace,    // listed with this key, but namespaces= excludes the namespace
  not_yet_valid,      // listed with this key, but before valid-after
  expired,            // listed with this key, but after valid-before
};
std::string_view to_string(SignerStatus status);

struct SignerDecision {
  SignerStatus status = SignerStatus::unknown_principal;
  std::string reason;                     // a sentence for the user, empty when allowed
  const AllowedSigner* entry = nullptr;   // the line that allowed it (or came closest)
  bool allowed() const { return status == SignerStatus::allowed; }
};

class AllowedSigners {
 public:
  std::vector<AllowedSigner> entries;

  // Is `key` allowed to sign for `principal` in `sig_namespace` at `time` (Unix seconds)?
  // Like `ssh-keygen -Y verify -I principal`: any line naming the principal with this key and
  // whose options admit the namespace and time allows it; otherwise the most specific reason.
  SignerDecision check(const PublicKey& key, std::string_view principal, std::string_view sig_namespace,
                       std::int64_t time) const;
  // The lines listing `key` (any principal, any options), as `ssh-keygen -Y find-principals` uses.
  std::vector<const AllowedSigner*> entries_for(const PublicKey& key) const;
};

struct AllowedSignersParse {
  AllowedSigners signers;
  std::vector<Error> errors;  // every bad line, each with file, line, column and snippet
};

// Reads the whole file, collecting every bad line instead of stopping at the first; bad lines
// are left out of `signers` (ssh-keygen skips them too).
AllowedSignersParse read_allowed_signers(std::string_view text, std::string_view filename);
// Strict form: fails with the first error (positioned; Errc::parse, or Errc::unsupported for
// cert-authority lines and key types we do not handle).
Result<AllowedSigners> parse_allowed_signers(std::string_view text, std::string_view filename);

// OpenSSH pattern-list matching (match_pattern_list): 1 when a positive pattern matches, -1
// when a negated one does, 0 otherwise. Case-sensitive.
int match_pattern_list(std::string_view subject, std::string_view patterns);
// An allowed_signers time: YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, followed by "Z" or
// "UTC" for UTC, else in local time (as ssh-keygen reads it).
Result<std::int64_t> parse_signer_time(std::string_view text);

}  // namespace cs::signoff
