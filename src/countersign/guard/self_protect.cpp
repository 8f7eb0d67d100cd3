// What a simple command writes, told from each program's own option syntax, and which of those
// writes (or git ref updates) would disarm or loosen the guard.
#include "countersign/guard/self_protect.h"

#include <glob.h>

#include <algorithm>
#include <filesystem>
#include <memory>

namespace cs::guard {
namespace {

namespace fs = std::filesystem;
using shell::Word;
using Words = std::vector<Word>;

bool in(std::string_view w, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), w) != set.end();
}

// Operands of a command whose options are read getopt-style: short options in `short_values`
// and long options in `long_values` (" --a --b ") take a value; `--` ends the options.
struct Operands {
  std::vector<const Word*> words;
  std::vector<std::pair<std::string, std::string>> options;  // name, value
  bool has(std::string_view name) const {
    for (const auto& o : options)
      if (o.first == name) return true;
    return false;
  }
  std::string value(std::string_view name) const {
    for (const auto& o : options)
      if (o.first == name) return o.second;
    return {};
  }
};

Operands operands(const Words& w, std::size_t from, std::string_view short_values, std::string_view long_values) {
  Operands out;
  bool done = false;
  for (std::size_t k = from; k < w.size(); ++k) {
    const std::string& t = w[k].text;
    if (done || t.size() < 2 || t[0] != '-') {
      out.words.push_back(&w[k]);
      continue;
    }
    if (t == "--") {
      done = true;
      continue;
    }
    if (t.starts_with("--")) {
      auto eq = t.find('=');
      std::string name = t.substr(0, eq);
      std::string value = eq == std::string::npos ? std::string() : t.substr(eq + 1);
      if (eq == std::string::npos && long_values.find(" " + name + " ") != std::string_view::npos && k + 1 < w.size())
        value = w[++k].text;
      out.options.emplace_back(name, value);
      continue;
    }
    for (std::size_t i = 1; i < t.size(); ++i) {
      std::string name = std::string("-") + t[i];
      if (short_values.find(t[i]) == std::string_view::npos) {
        out.options.emplace_back(name, "");
        continue;
      }
      std::string value = i + 1 < t.size() ? t.substr(i + 1) : (k + 1 < w.size() ? w[++k].text : "");
      out.options.emplace_back(name, value);
      break;
    }
  }
  return out;
}

std::string base_of(std::string_view p) {
  while (p.size() > 1 && p.back() == '/') p.remove_suffix(1);
  auto slash = p.rfind('/');
  return std::string(slash == std::string_view::npos ? p : p.substr(slash + 1));
}

std::string resolve(const std::string& p, const std::string& cwd) {
  if (p.starts_with('/') || p.starts_with('~') || cwd.empty()) return p;
  return cwd + "/" + p;
}

bool is_dir(const std::string& p, const std::string& cwd) {
  std::error_code ec;
  return !p.starts_with('~') && fs::is_directory(resolve(p, cwd), ec);
}

// cp / mv / install / ln / rsync: the destination, or dir/basename for each source when the
// destination is a directory.
void destinations(const Operands& o, const std::string& cwd, bool sources_removed, std::vector<std::string>& out) {
  std::string target = o.value("-t");
  if (target.empty()) target = o.value("--target-directory");
  std::vector<std::string> sources;
  for (const Word* w : o.words) sources.push_back(w->text);
  if (target.empty()) {
    if (sources.empty()) return;
    target = sources.back();
    sources.pop_back();
    if (sources.empty()) {  // ln -s TARGET: a link named after it in the cwd
      out.push_back(target);
      return;
    }
    bool into = !o.has("-T") && !o.has("--no-target-directory") &&
                (sources.size() > 1 || target.ends_with('/') || is_dir(target, cwd));
    if (!into) {
      out.push_back(target);
      target.clear();
    }
  }
  if (target.find(':') != std::string::npos && !target.starts_with('/')) target.clear();  // remote (rsync, scp)
  for (const auto& s : sources) {
    if (sources_removed) out.push_back(s);
    if (target.empty()) continue;
    if (s.ends_with('/'))
      out.push_back(target);  // rsync src/: the contents land in the target itself
    else
      out.push_back(target + "/" + base_of(s));
  }
}

void all(const Operands& o, std::size_t skip, std::vector<std::string>& out) {
  for (std::size_t i = skip; i < o.words.size(); ++i) out.push_back(o.words[i]->text);
}

// sed -i, perl -i: the files after the script.
void in_place(const Words& w, std::vector<std::string>& out) {
  const std::string& name = w[0].text;
  bool inplace = false, code_given = false;
  std::vector<std::string> files;
  for (std::size_t k = 1; k < w.size(); ++k) {
    const std::string& t = w[k].text;
    if (t.starts_with("--")) {
      if (t == "--in-place" || t.starts_with("--in-place=")) inplace = true;
      if ((t == "--expression" || t == "--file") && k + 1 < w.size()) ++k, code_given = true;
      if (t.starts_with("--expression=") || t.starts_with("--file=")) code_given = true;
      continue;
    }
    if (t.size() < 2 || t[0] != '-') {
      files.push_back(t);
      continue;
    }
    for (std::size_t i = 1; i < t.size(); ++i) {
      char c = t[i];
      if (c == 'i') {  // the rest of the cluster is the backup suffix
        inplace = true;
        break;
      }
      if (c == 'e' || c == 'f' || (name == "perl" && c == 'E')) {
        code_given = true;
        if (i + 1 == t.size() && k + 1 < w.size()) ++k;
        break;
      }
      if (name == "perl" && (c == 'M' || c == 'm' || c == 'I' || c == 'x' || c == 'd' || c == 'D')) break;
      if (name == "sed" && c == 'l') {
        if (i + 1 == t.size() && k + 1 < w.size()) ++k;
        break;
      }
    }
  }
  if (!inplace) return;
  std::size_t first = code_given ? 0 : 1;  // without -e the first operand is the script
  for (std::size_t i = first; i < files.size(); ++i) out.push_back(files[i]);
}

// Interpreter one-liners: string literals in code that writes, moves or deletes files.
void interpreter_writes(const Words& w, std::vector<std::string>& out) {
  static constexpr std::string_view writes[] = {
      "open(",    "write", "remove", "unlink",     "rename",      "replace(",  "copy",    "move",  "rmtree",
      "truncate", "rm(",   "rmSync", "appendFile", "File.delete", "FileUtils", "symlink", "chmod", "dump("};
  for (std::size_t k = 1; k < w.size(); ++k) {
    const std::string& code = w[k].text;
    bool writing = false;
    for (auto n : writes) writing = writing || code.find(n) != std::string::npos;
    if (!writing) continue;
    for (std::size_t i = 0; i < code.size(); ++i) {
      char q = code[i];
      if (q != '\'' && q != '"' && q != '`') continue;
      auto end = code.find(q, i + 1);
      if (end == std::string::npos) break;
      std::string lit = code.substr(i + 1, end - i - 1);
      while (!lit.empty() && (lit[0] == '>' || lit[0] == '+' || lit[0] == '<')) lit.erase(0, 1);
      if (lit.find('/') != std::string::npos || lit.starts_with('.')) out.push_back(lit);
      i = end;
    }
  }
}

void git_writes(const Words& w, std::vector<std::string>& out) {
  std::size_t k = 1;
  while (k < w.size() && w[k].text.starts_with("-"))
    k += in(w[k].text, {"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env"}) ? 2 : 1;
  if (k >= w.size()) return;
  const std::string sub = w[k].text;
  Operands o = operands(w, k + 1, "sb", " --source --pathspec-from-file --conflict ");
  if (sub == "restore") {
    if ((o.has("--staged") || o.has("-S")) && !o.has("--worktree") && !o.has("-W")) return;
    return all(o, 0, out);
  }
  if (sub == "checkout" || sub == "rm" || sub == "mv") {
    if (sub == "rm" && o.has("--cached")) return;
    all(o, 0, out);
  }
}

}  // namespace

std::vector<std::string> written_paths(const Unit& u, const std::string& cwd) {
  std::vector<std::string> out(u.output_files.begin(), u.output_files.end());
  if (u.words.empty() || !u.executed) return out;
  const Words& w = u.words;
  for (const auto& x : w)  // `rm -rf / --help` prints help; its redirections still write
    if (x.text == "--help") return out;
  const std::string& name = w[0].text;
  if (name == "tee") {
    all(operands(w, 1, "", ""), 0, out);
  } else if (name == "cp" || name == "mv") {
    destinations(operands(w, 1, "tS", " --target-directory --suffix "), cwd, name == "mv", out);
  } else if (name == "install") {
    Operands o = operands(w, 1, "tSmog", " --target-directory --suffix --mode --owner --group --strip-program ");
    if (o.has("-d") || o.has("--directory"))
      all(o, 0, out);
    else
      destinations(o, cwd, false, out);
  } else if (name == "ln") {
    destinations(operands(w, 1, "tS", " --target-directory --suffix "), cwd, false, out);
  } else if (name == "rsync") {
    Operands o = operands(w, 1, "eBfMT",
                          " --exclude --include --filter --rsh --rsync-path --chmod --exclude-from --include-from "
                          "--files-from --password-file --temp-dir --partial-dir --backup-dir --compare-dest "
                          "--copy-dest --link-dest --log-file --port --timeout --max-size --min-size --block-size "
                          "--remote-option --out-format --suffix --chown --usermap --groupmap --bwlimit ");
    destinations(o, cwd, o.has("--remove-source-files"), out);
  } else if (in(name, {"rm", "rmdir", "unlink", "srm"})) {
    all(operands(w, 1, "", ""), 0, out);
  } else if (name == "shred") {
    all(operands(w, 1, "ns", " --iterations --size --random-source "), 0, out);
  } else if (name == "truncate") {
    all(operands(w, 1, "sr", " --size --reference "), 0, out);
  } else if (in(name, {"chmod", "chown", "chgrp", "chattr", "setfacl"})) {
    Operands o = operands(w, 1, "", "");
    bool reference = false;
    for (const auto& opt : o.options) reference = reference || opt.first == "--reference";
    all(o, reference ? 0 : 1, out);
  } else if (name == "sed" || name == "perl") {
    in_place(w, out);
    if (name == "perl") interpreter_writes(w, out);
  } else if (name == "dd") {
    for (std::size_t k = 1; k < w.size(); ++k)
      if (w[k].text.starts_with("of=")) out.push_back(w[k].text.substr(3));
  } else if (name == "git") {
    git_writes(w, out);
  } else if (in(name, {"python", "python2", "python3", "node", "nodejs", "ruby", "php", "deno", "bun"}) ||
             name.starts_with("python3.")) {
    interpreter_writes(w, out);
  }
  return out;
}

namespace {

// A glob as the shell would expand it (bounded); a word that matches nothing stays as written.
// Only a glob under a directory that holds protected files is expanded (`.claude/*`, `*` in the
// project root, not `node_modules/*`).
std::vector<std::string> expand(const std::string& path, const Context& ctx, std::string_view project_dir) {
  auto magic = path.find_first_of("*?[");
  if (magic == std::string::npos) return {path};
  auto slash = path.rfind('/', magic);
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  if (!protected_path(dir, ctx, project_dir)) return {path};
  std::string pattern = path;
  if (pattern.starts_with("~/"))
    if (auto it = ctx.env.find("HOME"); it != ctx.env.end()) pattern = it->second + pattern.substr(1);
  if (!pattern.starts_with('/')) pattern = ctx.cwd + "/" + pattern;
  glob_t g{};
  std::vector<std::string> out;
  if (::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &g) == 0)
    for (std::size_t i = 0; i < g.gl_pathc && i < 512; ++i) out.emplace_back(g.gl_pathv[i]);
  ::globfree(&g);
  if (out.empty()) out.push_back(path);
  return out;
}

bool protected_ref(std::string_view ref) {
  if (ref.starts_with('+')) ref.remove_prefix(1);
  return ref.starts_with("refs/countersign/") || ref.starts_with("refs/notes/") || ref.starts_with("countersign/") ||
         ref.starts_with("notes/") || ref == "refs/countersign" || ref == "refs/notes" || ref == "refs/*" ||
         ref == "refs/**" || ref.starts_with("refs/*");
}

// git push that deletes or force-updates the approvals or notes refs on a remote; git
// update-ref / notes that delete or rewrite them locally.
std::string ref_rewrite(const Words& w) {
  std::size_t k = 1;
  while (k < w.size() && w[k].text.starts_with("-"))
    k += in(w[k].text, {"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env"}) ? 2 : 1;
  if (k >= w.size()) return {};
  const std::string sub = w[k].text;
  Operands o = operands(w, k + 1, "o", " --repo --push-option --receive-pack --exec --ref ");
  if (sub == "push") {
    if (o.has("--mirror")) return "git push --mirror rewrites and deletes every remote ref, the approvals ref included";
    bool force = o.has("--force") || o.has("-f") || o.has("--force-with-lease") || o.has("--force-if-includes");
    bool del = o.has("--delete") || o.has("-d");
    bool prune = o.has("--prune");
    std::vector<std::string_view> refspecs;
    for (std::size_t i = 1; i < o.words.size(); ++i) refspecs.push_back(o.words[i]->text);
    if (prune && refspecs.empty() && !o.has("--all") && !o.has("--branches") && !o.has("--tags"))
      return "git push --prune with the configured refspecs can delete the approvals ref";
    for (auto r : refspecs) {
      auto colon = r.find(':');
      std::string_view dst = colon == std::string_view::npos ? r : r.substr(colon + 1);
      std::string_view src = colon == std::string_view::npos ? r : r.substr(0, colon);
      if (!protected_ref(dst) && !(colon == std::string_view::npos && protected_ref(src))) continue;
      if (del || prune || force || r.starts_with('+') || (colon != std::string_view::npos && src.empty()))
        return "deletes or force-updates " + std::string(dst) + " on the remote";
    }
    return {};
  }
  if (sub == "update-ref") {
    for (const Word* x : o.words)
      if (protected_ref(x->text)) return "rewrites " + x->text + " locally";
    return {};
  }
  if (sub == "notes") {
    for (const Word* x : o.words)
      if (in(x->text, {"remove", "prune", "merge"})) return "git notes " + x->text + " removes provenance notes";
    if (protected_ref(o.value("--ref")) && !o.words.empty() &&
        in(o.words[0]->text, {"add", "copy", "edit", "append"}) && (o.has("-f") || o.has("--force")))
      return "overwrites provenance notes";
  }
  return {};
}

}  // namespace

std::vector<ProtectedPath> self_protection(const Unit& u, const Context& ctx, std::string_view project_dir) {
  std::vector<ProtectedPath> hits;
  if (!u.executed || !u.host.empty() || u.parent >= 0) return hits;  // another machine's files
  for (const auto& written : written_paths(u, ctx.cwd)) {
    if (written.starts_with("/dev/") || written.empty()) continue;  // 2>/dev/null and the like
    for (const auto& path : expand(written, ctx, project_dir))
      if (auto hit = protected_path(path, ctx, project_dir)) hits.push_back(std::move(*hit));
  }
  if (!u.words.empty() && u.words[0].text == "git")
    if (auto why = ref_rewrite(u.words); !why.empty())
      hits.push_back({"guard.self.approvals-ref", "the approvals or notes refs (" + why + ")"});
  return hits;
}

}  // namespace cs::guard
