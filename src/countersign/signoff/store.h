// Private to signoff: the approval store, a tree committed on refs/countersign/approvals and
// laid out as <digest[0:2]>/<digest[2:]>/<file>. Files are written with libgit2 (tree builders
// and a commit); concurrent writers merge as a tree union.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "countersign/core/error.h"
#include "countersign/git/git.h"

namespace cs::signoff::store {

inline constexpr const char* kRef = "refs/countersign/approvals";
// A .sig file larger than this is not a statement plus one signature.
inline constexpr size_t kMaxFile = 64 * 1024;

struct File {
  std::string path;      // "ab/cdef…/<name>"
  std::string digest;    // the two directory names joined: the digest the file is filed under
  std::string name;      // "<fingerprint>.sig", "<fingerprint>.revoke.sig", "<fingerprint>.override.sig"
  std::string contents;
};

// An entry that is not a statement file where one belongs: ignored, with the reason.
struct Problem {
  std::string path;
  std::string reason;
};

struct Contents {
  std::optional<git::ObjectId> tip;  // nullopt: the ref does not exist
  std::vector<File> files;
  std::vector<Problem> problems;
};

// Everything on `ref`. A ref that is not a commit or tree is an error, never an empty store.
Result<Contents> read(const git::Repository& repo, const std::string& ref = kRef);
// The same for a store commit not (yet) on a ref; `label` names it in messages.
Result<Contents> read_at(const git::Repository& repo, const git::ObjectId& target, const std::string& label);

// Revocations that the ref's history once held and its tip no longer holds as they were: deleted
// by a later commit, or replaced by other contents. A revocation cannot be undone by a commit on
// top (the store only ever needs to add one), so these still count: the gate verifies them beside
// the tip's files. A rollback by force-push leaves no history to read; the server's ledger and
// branch protection on the git server are the defence there. The walk is bounded by `max_commits`.
Result<std::vector<File>> removed_revocations(const git::Repository& repo, const Contents& tip,
                                              size_t max_commits = 1'000'000);

// Adds (or replaces) files by path with one commit on `ref`. When the ref moves while this
// runs, the files are added on top of its new tip instead (a tree union).
Result<git::ObjectId> add(const git::Repository& repo, const std::vector<std::pair<std::string, std::string>>& files,
                          const std::string& message, const std::string& ref = kRef);

// Merges the store commit `other` into `ref`: the union of both trees; where both hold the same
// path with different contents, the statement with the later `time` wins.
Result<git::ObjectId> merge(const git::Repository& repo, const git::ObjectId& other, const std::string& ref = kRef);

// The directory of a digest and a file name in it.
std::string path_for(std::string_view digest_hex, std::string_view name);
// A fingerprint "SHA256:abc/+x" made safe as a file name: '/' → '_', '+' → '-'.
std::string file_key(std::string_view fingerprint);

// An approval is filed as "<file_key>.role-<role>.sig", so that one key's approvals of one change
// in several roles lie side by side. The role is kept to letters, digits, '-' and '_' (anything
// else as %XX), so no role can make the name read as a revocation or override.
// "<file_key>.sig", one approval per key and change, is the earlier name and stays readable.
std::string approval_name(std::string_view fingerprint, std::string_view role);
// Where the revocation of the approval filed as `approval` goes: beside it, "….revoke.sig".
std::string revocation_name(std::string_view approval);
// Whether `name` belongs to an approval signed by the key `file_key`: either scheme, any role.
bool is_approval_of(std::string_view name, std::string_view file_key);

}  // namespace cs::signoff::store
