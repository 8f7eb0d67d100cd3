// The guard's configuration sources in the order they apply: the trusted revision, the system
// directory, the work tree. An agent can edit the work tree and commit on its own branch, so what
// it says there adds holds (packs, production names) and loosens nothing: its allow entries and
// disabled packs are ignored with a warning that `countersign explain` shows.
#include "countersign/guard/config_sources.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cs::guard {
namespace {

bool read_text(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buf;
  buf << in.rdbuf();
  out = buf.str();
  return true;
}

std::string counts(const UserFile& f) {
  return std::to_string(f.packs.size()) + " pack(s), " + std::to_string(f.allows.size()) + " allow entr" +
         (f.allows.size() == 1 ? "y" : "ies") + ", " + std::to_string(f.disabled.size()) + " disabled pack(s)";
}

bool same_allow(const UserAllow& a, const UserAllow& b) {
  return a.command == b.command && a.rule == b.rule && a.environment == b.environment;
}

// A guard.yaml whose every part counts (the trusted revision's, the system's).
void take_honoured(const std::string& text, const std::string& name, const std::string& today, LoadedConfig& out,
                   std::vector<Diagnostic>& diags) {
  UserFile f;
  load_user_file(text, name, today, f, diags);
  out.provenance.push_back(name + ": " + counts(f) + " (honoured)");
  for (auto& p : f.packs) out.packs.push_back(std::move(p));
  for (auto& a : f.allows) out.allows.push_back(std::move(a));
  for (auto& d : f.disabled) out.disabled.push_back(std::move(d));
}

// The work tree's guard.yaml: packs add holds; what would loosen the guard is ignored, with a warning
// unless an honoured source says the same.
void take_work_tree(const std::string& text, const std::string& name, const std::string& honoured_from,
                    const std::string& today, LoadedConfig& out, std::vector<Diagnostic>& diags) {
  UserFile f;
  load_user_file(text, name, today, f, diags);
  out.provenance.push_back(name + ": " + std::to_string(f.packs.size()) +
                           " pack(s) added; allow entries and disabled packs ignored (the work tree only adds holds)");
  for (auto& p : f.packs) out.packs.push_back(std::move(p));
  for (const auto& a : f.allows) {
    if (std::any_of(out.allows.begin(), out.allows.end(), [&](const UserAllow& h) { return same_allow(a, h); }))
      continue;
    std::string cmd = a.command.alts.empty() ? std::string() : a.command.alts.front();
    diags.push_back({false,
                     "allow entry '" + cmd +
                         "' ignored: the work tree (which the agent edits) cannot loosen the guard; "
                         "allow entries count only from " +
                         honoured_from,
                     a.where});
  }
  for (const auto& d : f.disabled) {
    if (std::any_of(out.disabled.begin(), out.disabled.end(), [&](const UserDisable& h) { return h.pack == d.pack; }))
      continue;
    diags.push_back({false,
                     "disabling pack '" + d.pack +
                         "' ignored: the work tree cannot loosen the guard; packs are "
                         "disabled only from " +
                         honoured_from,
                     d.where});
  }
}

}  // namespace

bool system_file_trusted(const std::string& path, std::string& why) {
  uid_t me = ::geteuid();
  struct stat file {};
  if (::stat(path.c_str(), &file) != 0) {
    why = path + " cannot be examined";
    return false;
  }
  if (me == 0) return true;  // root may write anything: there is no less privileged account to fear
  std::filesystem::path p(path);
  for (const auto& target : {p, p.parent_path()}) {
    struct stat st {};
    if (::stat(target.c_str(), &st) != 0) {
      why = target.string() + " cannot be examined";
      return false;
    }
    if (st.st_uid == me) {
      why = target.string() + " belongs to this account (uid " + std::to_string(me) + "), which could rewrite it";
      return false;
    }
    if (::access(target.c_str(), W_OK) == 0) {
      why = target.string() + " is writable by this account";
      return false;
    }
  }
  return true;
}

void load_configuration(const Config& config, const std::optional<TrustedConfig>& trusted, const std::string& today,
                        LoadedConfig& out, std::vector<Diagnostic>& diags) {
  out.environments = config.environments;
  std::string honoured_from;
  if (trusted && !trusted->revision.empty()) {
    out.provenance.push_back("trusted revision: " + trusted->revision + " (read with " +
                             (trusted->reader.empty() ? std::string("libgit2") : trusted->reader) + ")");
    if (trusted->guard)
      take_honoured(trusted->guard->text, trusted->guard->name, today, out, diags);
    else
      out.provenance.push_back(trusted->revision + ": no .countersign/guard.yaml");
    if (trusted->policy && config.read_policy_environments) {
      load_policy_environments(trusted->policy->text, trusted->policy->name, out.environments, diags);
      out.environments_from = trusted->policy->name;
    }
    honoured_from = trusted->revision + ":.countersign/guard.yaml";
  } else {
    out.provenance.push_back("trusted revision: none (no repository, or no branch changes go into)");
  }

  if (!config.system_dir.empty()) {
    honoured_from += (honoured_from.empty() ? "" : " or ") + config.system_dir + "/guard.yaml";
    std::string text, why;
    std::string guard_file = config.system_dir + "/guard.yaml";
    if (read_text(guard_file, text)) {
      if (system_file_trusted(guard_file, why))
        take_honoured(text, guard_file, today, out, diags);
      else
        diags.push_back({false, "system file ignored: " + why, InputLocation{guard_file, 0, 0, {}}});
    }
    std::string policy_file = config.system_dir + "/policy.yaml";
    if (config.read_policy_environments && read_text(policy_file, text)) {
      if (system_file_trusted(policy_file, why)) {
        load_policy_environments(text, policy_file, out.environments, diags);
        out.environments_from = policy_file;
        out.provenance.push_back(policy_file + ": environments (honoured)");
      } else {
        diags.push_back({false, "system file ignored: " + why, InputLocation{policy_file, 0, 0, {}}});
      }
    }
  }

  if (config.project_dir.empty()) return;
  std::string text;
  std::string guard_file = config.project_dir + "/.countersign/guard.yaml";
  if (read_text(guard_file, text)) {
    if (trusted && trusted->guard && trusted->guard->text == text)
      out.provenance.push_back(guard_file + ": the same as the trusted revision's");
    else
      take_work_tree(text, guard_file, honoured_from, today, out, diags);
  }
  std::string policy_file = config.project_dir + "/.countersign/policy.yaml";
  if (config.read_policy_environments && read_text(policy_file, text)) {
    Environments work_tree;
    load_policy_environments(text, policy_file, work_tree, diags);
    out.added_production = std::move(work_tree.production);
    out.added_default_production = work_tree.default_production;
    out.provenance.push_back(policy_file + ": production names added (it never makes a name non-production)");
  }
}

}  // namespace cs::guard
