// Matching one simple command against a pack's conditions: options and positional arguments
// as the tool would read them, path judgements (what `rm -rf X` would reach), SQL kinds and
// protected git refs.
#include <algorithm>
#include <fstream>

#include "countersign/core/text.h"
#include "countersign/guard/pack.h"
#include "countersign/guard/sql.h"

namespace cs::guard {
namespace {

using text::wildcard_match;

bool contains(const std::vector<std::string>& v, std::string_view s) {
  for (const auto& x : v)
    if (x == s) return true;
  return false;
}

std::string env_value(const MatchInput& in, std::string_view name) {
  for (auto it = in.unit.env.rbegin(); it != in.unit.env.rend(); ++it)
    if (it->first == name) return it->second;
  if (auto it = in.context.env.find(std::string(name)); it != in.context.env.end()) return it->second;
  return {};
}

std::string strip_trailing_slashes(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  while (p.size() > 2 && p.ends_with("/.")) p.resize(p.size() - 2);
  return p;
}

// Lexical normalisation of an absolute path: removes ., .., and duplicate slashes.
std::string normalise_path(std::string_view p) {
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i <= p.size()) {
    std::size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view part = p.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out;
  for (auto part : parts) {
    out += '/';
    out += part;
  }
  return out.empty() ? "/" : out;
}

bool under(std::string_view path, std::string_view dir) {
  if (dir.empty()) return false;
  if (dir == "/") return true;
  return path == dir || (path.starts_with(dir) && path.size() > dir.size() && path[dir.size()] == '/');
}

std::string path_class(const shell::Word& w, const MatchInput& in) {
  std::string t = w.text;
  if (t.empty()) return "inside";
  if (t.ends_with("/{}")) {  // find -exec: something found under the start point
    shell::Word start = w;
    start.text = t.substr(0, t.size() - 3);
    if (start.text.empty()) start.text = "/";
    std::string c = path_class(start, in);
    return c == "project" ? "inside" : c;
  }
  std::string home = env_value(in, "HOME");
  // ~ and $HOME even when HOME is not known
  for (std::string_view h : {"$HOME", "${HOME}", "~"}) {
    if (t == h || t == std::string(h) + "/" || t == std::string(h) + "/*" || t == std::string(h) + "/.*") return "home";
    if (t.starts_with(std::string(h) + "/")) {
      if (home.empty()) return "outside";
      t = home + t.substr(h.size());
    }
  }
  if (w.dynamic) return "dynamic";
  if (t.starts_with("~")) return "home";  // ~user
  bool globbed = w.glob;
  std::string cwd = in.context.cwd;
  std::string project = in.project_dir.empty() ? cwd : in.project_dir;
  if (t == "*" || t == "." || t == "./" || t == "./*" || t == ".*" || t == "./.*") return "project";
  std::string abs;
  if (t.starts_with("/")) {
    abs = t;
  } else {
    if (t == ".." || t.starts_with("../")) {
      if (cwd.empty()) return "parent";
    }
    if (cwd.empty()) return "inside";
    abs = cwd + "/" + t;
  }
  // a trailing glob acts on the directory's contents: judge the directory
  std::string dir = strip_trailing_slashes(abs);
  if (globbed && (dir.ends_with("/*") || dir.ends_with("/.*"))) dir = dir.substr(0, dir.rfind('/'));
  dir = normalise_path(dir);
  if (dir == "/") return "root";
  if (!home.empty() && normalise_path(home) == dir) return "home";
  if (dir == "/home" || dir == "/root" || dir == "/Users") return "home";
  if ((dir.starts_with("/home/") && std::count(dir.begin(), dir.end(), '/') == 2) ||
      (dir.starts_with("/Users/") && std::count(dir.begin(), dir.end(), '/') == 2))
    return "home";
  // The project and its ancestors before the temp allowance: a project under /tmp is still the
  // project, and /tmp is then its parent.
  std::string project_norm = project.empty() ? std::string() : normalise_path(project);
  for (const std::string* base : {&project, &cwd}) {
    if (base->empty()) continue;
    std::string b = normalise_path(*base);
    if (dir == b) return base == &project || !under(b, project_norm) ? "project" : "inside";
    if (under(b, dir)) return "parent";
  }
  if (!project.empty() && under(dir, project_norm)) return "inside";
  if (!cwd.empty() && under(dir, normalise_path(cwd))) return "inside";
  std::string tmpdir = env_value(in, "TMPDIR");
  for (std::string_view tmp : {std::string_view("/tmp"), std::string_view("/var/tmp"), std::string_view(tmpdir)})
    if (!tmp.empty() && tmp.starts_with('/') && under(dir, normalise_path(tmp))) return "temp";
  static constexpr std::string_view system_dirs[] = {"/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64",
                                                     "/opt", "/proc", "/sbin", "/srv", "/sys", "/usr", "/var",
                                                     "/mnt", "/media", "/snap", "/System", "/Library",
                                                     "/Applications", "/private"};
  for (auto s : system_dirs)
    if (under(dir, s)) return "system";
  return "outside";  // a sibling of the project (../other) included
}

std::vector<const shell::Word*> path_words(const Condition& c, const MatchInput& in) {
  std::vector<const shell::Word*> out;
  const auto& w = in.unit.words;
  if (c.path_args == "find") {  // find's start points: before the first expression
    for (std::size_t i = 1; i < w.size(); ++i) {
      const std::string& t = w[i].text;
      if (t.starts_with("-") || t == "(" || t == "!" || t == ")") break;
      out.push_back(&w[i]);
    }
    if (out.empty()) {
      static const shell::Word dot{".", false, false, false};
      out.push_back(&dot);
    }
    return out;
  }
  bool options_done = false;
  for (std::size_t i = 1; i < w.size(); ++i) {
    const std::string& t = w[i].text;
    if (!options_done && t == "--") {
      options_done = true;
      continue;
    }
    if (!options_done && t.size() > 1 && t[0] == '-' && c.path_args != "all") continue;
    if (contains(in.pack.value_options, t) && !options_done) {
      ++i;
      continue;
    }
    out.push_back(&w[i]);
  }
  return out;
}

std::string current_branch(const std::string& cwd) {
  if (cwd.empty()) return {};
  std::ifstream head(cwd + "/.git/HEAD");
  std::string line;
  if (!head || !std::getline(head, line)) return {};
  constexpr std::string_view prefix = "ref: refs/heads/";
  if (!line.starts_with(prefix)) return {};
  return line.substr(prefix.size());
}

// git push: does it act on a protected branch (or on all branches, or on an unknown one)?
bool pushes_protected(const MatchInput& in) {
  const auto& pos = in.args.positional;
  if (in.args.has("--all") || in.args.has("--mirror")) return true;
  auto is_protected = [&](std::string_view ref) {
    if (ref.starts_with("+")) ref.remove_prefix(1);
    if (auto colon = ref.find(':'); colon != std::string_view::npos) ref = ref.substr(colon + 1);
    if (ref.starts_with("refs/heads/")) ref.remove_prefix(11);
    if (ref.empty() || ref == "HEAD") {
      std::string b = current_branch(in.context.cwd);
      if (b.empty()) return true;
      for (const auto& p : in.pack.protected_branches)
        if (wildcard_match(p, b)) return true;
      return false;
    }
    for (const auto& p : in.pack.protected_branches)
      if (wildcard_match(p, ref)) return true;
    return false;
  };
  // positional: push <remote> <refspec>...
  if (pos.size() <= 2) return is_protected("");
  for (std::size_t i = 2; i < pos.size(); ++i)
    if (is_protected(pos[i])) return true;
  return false;
}

}  // namespace

bool Alternatives::matches(std::string_view s) const {
  for (const auto& a : alts)
    if (a.find_first_of("*?") == std::string::npos ? a == s : wildcard_match(a, s)) return true;
  return false;
}

bool Args::has(std::string_view flag) const {
  for (const auto& o : options)
    if (o.name == flag) return true;
  return false;
}

std::optional<std::string_view> Args::value(std::string_view flag) const {
  for (const auto& o : options)
    if (o.name == flag && (o.explicit_value || !o.value.empty())) return o.value;
  return std::nullopt;
}

Args split_args(const Unit& unit, const Pack& pack) {
  Args a;
  const auto& w = unit.words;
  bool done = false;
  for (std::size_t i = 1; i < w.size(); ++i) {
    std::string_view t = w[i].text;
    if (done || t.size() < 2 || t[0] != '-' || w[i].dynamic) {
      if (!done && t == "-") {
        a.positional.push_back(t);
        continue;
      }
      a.positional.push_back(t);
      continue;
    }
    if (t == "--") {
      done = true;
      continue;
    }
    std::string_view next = i + 1 < w.size() ? std::string_view(w[i + 1].text) : std::string_view();
    if (auto eq = t.find('='); eq != std::string_view::npos) {
      a.options.push_back({t.substr(0, eq), t.substr(eq + 1), true});
      continue;
    }
    bool takes = contains(pack.value_options, t);
    bool long_opt = t.starts_with("--") || !pack.short_clusters;
    if (long_opt || t.size() == 2) {
      a.options.push_back({t, next.starts_with("-") ? std::string_view() : next, takes});
      if (takes) ++i;
      continue;
    }
    // a cluster: -rf, -nprod (value attached to a value option)
    std::string_view first = t.substr(0, 2);
    if (contains(pack.value_options, first)) {
      a.options.push_back({first, t.substr(2), true});
      continue;
    }
    a.options.push_back({t, {}, false});
    for (std::size_t k = 1; k < t.size(); ++k) {
      static const char* names[] = {"-a", "-b", "-c", "-d", "-e", "-f", "-g", "-h", "-i", "-j", "-k", "-l", "-m",
                                    "-n", "-o", "-p", "-q", "-r", "-s", "-t", "-u", "-v", "-w", "-x", "-y", "-z",
                                    "-A", "-B", "-C", "-D", "-E", "-F", "-G", "-H", "-I", "-J", "-K", "-L", "-M",
                                    "-N", "-O", "-P", "-Q", "-R", "-S", "-T", "-U", "-V", "-W", "-X", "-Y", "-Z"};
      char c = t[k];
      std::string_view n;
      if (c >= 'a' && c <= 'z') n = names[c - 'a'];
      else if (c >= 'A' && c <= 'Z') n = names[26 + (c - 'A')];
      else continue;
      a.options.push_back({n, {}, false});
    }
  }
  return a;
}

bool critical_rule_open(const Pack& pack, const Unit& unit, const Args& args) {
  std::size_t first_unknown = args.positional.size();
  for (std::size_t i = 0; i < args.positional.size() && first_unknown == args.positional.size(); ++i)
    for (const auto& w : unit.words)
      if (w.dynamic && w.text.data() == args.positional[i].data()) first_unknown = i;
  if (first_unknown == args.positional.size()) return false;
  for (const Rule& r : pack.rules) {
    if (r.severity != Severity::critical || r.when.args.empty()) continue;
    if (!r.when.command.alts.empty() && !r.when.command.matches(unit.words[0].text)) continue;
    bool open = true;
    for (std::size_t i = 0; i < r.when.args.size() && i < first_unknown && open; ++i)
      open = i < args.positional.size() && r.when.args[i].matches(args.positional[i]);
    if (open && r.when.args.size() > first_unknown) return true;
  }
  return false;
}

bool condition_holds(const Condition& c, const MatchInput& in) {
  const Args& a = in.args;
  if (c.dynamic && !in.unit.dynamic) return false;
  if (!c.command.alts.empty() && !c.command.matches(in.unit.words[0].text)) return false;
  if (c.args.size() > a.positional.size()) return false;
  for (std::size_t i = 0; i < c.args.size(); ++i)
    if (!c.args[i].matches(a.positional[i])) return false;
  for (const auto& alt : c.any_arg) {
    bool found = false;
    for (auto p : a.positional) found = found || alt.matches(p);
    if (!found) return false;
  }
  if (!c.flags.empty()) {
    bool any = false;
    for (const auto& f : c.flags) any = any || a.has(f);
    if (!any) return false;
  }
  for (const auto& f : c.all_flags)
    if (!a.has(f)) return false;
  for (const auto& f : c.not_flags)
    if (a.has(f)) return false;
  for (const auto& [opt, alt] : c.values) {
    bool found = false;
    for (const auto& o : a.options)
      if (o.name == opt && alt.matches(o.value)) found = true;
    if (!found) return false;
  }
  for (const auto& alt : c.words) {
    bool found = false;
    for (std::size_t i = 1; i < in.unit.words.size() && !found; ++i) found = alt.matches(in.unit.words[i].text);
    if (!found) return false;
  }
  if (!c.contains.empty()) {
    bool found = false;
    for (const auto& needle : c.contains)
      for (std::size_t i = 1; i < in.unit.words.size() && !found; ++i)
        found = in.unit.words[i].text.find(needle) != std::string::npos;
    if (!found) return false;
  }
  if (!c.sql.empty()) {
    if (in.unit.sql.empty()) return false;
    auto kinds = sql_kinds(in.unit.sql, in.unit.words[0].text);
    bool found = false;
    for (const auto& k : c.sql) found = found || contains(kinds, k);
    if (!found) return false;
  }
  if (!c.paths.empty()) {
    bool found = false;
    for (const shell::Word* w : path_words(c, in)) found = found || contains(c.paths, path_class(*w, in));
    if (!found) return false;
  }
  if (c.check == "protected-ref" && !pushes_protected(in)) return false;
  return true;
}

}  // namespace cs::guard
