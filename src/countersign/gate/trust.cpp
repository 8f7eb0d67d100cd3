#include "countersign/gate/trust.h"

#include <git2.h>

namespace cs::gate::detail {
namespace {

// The upstream (full ref name) of a local branch given by short or full name, when configured
// and fetched. libgit2 is used directly: git::Repository only knows HEAD's upstream.
std::optional<std::string> upstream_of(const git::Repository& repo, const std::string& target) {
  if (target.empty() || target == "HEAD") return repo.head_upstream();
  std::string full = target.starts_with("refs/heads/") ? target : "refs/heads/" + target;
  if (auto ref = repo.reference(full); !ref || !*ref) return std::nullopt;
  git_buf buf = GIT_BUF_INIT;
  if (git_branch_upstream_name(&buf, repo.raw(), full.c_str()) != 0) {
    git_buf_dispose(&buf);
    return std::nullopt;
  }
  std::string name(buf.ptr, buf.size);
  git_buf_dispose(&buf);
  if (auto ref = repo.reference(name); !ref || !*ref) return std::nullopt;  // configured, never fetched
  return name;
}

Result<TrustRoot> at(const git::Repository& repo, std::string ref, std::string source) {
  auto id = repo.resolve(ref);
  if (!id) return fail(id.error().code, "trusted revision: " + id.error().message);
  return TrustRoot{std::move(ref), std::move(source), *id, false, false};
}

}  // namespace

Result<TrustRoot> choose_trust_root(const git::Repository& repo, const std::string& range,
                                    const std::optional<std::string>& trusted_ref) {
  if (trusted_ref) return at(repo, *trusted_ref, "--trusted-ref");
  if (range == "--all") return TrustRoot{"", "none", std::nullopt, false, false};

  std::string left, target;
  bool two_sided = false;
  if (auto dots = range.find(".."); dots != std::string::npos) {
    if (range.compare(dots, 3, "...") == 0)
      return fail(Errc::invalid_argument,
                  "a symmetric range (" + range + ") has candidate commits on both sides: name the trusted revision "
                  "with --trusted-ref");
    two_sided = true;
    left = range.substr(0, dots);
    target = range.substr(dots + 2);
    if (left.empty()) left = "HEAD";
  } else {
    target = range;
  }
  if (auto up = upstream_of(repo, target.empty() ? "HEAD" : target))
    return at(repo, *up, "upstream of " + (target.empty() ? std::string("HEAD") : target));
  if (two_sided) return at(repo, left, "left side of the range");
  return TrustRoot{"", "none", std::nullopt, false, false};
}

}  // namespace cs::gate::detail
