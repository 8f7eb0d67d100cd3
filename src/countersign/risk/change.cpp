// The risk stage as the gate runs it over one change (see assess_change in risk.h).
#include <algorithm>

#include "countersign/risk/change_model.h"

namespace cs::risk {
namespace {

bool matches_any(std::string_view path, std::span<const std::string> globs) {
  return std::any_of(globs.begin(), globs.end(), [&](const std::string& g) { return glob_match(g, path); });
}

void add_assessed(std::vector<Finding>& out, const std::string& file, Result<std::vector<Finding>> r) {
  if (r) {
    out.insert(out.end(), std::make_move_iterator(r->begin()), std::make_move_iterator(r->end()));
  } else {
    out.push_back(unreviewable(file, "", r.error().message));
  }
}

}  // namespace

FileRole role_of(std::string_view path, const Config& config) {
  if (config.select_file) return config.select_file(path);
  if (matches_any(path, config.plan_globs)) return FileRole::plan;
  if (matches_any(path, config.migration_globs)) return FileRole::migration;
  if (matches_any(path, config.manifest_globs)) return FileRole::manifests;
  return FileRole::path_only;
}

std::vector<Finding> assess_change(const ChangeInputs& inputs, const Config& config) {
  std::vector<Finding> out;
  std::vector<std::string> paths;
  for (const auto& f : inputs.changed_files) paths.push_back(f.path);
  out = assess_changed_paths(paths, config);
  // Manifests are compared as one rendered set per side, so that an object moved from one
  // file to another is neither deleted nor created.
  std::vector<ManifestFile> base, head;
  // A file a migration includes (psql \i / \ir) is followed when the change carries it.
  SqlOptions sql_options{config.sql_dialect};
  sql_options.read_included = [&inputs](const std::string& path) -> std::optional<std::string> {
    for (const auto& f : inputs.changed_files)
      if (!f.deleted && f.path == path) return f.contents;
    return std::nullopt;
  };
  for (const auto& f : inputs.changed_files) {
    switch (role_of(f.path, config)) {
      case FileRole::path_only: break;
      case FileRole::plan:
        if (!f.deleted) add_assessed(out, f.path, assess_file(f.path, f.contents, config));
        break;
      case FileRole::migration:
        if (!f.deleted) add_assessed(out, f.path, assess_sql(f.contents, f.path, sql_options));
        break;
      case FileRole::manifests:
        if (!f.added) base.push_back({f.path, f.base_contents});
        if (!f.deleted) {
          if (looks_like_kubectl_diff(f.contents)) add_assessed(out, f.path, assess_kubectl_diff(f.contents, f.path));
          else head.push_back({f.path, f.contents});
        }
        break;
    }
  }
  if (!base.empty()) add_assessed(out, base.front().file, assess_manifests(base, head));
  for (const auto& p : inputs.plan_files) add_assessed(out, p, assess_path(p, config));
  return apply_policy(std::move(out), config);
}

}  // namespace cs::risk
