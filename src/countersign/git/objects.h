// Parsing commit and tree objects from their stored bytes (private to git/), with the results
// libgit2 1.5 would give for the same bytes. Anything unusual is declined (nullopt), and the
// caller falls back to libgit2, so an odd object is read exactly as before.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "countersign/git/git.h"

namespace cs::git::detail {

// The whole commit; nullopt for anything libgit2 would parse differently or refuse.
std::optional<Commit> parse_commit(const ObjectId& id, std::string_view bytes);

// What a revision walk needs: the parents and the committer's time.
struct CommitLinks {
  ObjectId tree;
  std::vector<ObjectId> parents;
  int64_t time = 0;
};
std::optional<CommitLinks> parse_links(std::string_view bytes);

// One entry of a stored tree.
struct TreeEntry {
  std::string_view name;
  uint32_t mode = 0;  // as libgit2's git_tree_entry_filemode reports it (normalised)
  ObjectId id;
  bool is_tree() const { return (mode & 0170000) == 0040000; }
};

// Iterates the entries of a stored tree in their stored order.
class TreeReader {
 public:
  explicit TreeReader(std::string_view bytes) : rest_(bytes) {}
  // The next entry, or nullopt at the end; `broken()` tells a malformed tree from the end.
  std::optional<TreeEntry> next();
  bool broken() const { return broken_; }

 private:
  std::string_view rest_;
  bool broken_ = false;
};

}  // namespace cs::git::detail
