// Private to the gate: what check() needs of the trust rule (choose_trust_root in gate.h) to refuse
// a trusted revision that holds a commit of the range while it walks the range anyway.
#pragma once

#include <span>
#include <string_view>
#include <unordered_set>

#include "countersign/gate/gate.h"

namespace cs::gate::detail {

using CommitSet = std::unordered_set<git::ObjectId, git::ObjectIdHash>;

// The commits of the trusted revision that the range could reach: those no hidden end of the
// range reaches (empty when the trusted revision is itself a hidden end, as in origin/main..HEAD).
// A commit of the range in this set means the trusted revision already holds the change.
Result<CommitSet> trusted_history_in_reach(const git::Repository& repo, const TrustRoot& root, std::string_view range);

// The refusal, naming the commit and what to do instead.
Error contains_range_commit(const TrustRoot& root, std::string_view range, const git::ObjectId& commit);

// The refusal of a range that reaches a shallow clone's cut (`commit` has no parents here).
Error shallow_cut(std::string_view range, const git::ObjectId& commit);

// The range as walked (`walked`) is the whole of what the candidate adds: an error when a shallow
// clone cut it short, or when it is empty although its tips are not in the trusted revision
// (0 commits is a pass only when the candidate really adds nothing).
Result<void> check_complete(const git::Repository& repo, const TrustRoot& root, std::string_view range,
                            std::span<const git::ObjectId> walked);

// What the tips of `range` would deploy is every commit of theirs the trusted revision lacks. When a
// hidden end of the range is not in the trusted revision (the before..after of a second push, whose
// `before` was never trusted), the commits between the two are deployed with the tips but left out
// of the range: the range to check is then the trusted revision..the tip, returned here with the
// note that says so. nullopt: the range already holds all of it (its hidden ends are in the trusted
// revision, or it has none and walks the tips' whole history). A range with several tips that
// would need widening is refused, naming the ranges to check instead.
struct Widened {
  std::string range;  // as walked: "<trusted id>..<tip id>"
  std::string shown;  // as reported: "<trusted ref>..<tip as given>"
  std::string note;
};
Result<std::optional<Widened>> widened_range(const git::Repository& repo, const TrustRoot& root, std::string_view range);

}  // namespace cs::gate::detail
