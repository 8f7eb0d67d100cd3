#include "cli/trusted_policy.h"

#include "countersign/gate/gate.h"
#include "countersign/git/git.h"
#include "countersign/policy/policy.h"

namespace cs::cli {

std::optional<guard::TrustedPolicy> trusted_guard_policy(const std::string& project_dir) {
  auto repo = git::Repository::open(project_dir);
  if (!repo) return std::nullopt;
  auto root = gate::choose_trust_root(*repo, gate::TrustQuery{});
  if (!root || !root->commit) return std::nullopt;
  auto text = repo->file_at(*root->commit, policy::kPolicyFile);
  if (!text || !*text) return std::nullopt;
  return guard::TrustedPolicy{root->ref + ":" + std::string(policy::kPolicyFile), std::move(**text)};
}

}  // namespace cs::cli
