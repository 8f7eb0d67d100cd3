#include "countersign/guard/protected.h"

#include <unistd.h>

#include <array>
#include <filesystem>
#include <system_error>

namespace cs::guard {
namespace {

namespace fs = std::filesystem;

enum class Base { home, project, absolute, config_home, state_home, data_home };

struct Entry {
  Base base;
  std::string_view path;  // relative to the base; a trailing '/' marks a directory
  std::string_view rule;
  std::string_view what;
};

constexpr std::string_view kAgentSettings = "guard.self.agent-settings";
constexpr std::string_view kConfig = "guard.self.countersign-config";
constexpr std::string_view kState = "guard.self.countersign-state";
constexpr std::string_view kRefs = "guard.self.approvals-ref";

constexpr std::array kEntries{
    // Claude Code (and Cursor, which also runs .claude/settings.json hooks; Crush reads the same shape)
    Entry{Base::home, ".claude/settings.json", kAgentSettings, "Claude Code settings"},
    Entry{Base::home, ".claude/settings.local.json", kAgentSettings, "Claude Code settings"},
    Entry{Base::home, ".claude.json", kAgentSettings, "Claude Code settings"},
    Entry{Base::project, ".claude/settings.json", kAgentSettings, "Claude Code project settings"},
    Entry{Base::project, ".claude/settings.local.json", kAgentSettings, "Claude Code project settings"},
    Entry{Base::absolute, "/etc/claude-code/", kAgentSettings, "Claude Code managed settings"},
    // Codex
    Entry{Base::home, ".codex/hooks.json", kAgentSettings, "Codex hooks"},
    Entry{Base::home, ".codex/config.toml", kAgentSettings, "Codex configuration"},
    Entry{Base::project, ".codex/", kAgentSettings, "Codex project configuration"},
    Entry{Base::absolute, "/etc/codex/", kAgentSettings, "Codex system configuration"},
    // Gemini CLI
    Entry{Base::home, ".gemini/settings.json", kAgentSettings, "Gemini CLI settings"},
    Entry{Base::home, ".gemini/trustedFolders.json", kAgentSettings, "Gemini CLI folder trust"},
    Entry{Base::project, ".gemini/settings.json", kAgentSettings, "Gemini CLI project settings"},
    Entry{Base::absolute, "/etc/gemini-cli/", kAgentSettings, "Gemini CLI system settings"},
    // Cursor
    Entry{Base::home, ".cursor/hooks.json", kAgentSettings, "Cursor hooks"},
    Entry{Base::home, ".cursor/cli-config.json", kAgentSettings, "Cursor CLI permissions"},
    Entry{Base::project, ".cursor/hooks.json", kAgentSettings, "Cursor project hooks"},
    Entry{Base::project, ".cursor/cli.json", kAgentSettings, "Cursor CLI project permissions"},
    // GitHub Copilot CLI and the VS Code Copilot agent
    Entry{Base::home, ".copilot/hooks/", kAgentSettings, "Copilot CLI hooks"},
    Entry{Base::home, ".copilot/config.json", kAgentSettings, "Copilot CLI configuration"},
    Entry{Base::project, ".github/hooks/", kAgentSettings, "Copilot project hooks"},
    Entry{Base::project, ".vscode/settings.json", kAgentSettings, "VS Code settings (Copilot auto-approval)"},
    Entry{Base::absolute, "/etc/github-copilot/", kAgentSettings, "Copilot policy hooks"},
    // Kiro and Amazon Q Developer CLI
    Entry{Base::home, ".kiro/agents/", kAgentSettings, "Kiro agents"},
    Entry{Base::home, ".kiro/hooks/", kAgentSettings, "Kiro hooks"},
    Entry{Base::home, ".kiro/settings/", kAgentSettings, "Kiro settings"},
    Entry{Base::project, ".kiro/agents/", kAgentSettings, "Kiro project agents"},
    Entry{Base::project, ".kiro/hooks/", kAgentSettings, "Kiro project hooks"},
    Entry{Base::project, ".kiro/settings/", kAgentSettings, "Kiro project settings"},
    Entry{Base::home, ".aws/amazonq/cli-agents/", kAgentSettings, "Amazon Q agents"},
    Entry{Base::project, ".amazonq/cli-agents/", kAgentSettings, "Amazon Q project agents"},
    // Windsurf Cascade, Cline, Augment, Factory Droid
    Entry{Base::home, ".codeium/windsurf/hooks.json", kAgentSettings, "Windsurf hooks"},
    Entry{Base::project, ".windsurf/hooks.json", kAgentSettings, "Windsurf project hooks"},
    Entry{Base::absolute, "/etc/windsurf/", kAgentSettings, "Windsurf system hooks"},
    Entry{Base::home, "Documents/Cline/Rules/Hooks/", kAgentSettings, "Cline hooks"},
    Entry{Base::project, ".clinerules/hooks/", kAgentSettings, "Cline project hooks"},
    Entry{Base::home, ".augment/settings.json", kAgentSettings, "Augment settings"},
    Entry{Base::project, ".augment/settings.json", kAgentSettings, "Augment project settings"},
    Entry{Base::home, ".factory/hooks.json", kAgentSettings, "Factory Droid hooks"},
    Entry{Base::home, ".factory/settings.json", kAgentSettings, "Factory Droid settings"},
    Entry{Base::project, ".factory/hooks.json", kAgentSettings, "Factory Droid project hooks"},
    Entry{Base::project, ".factory/settings.json", kAgentSettings, "Factory Droid project settings"},
    // countersign itself
    Entry{Base::project, ".countersign/", kConfig, "countersign project configuration"},
    Entry{Base::absolute, "/etc/countersign/", kConfig, "countersign system configuration"},
    Entry{Base::config_home, "countersign/", kConfig, "countersign user configuration"},
    Entry{Base::state_home, "countersign/", kState, "countersign state (held commands, approvals, audit log)"},
    Entry{Base::data_home, "countersign/", kState, "countersign data"},
    Entry{Base::project, ".git/refs/countersign/", kRefs, "countersign approvals ref"},
    Entry{Base::project, ".git/refs/notes/", kRefs, "git notes (provenance evidence)"},
    Entry{Base::project, ".git/packed-refs", kRefs, "packed refs (holds the approvals ref)"},
    Entry{Base::project, ".git/refs/remotes/", kRefs, "remote-tracking refs (the trusted revision is read from them)"},
    Entry{Base::project, ".git/config", kRefs, "the repository's configuration (its remotes)"},
};

std::string env_of(const Context& ctx, const char* name) {
  auto it = ctx.env.find(name);
  return it == ctx.env.end() ? std::string() : it->second;
}

// `base` for XDG directories: the variable when set to an absolute path, else HOME/<fallback>.
fs::path xdg(const Context& ctx, const char* var, const fs::path& home, const char* fallback) {
  std::string v = env_of(ctx, var);
  if (!v.empty() && v[0] == '/') return fs::path(v);
  return home.empty() ? fs::path() : home / fallback;
}

// Whether `p` equals `e` or lies under it (when `e` is a directory), or is an ancestor of `e`
// (removing or moving `p` removes `e`). Both lexically normal and absolute.
bool covers(const fs::path& p, const fs::path& e, bool directory) {
  auto pi = p.begin(), ei = e.begin();
  for (; pi != p.end() && ei != e.end(); ++pi, ++ei) {
    if (pi->empty() || ei->empty()) break;  // trailing separator
    if (*pi != *ei) return false;
  }
  bool p_done = pi == p.end() || pi->empty();
  bool e_done = ei == e.end() || ei->empty();
  if (p_done && e_done) return true;
  if (e_done) return directory;  // p is under e
  return p_done;                 // p is an ancestor of e
}

std::optional<ProtectedPath> match(const fs::path& p, const Context& ctx, const fs::path& home,
                                   const fs::path& project) {
  for (const auto& e : kEntries) {
    fs::path base;
    switch (e.base) {
      case Base::home:
        base = home;
        break;
      case Base::project:
        base = project;
        break;
      case Base::absolute:
        base = "/";
        break;
      case Base::config_home:
        base = xdg(ctx, "XDG_CONFIG_HOME", home, ".config");
        break;
      case Base::state_home:
        base = xdg(ctx, "XDG_STATE_HOME", home, ".local/state");
        break;
      case Base::data_home:
        base = xdg(ctx, "XDG_DATA_HOME", home, ".local/share");
        break;
    }
    if (base.empty()) continue;
    bool directory = e.path.ends_with('/');
    fs::path full = (base / std::string(e.path)).lexically_normal();
    if (covers(p, full, directory))
      return ProtectedPath{std::string(e.rule), std::string(e.what) + " (" + full.string() + ")"};
  }
  return std::nullopt;
}

fs::path absolute_of(std::string_view path, const Context& ctx, const fs::path& home) {
  fs::path p;
  if (path == "~" || path.starts_with("~/"))
    p = home / std::string(path.substr(path.size() > 1 ? 2 : 1));
  else if (path.starts_with('/'))
    p = std::string(path);
  else
    p = fs::path(ctx.cwd) / std::string(path);
  return p.lexically_normal();
}

}  // namespace

std::optional<ProtectedPath> protected_path(std::string_view path, const Context& ctx, std::string_view project_dir) {
  if (path.empty()) return std::nullopt;
  fs::path home = env_of(ctx, "HOME");
  fs::path project =
      fs::path(std::string(project_dir.empty() ? std::string_view(ctx.cwd) : project_dir)).lexically_normal();
  fs::path p = absolute_of(path, ctx, home);
  if (auto hit = match(p, ctx, home, project)) return hit;
  // Through symlinks: a link to a settings file, or a directory link above it.
  std::error_code ec;
  fs::path real = fs::weakly_canonical(p, ec);
  if (!ec && real != p)
    if (auto hit = match(real, ctx, home, project)) return hit;
  // The binary the hooks run: replacing it disarms every hook at once.
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    fs::path exe(std::string(self, size_t(n)));
    if (p == exe || (!ec && real == exe))
      return ProtectedPath{"guard.self.binary", "the countersign binary the hooks run (" + exe.string() + ")"};
  }
  return std::nullopt;
}

}  // namespace cs::guard
