#include "cli/trusted_policy.h"

#include <filesystem>

#include "countersign/gate/gate.h"
#include "countersign/git/git.h"
#include "countersign/git/light_trust.h"
#include "countersign/policy/policy.h"

namespace cs::cli {
namespace {

constexpr std::string_view kGuardFile = ".countersign/guard.yaml";

// The three files the gate reads on the default branch (policy and people: choose_trust_root reads
// them for the protected branches) and the guard's own; nullopt when the light reader cannot.
std::optional<guard::TrustedConfig> read_light(git::LightRepository& repo, const git::LightRoot& root) {
  guard::TrustedConfig out;
  out.revision = root.ref;
  out.reader = "countersign's ref and object reader";
  for (std::string_view path : {policy::kPolicyFile, policy::kPeopleFile, kGuardFile}) {
    auto text = repo.file_at(root.commit, path);
    if (!text) return std::nullopt;
    if (!*text || path == policy::kPeopleFile) continue;
    guard::TrustedPolicy file{root.ref + ":" + std::string(path), std::move(**text)};
    (path == kGuardFile ? out.guard : out.policy) = std::move(file);
  }
  return out;
}

guard::TrustedConfig read_libgit2(const std::string& project_dir) {
  guard::TrustedConfig out;
  auto repo = git::Repository::open(project_dir);
  if (!repo) return out;
  auto root = gate::choose_trust_root(*repo, gate::TrustQuery{});
  if (!root || !root->commit) {
    // No branch changes go into (nothing recorded, nothing named): the built-in names and no
    // allow-list. A repository git cannot read is not that: nothing is allowed until it is fixed.
    if (!root && root.error().code == Errc::git) out.error = root.error().message;
    return out;
  }
  out.revision = root->ref;
  out.reader = "libgit2";
  for (std::string_view path : {policy::kPolicyFile, kGuardFile}) {
    auto text = repo->file_at(*root->commit, path);
    if (!text) {
      out.error = root->ref + ":" + std::string(path) + ": " + text.error().message;
      return out;
    }
    if (!*text) continue;
    guard::TrustedPolicy file{root->ref + ":" + std::string(path), std::move(**text)};
    (path == kGuardFile ? out.guard : out.policy) = std::move(file);
  }
  return out;
}

}  // namespace

guard::TrustedConfig trusted_guard_config(const std::string& project_dir) {
  // Opening a repository starts libgit2 (milliseconds: its TLS set-up reads the CA bundle); a
  // project directory without .git has none to open.
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::path(project_dir) / ".git", ec)) return {};
  std::string why;
  if (auto light = git::LightRepository::open(project_dir, why)) {
    auto root = light->trust_root();
    if (root.outcome == git::LightRoot::Outcome::none) return {};
    if (root.outcome == git::LightRoot::Outcome::found)
      if (auto read = read_light(*light, root)) return std::move(*read);
  }
  return read_libgit2(project_dir);
}

std::optional<guard::TrustedPolicy> trusted_guard_policy(const std::string& project_dir) {
  auto config = trusted_guard_config(project_dir);
  return config.policy;
}

}  // namespace cs::cli
