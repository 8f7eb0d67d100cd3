// Risk answers "what can this change destroy": it reads Terraform/OpenTofu plans,
// CloudFormation change sets, Pulumi previews, Kubernetes manifests, SQL migrations and the
// paths a change touches, and reports findings with a stable rule id and a severity.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "countersign/core/error.h"
#include "countersign/core/severity.h"

namespace cs::risk {

struct Finding {
  std::string rule;      // stable id: "env-rebuild", "stateful-delete", "sql-drop-table", ...
  Severity severity = Severity::low;
  std::string resource;  // "aws_db_instance.main", "Namespace/prod", "public.users"
  std::string file;      // the input file the finding comes from
  std::string location;  // "line 12" / "12:5" for text inputs, a JSON path for JSON inputs
  std::string message;   // why this is destructive, and what to do instead
};

// What an input file is, told from its content (and, for SQL, its name). Every kind has one
// analyzer; the dispatcher (assess_file) picks it.
enum class InputKind {
  unknown,
  terraform_plan,                 // `terraform show -json` / `tofu show -json`
  cloudformation_change_set,      // `aws cloudformation describe-change-set` output
  cloudformation_stack_deletion,  // DescribeStackResources output marked "CountersignAction": "DeleteStack"
  pulumi_preview,                 // `pulumi preview --json`
  kubernetes_manifests,           // rendered YAML, kubectl diff --prune output (branch risk-sql)
  sql_migration,                  // *.sql migrations (branch risk-sql)
};
std::string_view to_string(InputKind kind);

// A policy suppression: the finding `rule` on resources matching the glob `resource` is
// dropped until `expires` (YYYY-MM-DD, UTC, exclusive, as in policy.h). Only the trusted policy supplies these;
// nothing in a changed file can suppress a finding.
struct Suppression {
  std::string rule;
  std::string resource;
  std::string expires;
  std::string reason;
};

// A changed path matching one of `globs` yields a finding `rule` with `severity`.
struct PathRule {
  std::string rule;
  std::vector<std::string> globs;
  Severity severity = Severity::medium;
  std::string message;
};

// Globs (`**` spans directories) that pick migration files among a change's paths.
const std::vector<std::string>& default_migration_globs();

// PostgreSQL and MySQL differ in quoting, comments and statement delimiters (assess_sql).
enum class SqlDialect { postgresql, mysql };
std::optional<SqlDialect> sql_dialect_from_string(std::string_view s);  // "postgres", "postgresql", "mysql"

// What a changed file is to the risk stage: read as a plan (Terraform, CloudFormation, Pulumi,
// by content), a SQL migration, rendered Kubernetes manifests (base against head), or only a path.
enum class FileRole { path_only, plan, migration, manifests };

// Everything risk takes from the trusted policy. The defaults are the documented ones
// (docs/risk-rules.md); policy::Policy's `risk` section fills this in.
struct Config {
  double env_rebuild_share = 0.30;          // share of prior_state resources deleted or replaced
  std::size_t env_rebuild_count = 0;        // absolute count that also triggers; 0 = off
  std::size_t env_rebuild_min_resources = 3;  // below this many prior resources, only a destroy-all counts
  std::vector<std::string> protected_resources;   // address globs or cloud ids (ARN, physical id, URN)
  std::vector<std::string> extra_stateful_types;  // added to data/stateful-resources.yaml
  std::vector<Suppression> suppressions;
  std::vector<std::pair<std::string, Severity>> severity_overrides;  // rule id -> severity
  std::optional<std::vector<PathRule>> path_rules;  // nullopt: data/risk-paths.yaml
  // Changed files that `check` reads as plans / change sets / previews.
  std::vector<std::string> plan_globs = {"**/*.tfplan.json", "**/plan.json", "**/*.plan.json",
                                         "**/*.changeset.json", "**/*.change-set.json", "**/*.preview.json"};
  std::vector<std::string> migration_globs = default_migration_globs();
  std::vector<std::string> manifest_globs = {"**/k8s/**/*.yaml", "**/k8s/**/*.yml", "**/kubernetes/**/*.yaml",
                                             "**/kubernetes/**/*.yml", "**/manifests/**/*.yaml", "**/manifests/**/*.yml",
                                             "**/*.k8s.yaml", "**/rendered/**/*.yaml"};
  // When set, decides the role of a changed file instead of the three glob lists (the gate
  // passes the trusted policy's gitignore-style path sets here).
  std::function<FileRole(std::string_view path)> select_file;
  SqlDialect sql_dialect = SqlDialect::postgresql;
  std::string today;  // YYYY-MM-DD for suppression expiry; empty = the current UTC date
  // Threads reading a large Terraform plan: 0 = every core when one is idle, else one.
  unsigned plan_threads = 0;
  // Inputs larger than this are refused (exit 2), so that /dev/zero or a runaway file cannot grow
  // memory without end.
  std::size_t max_input_bytes = std::size_t(4) << 30;
};

// The role of a changed file under `config` (select_file, else the glob lists, in that order).
FileRole role_of(std::string_view path, const Config& config);

// Tells the kind of an input from its path and first bytes. Never fails: unknown is a kind.
InputKind detect_kind(std::string_view path, std::string_view contents);

// The findings of one input file held in memory (e.g. a git blob). A file that cannot be
// parsed yields an `unreviewable` finding, never an empty list; an error is returned only
// when the input is not something risk reads at all (unknown kind).
Result<std::vector<Finding>> assess_file(std::string_view path, std::string_view contents, const Config& config);

// The same for a file on disk, read once into a padded mapping (large plans are never copied).
Result<std::vector<Finding>> assess_path(const std::string& path, const Config& config);

// Findings for changed paths matching the path rules (production config, infrastructure,
// migrations, .countersign/).
std::vector<Finding> assess_changed_paths(std::span<const std::string> paths, const Config& config);

// Everything `check` gives risk about one change: plan / change-set / preview files named on
// the command line (--plan FILE), and the change's files. Contents are needed only for files
// whose role_of() is not path_only: the new contents (empty for a deleted file) and, for
// manifests, the contents before the change (empty for an added file).
struct ChangedFile {
  std::string path;
  std::string contents;
  bool deleted = false;
  std::string base_contents;
  bool added = false;
};
struct ChangeInputs {
  std::vector<std::string> plan_files;
  std::vector<ChangedFile> changed_files;
};

// The risk stage of the gate: path rules over every changed path; every changed plan or
// migration (role_of) is assessed by content, changed manifests base against head; every plan
// file is read from disk. Fails closed: an input that cannot be read or recognised becomes an `unreviewable`
// finding, never an error that could be mistaken for "nothing found". Policy is applied.
std::vector<Finding> assess_change(const ChangeInputs& inputs, const Config& config);

// Applies the trusted policy to raw findings: severity overrides, then suppressions (expired
// ones are ignored); sorts by severity (critical first), then file and location.
std::vector<Finding> apply_policy(std::vector<Finding> findings, const Config& config);

// Whether `glob` matches `text`: `*` and `?` stay within a path segment, `**` spans segments.
bool glob_match(std::string_view glob, std::string_view text);

enum class Format { text, json, sarif };
std::optional<Format> format_from_string(std::string_view s);

// Renders findings: JSON {"findings": [...], "summary": {...}}, SARIF 2.1.0, or text lines.
std::string render(std::span<const Finding> findings, Format format);

// The highest severity among findings, or nullopt when there are none.
std::optional<Severity> highest(std::span<const Finding> findings);

// --- SQL migrations (sql_*.cpp) -------------------------------------------------------------
// PostgreSQL and MySQL migration files are tokenized and split into statements the way psql
// and the mysql client do; statements are classified into the sql-* rules of
// docs/risk-rules.md. Never fails: a file that cannot be tokenized (an unterminated string,
// comment or dollar quote, a NUL byte, invalid UTF-8) yields an `unreviewable` finding at the
// position where reading stopped, beside the findings before it.
struct SqlOptions {
  SqlOptions() = default;
  SqlOptions(SqlDialect d) : dialect(d) {}  // callers write SqlOptions{dialect}
  SqlDialect dialect = SqlDialect::postgresql;
  // psql's \i / \ir: the contents of the included file (its path as psql resolves it: \i against
  // the working directory, \ir against the including file), or nullopt when it is not in the
  // repository; the file is then `unreviewable`. Unset: no included file is followed.
  std::function<std::optional<std::string>(const std::string& path)> read_included;
};

std::vector<Finding> assess_sql(std::string_view text, std::string_view file, const SqlOptions& options = {});

bool is_migration_path(std::string_view path, std::span<const std::string> globs);

// --- Kubernetes manifests (kubernetes*.cpp) ---------------------------------------------------
// Rendered manifests (multi-document YAML: kubectl, kustomize or helm output) at the base and
// at the head of a change. Objects are keyed by API group, kind, namespace and name; an object
// in the base and not in the head is deleted, one whose immutable fields changed is replaced.
struct ManifestFile {
  std::string file;  // path shown in findings
  std::string text;
};

std::vector<Finding> assess_manifests(std::span<const ManifestFile> base, std::span<const ManifestFile> head);

// `kubectl diff --prune` output (a unified diff between LIVE and MERGED object files): an object
// whose MERGED side is empty is pruned (deleted). See docs/risk-rules.md for the accepted form.
std::vector<Finding> assess_kubectl_diff(std::string_view diff, std::string_view file);
// True when text looks like unified diff output rather than YAML.
bool looks_like_kubectl_diff(std::string_view text);

}  // namespace cs::risk
