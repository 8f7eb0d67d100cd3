// Held commands: the pending requests, and the command approvals accepted for them, which the next
// retry of exactly that command hands to the trusted revision's check and, when they release it,
// uses up once. Private to the guard stage.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "countersign/guard/guard.h"

namespace cs::guard::held {

// The request id shown to people: the first 16 hex digits of the binding.
std::string request_id(std::string_view binding);
bool valid_request_id(std::string_view id);

// Records a pending request (state/guard/pending/<id>.json) unless one is already there.
Result<void> record_pending(const std::string& state, const HeldRequest& request);

// The approval blocks accepted for request `id` and not used yet (state/guard/approved/<id>/).
// Empty, and nothing but one failed open, when there are none (the hook's hot path). A symlink
// anywhere under state/guard/ on the way is refused: approvals are read and used up only there.
Result<std::vector<std::string>> waiting_approvals(const std::string& state, std::string_view id);

// Whether an approval with this key (CommandRelease::uses: the digest of what its signer signed)
// was used up already.
bool used(const std::string& state, std::string_view key);

// Uses up the approvals with these keys once: each gets a marker state/guard/used/<key>, created
// exclusively (O_EXCL), the first in byte order deciding, so that of two concurrent retries
// exactly one gets true. Then removes approved/<id>/ and the pending request.
Result<bool> consume(const std::string& state, std::string_view id, const std::vector<std::string>& keys);

}  // namespace cs::guard::held
