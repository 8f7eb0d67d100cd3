// The dispatcher: tells the kind of each input from its content and hands it to that kind's
// analyzer, then applies the trusted policy (severity overrides, suppressions).
#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "countersign/risk/catalog.h"
#include "countersign/risk/change_model.h"
#include "countersign/risk/input_buffer.h"

namespace cs::risk {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool has(std::string_view head, std::string_view needle) { return head.find(needle) != std::string_view::npos; }

std::string today_utc() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// A file psql's \i / \ir names, when it lies in the repository: the working directory (where
// migration tools run from) or below it. Anything else (/etc/..., ../other) is not followed.
std::optional<std::string> read_repository_file(const std::string& path, std::size_t limit) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path root = fs::canonical(fs::current_path(ec), ec);
  if (ec) return std::nullopt;
  const fs::path full = fs::canonical(path, ec);
  if (ec || !fs::is_regular_file(full, ec) || fs::file_size(full, ec) > limit) return std::nullopt;
  const fs::path rel = full.lexically_relative(root);
  if (rel.empty() || *rel.begin() == "..") return std::nullopt;
  std::ifstream in(full, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) return std::nullopt;
  return std::move(text).str();
}

Result<std::vector<Finding>> infrastructure(ChangeSet set, const Config& config, bool terraform) {
  if (!set.wrong_document.empty()) return fail(Errc::invalid_argument, set.file + ": " + set.wrong_document);
  auto cat = catalog();
  if (!cat) return std::unexpected(cat.error());
  const bool readable = std::none_of(set.findings.begin(), set.findings.end(),
                                     [](const Finding& f) { return f.rule == "unreviewable"; });
  if (readable || !set.changes.empty()) {
    common_rules(set, config);
    if (terraform) terraform_rules(set, config);
  }
  return std::move(set.findings);
}

// Every analyzer takes the input with kPadding readable bytes after its end.
Result<std::vector<Finding>> dispatch(std::string_view path, std::string_view padded, const Config& config) {
  const InputKind kind = detect_kind(path, padded);
  // A UTF-8 byte-order mark before JSON (Windows tools write one): the document starts after it.
  if (kind != InputKind::sql_migration && padded.starts_with("\xef\xbb\xbf")) padded.remove_prefix(3);
  switch (kind) {
    case InputKind::terraform_plan:
      return infrastructure(read_terraform_plan(path, padded, config.plan_threads), config, true);
    case InputKind::cloudformation_change_set:
      return infrastructure(read_cloudformation(path, padded, false), config, false);
    case InputKind::cloudformation_stack_deletion:
      return infrastructure(read_cloudformation(path, padded, true), config, false);
    case InputKind::pulumi_preview:
      return infrastructure(read_pulumi_preview(path, padded), config, false);
    case InputKind::sql_migration: {
      SqlOptions options{config.sql_dialect};
      options.read_included = [limit = config.max_input_bytes](const std::string& included) {
        return read_repository_file(included, limit);
      };
      return assess_sql(padded, path, options);
    }
    case InputKind::kubernetes_manifests:
      if (looks_like_kubectl_diff(padded)) return assess_kubectl_diff(padded, path);
      return fail(Errc::unsupported, std::string(path) + ": " + std::string(to_string(kind)) +
                                         " alone shows no change: give `kubectl diff --prune` output, or the rendered "
                                         "manifests before the change with --base");
    case InputKind::unknown:
      break;
  }
  std::string hint;
  if (padded.starts_with("PK\x03\x04")) hint = " (a binary Terraform plan: give `terraform show -json PLAN` instead)";
  else if (padded.starts_with("\xff\xfe") || padded.starts_with("\xfe\xff") ||
           padded.substr(0, std::min<std::size_t>(padded.size(), 4096)).find('\0') != std::string_view::npos)
    hint = " (UTF-16 or binary content: inputs must be UTF-8 JSON or text)";
  return fail(Errc::unsupported,
              std::string(path) + ": not a Terraform/OpenTofu plan, CloudFormation change set, Pulumi preview, "
                                  "Kubernetes manifest or SQL migration" + hint);
}

}  // namespace

std::optional<SqlDialect> sql_dialect_from_string(std::string_view s) {
  if (s == "postgres" || s == "postgresql" || s == "pg") return SqlDialect::postgresql;
  if (s == "mysql" || s == "mariadb") return SqlDialect::mysql;
  return std::nullopt;
}

std::string_view to_string(InputKind kind) {
  switch (kind) {
    case InputKind::unknown: return "unknown";
    case InputKind::terraform_plan: return "terraform-plan";
    case InputKind::cloudformation_change_set: return "cloudformation-change-set";
    case InputKind::cloudformation_stack_deletion: return "cloudformation-stack-deletion";
    case InputKind::pulumi_preview: return "pulumi-preview";
    case InputKind::kubernetes_manifests: return "kubernetes-manifests";
    case InputKind::sql_migration: return "sql-migration";
  }
  return "unknown";
}

InputKind detect_kind(std::string_view path, std::string_view contents) {
  std::string_view head = contents.substr(0, std::min<std::size_t>(contents.size(), 1 << 16));
  if (head.starts_with("\xef\xbb\xbf")) head.remove_prefix(3);
  const auto first = head.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && head[first] == '{') {
    // Keys may come in any order (a key-sorted plan puts a large "configuration" first): when the
    // head does not tell, look at the whole document.
    if (head.size() < contents.size() && !has(head, "\"format_version\"") && !has(head, "\"ChangeSet") &&
        !has(head, "\"steps\"") && !has(head, "\"StackResources\""))
      head = contents.starts_with("\xef\xbb\xbf") ? contents.substr(3) : contents;
    if (has(head, "\"format_version\"") &&
        (has(head, "\"terraform_version\"") || has(head, "\"resource_changes\"") || has(head, "\"planned_values\"")))
      return InputKind::terraform_plan;
    if (has(head, "\"StackResources\"") && has(head, "\"CountersignAction\""))
      return InputKind::cloudformation_stack_deletion;
    if (has(head, "\"ChangeSetId\"") || has(head, "\"ChangeSetName\"") ||
        (has(head, "\"Changes\"") && has(head, "\"ResourceChange\"")))
      return InputKind::cloudformation_change_set;
    if (has(head, "\"steps\"") && (has(head, "urn:pulumi:") || has(head, "\"changeSummary\"")))
      return InputKind::pulumi_preview;
    return InputKind::unknown;
  }
  if (ends_with(path, ".sql")) return InputKind::sql_migration;
  if (looks_like_kubectl_diff(head)) return InputKind::kubernetes_manifests;
  if ((ends_with(path, ".yaml") || ends_with(path, ".yml") || head.starts_with("diff ")) &&
      has(head, "apiVersion") && has(head, "kind"))
    return InputKind::kubernetes_manifests;
  return InputKind::unknown;
}

Result<std::vector<Finding>> assess_file(std::string_view path, std::string_view contents, const Config& config) {
  const InputBuffer buf = InputBuffer::copy_of(contents);
  return dispatch(path, buf.view(), config);
}

Result<std::vector<Finding>> assess_path(const std::string& path, const Config& config) {
  auto buf = InputBuffer::load(path, config.max_input_bytes);
  if (!buf) return std::unexpected(buf.error());
  return dispatch(path, buf->view(), config);
}

std::vector<Finding> assess_changed_paths(std::span<const std::string> paths, const Config& config) {
  std::vector<Finding> out;
  const std::vector<PathRule>* rules = config.path_rules ? &*config.path_rules : nullptr;
  auto cat = catalog();
  if (!rules && cat) rules = &(*cat)->path_rules;
  if (!rules) return out;
  for (const auto& path : paths)
    for (const auto& rule : *rules)
      for (const auto& glob : rule.globs)
        if (glob_match(glob, path)) {
          out.push_back(Finding{rule.rule, rule.severity, path, path, "",
                                path + " " + (rule.message.empty() ? "matches " + glob : rule.message)});
          break;
        }
  return out;
}

std::vector<Finding> apply_policy(std::vector<Finding> findings, const Config& config) {
  const std::string today = config.today.empty() ? today_utc() : config.today;
  for (auto& f : findings)
    for (const auto& [rule, severity] : config.severity_overrides)
      if (rule == f.rule) f.severity = severity;
  std::erase_if(findings, [&](const Finding& f) {
    return std::any_of(config.suppressions.begin(), config.suppressions.end(), [&](const Suppression& s) {
      return s.rule == f.rule && glob_match(s.resource, f.resource) && !s.expires.empty() &&
             today < s.expires.substr(0, 10);
    });
  });
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    if (a.severity != b.severity) return a.severity > b.severity;
    return a.file < b.file;
  });
  return findings;
}

std::optional<Severity> highest(std::span<const Finding> findings) {
  std::optional<Severity> h;
  for (const auto& f : findings)
    if (!h || f.severity > *h) h = f.severity;
  return h;
}

namespace {

// The match is anchored at both ends, so the literal text before the first wildcard must begin
// `text` and the literal text after the last one must end it: most non-matches stop here.
bool ends_agree(std::string_view glob, std::string_view text) {
  const size_t first = glob.find_first_of("*?"), last = glob.find_last_of("*?");
  if (first == std::string_view::npos) return glob == text;
  std::string_view head = glob.substr(0, first), tail = glob.substr(last + 1);
  // "**/" may match no segment at all, slash included ("**/plan.json" matches "plan.json").
  if (tail.starts_with('/') && last > 0 && glob[last - 1] == '*') tail.remove_prefix(1);
  return text.size() >= head.size() + tail.size() && text.starts_with(head) && text.ends_with(tail);
}

bool glob_match_from(std::string_view glob, std::string_view text);

}  // namespace

bool glob_match(std::string_view glob, std::string_view text) { return ends_agree(glob, text) && glob_match_from(glob, text); }

namespace {

bool glob_match_from(std::string_view glob, std::string_view text) {
  while (!glob.empty()) {
    if (glob.starts_with("**")) {
      std::string_view rest = glob.substr(2);
      if (rest.empty()) return true;
      if (rest.front() == '/') {
        rest.remove_prefix(1);
        if (glob_match_from(rest, text)) return true;
        for (std::size_t i = 0; i < text.size(); ++i)
          if (text[i] == '/' && glob_match_from(rest, text.substr(i + 1))) return true;
        return false;
      }
      for (std::size_t i = 0; i <= text.size(); ++i)
        if (glob_match_from(rest, text.substr(i))) return true;
      return false;
    }
    if (glob.front() == '*') {
      const std::string_view rest = glob.substr(1);
      for (std::size_t i = 0; i <= text.size(); ++i) {
        if (glob_match_from(rest, text.substr(i))) return true;
        if (i < text.size() && text[i] == '/') break;
      }
      return false;
    }
    if (text.empty()) return false;
    if (glob.front() == '?' ? text.front() == '/' : glob.front() != text.front()) return false;
    glob.remove_prefix(1);
    text.remove_prefix(1);
  }
  return text.empty();
}

}  // namespace

}  // namespace cs::risk
