// Private to the gate. The sign-off step: the approval store read and verified against the trust
// root, and what binds each commit's change matched to its requirements and to overrides.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "countersign/gate/gate.h"
#include "countersign/signoff/signoff.h"

namespace cs::gate::detail {

// refs/countersign/approvals verified against the trusted revision `root` (its people directory,
// the allowed_signers file beside it, the policy's max_age); nullopt when there is no approval ref.
// A damaged ref, or a store whose repository cannot be named, is an error: the gate fails closed.
// Problems of the store or the trusted keys are added to `notes`.
Result<std::optional<signoff::ApprovalSet>> load_approvals(const git::Repository& repo, const policy::Loaded& loaded,
                                                            const provenance::Assessor& agents, const TrustRoot& root,
                                                            int64_t now, std::vector<std::string>& notes);

// Computes the commit's change digest into `cd.digest` when `wanted`, and for a merge that needs
// sign-off; with `old_digests` (the store holds statements made under change digest v1) its v1
// digest into `cd.digest_v1` too, from the same diff. A merge with no change of its own needs
// none: its requirements are dropped.
Result<void> bind_digest(const git::Repository& repo, const git::Commit& commit,
                         std::span<const git::ChangedPath> paths, bool wanted, bool old_digests, CommitDecision& cd);

// The second half of assess_requirement: adds to `s.satisfied_by` the people of `approvals` whom
// `s` already found eligible and who hold a role they signed for.
void count_approvals(RequirementStatus& s, const policy::People& people, std::span<const VerifiedApproval* const> approvals);

// Counts `approvals` toward every requirement of one commit, replacing what was counted. With
// `many_roles` false a person counts in one role only on the commit: for each person the role
// among those they approved in that meets the most requirements (requirements that accept that
// role may all count them).
void count_commit(std::vector<RequirementStatus>& requirements, const policy::People& people,
                  std::span<const VerifiedApproval* const> approvals, bool many_roles);

// Approvals verified elsewhere (Request::approvals) for one commit.
using GivenApprovals = std::function<std::vector<const VerifiedApproval*>(const git::ObjectId&)>;

// For every commit with a digest: counts the store's valid approvals toward its requirements,
// notes every statement that binds it (and why it does not count), and marks it overridden when
// it is not signed off but a permitted override covers it. Returns the post-hoc reviews owed by
// the overrides relied on. `commits[i]` belongs to `ids[i]`; `people` has agents removed.
Result<std::vector<PostHocReview>> apply_signoff(const git::Repository& repo, const signoff::ApprovalSet& set,
                                                 const policy::Loaded& loaded, std::span<const git::ObjectId> ids,
                                                 const GivenApprovals& given, std::vector<CommitDecision>& commits,
                                                 int64_t now);

// blocked when some commit is neither signed off nor overridden; overridden when an override was
// needed; else pass.
Verdict verdict_of(const std::vector<CommitDecision>& commits);

}  // namespace cs::gate::detail
