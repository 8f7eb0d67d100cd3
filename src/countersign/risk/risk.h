// Risk answers "what can this change destroy": it reads Terraform/OpenTofu plans,
// CloudFormation change sets, Pulumi previews, Kubernetes manifests, SQL migrations and the
// paths a change touches, and reports findings with a stable rule id and a severity.
#pragma once

#include <span>
#include <string>
#include <string_view>
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

// --- SQL migrations (sql_*.cpp) -------------------------------------------------------------
// PostgreSQL and MySQL migration files are tokenized and split into statements the way psql
// and the mysql client do; statements are classified into the sql-* rules of
// docs/risk-rules.md. Never fails: a file that cannot be tokenized (an unterminated string,
// comment or dollar quote, a NUL byte, invalid UTF-8) yields an `unreviewable` finding at the
// position where reading stopped, beside the findings before it.
enum class SqlDialect { postgresql, mysql };

struct SqlOptions {
  SqlDialect dialect = SqlDialect::postgresql;
};

std::vector<Finding> assess_sql(std::string_view text, std::string_view file, const SqlOptions& options = {});

// Globs (`**` spans directories) that pick migration files among a change's paths.
const std::vector<std::string>& default_migration_globs();
bool matches_glob(std::string_view path, std::string_view glob);
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
