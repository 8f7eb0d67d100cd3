// Private to the gate. Choosing the trusted revision that policy and people are read from: the
// candidate change must never be able to weaken the rules it is checked against.
#pragma once

#include <optional>
#include <string>

#include "countersign/gate/gate.h"

namespace cs::gate::detail {

// In order: --trusted-ref when given; else the upstream of the range's target branch (the right
// side of A..B, the single revision B, or HEAD); else the left side of A..B, which the
// candidate commits are not part of. A symmetric range A...B has candidate commits on both
// sides, so it needs --trusted-ref. With none of these (a bare revision without upstream,
// --all) there is no trusted revision: TrustRoot::source is "none" and no file is read.
Result<TrustRoot> choose_trust_root(const git::Repository& repo, const std::string& range,
                                    const std::optional<std::string>& trusted_ref);

}  // namespace cs::gate::detail
