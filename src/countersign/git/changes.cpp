// Changed paths: two trees walked in lockstep over their stored bytes. Only subtrees whose ids
// differ are entered, which is what makes this much cheaper than a general diff for listing
// paths, and no tree is ever parsed into objects.
#include <git2.h>

#include <cstdio>
#include <cstring>

#include "countersign/git/git.h"
#include "countersign/git/handles.h"
#include "countersign/git/objects.h"
#include "countersign/git/pack.h"

namespace cs::git {
namespace {

constexpr int kMaxDepth = 1024;  // deeper than any real tree; a hostile one fails instead

// Git sorts tree entries by name as if every subtree's name ended in '/', so a file "a.b"
// sorts before a directory "a". The lockstep walk must compare the same way, or it reports
// spurious add/delete pairs.
int tree_order(const detail::TreeEntry& a, const detail::TreeEntry& b) {
  size_t n = std::min(a.name.size(), b.name.size());
  if (int c = a.name.compare(0, n, b.name.substr(0, n)); c != 0) return c < 0 ? -1 : 1;
  auto next = [n](const detail::TreeEntry& e) -> unsigned {
    if (e.name.size() > n) return static_cast<unsigned char>(e.name[n]);
    return e.is_tree() ? '/' : 0;
  };
  unsigned ca = next(a), cb = next(b);
  return ca < cb ? -1 : ca > cb ? 1 : 0;
}

}  // namespace

// Compares the trees `a` and `b` (either may be absent: the zero id) under `prefix`.
class TreeComparison {
 public:
  TreeComparison(const Repository& repo, std::vector<ChangedPath>& out) : repo_(repo), out_(out) {}

  Result<void> compare(const ObjectId& a, const ObjectId& b, const std::string& prefix, int depth) {
    if (depth > kMaxDepth) return fail(Errc::git, "trees nested deeper than " + std::to_string(kMaxDepth) + " at " + prefix);
    std::string ta, tb;
    if (!a.is_zero())
      if (auto r = read_tree(a, ta); !r) return r;
    if (!b.is_zero())
      if (auto r = read_tree(b, tb); !r) return r;
    detail::TreeReader ra(ta), rb(tb);
    auto ea = ra.next(), eb = rb.next();
    while (ea || eb) {
      int cmp = !ea ? 1 : !eb ? -1 : tree_order(*ea, *eb);
      if (cmp == 0) {
        bool same = ea->id == eb->id && ea->mode == eb->mode;
        if (!same) {
          if (ea->is_tree() == eb->is_tree()) {
            if (auto r = record(&*ea, &*eb, prefix, depth); !r) return r;
          } else {
            if (auto r = record(&*ea, nullptr, prefix, depth); !r) return r;
            if (auto r = record(nullptr, &*eb, prefix, depth); !r) return r;
          }
        }
        ea = ra.next();
        eb = rb.next();
      } else if (cmp < 0) {
        if (auto r = record(&*ea, nullptr, prefix, depth); !r) return r;
        ea = ra.next();
      } else {
        if (auto r = record(nullptr, &*eb, prefix, depth); !r) return r;
        eb = rb.next();
      }
    }
    if (ra.broken() || rb.broken())
      return fail(Errc::git, "malformed tree " + (ra.broken() ? a : b).hex() + (prefix.empty() ? "" : " at " + prefix));
    return {};
  }

 private:
  Result<void> read_tree(const ObjectId& id, std::string& out) {
    if (auto r = repo_.read_tree(id, out); !r)
      return fail(Errc::not_found, "cannot read tree " + id.hex() + " (" + r.error().message + ")");
    return {};
  }

  // One differing entry: a subtree to enter, or a changed file.
  Result<void> record(const detail::TreeEntry* ea, const detail::TreeEntry* eb, const std::string& prefix, int depth) {
    const detail::TreeEntry* e = eb ? eb : ea;
    std::string path = prefix;
    path.append(e->name);
    if (e->is_tree()) {
      return compare(ea ? ea->id : ObjectId{}, eb ? eb->id : ObjectId{}, path + "/", depth + 1);
    }
    ChangedPath c;
    c.path = std::move(path);
    if (ea) {
      c.old_mode = ea->mode;
      c.old_blob = ea->id;
    }
    if (eb) {
      c.new_mode = eb->mode;
      c.new_blob = eb->id;
    }
    c.kind = !ea ? ChangeKind::added : !eb ? ChangeKind::deleted : ChangeKind::modified;
    out_.push_back(std::move(c));
    return {};
  }

  const Repository& repo_;
  std::vector<ChangedPath>& out_;
};

Result<void> Repository::read_tree(const ObjectId& id, std::string& out) const {
  if (auto r = read_object(id, detail::ObjectType::tree, out); !r) return r;
  detail::TreeReader check(out);
  while (check.next()) {
  }
  if (!check.broken()) return {};
  git_oid oid;
  std::memcpy(oid.id, id.bytes.data(), 20);
  git_tree* raw = nullptr;
  if (git_tree_lookup(&raw, repo_.get(), &oid) != 0) return std::unexpected(last_error("reading tree " + id.hex()));
  handles::Tree tree(raw);
  out.clear();
  for (size_t i = 0, n = git_tree_entrycount(raw); i < n; ++i) {
    const git_tree_entry* e = git_tree_entry_byindex(raw, i);
    char mode[16];
    std::snprintf(mode, sizeof mode, "%o ", unsigned(git_tree_entry_filemode_raw(e)));
    out += mode;
    out += git_tree_entry_name(e);
    out += '\0';
    out.append(reinterpret_cast<const char*>(git_tree_entry_id(e)->id), 20);
  }
  return {};
}

Result<std::vector<TreeItem>> Repository::tree(const ObjectId& id) const {
  std::string bytes;
  if (auto r = read_tree(id, bytes); !r)
    return fail(Errc::not_found, "cannot read tree " + id.hex() + " (" + r.error().message + ")");
  std::vector<TreeItem> out;
  detail::TreeReader reader(bytes);
  while (auto e = reader.next()) out.push_back({std::string(e->name), e->mode, e->id});
  if (reader.broken()) return fail(Errc::git, "malformed tree " + id.hex());
  return out;
}

Result<std::vector<ChangedPath>> Repository::changed_paths(const ObjectId& old_tree, const ObjectId& new_tree) const {
  std::vector<ChangedPath> out;
  if (new_tree.is_zero()) return fail(Errc::invalid_argument, "no tree to compare");
  TreeComparison walk(*this, out);
  if (auto r = walk.compare(old_tree, new_tree, "", 0); !r) return std::unexpected(r.error());
  return out;
}

Result<std::vector<ChangedPath>> Repository::changed_paths(const Commit& commit) const {
  ObjectId parent_tree = commit.first_parent_tree.value_or(ObjectId{});
  if (!commit.parents.empty() && !commit.first_parent_tree) {
    auto p = this->commit(commit.parents.front());
    if (!p) return fail(Errc::not_found, "missing parent " + commit.parents.front().hex() + " of " + commit.id.hex() +
                                             (is_shallow() ? " (shallow clone)" : ""));
    parent_tree = p->tree;
  }
  return changed_paths(parent_tree, commit.tree);
}

}  // namespace cs::git
