// Private to guard: the shell side of "an agent cannot loosen its own guard". For one simple
// command, the files it writes, replaces or deletes (redirections, tee, cp/mv/install/ln/rsync
// destinations, rm, sed -i, dd of=, chmod, git checkout -- / restore, interpreter one-liners)
// that protected_path() names, and the git commands that delete or rewrite the approvals and
// notes refs (on a remote, or locally).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "countersign/guard/guard.h"
#include "countersign/guard/normalise.h"
#include "countersign/guard/protected.h"

namespace cs::guard {

// The paths `u` writes, replaces or deletes, as written (relative to the cwd, `~/...`, absolute);
// a glob is expanded as the shell would, a destination directory gives dir/basename.
std::vector<std::string> written_paths(const Unit& u, const std::string& cwd);

// Every protected file or ref the command touches.
std::vector<ProtectedPath> self_protection(const Unit& u, const Context& ctx, std::string_view project_dir);

}  // namespace cs::guard
