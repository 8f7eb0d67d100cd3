// The gate's risk stage: maps the trusted policy's `risk` section onto risk::Config and feeds
// the stage what git holds for each commit.
#include "countersign/gate/risk_stage.h"

#include <algorithm>

namespace cs::gate::detail {
namespace {

constexpr uint32_t kGitlinkMode = 0160000;  // a submodule entry names a commit, not a blob

}  // namespace

risk::Config risk_config(const policy::Policy& policy) {
  const policy::RiskPolicy& p = policy.risk;
  risk::Config c;
  c.env_rebuild_share = p.env_rebuild.min_share;
  c.env_rebuild_min_resources = static_cast<std::size_t>(std::max(1, p.env_rebuild.min_resources));
  c.env_rebuild_count = static_cast<std::size_t>(std::max(0, p.env_rebuild.count));
  c.protected_resources = p.protected_resources;
  c.sql_dialect = p.sql_dialect;
  c.select_file = [&p](std::string_view path) {
    if (p.plan_files.matches(path)) return risk::FileRole::plan;
    if (p.migrations.matches(path)) return risk::FileRole::migration;
    if (p.manifests.matches(path)) return risk::FileRole::manifests;
    return risk::FileRole::path_only;
  };
  // Suppressions are applied by policy::evaluate (and shown by mark_suppressed), not dropped here.
  return c;
}

Result<std::vector<risk::Finding>> changed_file_risk(const git::Repository& repo, const git::Commit& /*commit*/,
                                                     std::span<const git::ChangedPath> paths, const risk::Config& config) {
  risk::ChangeInputs in;
  in.changed_files.reserve(paths.size());
  for (const auto& p : paths) {
    risk::ChangedFile f;
    f.path = p.path;
    f.deleted = p.kind == git::ChangeKind::deleted;
    f.added = p.kind == git::ChangeKind::added;
    const risk::FileRole role = risk::role_of(p.path, config);
    if (role != risk::FileRole::path_only) {
      if (!f.deleted && p.new_mode != kGitlinkMode) {
        auto blob = repo.blob(p.new_blob);
        if (!blob) return std::unexpected(blob.error());
        f.contents = std::move(*blob);
      }
      if (role == risk::FileRole::manifests && !f.added && p.old_mode != kGitlinkMode) {
        auto blob = repo.blob(p.old_blob);
        if (!blob) return std::unexpected(blob.error());
        f.base_contents = std::move(*blob);
      }
    }
    in.changed_files.push_back(std::move(f));
  }
  return risk::assess_change(in, config);
}

Result<std::vector<risk::Finding>> plan_file_risk(std::span<const std::string> files, const risk::Config& config) {
  std::vector<risk::Finding> out;
  for (const auto& file : files) {
    auto found = risk::assess_path(file, config);
    if (!found) return std::unexpected(Error{found.error().code, "--plan " + found.error().message, found.error().where});
    out.insert(out.end(), std::make_move_iterator(found->begin()), std::make_move_iterator(found->end()));
  }
  return risk::apply_policy(std::move(out), config);
}

void mark_suppressed(std::vector<risk::Finding>& findings, const policy::Policy& policy, int64_t now) {
  for (auto& f : findings)
    for (const auto& s : policy.risk.suppress)
      if (s.covers(f, now)) {
        f.message += " [suppressed by the trusted policy until " + s.expires +
                     (s.reason.empty() ? "" : ": " + s.reason) + "]";
        break;
      }
}

}  // namespace cs::gate::detail
