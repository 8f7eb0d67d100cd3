// Guard is risk for one shell command an agent is about to run: it parses the command as a
// shell would, finds every simple command that would execute, matches them against the rule
// packs in the light of the target environment, and decides allow, ask (hold for a human) or deny.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "countersign/core/error.h"
#include "countersign/core/severity.h"

namespace cs::guard {

enum class Decision { allow, ask, deny };
std::string_view to_string(Decision d);

// What the guard knows about where the command runs.
struct Context {
  std::string cwd;
  std::map<std::string, std::string> env;  // the agent's environment (AWS_PROFILE, KUBECONFIG, ...)
};

struct RuleMatch {
  std::string rule;         // stable id, e.g. "aws.rds.delete-db-instance"
  Severity severity = Severity::high;
  std::string command;      // the simple command that matched, argv joined with spaces
  std::string explanation;  // why it is dangerous
  std::string alternative;  // the safer way
  std::string environment;  // the target environment of that command ("" when the rule is local)
  bool production = true;   // whether that environment counts as production
  Decision decision = Decision::ask;  // what this match alone decides
};

// One simple command found in the input, after quote removal and unwrapping of wrappers
// (sudo, env, xargs, ...). `executed` is false for data: a heredoc body fed to cat, the
// arguments of echo/printf/grep/git commit -m.
struct SimpleCommand {
  std::vector<std::string> argv;
  bool executed = true;
  bool dynamic = false;  // part of it cannot be known statically ($X, curl | sh, python -c ...)
  int depth = 0;         // 0 = typed by the agent; n = inside n levels of sh -c / eval / ssh ...
  std::string via;       // how it was reached: "sudo", "sh -c", "ssh prod-db", "heredoc into psql"
  std::string sql;       // SQL (or redis/mongo script) this command sends to a database, if any
  std::string note;      // why it is dynamic, or what could not be parsed
};

struct Verdict {
  Decision decision = Decision::deny;
  std::string reason;              // one line, shown to the model or the user
  std::string environment;         // target environment found, or "unknown (assumed production)"
  bool production = true;
  bool dynamic = false;            // something could not be resolved statically
  bool malformed = false;          // the input did not parse (fail closed: never allow)
  std::vector<RuleMatch> matches;
  std::vector<SimpleCommand> commands;  // the parse: what would run, and what is data
};

// Which environment names count as production. The policy's `environments` section fills
// this when .countersign/policy.yaml has one; otherwise these defaults apply.
// A pattern is matched against the whole name (with * globs) or, without globs, against each
// word of the name ("prod" matches "eks-prod-eu" and "prod", not "produce").
struct Environments {
  std::vector<std::string> production{"prod", "production", "prd", "live"};
  std::vector<std::string> non_production{"dev", "development", "staging", "stage", "stg", "test",
                                          "testing", "qa", "sandbox", "local", "localhost",
                                          "127.0.0.1", "::1", "minikube", "kind-*", "docker-desktop",
                                          "ci", "preview"};
  bool default_production = true;  // an unknown environment is production (fail closed)
};

// The policy file as the trusted revision holds it (the gate's rule: the branch the change goes
// into), with the name it is shown under.
struct TrustedPolicy {
  std::string name;  // "refs/remotes/origin/main:.countersign/policy.yaml"
  std::string text;
};

// Everything the guard takes from the trusted revision of a project (gate::choose_trust_root with
// nothing given: the branch changes go into). Only this and the system directory may loosen the
// guard (allow entries, disabled packs, non-production names); the work tree can only add holds.
struct TrustedConfig {
  std::string revision;                 // "refs/remotes/origin/main"; empty: no trusted revision
  std::optional<TrustedPolicy> policy;  // its .countersign/policy.yaml
  std::optional<TrustedPolicy> guard;   // its .countersign/guard.yaml
  // Set when a trusted revision exists but cannot be read, or its policy does not load: the guard
  // then fails closed (Guard::load fails with this message) instead of falling back to the work tree.
  std::string error;
  std::string reader;  // how it was read, for explain: "countersign's ref and object reader", "libgit2"
};

struct Config {
  // Repository root: `.countersign/guard.yaml` (user packs, allow-list) and
  // `.countersign/policy.yaml` (environments) are read from here when present. Empty: none.
  std::string project_dir;
  Environments environments;
  // The trusted policy's `environments` replace the above. The work tree's policy.yaml (which the
  // agent edits) can only add production names: it never makes a name non-production.
  std::optional<TrustedPolicy> trusted_policy;
  // The same, fetched the first time a command's environment matters (most commands never ask).
  std::function<std::optional<TrustedPolicy>()> trusted_policy_source;
  // The whole trusted configuration (guard.yaml and policy.yaml), given or fetched when the guard
  // loads; when set, the two trusted_policy fields above are not used.
  std::optional<TrustedConfig> trusted_config;
  std::function<TrustedConfig()> trusted_config_source;
  // The administrator's configuration (guard.yaml, policy.yaml), honoured like the trusted revision
  // when the current account cannot write it (a non-root user owning or able to write a file or
  // its directory: ignored with a warning). Tests point this elsewhere; never the environment,
  // which the agent controls.
  std::string system_dir = "/etc/countersign";
  bool read_policy_environments = true;  // read the environments of the policies above
  std::vector<std::string> extra_pack_files;  // more pack files (YAML) to load
  int max_depth = 6;                          // nesting of sh -c / eval / ssh ... before "dynamic"
  // Built-in packs from their form compiled at build time (false: parse their embedded YAML,
  // which gives the same packs). A pack overridden through $COUNTERSIGN_DATA_DIR is always parsed.
  bool compiled_packs = true;
};

// A problem found while loading packs, with its position (Falco style).
struct Diagnostic {
  bool error = true;
  std::string message;
  InputLocation where;
  std::string describe() const;
};

// An AWS API call made without a shell (Kiro / Amazon Q `use_aws`). Operation in either
// form: "DeleteStack" or "delete-stack". Parameter values are strings; non-scalar values are
// passed as their JSON text. Judged with the aws pack exactly as `aws <service> <operation> ...`.
struct AwsCall {
  std::string service;    // "cloudformation"
  std::string operation;  // "delete-stack" or "DeleteStack"
  std::vector<std::pair<std::string, std::string>> parameters;  // {"StackName", "prod"}
  std::string region;
  std::string profile;
};

class Guard {
 public:
  // Loads the embedded packs (precompiled at build time), the user's extra packs and allow-list
  // (.countersign/guard.yaml), and the environments. Fails with every problem listed in the
  // error message when a user file is malformed.
  static Result<Guard> load(const Config& config);

  Verdict classify(std::string_view command, const Context& context) const;
  Verdict classify_aws(const AwsCall& call, const Context& context) const;
  // Files an agent's file tool is about to create, write, edit or delete (Claude Code Write/Edit,
  // Codex apply_patch, Gemini write_file, ...): held as critical when one is protected
  // (protected.h: agent hook settings, countersign's configuration, state and approvals),
  // allowed otherwise. Paths are absolute or relative to context.cwd.
  Verdict classify_write(const std::vector<std::string>& paths, const Context& context) const;

  // Human-readable explanation: the parse, context, matches and decision (`countersign explain`).
  std::string explain(std::string_view command, const Context& context) const;

  // Warnings collected while loading (unknown keys, expired allow-list entries, ...).
  const std::vector<Diagnostic>& warnings() const;
  // Number of rules loaded (all packs), for doctor/explain.
  std::size_t rule_count() const;

  Guard(Guard&&) noexcept;
  Guard& operator=(Guard&&) noexcept;
  ~Guard();

  struct Impl;

 private:
  explicit Guard(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The environment of this process and `cwd` (empty: the current directory), as a Context.
Context context_from_process(std::string cwd = {});
// The repository root above `cwd` (nearest ancestor with .countersign/ or .git), or cwd itself.
std::string find_project_dir(std::string_view cwd);

// The aws CLI argv equivalent of an AWS API call: {"aws", service, operation, "--param", value, ...}.
std::vector<std::string> aws_call_argv(const AwsCall& call);

// ---- Agent hooks (hooks_*.cpp, held.cpp, audit.cpp, install.cpp) ----

// What `countersign guard --agent NAME` prints and the exit code it returns, in the agent's own
// protocol.
struct HookReply {
  std::string out;  // stdout
  std::string err;  // stderr
  int exit_code = 0;
};

// A held command as it travels to a senior and back (docs/guard.md "Approving held commands"):
// exactly what will run, where and against what, for which agent and operator, and the binding a
// command approval signs. The binding is recomputed from argv, cwd and environment whenever a
// request is read, so a request cannot name one command and bind another.
struct CommandRequest {
  std::string id;                              // the first 16 hex digits of `binding`
  std::string binding;                         // command_binding(argv, cwd, environment)
  std::vector<std::vector<std::string>> argv;  // each simple command that will run, normalised
  std::string command;                         // as the agent wrote it
  std::string cwd;
  std::string environment;  // the target environment
  std::string agent;
  std::string operator_;  // the account the agent runs as (login name)
  std::string created;    // RFC 3339 UTC
};

// What the trusted revision says of the approvals waiting for a held command.
struct CommandRelease {
  bool released = false;
  std::vector<std::string> approvers;  // the people whose approvals counted
  // One key per approval that counted: the hex SHA-256 of what its signer signed (not of the
  // block, whose wrapping and signature encoding another copy can vary). The hook marks them used.
  std::vector<std::string> uses;
  std::string reason;  // why not, naming each approval's refusal
};
// Whether an approval with this key was used up by an earlier retry.
using ApprovalUsed = std::function<bool(const std::string& key)>;

// Where a hook runs: the process environment (HOME, XDG_STATE_HOME, AWS_PROFILE, ...) and its
// working directory, used when the payload carries no cwd.
struct HookEnvironment {
  std::map<std::string, std::string> env;
  std::string process_cwd;
  // The trusted revision's policy for a project directory, when the shell can find it (the
  // gate's trust rule lives to the right of the guard); nullopt: the defaults and the work tree.
  std::function<std::optional<TrustedPolicy>(const std::string& project_dir)> trusted_policy;
  // The trusted revision's whole guard configuration; preferred over trusted_policy when set.
  std::function<TrustedConfig(const std::string& project_dir)> trusted_config{};
  // Verifies the approvals accepted for a held request against the trusted revision's people and
  // `commands` policy (signoff/ and gate/ lie to the right of the guard). Called only when an
  // approval is waiting for exactly that request; unset: nothing is ever released.
  std::function<CommandRelease(const std::string& project_dir, const CommandRequest& request,
                               const std::vector<std::string>& approvals, const ApprovalUsed& used)>
      release_command{};
};

// The agents spoken to, by their `--agent` names: claude-code, codex, gemini, cursor, copilot, kiro,
// windsurf, cline, augment, droid, vscode.
std::vector<std::string> hook_agents();

// Reads one hook payload, classifies the command (the packs are loaded only when there is a
// command to judge), applies held-command approvals, appends the decision to the audit log, and
// answers in the agent's protocol. Never throws; malformed input and internal failures are
// denied (fail closed).
HookReply run_hook(std::string_view agent, std::string_view payload, const HookEnvironment& where);

// The local state directory: $XDG_STATE_HOME/countersign or $HOME/.local/state/countersign.
Result<std::string> state_dir(const std::map<std::string, std::string>& env);

// Hex SHA-256 of the canonical, length-prefixed encoding of (argv list, cwd, environment).
std::string command_binding(const std::vector<std::vector<std::string>>& argv, std::string_view cwd,
                            std::string_view environment);

// The request as one armored block ("-----BEGIN COUNTERSIGN COMMAND REQUEST-----", base64 lines,
// "-----END COUNTERSIGN COMMAND REQUEST-----"); an error when it would exceed kMaxBlockPayload.
Result<std::string> request_block(const CommandRequest& request);
// Strict: exactly one block, nothing but whitespace around it, canonical base64, the exact field
// layout request_block writes, a binding that is argv, cwd and environment's, and the id its prefix.
Result<CommandRequest> parse_request_block(std::string_view text);

// Armor shared by requests and approvals: `payload` as base64 lines of 64 columns between
// "-----BEGIN <label>-----" and "-----END <label>-----". dearmor is strict in the same way as
// parse_request_block and refuses payloads over `max_payload` bytes.
inline constexpr size_t kMaxBlockPayload = 8192;
std::string armor(std::string_view label, std::string_view payload);
Result<std::string> dearmor(std::string_view label, std::string_view text, size_t max_payload = kMaxBlockPayload);

// A held command waiting for approval (state_dir/guard/pending/<id>.json).
struct HeldRequest {
  std::string id;
  std::string binding;      // hex SHA-256 of (normalised argv list, cwd, environment)
  std::string agent;
  std::string command;      // redacted
  std::string cwd;
  std::string environment;
  std::string created;      // RFC 3339 UTC
  std::vector<std::string> rules;
  std::string block;     // the request block to forward to a senior (empty: too long to forward)
  size_t approvals = 0;  // approvals accepted and waiting for the retry
};

Result<std::vector<HeldRequest>> pending_requests(const std::map<std::string, std::string>& env);

// Stores a command approval block (`countersign guard accept`) for the request it names, in
// state_dir/guard/approved/<id>/; the next retry of exactly that command verifies it. `request_id`
// is the id the block's statement names, read by the caller (the statement is signoff's format).
// Returns where it was stored.
Result<std::string> accept_approval(std::string_view request_id, std::string_view block,
                                    const std::map<std::string, std::string>& env);

enum class HookScope { project, user };

// The settings file that `install-hook` writes for this agent and scope (e.g.
// <project>/.claude/settings.json, <home>/.cursor/hooks.json).
Result<std::string> hook_settings_file(std::string_view agent, HookScope scope, std::string_view project_dir,
                                       std::string_view home);

struct HookInstall {
  std::string agent;
  std::string file;
  bool changed = false;  // false when the hook was already installed exactly so
  std::string note;      // what the user must still do for the agent to run it (e.g. select the agent)
};

// The files `install-hook` writes for this agent and scope (Kiro: its agent in use and, when Amazon
// Q is set up, Amazon Q's agent).
Result<std::vector<std::string>> hook_settings_files(std::string_view agent, HookScope scope,
                                                     std::string_view project_dir, std::string_view home);

// Writes or merges `settings_file` so that the agent runs `<countersign_path> guard --agent NAME`
// before shell commands and file writes. A bare name (`countersign`) is looked up on PATH, so that
// committed project settings work for everyone; when it is missing, the command gives the agent's
// blocking answer instead of "command not found" (which most agents ignore). Keeps every other setting and hook, is idempotent, writes atomically,
// and refuses a file it cannot parse.
Result<HookInstall> install_hook(std::string_view agent, std::string_view settings_file,
                                 std::string_view countersign_path);

// One installed hook found by `guard doctor`, with the result of running it on a canary.
struct HookCheck {
  std::string agent;
  std::string file;
  std::string command;    // as configured, empty when not installed
  bool installed = false;
  bool blocks_canary = false;
  std::string detail;     // what the canary run answered, or why the file is unusable
  std::vector<std::string> notes;  // what else to know: fails open on crash or timeout, ...
};

std::vector<HookCheck> doctor(std::string_view project_dir, std::string_view home,
                              const std::map<std::string, std::string>& env);

}  // namespace cs::guard
