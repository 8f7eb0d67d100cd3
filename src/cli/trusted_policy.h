// The guard reads the policy's environments from the revision the gate trusts (gate/ lies to the
// right of guard/, so the shells find it and hand it over).
#pragma once

#include <optional>
#include <string>

#include "countersign/guard/guard.h"

namespace cs::cli {

// .countersign/policy.yaml on the trusted revision of the repository holding `project_dir`
// (gate::choose_trust_root with nothing given: the branch changes go into); nullopt when there is
// no repository, no trusted revision or no policy file there.
std::optional<guard::TrustedPolicy> trusted_guard_policy(const std::string& project_dir);

}  // namespace cs::cli
