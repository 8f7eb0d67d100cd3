// The one rule for the revision policy and people are read from (docs/policy.md "Trust root"):
// --trusted-ref, else the deployed revision of the deploy form, else the branch the change goes
// into. Never the candidate's branch or its upstream, never a revision holding a commit of the
// range, never an ambiguous name; when none can be found, the gate errors and says what to pass.
#include "countersign/gate/trust.h"

#include <algorithm>

namespace cs::gate {
namespace {

constexpr std::string_view kUnshallow =
    "git fetch --unshallow origin (or fetch the trusted branch and the candidate with their whole history)";
constexpr std::string_view kPassTrustedRef =
    "pass --trusted-ref naming the branch the change goes into (e.g. --trusted-ref refs/remotes/origin/main), or "
    "--into BRANCH";

Result<TrustRoot> at(const git::Repository& repo, std::string ref, std::string source) {
  auto id = repo.resolve(ref);
  if (!id) return fail(id.error().code, "trusted revision " + ref + ": " + id.error().message);
  TrustRoot root;
  root.ref = std::move(ref);
  root.source = std::move(source);
  root.commit = *id;
  return root;
}

// The remote a change is headed for: its branch's remote, else origin, else the only one.
std::optional<std::string> remote_of(const git::Repository& repo, const std::optional<std::string>& branch) {
  auto remotes = repo.remotes();
  if (branch)
    if (auto r = repo.branch_remote(*branch); r && std::find(remotes.begin(), remotes.end(), *r) != remotes.end())
      return r;
  if (std::find(remotes.begin(), remotes.end(), "origin") != remotes.end()) return "origin";
  if (remotes.size() == 1) return remotes.front();
  return std::nullopt;
}

struct DefaultBranch {
  std::string name;  // "main"
  std::string why;   // how it was found
};

// The remote's default branch (refs/remotes/<remote>/HEAD); without one recorded, a main or
// master the remote has; with no remote, the local main or master.
std::optional<DefaultBranch> default_branch(const git::Repository& repo, const std::optional<std::string>& remote) {
  auto has = [&](const std::string& ref) {
    auto r = repo.reference(ref);
    return r && *r;
  };
  if (remote) {
    if (auto b = repo.remote_default_branch(*remote))
      return DefaultBranch{*b, "the default branch of " + *remote + " (refs/remotes/" + *remote + "/HEAD)"};
    // Not guessed from the branch names the remote has: anyone who can push can make a main.
    return std::nullopt;
  }
  if (auto b = repo.config("init.defaultBranch"); b && !b->empty() && has("refs/heads/" + *b))
    return DefaultBranch{*b, "no remote; init.defaultBranch"};
  for (const char* b : {"main", "master"})
    if (has(std::string("refs/heads/") + b)) return DefaultBranch{b, std::string("no remote; the local branch ") + b};
  return std::nullopt;
}

// The branch a ref name is, for a remote or local branch ref: refs/remotes/origin/main → main.
std::optional<std::string> branch_name(const std::string& ref, const std::optional<std::string>& remote) {
  if (ref.starts_with("refs/heads/")) return ref.substr(11);
  if (remote) {
    std::string prefix = "refs/remotes/" + *remote + "/";
    if (ref.starts_with(prefix) && !ref.ends_with("/HEAD")) return ref.substr(prefix.size());
  }
  return std::nullopt;
}

std::string left_side(std::string_view range) {
  auto dots = range.find("..");
  if (dots == std::string_view::npos) return {};
  std::string left(range.substr(0, dots));
  return left.empty() ? "HEAD" : left;
}

std::optional<std::string> candidate_branch(const git::Repository& repo, std::string_view range) {
  std::string right(range);
  if (auto dots = range.find(".."); dots != std::string_view::npos)
    right = std::string(range.substr(dots + (range.compare(dots, 3, "...") == 0 ? 3 : 2)));
  if (right.empty() || right == "HEAD") return repo.head_branch();
  auto ref = repo.ref_of(right);
  if (ref && *ref && (*ref)->starts_with("refs/heads/")) return (*ref)->substr(11);
  return std::nullopt;
}

}  // namespace

Result<TrustRoot> choose_trust_root(const git::Repository& repo, const TrustQuery& q) {
  if (q.trusted_ref) return at(repo, *q.trusted_ref, "--trusted-ref");
  if (q.deployed) return at(repo, *q.deployed, "the deployed revision (deploy form)");

  auto remote = remote_of(repo, candidate_branch(repo, q.range));
  auto def = default_branch(repo, remote);
  if (!def && q.into && remote) {
    // The clone does not record the remote's default branch (a CI checkout made with git fetch):
    // the branch the CI names is taken as given.
    std::string ref = "refs/remotes/" + *remote + "/" + *q.into;
    if (auto r = repo.reference(ref); r && *r)
      return at(repo, ref, "the branch the change goes into: " + *q.into + " (--into; refs/remotes/" + *remote +
                               "/HEAD is not recorded, so protected branches cannot be read)");
    return fail(Errc::not_found, "--into " + *q.into + ": " + ref + " is not in this clone: git fetch " + *remote + " " +
                                     *q.into);
  }
  if (!def)
    return fail(Errc::invalid_argument,
                "no trusted revision: " +
                    (remote ? "this clone does not record the default branch of " + *remote + " (refs/remotes/" +
                                  *remote + "/HEAD: git fetch " + *remote + " and git remote set-head " + *remote +
                                  " --auto record it; it is not guessed from the branch names, which anyone can push)"
                            : std::string("there is no remote and no local main or master branch")) +
                    "; " + std::string(kPassTrustedRef));
  auto ref_for = [&](const std::string& branch) -> std::optional<std::string> {
    auto has = [&](const std::string& ref) {
      auto r = repo.reference(ref);
      return r && *r;
    };
    if (remote && has("refs/remotes/" + *remote + "/" + branch)) return "refs/remotes/" + *remote + "/" + branch;
    if (has("refs/heads/" + branch)) return "refs/heads/" + branch;
    return std::nullopt;
  };
  auto default_ref = ref_for(def->name);
  if (!default_ref) return fail(Errc::not_found, "the default branch " + def->name + " is not in this clone");

  // Which branches are protected is itself read from the default branch, never from the candidate.
  policy::Branches protected_branches;
  if (auto id = repo.resolve(*default_ref)) {
    auto loaded = policy::load_from_revision(repo, *id, *default_ref);
    if (!loaded) return std::unexpected(loaded.error());
    protected_branches = loaded->policy.branches;
  } else {
    return std::unexpected(id.error());
  }
  auto is_protected = [&](const std::string& b) { return b == def->name || protected_branches.is_protected(b); };

  std::string target = def->name, why = def->why;
  if (q.into) {
    if (!is_protected(*q.into))
      return fail(Errc::invalid_argument, "--into " + *q.into + ": not a protected branch (the default branch " +
                                              def->name + ", or branches.protected in the policy on " + *default_ref +
                                              "); the gate only trusts the branch a change goes into");
    target = *q.into;
    why = "--into";
  } else if (auto left = left_side(q.range); !left.empty()) {
    auto ref = repo.ref_of(left);
    if (!ref) return std::unexpected(ref.error());
    if (*ref)
      if (auto b = branch_name(**ref, remote); b && *b != def->name && is_protected(*b)) {
        target = *b;
        why = "the left side of the range is the protected branch " + *b;
      }
  }
  auto trusted = ref_for(target);
  if (!trusted)
    return fail(Errc::not_found, "the branch the change goes into, " + target + ", is not in this clone: git fetch " +
                                     remote.value_or("origin") + " " + target + "; or " + std::string(kPassTrustedRef));
  return at(repo, *trusted, "the branch the change goes into: " + target + " (" + why + ")");
}

namespace detail {

Result<CommitSet> trusted_history_in_reach(const git::Repository& repo, const TrustRoot& root, std::string_view range) {
  CommitSet out;
  if (!root.commit) return out;
  auto ends = repo.range_ends(range);
  if (!ends) return std::unexpected(ends.error());
  // The trusted revision is a hidden end (origin/main..HEAD, the deploy form): the range holds
  // nothing it holds. Otherwise its commits that no hidden end reaches are those the range could.
  if (std::find(ends->hidden.begin(), ends->hidden.end(), *root.commit) != ends->hidden.end()) return out;
  auto only = repo.reachable_only(*root.commit, ends->hidden);
  if (!only) return std::unexpected(only.error());
  out.insert(only->begin(), only->end());
  return out;
}

Error contains_range_commit(const TrustRoot& root, std::string_view range, const git::ObjectId& commit) {
  return Error{Errc::invalid_argument,
               "the trusted revision " + root.ref + " (" + root.source + ") already contains commit " +
                   commit.hex().substr(0, 12) + " of the range " + std::string(range) +
                   ": policy and people must come from a revision without the change; check only what the change "
                   "adds (" +
                   root.ref +
                   "..<candidate>), use the deploy form (--deployed), or pass --trusted-ref "
                   "naming a revision from before it",
               {}};
}

Error shallow_cut(std::string_view range, const git::ObjectId& commit) {
  return Error{Errc::invalid_argument,
               "this clone is shallow and the range " + std::string(range) + " reaches its cut at commit " +
                   commit.hex().substr(0, 12) +
                   ": the commits before it are missing, so the range may hold more than can be checked; " +
                   std::string(kUnshallow),
               {}};
}

Result<void> check_complete(const git::Repository& repo, const TrustRoot& root, std::string_view range,
                            std::span<const git::ObjectId> walked) {
  auto boundary = repo.shallow_boundary();
  for (const auto& id : walked)
    if (std::find(boundary.begin(), boundary.end(), id) != boundary.end())
      return std::unexpected(shallow_cut(range, id));
  if (!walked.empty()) return {};
  auto ends = repo.range_ends(range);
  if (!ends) return std::unexpected(ends.error());
  for (const auto& tip : ends->tips) {
    auto in = repo.is_ancestor(tip, *root.commit);
    if (in && *in) continue;
    std::string why =
        in ? "but " + tip.hex().substr(0, 12) + " is not in the trusted revision " + root.ref +
                 ": the range does not cover what the candidate adds (check " + root.ref + ".." +
                 tip.hex().substr(0, 12) + ")"
           : "and whether the candidate adds anything to " + root.ref + " cannot be told (" + in.error().message + ")";
    if (!boundary.empty()) why += "; this clone is shallow: " + std::string(kUnshallow);
    return fail(Errc::invalid_argument, "the range " + std::string(range) + " has no commits, " + why);
  }
  return {};
}

Result<std::optional<Widened>> widened_range(const git::Repository& repo, const TrustRoot& root, std::string_view range) {
  auto ends = repo.range_ends(range);
  if (!ends) return std::unexpected(ends.error());
  std::optional<git::ObjectId> outside;  // a hidden end the trusted revision does not hold
  for (const auto& h : ends->hidden) {
    auto in = repo.is_ancestor(h, *root.commit);
    if (!in) return std::unexpected(in.error());
    if (!*in) {
      outside = h;
      break;
    }
  }
  if (!outside) return std::optional<Widened>{};
  std::string why = "the range " + std::string(range) + " leaves out what its tip carries beyond the trusted revision " +
                    root.ref + ": " + outside->hex().substr(0, 12) + " is not in " + root.ref;
  if (ends->tips.size() != 1) {
    std::string instead;
    for (const auto& t : ends->tips) instead += (instead.empty() ? "" : ", ") + root.ref + ".." + t.hex().substr(0, 12);
    return fail(Errc::invalid_argument, why + "; check each tip against it instead (" + instead + ")");
  }
  const auto& tip = ends->tips.front();
  std::string right(range);
  if (auto dots = range.find(".."); dots != std::string_view::npos)
    right = std::string(range.substr(dots + (range.compare(dots, 3, "...") == 0 ? 3 : 2)));
  if (right.empty()) right = "HEAD";
  Widened w;
  w.range = root.commit->hex() + ".." + tip.hex();
  w.shown = root.ref + ".." + right;
  w.note = why + ", so every commit it would deploy is checked: " + w.shown;
  return std::optional<Widened>{std::move(w)};
}

}  // namespace detail

Result<void> refuse_if_contains(const git::Repository& repo, const TrustRoot& root, std::string_view range) {
  auto reach = detail::trusted_history_in_reach(repo, root, range);
  if (!reach) return std::unexpected(reach.error());
  if (reach->empty()) return {};
  std::optional<git::ObjectId> hit;
  auto walked = repo.walk(range, [&](const git::ObjectId& id) {
    if (reach->contains(id)) hit = id;
    return !hit;
  });
  if (!walked) return std::unexpected(walked.error());
  if (hit) return std::unexpected(detail::contains_range_commit(root, range, *hit));
  return {};
}

}  // namespace cs::gate
