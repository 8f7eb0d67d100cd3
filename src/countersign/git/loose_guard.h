// A guard in front of libgit2's loose object reader (private to git/). libgit2 1.5 never ends
// reading a truncated loose object: its zlib stream waits for input that will not come
// (zstream.c, git_zstream_get_output). The guard checks a loose file before libgit2 reads it, so
// that a damaged object fails with an error naming it instead of hanging the gate.
#pragma once

#include <optional>
#include <string>

struct git_repository;

namespace cs::git::detail {

// Why the loose file of object `hex` under `objects_dir` cannot be read whole (empty, not a zlib
// stream, cut short, not the size its header claims); nullopt when it is sound or absent.
std::optional<std::string> loose_damage(const std::string& objects_dir, const std::string& hex);

// libgit2's last error when it is the guard's (a damaged object, named): callers that would
// otherwise report "not found" report this instead.
std::optional<std::string> reported_damage();

// Adds the guard to `repo`'s object database, ahead of its loose objects. false: it could not be
// added (libgit2's message says why).
bool guard_loose_objects(git_repository* repo, const std::string& objects_dir);

}  // namespace cs::git::detail
