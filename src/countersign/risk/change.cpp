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

std::vector<Finding> assess_change(const ChangeInputs& inputs, const Config& config) {
  std::vector<Finding> out;
  std::vector<std::string> paths;
  for (const auto& f : inputs.changed_files) paths.push_back(f.path);
  out = assess_changed_paths(paths, config);
  for (const auto& f : inputs.changed_files) {
    if (f.deleted) continue;
    const bool plan = matches_any(f.path, config.plan_globs);
    if (plan || is_migration_path(f.path, default_migration_globs()))
      add_assessed(out, f.path, assess_file(f.path, f.contents, config));
  }
  for (const auto& p : inputs.plan_files) add_assessed(out, p, assess_path(p, config));
  return apply_policy(std::move(out), config);
}

}  // namespace cs::risk
