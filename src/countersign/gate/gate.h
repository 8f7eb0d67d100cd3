// The gate: the whole pipeline for a git range. It reads policy and people from a trusted
// revision, assesses each commit's provenance and risk findings, asks the
// policy what each commit needs, matches verified approvals to those requirements, and decides:
// pass, blocked (sign-off missing), overridden (a permitted break-glass override, post-hoc review
// owed) or error (the gate could not decide, so it fails closed).
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "countersign/core/error.h"
#include "countersign/git/git.h"
#include "countersign/policy/policy.h"
#include "countersign/provenance/provenance.h"
#include "countersign/risk/risk.h"
#include "countersign/signoff/signoff.h"

namespace cs::gate {

enum class Verdict { pass, blocked, error, overridden };
std::string_view to_string(Verdict v);
int exit_code(Verdict v);  // 0 pass/overridden, 1 blocked, 2 error

// SEAM for the signoff stage: an approval whose signature, signer key and content binding have
// already been verified. The gate trusts only what is here and re-checks the rest against the
// trusted people directory (the person must exist, hold the role, and not be excluded).
struct VerifiedApproval {
  std::string person;                  // people.yaml id of the signer (by key, not by claim)
  std::vector<std::string> roles;      // roles the statement claims
  std::vector<git::ObjectId> commits;  // commits whose change digest it signs (or lists as members)
  int64_t time = 0;                    // statement time, seconds since the epoch (policy max_age)
};

// SEAM for the risk stage: findings for one commit, given its changed paths and the trusted
// policy's risk section. Called from worker threads, each with its own Repository handle; must
// be thread-safe. An error makes the verdict `error` (fail closed).
using RiskAssessor = std::function<Result<std::vector<risk::Finding>>(
    const git::Repository& repo, const git::Commit& commit, std::span<const git::ChangedPath> paths,
    const risk::Config& config)>;

struct Request {
  std::string repo_path = ".";
  std::string range;                        // git revision syntax; "" = HEAD's commits not in the trusted revision
  std::optional<std::string> trusted_ref;   // where policy and people are read from (see choose_trust_root)
  // The deploy form: the revision running in production (trusted) and the one about to be
  // deployed (default HEAD); the range is deployed..candidate. Excludes `range`.
  std::optional<std::string> deployed;
  std::optional<std::string> candidate;
  std::optional<std::string> into;          // the protected branch the change goes into (--into)
  // Check exactly `range`, never widened to what its tip deploys (see detail::widened_range): for
  // judging statements about exactly these commits (approve's and override's eligibility check).
  bool exact_range = false;
  std::optional<std::string> environment;   // target environment; default: policy's default
  std::vector<VerifiedApproval> approvals;  // verified elsewhere (the server); counted like the store's
  // Read refs/countersign/approvals and verify each statement that binds a checked commit against
  // the trusted revision's people directory and allowed_signers.
  bool read_approvals = true;
  // Compute every commit's change digest and report every statement binding it, even for commits
  // that need nothing (`countersign approvals`).
  bool list_approvals = false;
  RiskAssessor risk;                        // empty: the risk stage over the commit's changed files
  // Plans, change sets and previews of the deploy (--plan); their findings are the range's and
  // attach to its newest commit, so they are signed off with it.
  std::vector<std::string> plan_files;
  int64_t now = 0;                          // 0: the current time
  unsigned threads = 0;                     // 0: every core
};

// Why a person who holds a required role may still not approve this commit.
struct Exclusion {
  std::string person;
  std::string why;  // "author", "committer", "operator", "agent"
};

struct RequirementStatus {
  policy::Requirement requirement;
  std::vector<std::string> eligible;      // person ids who could give it
  std::vector<Exclusion> excluded;        // holders of a role who may not
  std::vector<std::string> satisfied_by;  // person ids whose verified approvals count
  std::vector<std::string> satisfied_as;  // the role each of satisfied_by counts in
  bool met() const { return satisfied_by.size() >= static_cast<size_t>(requirement.approvals); }
};

// A statement found in the approval store for one commit, and what became of it.
struct ApprovalNote {
  std::string kind;         // "approval" or "override"
  std::string person;       // people directory id of the key's owner; empty when the key is unknown
  std::string fingerprint;  // of the signing key ("" when unreadable)
  std::string role;         // the role the statement claims
  std::string status;       // "valid", "bad signature", "unknown key", "stale: content changed",
                            // "approver not eligible", ... (signoff::to_string(Status))
  std::string reason;       // why it does not count; empty when it counts
  std::string path;         // in refs/countersign/approvals
  int64_t time = 0;
  std::optional<int64_t> expires;
  bool counted = false;     // it satisfies a requirement (approval) or lets the commit through (override)
};

struct CommitDecision {
  provenance::Provenance provenance;
  std::string subject;
  std::string author;  // "Name <email>"
  std::vector<risk::Finding> findings;
  std::vector<RequirementStatus> requirements;
  // People of the directory who made the change (why: "author", "committer", "operator"), under
  // every email and name listed for them: none of them may approve it, override it or review it.
  std::vector<Exclusion> parties;
  // Under `authorship: verified`, why the commit's signer is not known ("authorship not verified:
  // the commit is not signed ..."); such a commit is blocked, and no override lets it through.
  std::string authorship_problem;
  std::string digest;                   // change digest (hex) when computed; "" otherwise
  std::string digest_v1;               // its change digest v1, when the store holds v1 statements
  std::vector<ApprovalNote> approvals;  // every statement binding this commit's change, valid or not
  bool overridden = false;             // not satisfied, but a permitted override covers it
  bool satisfied() const;
};

// The review a break-glass override leaves open until a reviewer signs its changes off.
struct PostHocReview {
  std::string by;  // person id of the overrider
  std::string reason;
  int64_t time = 0, expires = 0, due = 0;
  bool overdue = false;
  std::vector<std::string> unreviewed;  // commits of this range (hex) nobody eligible approved yet
  std::vector<std::string> review_roles;
};

// Where policy and people came from, and why that revision was trusted.
struct TrustRoot {
  std::string ref;     // as given or chosen ("refs/remotes/origin/main"); empty before one was chosen
  std::string source;  // why: "--trusted-ref", "the deployed revision (deploy form)", "the branch the change goes into: main (...)"
  std::optional<git::ObjectId> commit;
  bool default_policy = false;  // the revision had no .countersign/policy.yaml
  bool people_present = false;
};

// What a command knows of the change when it looks for the revision to trust.
struct TrustQuery {
  std::string range;                      // as the command was given it; "" when it names none
  std::optional<std::string> trusted_ref;  // --trusted-ref
  std::optional<std::string> deployed;     // the deploy form's deployed revision
  std::optional<std::string> into;         // --into: the protected branch the change goes into
};

// The one rule for every command that reads policy or people (check, approvals, approve,
// override, overdue, the guard): --trusted-ref; else the deployed revision in the deploy form;
// else the branch the change goes into: --into, or the left side of A..B when it names a
// protected branch, else the remote's default branch (refs/remotes/<remote>/HEAD). Protected
// branches are the default branch and the policy's `branches.protected`, read from the default
// branch. Never the candidate's branch or its upstream; an ambiguous name is an error; when no
// revision can be found the error says to pass --trusted-ref.
Result<TrustRoot> choose_trust_root(const git::Repository& repo, const TrustQuery& query);
// An error (exit 2) when `root` holds a commit of `range`: the candidate would be trusted.
Result<void> refuse_if_contains(const git::Repository& repo, const TrustRoot& root, std::string_view range);

struct Decision {
  Verdict verdict = Verdict::error;
  std::string range;
  std::string environment;
  TrustRoot trust;
  std::vector<std::string> notes;    // things the reader must know, e.g. "the built-in default applies"
  std::vector<CommitDecision> commits;  // newest first, as git log lists them
  std::vector<PostHocReview> reviews;   // owed by the overrides this decision relied on
  // The policy's approvals.one_person_many_roles: whether one person may meet the requirements
  // of two roles on one commit.
  bool one_person_many_roles = false;
  std::optional<Error> error;        // set when verdict is error
  policy::Diagnostics diagnostics;   // from loading policy and people (errors make the verdict error)
};

// Runs the pipeline. Never throws and never returns without a verdict: any failure (unreadable
// repository, unknown revision, missing objects, malformed policy) is Verdict::error.
Decision check(const Request& request);

// Before `countersign approve` signs: would the approval count? Judged by the rule check()
// applies, by running it over exactly the targets (a commit as <rev>^!, a range as given), with
// the trusted revision it chooses. The approver is the signing key's owner in that revision's
// people directory; they must hold the role claimed and be eligible for a requirement of every
// target commit that needs sign-off in that role (not its author, committer or operator, not
// an agent), and, unless the policy lets one person meet several roles' requirements, not
// already count in another role on it.
struct SignoffRequest {
  std::string repo_path = ".";
  std::vector<std::string> targets;  // commits, or ranges A..B
  std::string role;
  std::optional<std::string> trusted_ref;  // as for check()
  std::optional<std::string> environment;  // as for check(): requirements depend on it
  signoff::SigningOptions signing;         // the key; `approver`, when set, must be its owner
  int64_t now = 0;                         // 0: the current time
};

struct SignoffCheck {
  TrustRoot trust;          // of the last target
  std::string person;       // the key's owner (people directory id); empty when nobody's
  std::string approver;     // what the statement's approver line will say
  std::string fingerprint;  // of the signing key
  bool one_person_many_roles = false;
  std::vector<std::string> refusals;  // why the approval would not count; empty: it counts
  std::vector<std::string> notes;     // what the signer should know (commits that need nothing, ...)
  bool counts() const { return refusals.empty(); }
};

// An error when the gate cannot decide (unknown revision, no trusted revision, a policy with
// errors): then nobody can say whether the approval would count.
Result<SignoffCheck> check_signoff(const SignoffRequest& request);
// The same for `countersign override` of one target (`targets` holds it) lasting `ttl` seconds:
// the key's owner must be someone the trusted policy's break_glass section lets override in
// `role` (signoff::override_refusal, the rule check() applies to a stored override).
Result<SignoffCheck> check_override(const SignoffRequest& request, int64_t ttl);

// Lower level, for callers that already hold the pieces (the server, tests): who may give a
// requirement for this commit, and which of the approvals meet it.
RequirementStatus assess_requirement(const policy::Requirement& req, const policy::People& people,
                                     const provenance::Provenance& prov, const git::Commit& commit,
                                     std::span<const VerifiedApproval* const> approvals);

// For `countersign overdue`: who made each change the overrides of `set` let through, so that
// they cannot close its post-hoc review. A change's commit is found from the statements' commit
// lines (for a range override, among the commits before its named head) and its people in the
// directory of `trusted`; a change whose commit is not in the clone stays nobody's to review.
signoff::PartyOf review_parties(const git::Repository& repo, const signoff::ApprovalSet& set, std::string_view trusted);

}  // namespace cs::gate
