// Revision names as git reads them, refusing those that could mean more than one ref; remotes and
// their default branches; ancestry. The gate chooses the revision it trusts with these, so a name
// the candidate can shadow (a tag named origin/main) must never quietly mean something else.
#include <git2.h>

#include <algorithm>
#include <fstream>
#include <unordered_set>

#include "countersign/git/git.h"
#include "countersign/git/handles.h"
#include "countersign/git/loose_guard.h"

namespace cs::git {
namespace {

// Where the ref name of a revision ends: at its first ~, ^, : or @{ (none of which a ref name
// may hold). "@" alone is HEAD.
std::string_view name_part(std::string_view revision) {
  size_t end = revision.size();
  for (size_t i = 0; i < revision.size(); ++i) {
    char c = revision[i];
    if (c == '~' || c == '^' || c == ':' || (c == '@' && i + 1 < revision.size() && revision[i + 1] == '{')) {
      end = i;
      break;
    }
  }
  return revision.substr(0, end);
}

bool is_pseudo_ref(std::string_view name) {
  return !name.empty() &&
         std::all_of(name.begin(), name.end(), [](char c) { return (c >= 'A' && c <= 'Z') || c == '_'; });
}

bool looks_like_object_id(std::string_view name) {
  return name.size() >= 4 && name.size() <= 40 &&
         std::all_of(name.begin(), name.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool ref_exists(git_repository* repo, const std::string& name) {
  git_reference* ref = nullptr;
  if (git_reference_lookup(&ref, repo, name.c_str()) != 0) return false;
  handles::Reference owned(ref);
  return true;
}

// The refs a short name can mean, in git's order (refs.c ref_rev_parse_rules), that exist.
std::vector<std::string> refs_named(git_repository* repo, std::string_view name) {
  std::string n(name);
  std::vector<std::string> out;
  const std::string rules[] = {
      is_pseudo_ref(n) ? n : std::string(), "refs/" + n, "refs/tags/" + n, "refs/heads/" + n, "refs/remotes/" + n,
      "refs/remotes/" + n + "/HEAD"};
  for (const auto& r : rules)
    if (!r.empty() && ref_exists(repo, r)) out.push_back(r);
  return out;
}

bool object_prefix_exists(git_repository* repo, std::string_view hex) {
  git_oid oid;
  if (git_oid_fromstrn(&oid, hex.data(), hex.size()) != 0) return false;
  git_object* obj = nullptr;
  int rc = git_object_lookup_prefix(&obj, repo, &oid, hex.size(), GIT_OBJECT_ANY);
  handles::Object owned(obj);
  return rc == 0 || rc == GIT_EAMBIGUOUS;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

Result<std::optional<std::string>> Repository::ref_of(std::string_view revision) const {
  std::string_view name = name_part(revision);
  if (name.empty() || name == "@") return std::optional<std::string>("HEAD");
  if (name.starts_with("refs/")) {
    if (ref_exists(repo_.get(), std::string(name))) return std::optional<std::string>(std::string(name));
    return std::optional<std::string>();
  }
  auto candidates = refs_named(repo_.get(), name);
  if (looks_like_object_id(name) && !candidates.empty() && object_prefix_exists(repo_.get(), name))
    candidates.push_back("the object " + std::string(name));
  if (candidates.size() > 1)
    return fail(Errc::invalid_argument, "ambiguous revision name '" + std::string(name) + "': it could mean " +
                                            join(candidates) + "; name the one you mean in full (e.g. " +
                                            candidates.front() + ")");
  if (candidates.empty()) return std::optional<std::string>();
  return std::optional<std::string>(candidates.front());
}

Result<ObjectId> Repository::resolve(std::string_view revision) const {
  auto ref = ref_of(revision);
  if (!ref) return std::unexpected(ref.error());
  std::string spec(revision);
  // Spelled in full, so that libgit2 reads the ref that was checked, whatever its own rules.
  std::string_view name = name_part(revision);
  if (*ref && !name.empty() && name != "@") spec = **ref + std::string(revision.substr(name.size()));
  git_object* obj = nullptr;
  if (git_revparse_single(&obj, repo_.get(), spec.c_str()) != 0) {
    if (auto damage = detail::reported_damage()) return fail(Errc::git, "cannot resolve " + spec + ": " + *damage);
    return fail(Errc::not_found, "unknown revision: " + std::string(revision));
  }
  handles::Object owned(obj);
  git_object* peeled = nullptr;
  if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) != 0)
    return fail(Errc::invalid_argument, "revision does not name a commit: " + std::string(revision));
  handles::Object owned_peeled(peeled);
  return from_oid(git_object_id(peeled));
}

// remote.<name>.url entries of the configuration, read without git_remote_list: that matches
// names with a regular expression, and libgit2 1.5's pcre2 matching leaks its match data.
std::vector<std::string> Repository::remotes() const {
  std::vector<std::string> out;
  git_config* raw = nullptr;
  if (git_repository_config_snapshot(&raw, repo_.get()) != 0) return out;
  handles::Config cfg(raw);
  git_config_iterator* it = nullptr;
  if (git_config_iterator_new(&it, raw) != 0) return out;
  std::unique_ptr<git_config_iterator, handles::Freer<git_config_iterator, git_config_iterator_free>> owned(it);
  git_config_entry* entry = nullptr;
  while (git_config_next(&entry, it) == 0) {
    std::string_view name = entry->name;  // lower-cased section and key: remote.<name>.url
    if (!name.starts_with("remote.") || !name.ends_with(".url") || name.size() <= 11) continue;
    std::string remote(name.substr(7, name.size() - 11));
    if (std::find(out.begin(), out.end(), remote) == out.end()) out.push_back(std::move(remote));
  }
  return out;
}

std::optional<std::string> Repository::remote_default_branch(std::string_view remote) const {
  std::string head = "refs/remotes/" + std::string(remote) + "/HEAD";
  git_reference* ref = nullptr;
  if (git_reference_lookup(&ref, repo_.get(), head.c_str()) != 0) return std::nullopt;
  handles::Reference owned(ref);
  if (git_reference_type(ref) != GIT_REFERENCE_SYMBOLIC) return std::nullopt;
  std::string_view target = git_reference_symbolic_target(ref);
  std::string prefix = "refs/remotes/" + std::string(remote) + "/";
  if (!target.starts_with(prefix) || target.size() == prefix.size()) return std::nullopt;
  return std::string(target.substr(prefix.size()));
}

std::optional<std::string> Repository::branch_remote(std::string_view branch) const {
  auto r = config("branch." + std::string(branch) + ".remote");
  if (!r || r->empty() || *r == ".") return std::nullopt;
  return r;
}

Result<bool> Repository::is_ancestor(const ObjectId& ancestor, const ObjectId& of) const {
  if (ancestor == of) return true;
  git_oid a = to_oid(ancestor), b = to_oid(of);
  int rc = git_graph_descendant_of(repo_.get(), &b, &a);
  if (rc < 0) return std::unexpected(last_error("is " + ancestor.hex() + " an ancestor of " + of.hex()));
  return rc == 1;
}

Result<std::vector<ObjectId>> Repository::reachable_only(const ObjectId& tip, std::span<const ObjectId> hidden) const {
  git_revwalk* raw = nullptr;
  if (git_revwalk_new(&raw, repo_.get()) != 0) return std::unexpected(last_error("walking " + tip.hex()));
  std::unique_ptr<git_revwalk, handles::Freer<git_revwalk, git_revwalk_free>> walk(raw);
  git_oid t = to_oid(tip);
  if (git_revwalk_push(raw, &t) != 0) return std::unexpected(last_error("walking " + tip.hex()));
  for (const auto& h : hidden) {
    git_oid o = to_oid(h);
    if (git_revwalk_hide(raw, &o) != 0)
      return std::unexpected(last_error("walking " + tip.hex() + " without " + h.hex()));
  }
  std::vector<ObjectId> out;
  git_oid id;
  int rc;
  while ((rc = git_revwalk_next(&id, raw)) == 0) out.push_back(from_oid(&id));
  if (rc != GIT_ITEROVER) return std::unexpected(last_error("walking " + tip.hex()));
  return out;
}

Result<Repository::RangeEnds> Repository::range_ends(std::string_view range) const {
  if (is_empty()) return fail(Errc::not_found, "the repository has no commits yet");
  return range_tips(range);
}

std::vector<ObjectId> Repository::shallow_boundary() const {
  std::vector<ObjectId> out;
  std::ifstream in(gitdir() + "/shallow");
  std::string line;
  while (std::getline(in, line))
    if (auto id = ObjectId::from_hex(line)) out.push_back(*id);
  return out;
}

}  // namespace cs::git
