#include "countersign/git/git.h"

#include <git2.h>

#include "countersign/git/encoding.h"
#include "countersign/git/handles.h"
#include "countersign/git/loose_guard.h"
#include "countersign/git/objects.h"
#include "countersign/git/pack.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <mutex>
#include <unordered_set>

namespace cs::git {
namespace {

using CommitPtr = handles::Commit;
using TreePtr = handles::Tree;
using DiffPtr = handles::Diff;
using PatchPtr = handles::Patch;
using RefPtr = handles::Reference;
using ObjectPtr = handles::Object;
using BlobPtr = handles::Blob;
using NotePtr = handles::Note;
using NoteIterPtr = handles::NoteIterator;
using RefIterPtr = handles::ReferenceIterator;
using EntryPtr = handles::TreeEntry;

void ensure_init() {
  static std::once_flag once;
  std::call_once(once, [] { git_libgit2_init(); });
}

Signature from_sig(const git_signature* s) {
  Signature out;
  if (!s) return out;
  out.name = s->name ? s->name : "";
  out.email = s->email ? s->email : "";
  out.time = s->when.time;
  out.offset_minutes = s->when.offset;
  return out;
}

// The commits a shallow clone lists in .git/shallow: their parents are absent.
std::unordered_set<ObjectId, ObjectIdHash> shallow_roots(const std::string& gitdir) {
  std::unordered_set<ObjectId, ObjectIdHash> roots;
  std::ifstream in(gitdir + "/shallow");
  std::string line;
  while (std::getline(in, line))
    if (auto id = ObjectId::from_hex(line)) roots.insert(*id);
  return roots;
}

}  // namespace

void tune_for_single_pass(size_t cache_limit) {
  ensure_init();
  git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, static_cast<ssize_t>(cache_limit));
  // Each object is read once: re-hashing it to check its id doubles the cost of small commit
  // objects (git log does not re-hash either), and keeping every pack window mapped makes the
  // whole pack resident; 32 MB of 8 MB windows is plenty for a walk that moves through it in order.
  git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
  git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, static_cast<size_t>(8) << 20);
  git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, static_cast<size_t>(32) << 20);
}

Error last_error(std::string_view context) {
  const git_error* e = git_error_last();
  std::string msg(context);
  if (e && e->message) {
    msg += ": ";
    msg += e->message;
  }
  return Error{Errc::git, msg, {}};
}

namespace {

// Hex digit values, -1 for anything else: ids are parsed for every commit a walk reads.
constexpr std::array<int8_t, 256> kHexValue = [] {
  std::array<int8_t, 256> t{};
  t.fill(-1);
  for (int c = 0; c < 10; ++c) t['0' + c] = int8_t(c);
  for (int c = 0; c < 6; ++c) t['a' + c] = t['A' + c] = int8_t(10 + c);
  return t;
}();

}  // namespace

Result<ObjectId> ObjectId::from_hex(std::string_view hex) {
  if (hex.size() != 40) return fail(Errc::invalid_argument, "not a full object id: " + std::string(hex));
  ObjectId id;
  for (size_t i = 0; i < 20; ++i) {
    int hi = kHexValue[static_cast<unsigned char>(hex[2 * i])], lo = kHexValue[static_cast<unsigned char>(hex[2 * i + 1])];
    if ((hi | lo) < 0) return fail(Errc::invalid_argument, "not a full object id: " + std::string(hex));
    id.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return id;
}

std::string ObjectId::hex() const {
  static const char* digits = "0123456789abcdef";
  std::string out(40, '0');
  for (size_t i = 0; i < 20; ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 0xF];
  }
  return out;
}

bool ObjectId::is_zero() const {
  for (auto b : bytes)
    if (b) return false;
  return true;
}

void Repository::Deleter::operator()(git_repository* r) const noexcept { git_repository_free(r); }

Repository::Repository(git_repository* r) : repo_(r) {}

namespace {

// An object libgit2 could not read: damaged (the guard's message names it and says how) or missing.
std::unexpected<Error> unreadable(std::string_view kind, const ObjectId& id) {
  if (auto damage = detail::reported_damage()) return fail(Errc::git, *damage);
  return fail(Errc::not_found, "missing " + std::string(kind) + " " + id.hex());
}

std::string objects_dir_of(git_repository* repo) {
  if (const char* common = git_repository_commondir(repo)) return std::string(common) + "objects";
  return std::string(git_repository_path(repo)) + "objects";
}

// The packs of a repository, shared by every handle opened on it.
std::shared_ptr<const detail::PackSet> packs_of(git_repository* repo) {
  return detail::PackSet::open(objects_dir_of(repo));
}

}  // namespace
Repository::Repository(Repository&&) noexcept = default;
Repository& Repository::operator=(Repository&&) noexcept = default;
Repository::~Repository() = default;

Result<Repository> Repository::open(const std::string& path) {
  ensure_init();
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, path.c_str(), 0, nullptr) != 0)
    return std::unexpected(Error{Errc::not_found, "not a git repository: " + path +
                                                     (git_error_last() ? std::string(" (") + git_error_last()->message + ")" : ""),
                                 {}});
  Repository repo(raw);
  // Before anything reads an object: a damaged loose object must fail, not hang libgit2.
  if (!detail::guard_loose_objects(raw, objects_dir_of(raw)))
    return std::unexpected(last_error("opening the object database"));
  repo.packs_ = packs_of(raw);
  repo.reader_ = std::make_unique<detail::ObjectReader>(repo.packs_);
  return repo;
}

Result<Repository> Repository::reopen() const {
  git_repository* raw = nullptr;
  if (git_repository_open(&raw, git_repository_path(repo_.get())) != 0) return std::unexpected(last_error("reopening repository"));
  Repository repo(raw);
  if (!detail::guard_loose_objects(raw, objects_dir_of(raw)))
    return std::unexpected(last_error("opening the object database"));
  repo.packs_ = packs_;
  repo.reader_ = std::make_unique<detail::ObjectReader>(packs_);
  return repo;
}

Result<void> Repository::read_object(const ObjectId& id, detail::ObjectType want, std::string& out) const {
  if (reader_ && reader_->read(id, out) == want) return {};
  git_odb* odb_raw = nullptr;
  if (git_repository_odb(&odb_raw, repo_.get()) != 0) return std::unexpected(last_error("opening the object database"));
  handles::Odb odb(odb_raw);
  git_oid oid = to_oid(id);
  git_odb_object* obj_raw = nullptr;
  if (git_odb_read(&obj_raw, odb_raw, &oid) != 0) return std::unexpected(last_error("reading object " + id.hex()));
  handles::OdbObject obj(obj_raw);
  if (static_cast<int>(git_odb_object_type(obj_raw)) != static_cast<int>(want))
    return fail(Errc::not_found, "object " + id.hex() + " is not a " + git_object_type2string(static_cast<git_object_t>(want)));
  out.assign(static_cast<const char*>(git_odb_object_data(obj_raw)), git_odb_object_size(obj_raw));
  return {};
}

std::string Repository::workdir() const {
  const char* w = git_repository_workdir(repo_.get());
  return w ? w : "";
}

std::string Repository::gitdir() const { return git_repository_path(repo_.get()); }

bool Repository::is_shallow() const { return git_repository_is_shallow(repo_.get()) == 1; }

// git_repository_is_empty in libgit2 1.5 only recognises an unborn "master"; an unborn HEAD
// with no branch at all is what an empty repository is, whatever its default branch is called.
bool Repository::is_empty() const {
  if (git_repository_head_unborn(repo_.get()) != 1) return false;
  git_reference_iterator* it_raw = nullptr;
  if (git_reference_iterator_glob_new(&it_raw, repo_.get(), "refs/heads/*") != 0) return false;
  RefIterPtr it(it_raw);
  git_reference* ref = nullptr;
  if (git_reference_next(&ref, it_raw) == 0) {
    git_reference_free(ref);
    return false;
  }
  return true;
}

std::optional<std::string> Repository::head_upstream() const {
  git_reference* head = nullptr;
  if (git_repository_head(&head, repo_.get()) != 0) return std::nullopt;
  RefPtr h(head);
  if (!git_reference_is_branch(head)) return std::nullopt;
  git_buf buf = GIT_BUF_INIT;
  if (git_branch_upstream_name(&buf, repo_.get(), git_reference_name(head)) != 0) {
    git_buf_dispose(&buf);
    return std::nullopt;
  }
  std::string name(buf.ptr, buf.size);
  git_buf_dispose(&buf);
  // A configured upstream whose ref was never fetched is as good as none.
  git_reference* up = nullptr;
  if (git_reference_lookup(&up, repo_.get(), name.c_str()) != 0) return std::nullopt;
  git_reference_free(up);
  return name;
}

std::optional<std::string> Repository::head_branch() const {
  git_reference* head = nullptr;
  if (git_repository_head(&head, repo_.get()) != 0) return std::nullopt;
  RefPtr h(head);
  if (!git_reference_is_branch(head)) return std::nullopt;
  const char* name = nullptr;
  if (git_branch_name(&name, head) != 0 || !name) return std::nullopt;
  return std::string(name);
}

Result<std::vector<ObjectId>> Repository::commits_in(std::string_view range) const {
  std::vector<ObjectId> out;
  auto r = walk(range, [&out](const ObjectId& id) {
    out.push_back(id);
    return true;
  });
  if (!r) return std::unexpected(r.error());
  return out;
}

// libgit2 1.5 does not know shallow clones: its walk fails at the first absent parent. A
// shallow clone holds little history, so walking it by hand is cheap: everything reachable from
// the hidden tips is excluded, the rest of what the tips reach is the range, and the commits
// listed in .git/shallow end the walk as if they were roots.
Result<std::vector<ObjectId>> Repository::walk_shallow(const std::vector<ObjectId>& tips,
                                                       const std::vector<ObjectId>& hidden) const {
  auto roots = shallow_roots(gitdir());
  using Set = std::unordered_set<ObjectId, ObjectIdHash>;
  auto reach = [&](const std::vector<ObjectId>& from, const Set& stop, std::vector<std::pair<int64_t, ObjectId>>* order,
                   Set& seen) -> Result<void> {
    std::vector<ObjectId> stack(from.begin(), from.end());
    while (!stack.empty()) {
      ObjectId id = stack.back();
      stack.pop_back();
      if (stop.contains(id) || !seen.insert(id).second) continue;
      auto c = commit(id);
      if (!c) return std::unexpected(c.error());
      if (order) order->emplace_back(c->committer.time, id);
      if (roots.contains(id)) continue;
      for (const auto& p : c->parents) stack.push_back(p);
    }
    return {};
  };
  Set excluded;
  if (auto r = reach(hidden, {}, nullptr, excluded); !r) return std::unexpected(r.error());
  Set seen;
  std::vector<std::pair<int64_t, ObjectId>> order;
  if (auto r = reach(tips, excluded, &order, seen); !r) return std::unexpected(r.error());
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<ObjectId> out;
  out.reserve(order.size());
  for (auto& [t, id] : order) out.push_back(id);
  return out;
}

Result<Commit> Repository::commit(const ObjectId& id) const {
  std::string bytes;
  if (reader_ && reader_->read(id, bytes) == detail::ObjectType::commit) {
    if (auto c = detail::parse_commit(id, bytes)) return std::move(*c);
  }
  return commit_from_libgit2(id);
}

Result<Commit> Repository::parse(const RawCommit& raw) const {
  auto c = detail::parse_commit(raw.id, raw.bytes);
  Result<Commit> out = c ? Result<Commit>(std::move(*c)) : commit_from_libgit2(raw.id);
  if (out && !out->parents.empty()) out->first_parent_tree = raw.first_parent_tree;
  return out;
}

Result<Commit> Repository::commit_from_libgit2(const ObjectId& id) const {
  git_oid oid = to_oid(id);
  git_commit* raw = nullptr;
  if (git_commit_lookup(&raw, repo_.get(), &oid) != 0) return unreadable("commit", id);
  CommitPtr c(raw);
  Commit out;
  out.id = id;
  out.tree = from_oid(git_commit_tree_id(raw));
  unsigned n = git_commit_parentcount(raw);
  out.parents.reserve(n);
  for (unsigned i = 0; i < n; ++i) out.parents.push_back(from_oid(git_commit_parent_id(raw, i)));
  out.author = from_sig(git_commit_author(raw));
  out.committer = from_sig(git_commit_committer(raw));
  const char* msg = git_commit_message_raw(raw);
  out.message = msg ? msg : "";
  const char* encoding = git_commit_message_encoding(raw);
  detail::decode_commit_text(out, encoding ? encoding : "");
  return out;
}

namespace {

Result<TreePtr> lookup_tree(git_repository* repo, const ObjectId& id) {
  git_oid oid = to_oid(id);
  git_tree* t = nullptr;
  if (git_tree_lookup(&t, repo, &oid) != 0) return unreadable("tree", id);
  return TreePtr(t);
}

}  // namespace

Result<std::vector<FileDiff>> Repository::diff_trees(const std::optional<ObjectId>& old_tree, const ObjectId& new_tree) const {
  TreePtr a;
  if (old_tree) {
    auto t = lookup_tree(repo_.get(), *old_tree);
    if (!t) return std::unexpected(t.error());
    a = std::move(*t);
  }
  auto b = lookup_tree(repo_.get(), new_tree);
  if (!b) return std::unexpected(b.error());

  git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
  opts.context_lines = 3;
  opts.interhunk_lines = 0;
  opts.flags = GIT_DIFF_NORMAL;
  git_diff* raw = nullptr;
  if (git_diff_tree_to_tree(&raw, repo_.get(), a.get(), b->get(), &opts) != 0) return std::unexpected(last_error("diffing trees"));
  DiffPtr diff(raw);

  std::vector<FileDiff> out;
  size_t n = git_diff_num_deltas(raw);
  out.reserve(n);
  for (size_t d = 0; d < n; ++d) {
    git_patch* praw = nullptr;
    if (git_patch_from_diff(&praw, raw, d) != 0) return std::unexpected(last_error("building patch"));
    PatchPtr patch(praw);
    const git_diff_delta* delta = git_diff_get_delta(raw, d);
    FileDiff f;
    bool added = delta->status == GIT_DELTA_ADDED, deleted = delta->status == GIT_DELTA_DELETED;
    f.old_path = added ? "/dev/null" : delta->old_file.path;
    f.new_path = deleted ? "/dev/null" : delta->new_file.path;
    f.old_mode = added ? 0 : delta->old_file.mode;
    f.new_mode = deleted ? 0 : delta->new_file.mode;
    f.old_blob = from_oid(&delta->old_file.id);
    f.new_blob = from_oid(&delta->new_file.id);
    f.binary = (delta->flags & GIT_DIFF_FLAG_BINARY) != 0;
    if (!praw) {
      out.push_back(std::move(f));
      continue;
    }
    size_t nh = git_patch_num_hunks(praw);
    for (size_t h = 0; h < nh; ++h) {
      size_t nl = 0;
      if (git_patch_get_hunk(nullptr, &nl, praw, h) != 0) return std::unexpected(last_error("reading hunk"));
      Hunk hunk;
      hunk.lines.reserve(nl);
      for (size_t l = 0; l < nl; ++l) {
        const git_diff_line* line = nullptr;
        if (git_patch_get_line_in_hunk(&line, praw, h, l) != 0) return std::unexpected(last_error("reading diff line"));
        char o = line->origin;
        if (o == GIT_DIFF_LINE_CONTEXT_EOFNL || o == GIT_DIFF_LINE_ADD_EOFNL || o == GIT_DIFF_LINE_DEL_EOFNL) continue;
        if (o != ' ' && o != '+' && o != '-') continue;
        hunk.lines.push_back({o, std::string(line->content, line->content_len), line->old_lineno, line->new_lineno});
      }
      f.hunks.push_back(std::move(hunk));
    }
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::vector<FileDiff>> Repository::diff(const Commit& commit) const {
  std::optional<ObjectId> parent_tree = commit.first_parent_tree;
  if (!commit.parents.empty() && !parent_tree) {
    auto p = this->commit(commit.parents.front());
    if (!p) return fail(Errc::not_found, "missing parent " + commit.parents.front().hex() + " of " + commit.id.hex() +
                                             (is_shallow() ? " (shallow clone)" : ""));
    parent_tree = p->tree;
  }
  return diff_trees(parent_tree, commit.tree);
}

Result<std::optional<std::vector<uint32_t>>> Repository::added_lines(const ObjectId& old_blob,
                                                                     const ObjectId& new_blob) const {
  std::string a, b;
  for (auto [id, out] : {std::pair{&old_blob, &a}, std::pair{&new_blob, &b}}) {
    if (id->is_zero()) continue;
    if (auto r = read_object(*id, detail::ObjectType::blob, *out); !r) return unreadable("blob", *id);
  }
  struct Collected {
    std::vector<uint32_t> lines;
    bool binary = false;
  } got;
  git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
  opts.context_lines = 0;
  opts.interhunk_lines = 0;
  auto on_file = [](const git_diff_delta* delta, float, void* payload) -> int {
    if (delta->flags & GIT_DIFF_FLAG_BINARY) static_cast<Collected*>(payload)->binary = true;
    return 0;
  };
  auto on_binary = [](const git_diff_delta*, const git_diff_binary*, void* payload) -> int {
    static_cast<Collected*>(payload)->binary = true;
    return 0;
  };
  auto on_line = [](const git_diff_delta*, const git_diff_hunk*, const git_diff_line* line, void* payload) -> int {
    if (line->origin == GIT_DIFF_LINE_ADDITION && line->new_lineno > 0)
      static_cast<Collected*>(payload)->lines.push_back(static_cast<uint32_t>(line->new_lineno));
    return 0;
  };
  // Buffers, not blobs: a diff of blobs looks up .gitattributes in the work tree for every call.
  // An absent side is a null buffer (not an empty one), as a missing blob was before.
  const char* da = old_blob.is_zero() ? nullptr : a.data();
  const char* db = new_blob.is_zero() ? nullptr : b.data();
  if (git_diff_buffers(da, a.size(), nullptr, db, b.size(), nullptr, &opts, on_file, on_binary, nullptr, on_line, &got) != 0)
    return std::unexpected(last_error("diffing blobs"));
  if (got.binary) return std::optional<std::vector<uint32_t>>{};
  return std::optional<std::vector<uint32_t>>(std::move(got.lines));
}

namespace {

// A notes ref must name a commit (whose tree holds the notes). One that names a blob, tree or tag
// makes libgit2 fail with "invalid argument: 'commit'"; this says which ref and how to repair it.
Result<void> check_notes_ref(git_repository* repo, const std::string& ref) {
  git_reference* raw = nullptr;
  if (git_reference_lookup(&raw, repo, ref.c_str()) != 0) return {};
  handles::Reference r(raw);
  git_reference* resolved_raw = nullptr;
  if (git_reference_resolve(&resolved_raw, raw) != 0) return {};  // a symbolic ref to nothing: no notes
  handles::Reference resolved(resolved_raw);
  const git_oid* target = git_reference_target(resolved_raw);
  git_odb* odb_raw = nullptr;
  if (!target || git_repository_odb(&odb_raw, repo) != 0) return {};
  handles::Odb odb(odb_raw);
  size_t size = 0;
  git_object_t type = GIT_OBJECT_INVALID;
  if (git_odb_read_header(&size, &type, odb_raw, target) != 0) return {};  // missing: libgit2 says so
  if (type == GIT_OBJECT_COMMIT) return {};
  std::string hex = from_oid(target).hex();
  return fail(Errc::git, ref + " points at a " + git_object_type2string(type) + " (" + hex +
                             "), not a notes commit, so no note on it can be read; point it at a notes commit "
                             "(git update-ref " + ref + " <commit>) or delete it (git update-ref -d " + ref + ")");
}

}  // namespace

Result<std::optional<std::string>> Repository::note(std::string_view notes_ref, const ObjectId& id) const {
  std::string ref(notes_ref);
  if (auto ok = check_notes_ref(repo_.get(), ref); !ok) return std::unexpected(ok.error());
  git_oid oid = to_oid(id);
  git_note* raw = nullptr;
  int rc = git_note_read(&raw, repo_.get(), ref.c_str(), &oid);
  if (rc == GIT_ENOTFOUND) return std::optional<std::string>{};
  if (rc != 0) return std::unexpected(last_error("reading note on " + ref));
  NotePtr n(raw);
  const char* msg = git_note_message(raw);
  return std::optional<std::string>(msg ? msg : "");
}

Result<std::vector<std::pair<ObjectId, ObjectId>>> Repository::notes(std::string_view notes_ref) const {
  std::string ref(notes_ref);
  std::vector<std::pair<ObjectId, ObjectId>> out;
  git_reference* r = nullptr;
  if (git_reference_lookup(&r, repo_.get(), ref.c_str()) != 0) return out;
  git_reference_free(r);
  if (auto ok = check_notes_ref(repo_.get(), ref); !ok) return std::unexpected(ok.error());
  git_note_iterator* it_raw = nullptr;
  int rc = git_note_iterator_new(&it_raw, repo_.get(), ref.c_str());
  if (rc == GIT_ENOTFOUND) return out;
  if (rc != 0) return std::unexpected(last_error("listing notes on " + ref));
  NoteIterPtr it(it_raw);
  git_oid note_id, annotated;
  while ((rc = git_note_next(&note_id, &annotated, it_raw)) == 0) out.emplace_back(from_oid(&annotated), from_oid(&note_id));
  if (rc != GIT_ITEROVER) return std::unexpected(last_error("listing notes on " + ref));
  return out;
}

Result<std::string> Repository::blob(const ObjectId& id) const {
  std::string out;
  if (auto r = read_object(id, detail::ObjectType::blob, out); !r) return unreadable("blob", id);
  return out;
}

Result<uint64_t> Repository::object_size(const ObjectId& id) const {
  if (reader_)
    if (auto size = reader_->size_of(id)) return *size;
  git_odb* odb_raw = nullptr;
  if (git_repository_odb(&odb_raw, repo_.get()) != 0) return std::unexpected(last_error("opening the object database"));
  handles::Odb odb(odb_raw);
  git_oid oid = to_oid(id);
  size_t size = 0;
  git_object_t type = GIT_OBJECT_INVALID;
  if (git_odb_read_header(&size, &type, odb_raw, &oid) != 0) return std::unexpected(last_error("reading object " + id.hex()));
  return size;
}

Result<std::optional<std::string>> Repository::file_at(const ObjectId& commit_id, std::string_view path) const {
  auto c = commit(commit_id);
  if (!c) return std::unexpected(c.error());
  auto tree = lookup_tree(repo_.get(), c->tree);
  if (!tree) return std::unexpected(tree.error());
  git_tree_entry* raw = nullptr;
  std::string p(path);
  if (git_tree_entry_bypath(&raw, tree->get(), p.c_str()) != 0) return std::optional<std::string>{};
  EntryPtr e(raw);
  if (git_tree_entry_type(raw) != GIT_OBJECT_BLOB) return std::optional<std::string>{};
  auto b = blob(from_oid(git_tree_entry_id(raw)));
  if (!b) return std::unexpected(b.error());
  return std::optional<std::string>(std::move(*b));
}

std::optional<std::string> Repository::config(const std::string& key) const {
  git_config* raw = nullptr;
  if (git_repository_config_snapshot(&raw, repo_.get()) != 0) return std::nullopt;
  handles::Config cfg(raw);
  const char* value = nullptr;
  if (git_config_get_string(&value, raw, key.c_str()) != 0 || !value) return std::nullopt;
  return std::string(value);
}

Result<std::optional<ObjectId>> Repository::reference(std::string_view name) const {
  std::string n(name);
  git_oid oid;
  int rc = git_reference_name_to_id(&oid, repo_.get(), n.c_str());
  if (rc == GIT_ENOTFOUND) return std::optional<ObjectId>{};
  if (rc != 0) return std::unexpected(last_error("reading reference " + n));
  return std::optional<ObjectId>(from_oid(&oid));
}

}  // namespace cs::git
