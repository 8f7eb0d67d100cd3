// Sign-off: approvals bound to exact content. A change digest names what a commit or a range
// changes; approval, revocation and override statements sign it with SSH keys (SSHSIG); they
// live under refs/countersign/approvals and are verified against the trusted people directory.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "countersign/core/error.h"
#include "countersign/git/git.h"

namespace cs::signoff {

// ---- Change digest v1 (DESIGN.md "Change digest") -------------------------------------------

struct ChangeDigest {
  std::array<uint8_t, 32> bytes{};

  static Result<ChangeDigest> from_hex(std::string_view hex);  // 64 lower-case hex digits
  static ChangeDigest of(std::string_view canonical_text);      // SHA-256
  std::string hex() const;
  auto operator<=>(const ChangeDigest&) const = default;
};

struct ChangeDigestHash {
  size_t operator()(const ChangeDigest& d) const noexcept {
    size_t h;
    __builtin_memcpy(&h, d.bytes.data(), sizeof(h));
    return h;
  }
};

// The canonical text of the change from `old_tree` (nullopt: the empty tree) to `new_tree`.
Result<std::string> canonical_change(const git::Repository& repo, const std::optional<git::ObjectId>& old_tree,
                                     const git::ObjectId& new_tree);
// A commit's own change: against its parent, the empty tree for a root, and for a merge against
// the automatic merge of its parents. nullopt: a merge with no change of its own.
Result<std::optional<std::string>> commit_canonical_change(const git::Repository& repo, const git::Commit& commit);
Result<std::optional<ChangeDigest>> commit_digest(const git::Repository& repo, const git::Commit& commit);

struct Member {
  git::ObjectId commit;
  ChangeDigest digest;
};

// What a range approval signs: the change of merge-base(A, B)..B and its commits' digests
// (oldest first; merges with no change of their own are not members).
struct RangeChange {
  git::ObjectId base;
  git::ObjectId head;
  ChangeDigest digest;
  std::vector<Member> members;
};
Result<RangeChange> range_change(const git::Repository& repo, std::string_view range);

// ---- Repository identity ----------------------------------------------------------------------

// "git@github.com:Org/Repo.git", "https://user@GitHub.com/Org/Repo/" and
// "ssh://git@github.com:22/Org/Repo.git" all become "github.com/Org/Repo" (see docs/signoff.md).
std::string normalise_remote_url(std::string_view url);
// `git config countersign.repo` when set, else the normalised URL of the remote "origin".
Result<std::string> repository_id(const git::Repository& repo);

// ---- Statements (DESIGN.md "Approval statement"; docs/formats.md) ---------------------------

enum class StatementKind { approval, revocation, override };
std::string_view to_string(StatementKind k);  // "approval", "revocation", "override"

// Every statement is signed as SSHSIG in the namespace "countersign-approval"; its first line
// names its kind.
struct Statement {
  StatementKind kind = StatementKind::approval;
  std::string repo;
  ChangeDigest change;
  std::vector<ChangeDigest> members;       // approval, override: the range's commits
  std::optional<git::ObjectId> commit;     // approval, override: informational
  std::optional<ChangeDigest> revokes;     // revocation: SHA-256 of the revoked statement's text
  std::string approver;                    // the signer's principal
  std::string role;                        // approval, override: the role claimed
  std::string reason;                      // override (required), revocation (optional)
  int64_t time = 0;                        // seconds since the epoch, UTC
  std::optional<int64_t> expires;          // approval (optional), override (required)
};

std::string render(const Statement& s);
// Strict: the exact layout render() produces, nothing else (one text per statement).
Result<Statement> parse_statement(std::string_view text);

std::string format_time(int64_t t);                // RFC 3339 UTC, "2026-01-31T12:00:00Z"
Result<int64_t> parse_time(std::string_view text);  // RFC 3339 with "Z" only
// "30m", "4h", "7d", "2w" → seconds.
Result<int64_t> parse_duration(std::string_view text);

}  // namespace cs::signoff
