// Policy turns what a commit is (provenance, risk findings, changed paths, target environment)
// into requirements: "2 approvals from role senior, not the author, not the agent's operator".
// `.countersign/policy.yaml` and `.countersign/people.yaml` are loaded in phases like Falco's
// rules (read YAML -> collect fields into structs -> compile cross-references and globs), and
// every problem is reported with file, line, column and snippet; loading never stops at the
// first one. The gate reads both files from a trusted revision, never from the candidate.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "countersign/core/error.h"
#include "countersign/core/severity.h"
#include "countersign/git/git.h"
#include "countersign/provenance/provenance.h"
#include "countersign/risk/risk.h"

namespace cs::policy {

// ---------------------------------------------------------------------------------------------
// Paths: gitignore-style globs.

// One gitignore-style pattern, matched against '/'-separated paths relative to the repository
// root. `*` and `?` never match '/', `[a-z]`/`[!a-z]` are classes, `\` escapes, `**` as a whole
// segment matches any number of directories ("**/x", "a/**/b"; a trailing "/**" matches
// everything inside). A pattern with a '/' before its last character is anchored to the root;
// one without matches at any depth. A trailing '/' matches directories only. A pattern that
// matches a directory matches every path under it. A leading '!' negates (see PathSet).
class Glob {
 public:
  static Result<Glob> compile(std::string_view pattern);
  bool matches(std::string_view path) const;  // ignores negation: "does the pattern hit"
  // The same answer by the general method, for paths longer than the fast one takes (and for
  // tests that cross-check the two).
  bool matches_long(std::string_view path) const;
  bool negated() const { return negated_; }
  const std::string& pattern() const { return pattern_; }

 private:
  bool matches_segments(std::span<const std::string_view> path, bool path_is_dir) const;
  std::string pattern_;
  std::vector<std::string> segments_;
  std::string needle_;  // literal text any matching path contains (from one segment), or empty
  bool negated_ = false;
  bool dir_only_ = false;
};

// A list of globs read like a .gitignore: the last pattern that hits a path decides, so
// ["infra/**", "!infra/docs/**"] matches infra/main.tf but not infra/docs/a.md.
struct PathSet {
  std::vector<Glob> globs;
  bool empty() const { return globs.empty(); }
  bool matches(std::string_view path) const;
};

// ---------------------------------------------------------------------------------------------
// Diagnostics.

enum class Level { error, warning };
std::string_view to_string(Level level);

struct Diagnostic {
  Level level = Level::error;
  Error error;  // error.where holds file, line, column and the offending line
};

struct Diagnostics {
  std::vector<Diagnostic> items;
  bool has_errors() const;
  size_t count(Level level) const;
  // Falco-style listing: "file:line:col: error: message", the snippet and a caret, per item.
  std::string format() const;
};

// ---------------------------------------------------------------------------------------------
// People.

struct Person {
  std::string id;
  std::string name;
  std::vector<std::string> emails;
  std::vector<std::string> roles;
  std::vector<std::string> keys;  // OpenSSH public key lines, unparsed (signoff parses them)
  std::vector<InputLocation> key_locations;  // where each of `keys` is written, when loaded from YAML
  InputLocation where;
  bool has_role(std::string_view role) const;
  bool has_email(std::string_view email) const;  // by text::same_email: case and sub-address ignored
  // Whether a git identity names this person: one of their emails, or their name or id as the
  // name (text::same_name). Who made a change is excluded under all of their addresses.
  bool is(std::string_view name, std::string_view email) const;
};

struct People {
  std::vector<Person> people;
  std::vector<std::string> declared_roles;  // optional `roles:` list: roles nobody holds yet
  std::vector<provenance::AgentIdentity> agents;  // never approvers; pass to AssessOptions::extra_agents
  bool present = false;  // false when there was no people.yaml

  const Person* by_id(std::string_view id) const;
  const Person* by_email(std::string_view email) const;
  bool role_defined(std::string_view role) const;  // declared, held by someone, or built in
};

// ---------------------------------------------------------------------------------------------
// Policy.

// The built-in role that every change under .countersign/ needs; always on.
inline constexpr std::string_view kPolicyAdminRole = "policy-admin";
inline constexpr std::string_view kPolicyDir = ".countersign/";
inline constexpr std::string_view kPolicyFile = ".countersign/policy.yaml";
inline constexpr std::string_view kPeopleFile = ".countersign/people.yaml";

// Who may not approve a change. All three are on unless a rule's `exclude:` says otherwise.
struct Exclusions {
  bool author = true;
  bool committer = true;
  bool operator_ = true;  // the human who drove the agent
};

struct Match {
  std::vector<provenance::Class> provenance;  // empty: any class
  // "Substantially assisted": the commit's AI share of added lines is at least this. A commit
  // whose share is unknown matches (it cannot be shown to be below), except a `human` one (0).
  std::optional<double> min_ai_share;
  PathSet paths;                          // empty: any; else some changed path must match
  std::vector<std::string> environments;  // empty: any; else the target environment is listed
  std::optional<Severity> min_severity;   // some (unsuppressed) risk finding is at least this
};

struct Require {
  int approvals = 1;
  std::vector<std::string> roles;  // an approver holds at least one of them
  Exclusions exclude;
};

struct Rule {
  std::string name;
  Match match;
  Require require;
  InputLocation where;
};

// `break_glass`: who may override the gate (`countersign override`, a later issue), for how
// long at most, and how soon the post-hoc review by a senior is due.
struct BreakGlass {
  std::vector<std::string> roles;  // empty: nobody may override
  std::chrono::seconds max_ttl{std::chrono::hours(4)};
  std::chrono::seconds review_within{std::chrono::hours(72)};
  std::vector<std::string> review_roles{"senior"};
  // Roles whose holders may override a change they authored, committed or operated. Empty (the
  // default): nobody may. Nobody ever closes the post-hoc review of their own change.
  std::vector<std::string> self_override;
};

// `authorship`: whom a commit's author and committer are taken to be. `claimed` (the default):
// the people the author and committer lines name. `verified`: every commit carries an SSH commit
// signature (gpg.format=ssh, namespace "git") by a key in the people directory, and its signer is
// the author and committer; an unsigned commit, or one signed by an unknown key, is blocked.
enum class Authorship { claimed, verified };

// `environments`: which target names count as production, and the one assumed when the caller
// names none.
struct Environments {
  std::vector<std::string> production{"production", "prod"};
  std::string default_name = "production";
  bool is_production(std::string_view name) const;
};

// `branches`: the protected branches, those changes go into. The gate trusts the one a change
// goes into (docs/policy.md "Trust root"); the remote's default branch always counts as one.
struct Branches {
  std::vector<std::string> protected_branches;  // branch names or globs ("main", "release/*")
  bool is_protected(std::string_view branch) const;
};

// `risk.escalate`: a finding at least this severe needs this much sign-off on top of the rules.
struct Escalation {
  Severity severity = Severity::critical;
  int approvals = 2;
  std::vector<std::string> roles{"senior"};
};

// `risk.suppress`: findings of `rule` on resources matching `resource` are ignored until
// `expires` (YYYY-MM-DD, UTC, exclusive). A suppression without expiry is an error.
struct Suppression {
  std::string rule;
  std::string resource;  // glob on the resource name (same syntax as paths, '*' spans '.')
  std::string expires;
  int64_t expires_at = 0;  // seconds since the epoch
  std::string reason;
  InputLocation where;
  bool covers(const risk::Finding& f, int64_t now) const;
};

// `risk.env_rebuild`: a plan is an environment rebuild (critical finding `env-rebuild`) when
// `min_share` of the environment is deleted or replaced (environments of at least
// `min_resources`), or at least `count` resources are (0: off). See docs/risk-rules.md.
struct EnvRebuild {
  int min_resources = 3;
  double min_share = 0.30;
  int count = 0;
};

struct RiskPolicy {
  std::vector<Escalation> escalate{Escalation{}};  // default: critical needs two seniors
  std::vector<std::string> protected_resources;     // resource globs whose deletion is critical
  std::vector<Suppression> suppress;
  PathSet plan_files;  // default: risk::Config's plan_globs (**/*.tfplan.json, **/plan.json, ...)
  PathSet migrations;  // default: risk::default_migration_globs()
  PathSet manifests;   // rendered Kubernetes manifests; default: risk::Config's manifest_globs
  risk::SqlDialect sql_dialect = risk::SqlDialect::postgresql;  // `dialect: postgres|mysql`
  EnvRebuild env_rebuild;
};

// `unknown`: a commit with no provenance evidence matches rules that list `unknown`, and also
// those that list the class it is treated as (default ai_assisted; `unknown` to opt out).
struct UnknownHandling {
  provenance::Class treat_as = provenance::Class::ai_assisted;
};

// `approvals`: how approvals are counted.
struct ApprovalCounting {
  // Whether one person may meet the requirements of two roles on one commit (a senior who is
  // also the policy-admin, approving as both). Off by default: a policy that asks for two roles
  // asks for two reviews, and one reviewer is one pair of eyes, whatever roles they hold. On, a
  // person approves once per role (`approve --role`) and each counts.
  bool one_person_many_roles = false;
};

// `provenance.trusted`: evidence sources that may lower what a commit needs below what the same
// commit with no evidence needs (`unknown`, AI share unknown). Default: none. Only the notes refs
// can be listed (provenance::can_be_trusted); everything else is the candidate author's writing.
struct ProvenanceTrust {
  std::vector<std::string> sources;
};

// `commands`: who releases a command the guard holds (docs/guard.md "Approving held commands"):
// for each entry, `count` distinct people holding `role`, none of them the operator the agent runs
// as and none an agent identity, each signing a command approval. Default: one senior.
struct CommandRequirement {
  std::string role;
  int count = 1;
  InputLocation where;
};
struct Commands {
  std::vector<CommandRequirement> approvals{CommandRequirement{"senior", 1, {}}};
};

struct Policy {
  int version = 1;
  std::vector<Rule> rules;
  std::optional<std::chrono::seconds> max_age;  // approvals older than this no longer count
  BreakGlass break_glass;
  Environments environments;
  Branches branches;
  RiskPolicy risk;
  UnknownHandling unknown;
  ApprovalCounting approvals;
  Authorship authorship = Authorship::claimed;
  ProvenanceTrust provenance_trust;
  Commands commands;
  bool builtin_default = false;  // true when the trusted revision had no policy.yaml
};

// The policy used when the trusted revision has none: AI-assisted, AI-authored and unknown
// commits need one approval from role senior (plus the always-on policy-admin rule).
Policy default_policy();

// ---------------------------------------------------------------------------------------------
// Loading.

struct SourceText {
  std::string name;  // shown in diagnostics, e.g. "origin/main:.countersign/policy.yaml"
  std::string text;
};

struct Loaded {
  Policy policy;
  People people;
  Diagnostics diagnostics;
};

// Reads, collects and compiles both files (either may be absent: nullopt gives the built-in
// default policy / an empty people directory). Never throws; all problems land in diagnostics.
Loaded load(const std::optional<SourceText>& policy, const std::optional<SourceText>& people);

// Loads .countersign/policy.yaml and people.yaml from the tree of `revision`. `label` prefixes
// file names in diagnostics. Fails only when git does (missing objects); bad YAML is diagnosed.
Result<Loaded> load_from_revision(const git::Repository& repo, const git::ObjectId& revision, std::string_view label);

// Loads files from disk (`countersign policy lint FILE...`, or a work tree's .countersign/).
// A missing file given by name is an error; nullopt paths are simply absent.
Result<Loaded> load_files(const std::optional<std::string>& policy_path, const std::optional<std::string>& people_path);

// ---------------------------------------------------------------------------------------------
// Evaluation.

// What the policy looks at for one commit. Findings come from the risk stage (empty until the
// gate is given a risk assessor); the environment is the deploy target.
struct CommitFacts {
  const provenance::Provenance* provenance = nullptr;
  std::span<const git::ChangedPath> paths;
  std::span<const risk::Finding> findings;
  std::string_view environment;
  int64_t now = 0;  // for suppression expiry, seconds since the epoch
};

// One thing a commit needs: `approvals` distinct people holding one of `roles`, none of them
// excluded. `rule` names the policy rule, "policy-admin" for the built-in one, or
// "risk:<severity>" for an escalation.
struct Requirement {
  std::string rule;
  int approvals = 1;
  std::vector<std::string> roles;
  Exclusions exclude;
  std::string reason;  // why it applies: "matches provenance ai_assisted; paths infra/**"
  // It applies only through the baseline: the class or share the commit's own evidence claims
  // would not match, but that evidence comes from no trusted source, so it cannot lower what the
  // commit needs below what trusted evidence alone (with none: `unknown`) requires.
  bool baseline = false;
};

// Every requirement the commit must meet: each matching rule, the policy-admin rule when a
// path under .countersign/ changed, and risk escalations. Empty: the commit needs nothing.
// A rule's provenance and share conditions are tried twice: with the class and share all the
// evidence gives, and with those of trusted evidence alone (Provenance::trusted_cls); a rule
// either matches applies. Evidence the candidate's author can write may so raise what is
// required, never lower it.
std::vector<Requirement> evaluate(const Policy& policy, const CommitFacts& facts);

// For `policy lint`: rules (errors) and risk escalations (warnings) that ask for more approvals
// than there are people holding one of their roles, not counting those `is_agent` says are agent
// identities. Exclusions depend on the commit, so they are not counted here. Empty without a
// people directory.
Diagnostics unmeetable_requirements(const Policy& policy, const People& people,
                                    const std::function<bool(const Person&)>& is_agent);

// Levenshtein distance, and the closest candidate within a small distance ("did you mean").
size_t edit_distance(std::string_view a, std::string_view b);
std::optional<std::string> closest(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace cs::policy
