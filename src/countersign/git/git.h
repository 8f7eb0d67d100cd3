// Read-only access to a git repository through libgit2: revision ranges, commits, tree diffs,
// notes and files at a revision. Every libgit2 handle is owned by an RAII wrapper; every
// failure comes back as cs::Error with code Errc::git or Errc::not_found.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "countersign/core/error.h"

struct git_repository;

namespace cs::git {

namespace detail {
enum class ObjectType : uint8_t;
class PackSet;
class ObjectReader;
}  // namespace detail

struct ObjectId {
  std::array<uint8_t, 20> bytes{};

  static Result<ObjectId> from_hex(std::string_view hex);
  std::string hex() const;
  bool is_zero() const;
  auto operator<=>(const ObjectId&) const = default;
};

struct ObjectIdHash {
  size_t operator()(const ObjectId& id) const noexcept {
    size_t h;
    static_assert(sizeof(h) <= sizeof(id.bytes));
    __builtin_memcpy(&h, id.bytes.data(), sizeof(h));
    return h;
  }
};

struct Signature {
  std::string name;
  std::string email;
  int64_t time = 0;        // seconds since the epoch
  int offset_minutes = 0;  // the signer's UTC offset
};

struct Commit {
  ObjectId id;
  ObjectId tree;
  std::vector<ObjectId> parents;
  Signature author;
  Signature committer;
  std::string message;  // raw bytes, encoding not guaranteed
  // The tree of the first parent, when a walk already read it: changed_paths and diff then need
  // not read the parent commit again.
  std::optional<ObjectId> first_parent_tree;
};

// A commit as stored: its id and object bytes. A walk reads these anyway; handing them on lets
// another thread parse them (Repository::parse) instead of reading the commit again.
struct RawCommit {
  ObjectId id;
  std::string bytes;
  std::optional<ObjectId> first_parent_tree;  // when the walk knows it
};

enum class ChangeKind : char { added = 'A', deleted = 'D', modified = 'M', type_changed = 'T' };

struct ChangedPath {
  std::string path;  // new path, or the old one for a deletion
  ChangeKind kind = ChangeKind::modified;
  uint32_t old_mode = 0;
  uint32_t new_mode = 0;
  ObjectId old_blob;
  ObjectId new_blob;
};

struct DiffLine {
  char origin = ' ';  // ' ', '-' or '+'
  std::string content;  // the line's bytes, with its newline when it has one
  int old_lineno = -1;
  int new_lineno = -1;
};

struct Hunk {
  std::vector<DiffLine> lines;
};

struct FileDiff {
  std::string old_path;  // "/dev/null" for an added file
  std::string new_path;  // "/dev/null" for a deleted file
  uint32_t old_mode = 0;
  uint32_t new_mode = 0;
  bool binary = false;
  ObjectId old_blob;
  ObjectId new_blob;
  std::vector<Hunk> hunks;
};

// One entry of a tree.
struct TreeItem {
  std::string name;
  uint32_t mode = 0;  // normalised as git_tree_entry_filemode reports it
  ObjectId id;
  bool is_tree() const { return (mode & 0170000) == 0040000; }
  bool is_blob() const { return (mode & 0170000) == 0100000 || (mode & 0170000) == 0120000; }
};

class Repository {
 public:
  // Opens the repository containing `path` (searching upwards like git does).
  static Result<Repository> open(const std::string& path);

  Repository(Repository&&) noexcept;
  Repository& operator=(Repository&&) noexcept;
  ~Repository();

  // Another handle on the same repository, for use on another thread.
  Result<Repository> reopen() const;

  std::string workdir() const;  // empty for a bare repository
  std::string gitdir() const;
  bool is_shallow() const;
  bool is_empty() const;

  // To a commit, as git reads the revision, except that a name that could mean more than one
  // ref (a tag named like a branch or a remote-tracking branch, a branch named like an object id)
  // is refused, listing the candidates: full ref names (refs/heads/main) always work.
  Result<ObjectId> resolve(std::string_view revision) const;
  // The full name of the one ref a revision starts with ("origin/main~2" → refs/remotes/origin/main),
  // nullopt when it starts with no ref (an object id, HEAD), an error when the name is ambiguous.
  Result<std::optional<std::string>> ref_of(std::string_view revision) const;

  // Remote names, and for `remote` the branch its HEAD names ("refs/remotes/origin/HEAD" →
  // "main"), when it was recorded (clone does; `git remote set-head origin --auto` does).
  std::vector<std::string> remotes() const;
  std::optional<std::string> remote_default_branch(std::string_view remote) const;
  // branch.<name>.remote, when set.
  std::optional<std::string> branch_remote(std::string_view branch) const;

  // Whether `ancestor` is `of` or one of its ancestors.
  Result<bool> is_ancestor(const ObjectId& ancestor, const ObjectId& of) const;
  // The commits `tip` reaches that none of `hidden` reaches (git rev-list tip --not hidden...).
  Result<std::vector<ObjectId>> reachable_only(const ObjectId& tip, std::span<const ObjectId> hidden) const;
  // What a range walks from and what it hides (with all they reach), as the walk reads them.
  struct RangeEnds {
    std::vector<ObjectId> tips;
    std::vector<ObjectId> hidden;
  };
  Result<RangeEnds> range_ends(std::string_view range) const;
  // The commits of a shallow clone whose parents are absent (.git/shallow); empty when not shallow.
  std::vector<ObjectId> shallow_boundary() const;
  // The upstream of HEAD's branch as a full ref name, when one is configured.
  std::optional<std::string> head_upstream() const;
  // The short name of the branch HEAD is on, when it is on one.
  std::optional<std::string> head_branch() const;

  // The commits of a range in git revision syntax: "A..B", "A...B", "B", "--all", or "" for
  // the commits on HEAD not on its upstream (all of HEAD when there is no upstream).
  // Newest first. Missing parents of a shallow clone end the walk instead of failing it.
  Result<std::vector<ObjectId>> commits_in(std::string_view range) const;
  // The same walk, handing each commit to `visit` as it is found (false stops the walk), so that
  // work on the first commits can start before the walk ends.
  Result<void> walk(std::string_view range, const std::function<bool(const ObjectId&)>& visit) const;

  // The commits a walk of `range` starts from, checked as the walk would check them (an unknown
  // revision, an empty repository), without walking: a range's errors can be reported before any
  // work starts, even when the walk itself must see the whole range before it yields anything.
  Result<std::vector<ObjectId>> range_start(std::string_view range) const;

  // The same walk, handing over each commit's stored bytes with its id.
  Result<void> walk_raw(std::string_view range, const std::function<bool(RawCommit&&)>& visit) const;

  Result<Commit> commit(const ObjectId& id) const;
  // A commit from its stored bytes (as commit() would read it).
  Result<Commit> parse(const RawCommit& raw) const;

  // Paths changed by a commit against its first parent (against the empty tree for a root).
  Result<std::vector<ChangedPath>> changed_paths(const Commit& commit) const;
  // Paths changed between two trees.
  Result<std::vector<ChangedPath>> changed_paths(const ObjectId& old_tree, const ObjectId& new_tree) const;

  // The diff of a commit against its first parent: 3 lines of context, no rename detection.
  Result<std::vector<FileDiff>> diff(const Commit& commit) const;
  Result<std::vector<FileDiff>> diff_trees(const std::optional<ObjectId>& old_tree, const ObjectId& new_tree) const;

  // The line numbers (1-based, in `new_blob`) that a diff from `old_blob` (zero id: none) to
  // `new_blob` adds; nullopt when either side is binary. A blob-to-blob diff: no attribute or
  // filter lookups, so it is cheap enough to run on many commits.
  Result<std::optional<std::vector<uint32_t>>> added_lines(const ObjectId& old_blob, const ObjectId& new_blob) const;

  // The note attached to `id` on `notes_ref` (e.g. "refs/notes/ai"), or nullopt.
  Result<std::optional<std::string>> note(std::string_view notes_ref, const ObjectId& id) const;
  // Every note on `notes_ref`: (annotated commit, note blob). Empty when the ref is absent.
  Result<std::vector<std::pair<ObjectId, ObjectId>>> notes(std::string_view notes_ref) const;

  // The contents of the blob `id`.
  Result<std::string> blob(const ObjectId& id) const;
  // The entries of the tree `id`, in stored order.
  Result<std::vector<TreeItem>> tree(const ObjectId& id) const;
  // The size of object `id` in bytes, from its header (without reading it when it is stored whole).
  Result<uint64_t> object_size(const ObjectId& id) const;
  // The file at `path` in the tree of `commit`, or nullopt when absent.
  Result<std::optional<std::string>> file_at(const ObjectId& commit, std::string_view path) const;

  // A configuration value as git config reads it (repository, global and system files), or
  // nullopt when it is not set.
  std::optional<std::string> config(const std::string& key) const;

  // The target of a reference, or nullopt when it does not exist.
  Result<std::optional<ObjectId>> reference(std::string_view name) const;

  git_repository* raw() const { return repo_.get(); }

 private:
  struct Deleter {
    void operator()(git_repository* r) const noexcept;
  };
  friend class TreeComparison;
  explicit Repository(git_repository* r);
  using Tips = RangeEnds;
  Result<Tips> range_tips(std::string_view range) const;
  Result<std::vector<ObjectId>> walk_shallow(const std::vector<ObjectId>& tips, const std::vector<ObjectId>& hidden) const;
  // The bytes of object `id`, which must be of type `want`: from the packs, else through
  // libgit2 (loose objects, alternates, anything the pack reader declines).
  Result<void> read_object(const ObjectId& id, detail::ObjectType want, std::string& out) const;
  Result<Commit> commit_from_libgit2(const ObjectId& id) const;
  // A tree's bytes in the form detail::TreeReader reads; a tree it cannot read (a mode git
  // accepts but writes no more) is read by libgit2 and written out again in git's form.
  Result<void> read_tree(const ObjectId& id, std::string& out) const;

  std::unique_ptr<git_repository, Deleter> repo_;
  std::shared_ptr<const detail::PackSet> packs_;         // shared with reopened handles
  std::unique_ptr<detail::ObjectReader> reader_;         // this handle's own
};

// Process-wide libgit2 tuning for one pass over a large history, where every object is read
// about once: the object cache only needs to hold a commit from the walk until it is read
// again, so it is capped at `cache_limit` bytes (libgit2's default is 256 MB).
void tune_for_single_pass(size_t cache_limit = size_t(4) << 20);

// The last libgit2 error, as a cs::Error with Errc::git and the given context.
Error last_error(std::string_view context);

}  // namespace cs::git
