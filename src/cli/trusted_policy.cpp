#include "cli/trusted_policy.h"

#include <filesystem>

#include "countersign/gate/gate.h"
#include "countersign/git/git.h"
#include "countersign/policy/policy.h"

namespace cs::cli {

std::optional<guard::TrustedPolicy> trusted_guard_policy(const std::string& project_dir) {
  // Opening a repository starts libgit2 (milliseconds: its TLS set-up reads the CA bundle); a
  // project directory without .git has none to open.
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::path(project_dir) / ".git", ec)) return std::nullopt;
  auto repo = git::Repository::open(project_dir);
  if (!repo) return std::nullopt;
  auto root = gate::choose_trust_root(*repo, gate::TrustQuery{});
  if (!root || !root->commit) return std::nullopt;
  auto text = repo->file_at(*root->commit, policy::kPolicyFile);
  if (!text || !*text) return std::nullopt;
  return guard::TrustedPolicy{root->ref + ":" + std::string(policy::kPolicyFile), std::move(**text)};
}

}  // namespace cs::cli
