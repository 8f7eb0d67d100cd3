// The guard reads its configuration from the revision the gate trusts (gate/ lies to the right of
// guard/, so the shells find it and hand it over): .countersign/guard.yaml and policy.yaml on the
// branch changes go into, never the work tree or the agent's own branch.
#pragma once

#include <optional>
#include <string>

#include "countersign/guard/guard.h"

namespace cs::cli {

// .countersign/guard.yaml and policy.yaml on the trusted revision of the repository holding
// `project_dir` (gate::choose_trust_root with nothing given: the branch changes go into). Read
// with countersign's own ref and object reader (no libgit2 start-up); anything that reader
// declines is read through libgit2 and the gate. No repository or no trusted revision: an empty
// revision. A trusted revision that cannot be read: `error` is set (the guard fails closed).
guard::TrustedConfig trusted_guard_config(const std::string& project_dir);

// Its policy.yaml alone, as before (nullopt when there is none).
std::optional<guard::TrustedPolicy> trusted_guard_policy(const std::string& project_dir);

}  // namespace cs::cli
