// Sign-off: approvals bound to exact content. A change digest names what a commit or a range
// changes; approval, revocation and override statements sign it with SSH keys (SSHSIG); they
// live under refs/countersign/approvals and are verified against the trusted people directory.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "countersign/core/error.h"
#include "countersign/git/git.h"

namespace cs::policy {
struct Diagnostics;
struct People;
struct Policy;
}  // namespace cs::policy
namespace cs::provenance {
class Assessor;
}  // namespace cs::provenance

namespace cs::signoff {

// ---- Change digest (DESIGN.md "Change digest"; docs/signoff.md) ----------------------------

// The version new statements sign. Version 1 is computed only to recognise approvals made
// before version 2: they are reported as needing re-approval, never counted.
inline constexpr int kChangeDigestVersion = 2;

struct ChangeDigest {
  std::array<uint8_t, 32> bytes{};

  static Result<ChangeDigest> from_hex(std::string_view hex);  // 64 lower-case hex digits
  static ChangeDigest of(std::string_view canonical_text);      // SHA-256
  std::string hex() const;
  auto operator<=>(const ChangeDigest&) const = default;
};

struct ChangeDigestHash {
  size_t operator()(const ChangeDigest& d) const noexcept {
    size_t h;
    __builtin_memcpy(&h, d.bytes.data(), sizeof(h));
    return h;
  }
};

// The canonical text of the change from `old_tree` (nullopt: the empty tree) to `new_tree`, in
// change digest `version` (1 or 2).
Result<std::string> canonical_change(const git::Repository& repo, const std::optional<git::ObjectId>& old_tree,
                                     const git::ObjectId& new_tree, int version = kChangeDigestVersion);
// A commit's own change: against its parent, the empty tree for a root, and for a merge against
// the automatic merge of its parents. nullopt: a merge with no change of its own.
Result<std::optional<std::string>> commit_canonical_change(const git::Repository& repo, const git::Commit& commit,
                                                           int version = kChangeDigestVersion);
Result<std::optional<ChangeDigest>> commit_digest(const git::Repository& repo, const git::Commit& commit,
                                                  int version = kChangeDigestVersion);
// The current digest, reusing `first_parent_paths` (Repository::changed_paths(commit)) when the
// caller already has them; a merge still measures against its automatic merge.
Result<std::optional<ChangeDigest>> commit_digest(const git::Repository& repo, const git::Commit& commit,
                                                  std::span<const git::ChangedPath> first_parent_paths);
// The current digest and, when `with_v1`, the version 1 digest too, from one diff.
struct CommitDigests {
  ChangeDigest current;
  std::optional<ChangeDigest> v1;
};
Result<std::optional<CommitDigests>> commit_digests(const git::Repository& repo, const git::Commit& commit,
                                                    std::span<const git::ChangedPath> first_parent_paths, bool with_v1);

struct Member {
  git::ObjectId commit;
  ChangeDigest digest;
};

// What a range approval signs: the change of merge-base(A, B)..B and its commits' digests
// (oldest first; merges with no change of their own are not members).
struct RangeChange {
  git::ObjectId base;
  git::ObjectId head;
  ChangeDigest digest;
  std::vector<Member> members;
};
Result<RangeChange> range_change(const git::Repository& repo, std::string_view range);

// ---- Repository identity ----------------------------------------------------------------------

// "git@github.com:Org/Repo.git", "https://user@GitHub.com/Org/Repo/" and
// "ssh://git@github.com:22/Org/Repo.git" all become "github.com/Org/Repo" (see docs/signoff.md).
std::string normalise_remote_url(std::string_view url);
// `git config countersign.repo` when set, else the normalised URL of the remote "origin".
Result<std::string> repository_id(const git::Repository& repo);

// ---- Statements (DESIGN.md "Approval statement"; docs/formats.md) ---------------------------

enum class StatementKind { approval, revocation, override };
std::string_view to_string(StatementKind k);  // "approval", "revocation", "override"

// Every statement is signed as SSHSIG in the namespace "countersign-approval"; its first line
// names its kind.
struct Statement {
  StatementKind kind = StatementKind::approval;
  // Approval, override: the change digest version of `change` and `member`, which the first
  // line states ("countersign-approval v2"). A revocation binds a statement, not a change: v1.
  int version = kChangeDigestVersion;
  std::string repo;
  ChangeDigest change;
  std::vector<ChangeDigest> members;       // approval, override: the range's commits
  std::optional<git::ObjectId> commit;     // approval, override: informational
  std::optional<ChangeDigest> revokes;     // revocation: SHA-256 of the revoked statement's text
  std::string approver;                    // the signer's principal
  std::string role;                        // approval, override: the role claimed
  std::string reason;                      // override (required), revocation (optional)
  int64_t time = 0;                        // seconds since the epoch, UTC
  std::optional<int64_t> expires;          // approval (optional), override (required)
};

std::string render(const Statement& s);
// Strict: the exact layout render() produces, nothing else (one text per statement).
Result<Statement> parse_statement(std::string_view text);

std::string format_time(int64_t t);                // RFC 3339 UTC, "2026-01-31T12:00:00Z"
Result<int64_t> parse_time(std::string_view text);  // RFC 3339 with "Z" only
// "30m", "4h", "7d", "2w" → seconds.
Result<int64_t> parse_duration(std::string_view text);

// ---- Who may sign: the trusted revision's people directory --------------------------------

// A person who may sign statements. `keys` are OpenSSH public key lines, optionally preceded by
// allowed_signers options ("valid-before=20270101Z ssh-ed25519 AAAA..."). `agent`: the person
// is an AI agent identity (registry or people directory) and never counts as an approver.
struct Signatory {
  std::string id;
  std::string name;
  std::vector<std::string> emails;
  std::vector<std::string> roles;
  std::vector<std::string> keys;
  bool agent = false;
  bool has_role(std::string_view role) const;
  bool is(std::string_view principal) const;  // the id or one of the emails (case-insensitive)
};

struct Trust {
  std::string repo_id;  // what a statement's `repo` line must say
  std::vector<Signatory> people;
  // An allowed_signers file of the trusted revision: a line whose principals match a person's
  // id or email adds that key, with its namespaces= and validity, to that person.
  std::optional<std::string> allowed_signers;
  std::string allowed_signers_name = "allowed_signers";
  int64_t now = 0;
  std::optional<int64_t> max_age;  // seconds: older approvals no longer count
};

// Where statements are stored (a tree keyed <digest[0:2]>/<digest[2:]>/<fingerprint>.role-<role>.sig,
// see docs/formats.md).
inline constexpr const char* kApprovalsRef = "refs/countersign/approvals";

// ---- Verification ----------------------------------------------------------------------------

enum class Status {
  valid,
  malformed,         // not a statement plus one armored signature, or filed in the wrong place
  bad_signature,     // the signature does not verify over the statement
  wrong_namespace,   // signed for another purpose, or the key may not sign in this namespace
  wrong_repository,  // the repo line names another repository
  unknown_key,       // the key belongs to nobody in the trusted people directory
  key_expired,       // the key's valid-before has passed (or valid-after not reached)
  wrong_approver,    // the approver line names someone else than the key's owner
  expired,           // past the statement's own `expires`
  too_old,           // older than the policy's max_age
  revoked,           // its signer revoked it
  stale,             // made for other content: the change was edited since
  old_digest,        // made under change digest v1, which binds no hunk positions: re-approve
  not_eligible,      // a valid approval by someone who may not approve this change
};
std::string_view to_string(Status s);  // "valid", "bad signature", "stale: content changed", ...

// One statement file of the store, verified on its own (eligibility depends on the commit).
struct Checked {
  std::string path;  // in the store tree
  std::optional<Statement> statement;
  std::string fingerprint;  // of the signing key, when the signature is readable
  const Signatory* person = nullptr;  // the key's owner in Trust::people, when known
  Status status = Status::malformed;
  std::string reason;  // why it is not valid, naming the cause
};

// The statements on refs/countersign/approvals, indexed by digest; each is verified the first
// time it is asked for, so checking a range verifies only what binds that range.
class ApprovalSet {
 public:
  // Reads the store. A ref that points at something other than a commit or tree is an error.
  static Result<ApprovalSet> load(const git::Repository& repo, Trust trust);
  ApprovalSet(ApprovalSet&&) noexcept;
  ApprovalSet& operator=(ApprovalSet&&) noexcept;
  ~ApprovalSet();

  bool empty() const;  // no statement files at all
  // Some approval or override was made under change digest v1: finding them (to report them as
  // needing re-approval) takes each commit's v1 digest too.
  bool holds_old_digests() const;
  const Trust& trust() const;

  // Verifies every statement filed under, or listing as a member, one of `digests`, on
  // `threads` threads (0: every core), so that the lookups below find them done.
  void check_signatures(std::span<const ChangeDigest> digests, unsigned threads = 0) const;

  // Verifies the statements that name a commit (what a gate checks most), in store order, until
  // `stop` is set: a thread of its own can do this while others decide commits. Not concurrently
  // with the other checks or lookups; names() may be called meanwhile.
  void check_statements_until(const std::atomic<bool>& stop) const;

  // Whether a statement names `commit` on its commit line.
  bool names(const git::ObjectId& commit) const;

  // Approvals binding `digest`: filed under it, or range approvals listing it as a member.
  std::vector<const Checked*> approvals_for(const ChangeDigest& digest) const;
  // Overrides made for `digest` or for a range listing it as a member.
  std::vector<const Checked*> overrides_for(const ChangeDigest& digest) const;
  // Approvals naming `commit` on their commit line but made for other content than `current`.
  std::vector<const Checked*> stale_for(const git::ObjectId& commit, const ChangeDigest& current) const;
  // Approvals made before a commit was rewritten (amend, rebase with edits): their commit line
  // names a commit outside `range` with the same author, author time and subject as a commit of
  // `range`, and they bind other content than that commit's digest (digests[i] for range[i];
  // nullopt entries are skipped). Keyed by index into `range`. Reads the named commits from `repo`.
  Result<std::vector<std::pair<size_t, const Checked*>>> rewritten(const git::Repository& repo,
                                                                  std::span<const git::ObjectId> range,
                                                                  std::span<const std::optional<ChangeDigest>> digests) const;
  // Which commits of a range the store could bind, so that only their change digests need
  // computing (each costs every changed file's blobs and a diff). A digest covers the file and
  // mode lines, so a statement naming commit X binds only a commit whose changed paths and modes
  // are X's (same paths_key, looked at only where the shape is X's), and reports as rewritten
  // only one with X's author, author time and subject (same origin). Statements that cannot be traced that way (range approvals, unreadable
  // files, named commits absent from the clone or that are merges, a statement whose change is
  // not its named commit's digest) make every commit a candidate.
  struct RangeCommit {
    git::ObjectId id;
    uint64_t shape = 0;                    // shape_key() of its changed paths
    std::vector<git::ChangedPath> paths;  // its changed paths, for paths_key() when the shape matches
    // origin_key() of the commit, when known: candidates() reads the commit for it only when a
    // statement names a commit outside the range.
    std::optional<std::string> origin;
    std::optional<ChangeDigest> digest;  // when already computed (a commit a statement names)
  };
  Result<std::vector<char>> candidates(const git::Repository& repo, std::span<const RangeCommit> range) const;

  // Every override in the store (for `countersign overdue`).
  std::vector<const Checked*> overrides() const;
  // Store entries that are not statement files, or are unreadable, with the reason.
  std::vector<std::pair<std::string, std::string>> problems() const;

 private:
  struct State;
  explicit ApprovalSet(std::unique_ptr<State> s);
  std::unique_ptr<State> state_;
};

// Someone who may not approve a commit, and why ("author", "committer", "operator").
struct Excluded {
  std::string role;  // "author", "committer", "operator"
  std::string email;
  std::string name;
};

// Why `person` may not approve a change: excluded party, agent identity, or none of `roles`
// held. nullopt: eligible.
std::optional<std::string> ineligibility(const Signatory& person, std::span<const Excluded> excluded,
                                         std::span<const std::string> roles);

// The changed paths with their modes and how much each file grows or shrinks, hashed
// independently of order. Equal change digests imply equal keys (the converse need not hold): the
// digest's text has every file and mode line, and every added and removed line of every file,
// whose lengths make up the change in its size. Sizes come from object headers, not contents.
Result<uint64_t> paths_key(const git::Repository& repo, std::span<const git::ChangedPath> paths);
// The same without the sizes, so without reading anything: equal paths_keys imply equal shapes.
uint64_t shape_key(std::span<const git::ChangedPath> paths);
// Author email, author time and subject: what a rebase or an amend keeps of a commit.
std::string origin_key(const git::Commit& c);

// ---- Collecting what binds a range ------------------------------------------------------------

struct CommitApprovals {
  git::ObjectId commit;
  std::optional<ChangeDigest> digest;      // nullopt: a merge with no change of its own
  std::vector<const Checked*> approvals;   // every approval binding the digest, whatever its status
  std::vector<const Checked*> stale;       // approvals made for this commit's earlier content
  std::vector<const Checked*> overrides;   // overrides listing the digest
};

// The change digest of each commit (computed on `threads` threads, 0: every core) and the
// statements that bind it. Results in the order of `commits`.
Result<std::vector<CommitApprovals>> collect(const git::Repository& repo, const ApprovalSet& set,
                                             std::span<const git::ObjectId> commits, unsigned threads = 0);

// ---- Break glass ------------------------------------------------------------------------------

// The policy's `break_glass` section, in seconds.
struct BreakGlassRules {
  std::vector<std::string> roles;  // who may override; empty: nobody
  int64_t max_ttl = 4 * 3600;
  int64_t review_within = 72 * 3600;
  std::vector<std::string> review_roles{"senior"};
  std::vector<std::string> self_override;  // roles that may override their own change
};

// Why a verified override does not let anything through: not valid, a role the policy does not
// permit or the signer does not hold, a ttl beyond max_ttl, an agent. nullopt: it counts.
std::optional<std::string> override_refusal(const Checked& o, const BreakGlassRules& rules);

// The post-hoc review an override leaves open until someone with a review role (not the
// overrider, not an agent, not who made that change) approves each change it let through.
struct Review {
  const Checked* override_statement = nullptr;
  int64_t due = 0;
  std::vector<ChangeDigest> unreviewed;  // members nobody eligible has approved yet
  std::vector<std::string> reviewed_by;  // person ids
  bool done() const { return unreviewed.empty(); }
  bool overdue(int64_t now) const { return !done() && now > due; }
};
// Why `reviewer` made the change `digest` ("author", "committer", "operator", joined), so that
// they cannot close its review; empty when they did not. nullopt: who made it is not known (the
// commit is not at hand), and then nobody closes its review.
using PartyOf = std::function<std::optional<std::string>(const ChangeDigest& digest, const Signatory& reviewer)>;
Review review_of(const ApprovalSet& set, const Checked& override_statement, const BreakGlassRules& rules,
                 const PartyOf& party_of);
// Every override that counts, with its review.
std::vector<Review> reviews(const ApprovalSet& set, const BreakGlassRules& rules, const PartyOf& party_of);

// ---- From the trusted revision ------------------------------------------------------------------

// An allowed_signers file beside people.yaml adds keys (with their validity and namespaces) to
// the people whose id or email its principals match.
inline constexpr std::string_view kAllowedSignersFile = ".countersign/allowed_signers";

// The trust of a check: the trusted revision's people (each marked when `agents` knows their
// name or an email as an AI agent identity), its allowed_signers text, and the policy's max_age.
Trust trust_from(const policy::People& people, const policy::Policy& policy, std::optional<std::string> allowed_signers,
                 std::string repo_id, int64_t now, const provenance::Assessor& agents);
BreakGlassRules break_glass_of(const policy::Policy& policy);

// Trust and break-glass rules read from the trusted revision `trusted` (policy, people,
// allowed_signers), for commands that are not a whole gate check.
// The policy's `commands.approvals` (who releases a command the guard holds): `count` distinct
// people holding `role`.
struct CommandRule {
  std::string role;
  int count = 1;
};

struct TrustedState {
  std::string label;  // how the trusted revision was named
  Trust trust;
  BreakGlassRules rules;
  std::vector<CommandRule> command_rules;  // the policy's `commands.approvals`
  bool one_person_many_roles = false;      // the policy's approvals.one_person_many_roles
  std::vector<std::string> diagnostics;  // problems loading the trusted files
};
Result<TrustedState> load_trusted(const git::Repository& repo, std::string_view trusted_ref, int64_t now);

// The administrator's trust for held commands: `<dir>/people.yaml` (and `allowed_signers`,
// `policy.yaml` for its `commands:` section) in a directory the agent's account cannot write
// (/etc/countersign). A repository, even its trusted revision, is made by that account on its own
// machine (`git init`, `git update-ref`), so where this directory holds a people directory, command
// approvals are checked against it alone. nullopt: no people.yaml there. An error: one there that
// this account could rewrite (it owns or can write the file or its directory), or that does not load.
// `repo` gives the agent registry and repository id.
Result<std::optional<TrustedState>> load_system_trust(const std::string& dir, const git::Repository& repo, int64_t now);

// For `policy lint`: every key line of the people directory that the key parser verification
// uses rejects (bad base64, a truncated key, an unsupported type), as an error at its place in
// people.yaml.
policy::Diagnostics key_diagnostics(const policy::People& people);

// ---- Commit signatures (policy `authorship: verified`) ---------------------------------------

// The namespace git signs commits in (gpg.format=ssh).
inline constexpr std::string_view kGitNamespace = "git";

// Who signed a commit: the SSHSIG of its gpgsig header, verified over the commit object without
// that header (what `git verify-commit` checks), by a key the trust gives to one person and lets
// sign in namespace "git" now.
struct CommitSignature {
  const Signatory* person = nullptr;  // the signer; null when there is none to trust
  std::string fingerprint;            // of the signing key, when the signature is readable
  std::string problem;                // why `person` is null: unsigned, not SSH, bad signature, unknown key, ...
};

class CommitSigners {
 public:
  explicit CommitSigners(Trust trust);
  CommitSigners(CommitSigners&&) noexcept;
  ~CommitSigners();
  // `raw` is the commit object as stored (git::RawCommit::bytes). Safe to call from several threads.
  CommitSignature signer_of(std::string_view raw) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// ---- Recording statements ---------------------------------------------------------------------

struct SigningOptions {
  std::optional<std::string> key_file;  // private key, or .pub of a key held by ssh-agent
  std::string approver;                 // principal; empty: `git config user.email`
  int64_t now = 0;
};

// The key `signing` signs with (key file or ssh-agent) and its owner in `trust`: the one person
// whose key it is (people directory or allowed_signers). `problem` says why it cannot sign an
// approval that counts: nobody's key, several people's, or not valid now or for approvals.
struct KeyOwner {
  std::string fingerprint;
  const Signatory* person = nullptr;  // into trust.people; nullptr: nobody
  std::string problem;                // empty: the key may sign approvals for `person`
};
Result<KeyOwner> key_owner(const Trust& trust, const SigningOptions& signing);

struct Recorded {
  std::string target;  // what the user named
  std::string path;    // where it is stored
  Statement statement;
  std::string fingerprint;
};

// Approves commits (their own digest) and ranges "A..B" (range digest with members). Each is
// filed as <digest>/<key>.role-<role>.sig: approvals in another role lie beside it.
Result<std::vector<Recorded>> approve(const git::Repository& repo, std::span<const std::string> targets,
                                      std::string_view role, std::optional<int64_t> expires_in,
                                      const SigningOptions& signing);
// Revokes the signer's own approvals of these targets: those in `role`, or every role when empty.
Result<std::vector<Recorded>> revoke(const git::Repository& repo, std::span<const std::string> targets,
                                     std::string_view reason, const SigningOptions& signing,
                                     std::string_view role = {});
// Records a break-glass override of a commit or range "A..B", valid for `ttl` seconds.
Result<Recorded> record_override(const git::Repository& repo, std::string_view target, std::string_view role,
                                 std::string_view reason, int64_t ttl, const SigningOptions& signing);
// Fetches the remote's approvals, merges them in (a tree union) and pushes the result.
Result<void> push(const git::Repository& repo, const std::string& remote = "origin");

// ---- Command approvals: releasing a command the guard holds (docs/guard.md) --------------------

// A senior's signature over one held command's request id and binding (guard::CommandRequest),
// signed as SSHSIG in its own namespace, so that no change approval or commit signature is one.
inline constexpr std::string_view kCommandApprovalNamespace = "countersign-command-approval";
// The most a command approval may live: a longer one is refused when it is checked.
inline constexpr int64_t kMaxCommandApprovalTtl = 24 * 3600;

struct CommandApproval {
  std::string request;   // the request id (16 hex digits)
  std::string binding;   // the request's binding (64 hex digits)
  std::string approver;  // the signer's principal: their id or email in the people directory
  int64_t time = 0;
  int64_t expires = 0;
};
// "countersign-command-approval v1\nrequest ...\nbinding ...\napprover ...\ntime ...\nexpires ...\n"
std::string render(const CommandApproval& a);
Result<CommandApproval> parse_command_approval(std::string_view text);  // strict: render()'s layout only

// The statement signed with the senior's key (key file or ssh-agent, as `approve`), as one armored
// block "-----BEGIN COUNTERSIGN COMMAND APPROVAL-----" holding the statement and its SSH signature.
Result<std::string> sign_command_approval(const CommandApproval& approval, const SigningOptions& signing);
struct CommandApprovalBlock {
  CommandApproval approval;
  std::string text;       // the statement as signed
  std::string signature;  // armored SSH signature
};
// Strict: one block, its statement and one signature, nothing else.
Result<CommandApprovalBlock> read_command_approval(std::string_view block);

struct CommandCheck {
  bool released = false;
  std::vector<std::string> approvers;  // people ids whose approvals counted
  std::vector<std::string> uses;       // their keys: hex SHA-256 of each counted statement's text
  std::vector<std::string> refusals;   // why each other approval, or the whole, did not count
};
// Verifies command approval blocks for request `request` with binding `binding` against `trust`
// (signature in kCommandApprovalNamespace, a key of exactly one person allowed in that namespace
// now, the approver line that person's, request and binding equal, not expired, not longer-lived
// than kMaxCommandApprovalTtl, not `used` already by its key) and meets `rules` with distinct
// eligible people: never one of `operators` (the account the agent runs as), never an agent identity.
CommandCheck check_command_approvals(const Trust& trust, std::span<const std::string> blocks, std::string_view request,
                                     std::string_view binding, std::span<const Excluded> operators,
                                     std::span<const CommandRule> rules, bool one_person_many_roles,
                                     const std::function<bool(const std::string& key)>& used);

}  // namespace cs::signoff
