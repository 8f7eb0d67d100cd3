// Guard is risk for one shell command an agent is about to run: it parses the command as a
// shell would, finds every simple command that would execute, matches them against the rule
// packs in the light of the target environment, and decides allow, ask (hold for a human) or deny.
#pragma once

#include <map>
#include <memory>
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

struct Config {
  // Repository root: `.countersign/guard.yaml` (user packs, allow-list) and
  // `.countersign/policy.yaml` (environments) are read from here when present. Empty: none.
  std::string project_dir;
  Environments environments;
  bool read_policy_environments = true;  // let policy.yaml's `environments` override the above
  std::vector<std::string> extra_pack_files;  // more pack files (YAML) to load
  int max_depth = 6;                          // nesting of sh -c / eval / ssh ... before "dynamic"
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

}  // namespace cs::guard
