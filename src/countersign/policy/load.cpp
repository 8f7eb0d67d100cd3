// Loading entry points: the three phases run in order over both files, and the files are read
// from a trusted revision's tree (never the work tree, never the candidate).
#include <algorithm>
#include <fstream>
#include <tuple>

#include "countersign/policy/yaml_reader.h"

namespace cs::policy {
namespace {

constexpr size_t kMaxFileSize = 1 << 20;

PathSet globs(std::span<const std::string> patterns) {
  PathSet set;
  for (const auto& p : patterns)
    if (auto g = Glob::compile(p)) set.globs.push_back(std::move(*g));
  return set;
}

// Defaults that need compiled globs, which a struct initialiser cannot give. They are the risk
// stage's own defaults, so that `countersign risk` and `check` pick the same files.
void apply_defaults(Policy& policy) {
  const risk::Config defaults;
  policy.risk.plan_files = globs(defaults.plan_globs);
  policy.risk.migrations = globs(defaults.migration_globs);
  policy.risk.manifests = globs(defaults.manifest_globs);
}

bool too_big(const SourceText& src, Diagnostics& diagnostics) {
  if (src.text.size() <= kMaxFileSize) return false;
  diagnostics.items.push_back({Level::error, Error{Errc::policy,
                                                   "file is larger than " + std::to_string(kMaxFileSize) +
                                                       " bytes, the most a policy or people file may be",
                                                   {src.name, 0, 0, {}}}});
  return true;
}

// People's diagnostics come first (that file is read first), then each file's in line order:
// the compile phase reports after the collect phase, but a reader wants them by position.
void sort_by_position(Diagnostics& d) {
  std::vector<std::string> files;
  auto file_rank = [&](const std::string& f) {
    auto it = std::find(files.begin(), files.end(), f);
    return static_cast<size_t>(it - files.begin());
  };
  for (const auto& item : d.items)
    if (file_rank(item.error.where.file) == files.size()) files.push_back(item.error.where.file);
  std::stable_sort(d.items.begin(), d.items.end(), [&](const Diagnostic& a, const Diagnostic& b) {
    const auto &wa = a.error.where, &wb = b.error.where;
    return std::tuple(file_rank(wa.file), wa.line, wa.column) < std::tuple(file_rank(wb.file), wb.line, wb.column);
  });
}

}  // namespace

Policy default_policy() {
  Policy p;
  apply_defaults(p);
  p.builtin_default = true;
  Rule rule;
  rule.name = "ai-changes-need-a-senior";
  rule.match.provenance = {provenance::Class::ai_assisted, provenance::Class::ai_authored, provenance::Class::unknown};
  rule.require.approvals = 1;
  rule.require.roles = {"senior"};
  rule.where.file = "(built-in default policy)";
  p.rules.push_back(std::move(rule));
  return p;
}

Loaded load(const std::optional<SourceText>& policy_src, const std::optional<SourceText>& people_src) {
  Loaded out;
  detail::Pending pending;
  // People first: the policy's role references are checked against them in the compile phase.
  if (people_src && !too_big(*people_src, out.diagnostics)) {
    out.people.present = true;
    detail::YamlReader reader(people_src->name, people_src->text, out.diagnostics);
    if (auto root = reader.parse()) detail::collect_people(reader, *root, out.people);
  }
  if (!policy_src) {
    out.policy = default_policy();
    return out;
  }
  apply_defaults(out.policy);
  if (too_big(*policy_src, out.diagnostics)) return out;
  detail::YamlReader reader(policy_src->name, policy_src->text, out.diagnostics);
  if (auto root = reader.parse()) detail::collect_policy(reader, *root, out.policy, pending);
  detail::compile(pending, out.policy, out.people, out.diagnostics);
  sort_by_position(out.diagnostics);
  return out;
}

Result<Loaded> load_from_revision(const git::Repository& repo, const git::ObjectId& revision, std::string_view label) {
  std::optional<SourceText> files[2];
  const std::string_view paths[2] = {kPolicyFile, kPeopleFile};
  for (int i = 0; i < 2; ++i) {
    auto text = repo.file_at(revision, paths[i]);
    if (!text) return std::unexpected(text.error());
    if (*text) files[i] = SourceText{std::string(label) + ":" + std::string(paths[i]), std::move(**text)};
  }
  return load(files[0], files[1]);
}

Result<Loaded> load_files(const std::optional<std::string>& policy_path, const std::optional<std::string>& people_path) {
  std::optional<SourceText> files[2];
  const std::optional<std::string>* paths[2] = {&policy_path, &people_path};
  for (int i = 0; i < 2; ++i) {
    if (!*paths[i]) continue;
    const std::string& path = **paths[i];
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(Errc::io, "cannot read " + path);
    std::string text;
    char buf[65536];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
      text.append(buf, static_cast<size_t>(in.gcount()));
      if (text.size() > kMaxFileSize) break;  // too_big() reports it
    }
    if (in.bad()) return fail(Errc::io, "cannot read " + path);
    files[i] = SourceText{path, std::move(text)};
  }
  return load(files[0], files[1]);
}

}  // namespace cs::policy
