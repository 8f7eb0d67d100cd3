// The hook's check of command approvals (guard::HookEnvironment::release_command): the people and
// `commands` policy of /etc/countersign when it has a people directory, else of the trusted
// revision; read only when an approval waits for a held request.
#pragma once

#include <string>
#include <vector>

#include "countersign/guard/guard.h"
#include "countersign/signoff/signoff.h"

namespace cs::cli {

// Who may never release a command held for this account: its login names and the git user.email
// of the repository at `project_dir` (empty: none), each an "operator" to signoff::ineligibility.
std::vector<signoff::Excluded> operators_here(const std::string& project_dir, const std::string& request_operator);

// The administrator's directory: its people.yaml, when there is one, is the only people directory
// command approvals are checked against (signoff::load_system_trust); else the trusted revision's.
inline constexpr const char* kSystemTrustDir = "/etc/countersign";

guard::CommandRelease release_held_command(const std::string& project_dir, const guard::CommandRequest& request,
                                           const std::vector<std::string>& approvals, const guard::ApprovalUsed& used);

}  // namespace cs::cli
