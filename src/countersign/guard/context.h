// Private to guard: the target environment of one simple command (AWS profile, kube context,
// terraform workspace, database host, ...) and whether it counts as production.
#pragma once

#include <string>
#include <string_view>

#include "countersign/guard/pack.h"

namespace cs::guard {

struct TargetEnvironment {
  std::string name;      // "prod-admin", "kind-dev", "db.prod.internal"; "" when unknown
  std::string source;    // where it came from: "--profile", "AWS_PROFILE", "kubeconfig current-context"
  bool production = true;
};

TargetEnvironment target_environment(const MatchInput& in, const Environments& envs);

// Production patterns first (fail closed), then non-production, then the default.
bool is_production(std::string_view name, const Environments& envs);

}  // namespace cs::guard
