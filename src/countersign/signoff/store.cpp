#include "countersign/signoff/store.h"

#include "countersign/git/handles.h"

#include <algorithm>
#include <array>
#include <optional>
#include <cstring>
#include <map>
#include <memory>
#include <unordered_map>

#include "countersign/signoff/signoff.h"

namespace cs::signoff::store {
namespace {

using git::from_oid;
using git::to_oid;

using TreePtr = git::handles::Tree;
using ObjectPtr = git::handles::Object;
using BlobPtr = git::handles::Blob;
using BuilderPtr = git::handles::TreeBuilder;
using CommitPtr = git::handles::Commit;
using SigPtr = git::handles::Signature;

bool is_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return !s.empty();
}

std::string_view type_name(git_object_t t) {
  const char* n = git_object_type2string(t);
  return n ? n : "unknown object";
}

// The tree of the store: what the ref points at, peeled. A tag or blob there is an error.
Result<std::pair<git::ObjectId, TreePtr>> store_tree(git_repository* repo, const git_oid& target, const std::string& ref) {
  git_object* obj = nullptr;
  if (git_object_lookup(&obj, repo, &target, GIT_OBJECT_ANY) != 0)
    return fail(Errc::git, ref + " points at a missing object " + from_oid(&target).hex());
  ObjectPtr o(obj);
  git_object_t t = git_object_type(obj);
  if (t != GIT_OBJECT_COMMIT && t != GIT_OBJECT_TREE)
    return fail(Errc::git, ref + " points at a " + std::string(type_name(t)) + " (" + from_oid(&target).hex() +
                               "), not a commit: the approval store is damaged");
  git_object* peeled = nullptr;
  if (git_object_peel(&peeled, obj, GIT_OBJECT_TREE) != 0) return std::unexpected(git::last_error("reading " + ref));
  return std::pair{from_oid(&target), TreePtr(reinterpret_cast<git_tree*>(peeled))};
}

Result<TreePtr> subtree(git_repository* repo, const git_tree_entry* e) {
  git_tree* t = nullptr;
  if (git_tree_lookup(&t, repo, git_tree_entry_id(e)) != 0) return fail(Errc::git, "missing tree in the approval store");
  return TreePtr(t);
}

// Files to write, by directory: the unit a tree builder works on.
struct Node {
  std::map<std::string, Node> dirs;
  std::map<std::string, git_oid> blobs;
};

Result<git_oid> write_node(git_repository* repo, const git_tree* base, const Node& node) {
  git_treebuilder* raw = nullptr;
  if (git_treebuilder_new(&raw, repo, base) != 0) return std::unexpected(git::last_error("building the approval tree"));
  BuilderPtr b(raw);
  for (const auto& [name, child] : node.dirs) {
    TreePtr existing;
    if (const git_tree_entry* e = git_treebuilder_get(raw, name.c_str()); e && git_tree_entry_type(e) == GIT_OBJECT_TREE) {
      auto t = subtree(repo, e);
      if (!t) return std::unexpected(t.error());
      existing = std::move(*t);
    }
    auto id = write_node(repo, existing.get(), child);
    if (!id) return id;
    if (git_treebuilder_insert(nullptr, raw, name.c_str(), &*id, GIT_FILEMODE_TREE) != 0)
      return std::unexpected(git::last_error("building the approval tree"));
  }
  for (const auto& [name, id] : node.blobs)
    if (git_treebuilder_insert(nullptr, raw, name.c_str(), &id, GIT_FILEMODE_BLOB) != 0)
      return std::unexpected(git::last_error("building the approval tree"));
  git_oid out;
  if (git_treebuilder_write(&out, raw) != 0) return std::unexpected(git::last_error("writing the approval tree"));
  return out;
}

Result<void> put(git_repository* repo, Node& root, const std::string& path, const std::string& contents) {
  git_oid blob;
  if (git_blob_create_from_buffer(&blob, repo, contents.data(), contents.size()) != 0)
    return std::unexpected(git::last_error("writing an approval"));
  Node* n = &root;
  size_t start = 0;
  for (size_t slash; (slash = path.find('/', start)) != std::string::npos; start = slash + 1)
    n = &n->dirs[path.substr(start, slash - start)];
  n->blobs[path.substr(start)] = blob;
  return {};
}

// Commits `root` on top of the ref's current tip and moves the ref only if nobody else moved
// it meanwhile; `extra_parent` records a merged-in store.
Result<std::optional<git::ObjectId>> try_commit(git_repository* repo, const std::string& ref, const Node& root,
                                                const std::string& message, const git_oid* extra_parent) {
  git_oid tip;
  bool has_tip = git_reference_name_to_id(&tip, repo, ref.c_str()) == 0;
  TreePtr base;
  CommitPtr parent;
  if (has_tip) {
    auto t = store_tree(repo, tip, ref);
    if (!t) return std::unexpected(t.error());
    base = std::move(t->second);
    git_commit* pc = nullptr;
    if (git_commit_lookup(&pc, repo, &tip) != 0) return fail(Errc::git, ref + " does not point at a commit");
    parent.reset(pc);
  }
  auto tree_id = write_node(repo, base.get(), root);
  if (!tree_id) return std::unexpected(tree_id.error());
  git_tree* tree_raw = nullptr;
  if (git_tree_lookup(&tree_raw, repo, &*tree_id) != 0) return std::unexpected(git::last_error("reading the new tree"));
  TreePtr tree(tree_raw);

  CommitPtr other;
  std::vector<const git_commit*> parents;
  if (parent) parents.push_back(parent.get());
  if (extra_parent) {
    git_commit* oc = nullptr;
    if (git_commit_lookup(&oc, repo, extra_parent) != 0) return std::unexpected(git::last_error("reading merged store"));
    other.reset(oc);
    parents.push_back(other.get());
  }
  git_signature* sraw = nullptr;
  if (git_signature_default(&sraw, repo) != 0 && git_signature_now(&sraw, "countersign", "countersign@localhost") != 0)
    return std::unexpected(git::last_error("making a signature"));
  SigPtr sig(sraw);
  git_oid commit;
  if (git_commit_create(&commit, repo, nullptr, sig.get(), sig.get(), nullptr, message.c_str(), tree.get(), parents.size(),
                        parents.data()) != 0)
    return std::unexpected(git::last_error("committing to " + ref));
  git_reference* out = nullptr;
  int rc = has_tip ? git_reference_create_matching(&out, repo, ref.c_str(), &commit, 1, &tip, message.c_str())
                   : git_reference_create(&out, repo, ref.c_str(), &commit, 0, message.c_str());
  if (rc == GIT_EMODIFIED || rc == GIT_EEXISTS || rc == GIT_ELOCKED) return std::optional<git::ObjectId>{};
  if (rc != 0) return std::unexpected(git::last_error("updating " + ref));
  git_reference_free(out);
  return std::optional<git::ObjectId>(from_oid(&commit));
}

Result<git::ObjectId> commit_with_retry(git_repository* repo, const std::string& ref, const Node& root,
                                        const std::string& message, const git_oid* extra_parent) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    auto r = try_commit(repo, ref, root, message, extra_parent);
    if (!r) return std::unexpected(r.error());
    if (*r) return **r;
  }
  return fail(Errc::git, ref + " keeps changing under us; try again");
}

int64_t statement_time(std::string_view contents) {
  auto p = contents.find("\ntime ");
  if (p == std::string_view::npos) return 0;
  auto t = parse_time(contents.substr(p + 6, 20));
  return t ? *t : 0;
}

}  // namespace

std::string path_for(std::string_view digest_hex, std::string_view name) {
  return std::string(digest_hex.substr(0, 2)) + "/" + std::string(digest_hex.substr(2)) + "/" + std::string(name);
}

std::string file_key(std::string_view fingerprint) {
  std::string out(fingerprint);
  for (char& c : out) {
    if (c == '/') c = '_';
    else if (c == '+') c = '-';
  }
  return out;
}

std::string approval_name(std::string_view fingerprint, std::string_view role) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = file_key(fingerprint) + ".role-";
  for (unsigned char c : role) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (plain)
      out += char(c);
    else
      out += {'%', kHex[c >> 4], kHex[c & 15]};
  }
  return out + ".sig";
}

std::string revocation_name(std::string_view approval) {
  std::string_view stem = approval.substr(0, approval.size() - std::string_view(".sig").size());
  return std::string(stem) + ".revoke.sig";
}

bool is_approval_of(std::string_view name, std::string_view key) {
  if (!name.starts_with(key) || !name.ends_with(".sig") || name.ends_with(".revoke.sig") ||
      name.ends_with(".override.sig"))
    return false;
  std::string_view rest = name.substr(key.size());
  return rest == ".sig" || (rest.starts_with(".role-") && rest.find('.', 1) == rest.size() - 4);
}

Result<Contents> read(const git::Repository& repo, const std::string& ref) {
  git_oid tip;
  int rc = git_reference_name_to_id(&tip, repo.raw(), ref.c_str());
  if (rc == GIT_ENOTFOUND) return Contents{};
  if (rc != 0) return std::unexpected(git::last_error("reading " + ref));
  return read_at(repo, from_oid(&tip), ref);
}

Result<Contents> read_at(const git::Repository& repo, const git::ObjectId& target, const std::string& label) {
  Contents out;
  git_repository* r = repo.raw();
  git_oid tip = to_oid(target);
  const std::string& ref = label;
  auto top = store_tree(r, tip, ref);
  if (!top) return std::unexpected(top.error());
  out.tip = top->first;
  auto problem = [&](std::string path, std::string why) { out.problems.push_back({std::move(path), std::move(why)}); };
  git::ObjectId root_id;
  std::memcpy(root_id.bytes.data(), git_tree_id(top->second.get())->id, 20);
  auto root = repo.tree(root_id);
  if (!root) return std::unexpected(root.error());
  for (const auto& e1 : *root) {
    const std::string& d1 = e1.name;
    if (d1.size() != 2 || !is_hex(d1) || !e1.is_tree()) {
      problem(d1, "not a digest directory");
      continue;
    }
    auto t1 = repo.tree(e1.id);
    if (!t1) return fail(Errc::git, "missing tree in the approval store");
    for (const auto& e2 : *t1) {
      const std::string& d2 = e2.name;
      if (d2.size() != 62 || !is_hex(d2) || !e2.is_tree()) {
        problem(d1 + "/" + d2, "not a digest directory");
        continue;
      }
      auto t2 = repo.tree(e2.id);
      if (!t2) return fail(Errc::git, "missing tree in the approval store");
      for (const auto& e3 : *t2) {
        std::string path = d1 + "/" + d2 + "/" + e3.name;
        if (!e3.name.ends_with(".sig") || !e3.is_blob()) {
          problem(path, "not a .sig file");
          continue;
        }
        auto blob = repo.blob(e3.id);
        if (!blob) {
          problem(path, "blob is missing from the repository");
          continue;
        }
        if (blob->size() > kMaxFile) {
          problem(path, "larger than " + std::to_string(kMaxFile) + " bytes");
          continue;
        }
        out.files.push_back({path, d1 + d2, e3.name, std::move(*blob)});
      }
    }
  }
  return out;
}

namespace {

using Entries = std::vector<git::TreeItem>;

// Trees read while walking the store's history. The walk meets a commit just after its child, so
// the tree read as a parent's is asked for again as the next commit's own: a few recent trees
// are kept, and nothing else (a store of thousands of commits has thousands of root trees).
class TreeCache {
 public:
  explicit TreeCache(const git::Repository& repo) : repo_(repo) {}
  const Entries* get(const git::ObjectId& id) {
    for (auto& slot : slots_)
      if (slot.entries && slot.id == id) return &*slot.entries;
    auto entries = repo_.tree(id);
    if (!entries) return nullptr;
    auto& slot = slots_[next_++ % slots_.size()];
    slot.id = id;
    slot.entries = std::move(*entries);
    return &*slot.entries;
  }

 private:
  struct Slot {
    git::ObjectId id;
    std::optional<Entries> entries;
  };
  const git::Repository& repo_;
  std::array<Slot, 8> slots_;
  size_t next_ = 0;
};

// Git keeps a tree's entries sorted by name (a directory as if its name ended in '/', which only
// matters beside a file of the same prefix: such a miss reads as lost and is dropped later, when
// the tip holds the same file).
const git::TreeItem* entry_named(const Entries* tree, const std::string& name) {
  if (!tree) return nullptr;
  auto it = std::lower_bound(tree->begin(), tree->end(), name,
                             [](const git::TreeItem& e, const std::string& n) { return e.name < n; });
  return it != tree->end() && it->name == name ? &*it : nullptr;
}

// The revocation files of `old_tree` (a store tree) that `new_tree` does not hold unchanged,
// descending only into directories whose ids differ.
Result<void> lost_between(TreeCache& trees, const git::ObjectId& old_tree, const git::ObjectId& new_tree,
                          std::map<std::string, git::ObjectId>& lost) {
  if (old_tree == new_tree) return {};
  const Error missing{Errc::git, "missing tree in the history of " + std::string(kRef), {}};
  const auto* o1 = trees.get(old_tree);
  const auto* n1 = trees.get(new_tree);
  if (!o1 || !n1) return std::unexpected(missing);
  for (const auto& a : *o1) {
    if (!a.is_tree()) continue;
    const auto* b = entry_named(n1, a.name);
    if (b && b->id == a.id) continue;
    const auto* o2 = trees.get(a.id);
    if (!o2) return std::unexpected(missing);
    const auto* n2 = b && b->is_tree() ? trees.get(b->id) : nullptr;
    for (const auto& c : *o2) {
      if (!c.is_tree()) continue;
      const auto* d = entry_named(n2, c.name);
      if (d && d->id == c.id) continue;
      const auto* o3 = trees.get(c.id);
      if (!o3) return std::unexpected(missing);
      const auto* n3 = d && d->is_tree() ? trees.get(d->id) : nullptr;
      for (const auto& f : *o3) {
        if (!f.is_blob() || !f.name.ends_with(".revoke.sig")) continue;
        const auto* g = entry_named(n3, f.name);
        if (g && g->id == f.id) continue;
        lost.emplace(a.name + "/" + c.name + "/" + f.name + "\n" + f.id.hex(), f.id);
      }
    }
  }
  return {};
}

}  // namespace

Result<std::vector<File>> removed_revocations(const git::Repository& repo, const Contents& tip, size_t max_commits) {
  std::vector<File> out;
  if (!tip.tip) return out;
  auto head = repo.commit(*tip.tip);
  if (!head) return out;  // a tree on the ref (not a commit) has no history
  std::map<std::string, git::ObjectId> lost;  // "path\nblob" → blob
  TreeCache trees(repo);
  std::optional<Error> failed;
  size_t seen = 0;
  auto walked = repo.walk(tip.tip->hex(), [&](const git::ObjectId& id) {
    if (++seen > max_commits) return false;
    auto c = repo.commit(id);
    if (!c) {
      failed = c.error();
      return false;
    }
    for (const auto& p : c->parents) {
      auto parent = repo.commit(p);
      if (!parent) {
        failed = parent.error();
        return false;
      }
      if (auto r = lost_between(trees, parent->tree, c->tree, lost); !r) {
        failed = r.error();
        return false;
      }
    }
    return true;
  });
  if (!walked) return std::unexpected(walked.error());
  if (failed) return std::unexpected(*failed);
  // Lost on one branch of the history but present at the tip as it was: not lost.
  for (const auto& [key, blob_id] : lost) {
    std::string path = key.substr(0, key.find('\n'));
    bool at_tip = false;
    for (const auto& f : tip.files) at_tip = at_tip || f.path == path;
    auto blob = repo.blob(blob_id);
    if (!blob || blob->size() > kMaxFile) continue;
    if (at_tip) {
      bool same = false;
      for (const auto& f : tip.files) same = same || (f.path == path && f.contents == *blob);
      if (same) continue;
    }
    auto slash = path.find('/');
    auto slash2 = path.find('/', slash + 1);
    out.push_back({path, path.substr(0, slash) + path.substr(slash + 1, slash2 - slash - 1), path.substr(slash2 + 1),
                   std::move(*blob)});
  }
  return out;
}

Result<git::ObjectId> add(const git::Repository& repo, const std::vector<std::pair<std::string, std::string>>& files,
                          const std::string& message, const std::string& ref) {
  Node root;
  for (const auto& [path, contents] : files)
    if (auto r = put(repo.raw(), root, path, contents); !r) return std::unexpected(r.error());
  return commit_with_retry(repo.raw(), ref, root, message, nullptr);
}

Result<git::ObjectId> merge(const git::Repository& repo, const git::ObjectId& other, const std::string& ref) {
  git_repository* r = repo.raw();
  git_oid other_oid = to_oid(other);
  git_oid tip;
  if (git_reference_name_to_id(&tip, r, ref.c_str()) == 0 && git_oid_equal(&tip, &other_oid)) return other;
  if (git_reference_name_to_id(&tip, r, ref.c_str()) == 0) {
    git_oid base;
    // Already contained: nothing to merge.
    if (git_merge_base(&base, r, &tip, &other_oid) == 0 && git_oid_equal(&base, &other_oid)) return from_oid(&tip);
  }
  // Theirs, as files; ours, to decide which of two versions of one path wins.
  auto theirs = read_at(repo, other, "the fetched approvals " + other.hex());
  if (!theirs) return std::unexpected(theirs.error());
  auto ours = read(repo, ref);
  if (!ours) return std::unexpected(ours.error());
  std::map<std::string, const std::string*> mine;
  for (const auto& f : ours->files) mine[f.path] = &f.contents;
  Node root;
  for (const auto& f : theirs->files) {
    auto it = mine.find(f.path);
    if (it != mine.end() && (*it->second == f.contents || statement_time(*it->second) >= statement_time(f.contents))) continue;
    if (auto p = put(r, root, f.path, f.contents); !p) return std::unexpected(p.error());
  }
  return commit_with_retry(r, ref, root, "merge approvals", &other_oid);
}

}  // namespace cs::signoff::store
