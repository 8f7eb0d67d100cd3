#include "cli/command_release.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "countersign/gate/gate.h"
#include "countersign/git/git.h"

namespace cs::cli {
namespace {

void add_login(std::vector<signoff::Excluded>& out, const std::string& name) {
  if (name.empty()) return;
  for (const auto& x : out)
    if (x.name == name) return;
  out.push_back({"operator", "", name});
}

guard::CommandRelease refused(std::string why) {
  return {false, {}, {}, std::move(why)};
}

}  // namespace

std::vector<signoff::Excluded> operators_here(const std::string& project_dir, const std::string& request_operator) {
  std::vector<signoff::Excluded> out;
  if (const auto* pw = ::getpwuid(::getuid()); pw && pw->pw_name) add_login(out, pw->pw_name);
  for (const char* var : {"USER", "LOGNAME"})
    if (const char* v = std::getenv(var)) add_login(out, v);
  add_login(out, request_operator);
  if (!project_dir.empty())
    if (auto repo = git::Repository::open(project_dir))
      if (auto email = repo->config("user.email"); email && !email->empty()) out.push_back({"operator", *email, ""});
  return out;
}

guard::CommandRelease release_held_command(const std::string& project_dir, const guard::CommandRequest& request,
                                           const std::vector<std::string>& approvals, const guard::ApprovalUsed& used) {
  std::error_code ec;
  if (project_dir.empty() || !std::filesystem::exists(std::filesystem::path(project_dir) / ".git", ec))
    return refused(
        "the command runs outside a git repository, so there is no trusted people directory to check "
        "the approvals against");
  auto repo = git::Repository::open(project_dir);
  if (!repo) return refused(repo.error().message);
  const auto now = static_cast<int64_t>(std::time(nullptr));
  auto operators = operators_here(project_dir, request.operator_);
  // The administrator's people directory, where there is one, is the only anchor: the agent's
  // account can make a repository whose "trusted revision" lists its own key as a senior.
  auto system = signoff::load_system_trust(kSystemTrustDir, *repo, now);
  if (!system) return refused(system.error().message);
  if (*system) {
    const auto& t = **system;
    if (t.trust.people.empty()) return refused(std::string(kSystemTrustDir) + "/people.yaml lists nobody");
    auto check = signoff::check_command_approvals(t.trust, approvals, request.id, request.binding, operators,
                                                  t.command_rules, t.one_person_many_roles, used);
    guard::CommandRelease out{check.released, check.approvers, check.uses, {}};
    for (const auto& r : check.refusals) out.reason += (out.reason.empty() ? "" : "; ") + r;
    if (!check.released) out.reason += " (people from " + std::string(kSystemTrustDir) + ")";
    return out;
  }
  auto root = gate::choose_trust_root(*repo, gate::TrustQuery{});
  if (!root || !root->commit)
    return refused("no trusted revision: " + (root ? std::string("none found") : root.error().message));
  auto trusted = signoff::load_trusted(*repo, root->ref, now);
  if (!trusted) return refused(trusted.error().message);
  if (trusted->trust.people.empty())
    return refused("the trusted revision " + root->ref + " has no people directory (.countersign/people.yaml)");
  auto check = signoff::check_command_approvals(trusted->trust, approvals, request.id, request.binding, operators,
                                                trusted->command_rules, trusted->one_person_many_roles, used);
  guard::CommandRelease out{check.released, check.approvers, check.uses, {}};
  for (const auto& r : check.refusals) out.reason += (out.reason.empty() ? "" : "; ") + r;
  if (!check.released) out.reason += " (trusted revision " + root->ref + ")";
  return out;
}

}  // namespace cs::cli
