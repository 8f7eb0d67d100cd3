// git's own reading of its command line. A builtin subcommand wins over an alias of the same
// name (git does the same), an alias may name another alias, and an abbreviation that several
// options share is completed to all of them (git refuses it; holding is the safe reading).
#include "countersign/guard/git_args.h"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace cs::guard {
namespace {

using shell::Word;
using Words = std::vector<Word>;

constexpr std::string_view kBuiltins =
    " add am annotate apply archive bisect blame branch bundle cat-file check-attr check-ignore checkout "
    "cherry cherry-pick citool clean clone column commit commit-graph commit-tree config count-objects "
    "credential describe diff diff-files diff-index diff-tree difftool fast-export fast-import fetch "
    "filter-branch for-each-ref format-patch fsck gc grep hash-object help init interpret-trailers log "
    "ls-files ls-remote ls-tree maintenance merge merge-base mktag mktree mv notes pack-objects prune pull "
    "push range-diff read-tree rebase reflog remote repack replace rerere reset restore rev-list rev-parse "
    "revert rm send-email shortlog show show-branch show-ref sparse-checkout stash status submodule switch "
    "symbolic-ref tag update-index update-ref var verify-commit verify-tag version whatchanged worktree "
    "write-tree ";

struct LongOptions {
  std::string_view subcommand;
  std::string_view options;  // " --a --b "
};

constexpr LongOptions kLongOptions[] = {
    {"push",
     " --all --branches --mirror --tags --follow-tags --atomic --dry-run --porcelain --delete --prune --force "
     "--force-with-lease --force-if-includes --repo --set-upstream --thin --quiet --verbose --progress "
     "--recurse-submodules --verify --no-verify --signed --push-option --receive-pack --exec --ipv4 --ipv6 "},
    {"reset",
     " --hard --soft --mixed --merge --keep --quiet --patch --refresh --no-refresh --recurse-submodules "
     "--pathspec-from-file --pathspec-file-nul --intent-to-add "},
    {"clean", " --force --dry-run --quiet --exclude --interactive "},
    {"branch",
     " --delete --force --move --copy --list --all --remotes --verbose --quiet --track --no-track "
     "--set-upstream-to --unset-upstream --contains --no-contains --merged --no-merged --sort --points-at "
     "--format --color --no-color --column --show-current --edit-description --create-reflog --abbrev "
     "--ignore-case "},
    {"checkout",
     " --force --quiet --progress --ours --theirs --track --no-track --detach --orphan --merge --conflict "
     "--patch --ignore-skip-worktree-bits --overwrite-ignore --recurse-submodules --pathspec-from-file "
     "--pathspec-file-nul --guess --no-guess --overlay --no-overlay "},
    {"restore",
     " --source --staged --worktree --patch --quiet --progress --ours --theirs --merge --conflict "
     "--ignore-unmerged --ignore-skip-worktree-bits --recurse-submodules --overlay --no-overlay "
     "--pathspec-from-file --pathspec-file-nul "},
    {"gc", " --aggressive --auto --prune --no-prune --quiet --force --keep-largest-pack --cruft --no-cruft "},
    {"reflog",
     " --expire --expire-unreachable --all --stale-fix --rewrite --updateref --dry-run --verbose "
     "--single-worktree "},
    {"update-ref", " --no-deref --stdin --create-reflog "},
    {"notes", " --ref --force "},
    {"stash", " --include-untracked --all --keep-index --quiet --patch --staged --message "},
    {"switch", " --create --force-create --discard-changes --force --detach --orphan --merge --track --quiet "},
};

// Global options whose value is the next word (git -C dir, -c k=v, --git-dir dir, ...).
bool global_with_value(std::string_view t) {
  return t == "-C" || t == "-c" || t == "--git-dir" || t == "--work-tree" || t == "--namespace" ||
         t == "--super-prefix" || t == "--config-env" || t == "--exec-path" || t == "--list-cmds" ||
         t == "--attr-source";
}

bool listed(std::string_view list, std::string_view name) {
  std::string key = " " + std::string(name) + " ";
  return list.find(key) != std::string_view::npos;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Config keys are case-insensitive except the subsection (alias names are matched lowercase).
struct Setting {
  std::string key;  // lowercased
  std::string value;
  bool dynamic = false;
};

std::string env_of(const std::vector<std::pair<std::string, std::string>>& command_env,
                   const std::map<std::string, std::string>& env, const std::string& name, bool& found) {
  for (auto it = command_env.rbegin(); it != command_env.rend(); ++it)
    if (it->first == name) {
      found = true;
      return it->second;
    }
  if (auto it = env.find(name); it != env.end()) {
    found = true;
    return it->second;
  }
  found = false;
  return {};
}

void add_setting(std::vector<Setting>& out, std::string_view kv, bool dynamic) {
  auto eq = kv.find('=');
  Setting s{lower(kv.substr(0, eq)), eq == std::string_view::npos ? "true" : std::string(kv.substr(eq + 1)), dynamic};
  out.push_back(std::move(s));
}

// GIT_CONFIG_PARAMETERS: 'key'='value' pairs, single-quoted as git writes them, space-separated.
void parameters(std::string_view text, std::vector<Setting>& out) {
  std::size_t i = 0;
  auto quoted = [&](std::string& s) {
    while (i < text.size() && text[i] == ' ') ++i;
    if (i >= text.size() || text[i] != '\'') return false;
    for (++i; i < text.size(); ++i) {
      if (text[i] == '\'') {
        if (text.substr(i, 4) == "'\\''") {  // an embedded quote
          s += '\'';
          i += 3;
          continue;
        }
        ++i;
        return true;
      }
      s += text[i];
    }
    return false;
  };
  while (i < text.size()) {
    std::string key, value;
    if (!quoted(key)) return;
    if (i < text.size() && text[i] == '=') {
      ++i;
      if (!quoted(value)) return;
      out.push_back({lower(key), value, false});
    } else if (auto eq = key.find('='); eq != std::string::npos) {
      add_setting(out, key, false);
    } else {
      out.push_back({lower(key), "true", false});
    }
  }
}

std::vector<Setting> settings(const Words& w, std::size_t end,
                              const std::vector<std::pair<std::string, std::string>>& cenv,
                              const std::map<std::string, std::string>& env) {
  std::vector<Setting> out;
  bool found = false;
  std::string count = env_of(cenv, env, "GIT_CONFIG_COUNT", found);
  int n = 0;
  for (char c : count) n = std::isdigit(static_cast<unsigned char>(c)) && n < 1000 ? n * 10 + (c - '0') : n;
  for (int i = 0; i < n && i < 64; ++i) {
    bool fk = false, fv = false;
    std::string key = env_of(cenv, env, "GIT_CONFIG_KEY_" + std::to_string(i), fk);
    std::string value = env_of(cenv, env, "GIT_CONFIG_VALUE_" + std::to_string(i), fv);
    if (fk) out.push_back({lower(key), value, false});
  }
  parameters(env_of(cenv, env, "GIT_CONFIG_PARAMETERS", found), out);
  for (std::size_t j = 1; j < end; ++j) {
    const std::string& t = w[j].text;
    if (t == "-c" && j + 1 < end) {
      add_setting(out, w[j + 1].text, w[j + 1].dynamic);
    } else if (t.starts_with("--config-env") && (t == "--config-env" || t[12] == '=')) {
      std::string spec = t == "--config-env" ? (j + 1 < end ? w[j + 1].text : "") : t.substr(13);
      auto eq = spec.rfind('=');
      if (eq == std::string::npos) continue;
      bool known = false;
      std::string value = env_of(cenv, env, spec.substr(eq + 1), known);
      out.push_back({lower(spec.substr(0, eq)), value, !known});
    }
    if (global_with_value(t)) ++j;
  }
  return out;
}

// Keys whose value git runs through the shell.
bool runs_shell(std::string_view key) {
  static constexpr std::string_view keys[] = {"core.sshcommand",       "core.pager",     "core.editor",
                                              "sequence.editor",       "core.fsmonitor", "diff.external",
                                              "gpg.program",           "core.askpass",   "uploadpack.packobjectshook",
                                              "interactive.difffilter"};
  for (auto k : keys)
    if (key == k) return true;
  if (key.starts_with("pager.")) return true;
  if (key.starts_with("filter.") && (key.ends_with(".clean") || key.ends_with(".smudge") || key.ends_with(".process")))
    return true;
  if (key.starts_with("merge.") && key.ends_with(".driver")) return true;
  if (key.starts_with("diff.") && (key.ends_with(".textconv") || key.ends_with(".command"))) return true;
  if (key.starts_with("remote.") && (key.ends_with(".receivepack") || key.ends_with(".uploadpack"))) return true;
  return false;
}

Words split(const Word& value) {
  Words out;
  shell::Parse p = shell::parse(value.text, {});
  for (auto& c : p.commands)
    for (auto& x : c.words) {
      Word y = x;
      y.dynamic = y.dynamic || value.dynamic;
      out.push_back(std::move(y));
    }
  return out;
}

// --del -> --delete; an abbreviation of several options becomes all of them.
void complete_options(Words& w, std::size_t sub) {
  const LongOptions* table = nullptr;
  for (const auto& t : kLongOptions)
    if (t.subcommand == w[sub].text) table = &t;
  if (!table) return;
  for (std::size_t j = sub + 1; j < w.size(); ++j) {
    std::string t = w[j].text;
    if (t == "--") break;
    if (!t.starts_with("--") || t.size() < 3) continue;
    auto eq = t.find('=');
    std::string name = t.substr(0, eq), rest = eq == std::string::npos ? "" : t.substr(eq);
    if (listed(table->options, name)) continue;
    std::vector<std::string> matches;
    std::string_view list = table->options;
    for (std::size_t p = list.find(" " + name); p != std::string_view::npos; p = list.find(" " + name, p + 1)) {
      std::size_t end = list.find(' ', p + 1);
      matches.emplace_back(list.substr(p + 1, end - p - 1));
    }
    if (matches.empty()) continue;
    w[j].text = matches[0] + rest;
    for (std::size_t m = 1; m < matches.size(); ++m) {
      Word extra = w[j];
      extra.text = matches[m];
      w.insert(w.begin() + long(++j), std::move(extra));
    }
  }
}

}  // namespace

GitCommand read_git(const Words& words, const std::vector<std::pair<std::string, std::string>>& command_env,
                    const std::map<std::string, std::string>& env) {
  GitCommand g;
  g.words = words;
  for (int round = 0; round < 8; ++round) {
    Words& w = g.words;
    std::size_t k = 1;
    while (k < w.size() && w[k].text.starts_with("-") && w[k].text != "--") k += global_with_value(w[k].text) ? 2 : 1;
    if (k < w.size() && w[k].text == "--") w.erase(w.begin() + long(k));  // `git -- push`: read as `git push`
    if (k >= w.size()) return g;
    std::vector<Setting> config = settings(w, k, command_env, env);
    if (round == 0)
      for (const auto& s : config) {
        std::string value = s.value;
        if (s.key == "credential.helper" && value.starts_with("!"))
          value = value.substr(1);
        else if (!runs_shell(s.key))
          continue;
        if (s.key == "core.fsmonitor" && (value == "true" || value == "false")) continue;
        Word text;
        text.text = value;
        text.dynamic = s.dynamic;
        g.scripts.push_back({"git config " + s.key, std::move(text)});
      }
    for (const char* var : {"GIT_SSH_COMMAND", "GIT_PAGER", "GIT_EDITOR", "GIT_SEQUENCE_EDITOR", "GIT_EXTERNAL_DIFF",
                            "GIT_ASKPASS", "GIT_PROXY_COMMAND"}) {
      if (round) break;
      for (const auto& [name, value] : command_env)
        if (name == var) {
          Word text;
          text.text = value;
          g.scripts.push_back({std::string(var), std::move(text)});
        }
    }
    const std::string sub = w[k].text;
    if (w[k].dynamic || listed(kBuiltins, sub)) {
      if (!w[k].dynamic) complete_options(w, k);
      return g;
    }
    const Setting* alias = nullptr;
    for (const auto& s : config)
      if (s.key == "alias." + lower(sub)) alias = &s;  // the last setting wins
    if (!alias) return g;
    if (alias->dynamic) {
      g.dynamic = "the git alias " + sub + " comes from a variable that is not known statically";
      return g;
    }
    if (alias->value.starts_with("!")) {  // run by the shell with the arguments appended
      Word text;
      text.text = alias->value.substr(1);
      for (std::size_t j = k + 1; j < w.size(); ++j) {
        text.text += " " + w[j].text;
        text.dynamic = text.dynamic || w[j].dynamic;
      }
      g.scripts.push_back({"git alias " + sub, std::move(text)});
      g.shell_alias = true;
      return g;
    }
    Word value;
    value.text = alias->value;
    Words expanded(w.begin(), w.begin() + long(k));
    for (auto& x : split(value)) expanded.push_back(std::move(x));
    expanded.insert(expanded.end(), w.begin() + long(k) + 1, w.end());
    g.words = std::move(expanded);
  }
  g.dynamic = "git aliases nested too deep";
  return g;
}

}  // namespace cs::guard
