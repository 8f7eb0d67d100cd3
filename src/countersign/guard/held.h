// Held commands: the approval request id bound to exactly one command (its normalised argv list,
// cwd and target environment), the pending requests, and the one-use approval tokens that let a
// single retry of that command pass. Private to the guard stage.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "countersign/guard/guard.h"

namespace cs::guard::held {

// Hex SHA-256 of the canonical, length-prefixed encoding of (argv list, cwd, environment).
std::string binding(const std::vector<std::vector<std::string>>& argv, std::string_view cwd,
                    std::string_view environment);
// The request id shown to people: the first 16 hex digits of the binding.
std::string request_id(std::string_view binding);
bool valid_request_id(std::string_view id);

// Records a pending request (state/guard/pending/<id>.json) unless one is already there.
Result<void> record_pending(const std::string& state, const HeldRequest& request);

// When a valid, unexpired approval for exactly this binding exists, consumes it atomically (only
// one caller can) and returns the approver; otherwise nullopt.
Result<std::optional<std::string>> consume_approval(const std::string& state, std::string_view id,
                                                    std::string_view binding, long long now);

}  // namespace cs::guard::held
