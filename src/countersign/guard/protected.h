// The files that arm the guard: every supported agent's hook and permission settings (user and
// project level), countersign's own configuration, state, keys and approvals, and the binary the
// hooks run. Writing, replacing or deleting one of them can disarm or loosen the guard, so the
// guard holds every such write as critical, whether it comes through the shell (redirections,
// rm, mv, sed -i, ...) or through an agent's file tool (Write, Edit, apply_patch, write_file, ...).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "countersign/guard/guard.h"

namespace cs::guard {

struct ProtectedPath {
  std::string rule;  // "guard.self.agent-settings", "guard.self.countersign-config", ...
  std::string what;  // "Claude Code settings (/home/a/.claude/settings.json)"
};

// Whether `path` (absolute, `~/...`, or relative to ctx.cwd) names a protected file or lies in a
// protected directory. `project_dir` is the repository root (empty: ctx.cwd). The path is
// compared lexically (after `.`/`..` removal) and, when it exists, through its symlinks, so a
// link to a settings file is the settings file. A directory that contains protected files (e.g.
// `~/.claude`, the project root) is protected too: deleting it deletes them.
std::optional<ProtectedPath> protected_path(std::string_view path, const Context& ctx, std::string_view project_dir);

}  // namespace cs::guard
