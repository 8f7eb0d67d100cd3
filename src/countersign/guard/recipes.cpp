// Reading task runners' files the way the runners do, far enough to know which shell lines a
// target runs. What cannot be followed (an include, a file too large or not valid) makes the
// recipe unreadable, which the normaliser treats as dynamic.
#include "countersign/guard/recipes.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string_view>

#include "countersign/guard/json.h"

namespace cs::guard {
namespace {

constexpr std::size_t kMaxFile = 256 * 1024;
constexpr std::size_t kMaxLines = 256;
constexpr int kMaxDepth = 16;

// absent: no file; unreadable: not a regular file, too large, or unreadable.
Recipe::Status read_bounded(const std::string& path, std::string& out) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Recipe::Status::absent;
  if (!std::filesystem::is_regular_file(path, ec)) return Recipe::Status::unreadable;
  std::ifstream in(path, std::ios::binary);
  if (!in) return Recipe::Status::unreadable;
  std::string data(kMaxFile + 1, '\0');
  in.read(data.data(), std::streamsize(data.size()));
  auto got = std::size_t(in.gcount());
  if (got > kMaxFile) return Recipe::Status::unreadable;
  data.resize(got);
  out = std::move(data);
  return Recipe::Status::found;
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (name.starts_with('/') || dir.empty()) return name;
  return dir + "/" + name;
}

// The first of `names` in `dir` that exists, read; `given` (-f FILE) wins.
Recipe::Status find_file(const std::string& dir, const std::string& given, std::initializer_list<const char*> names,
                         std::string& path, std::string& text) {
  if (!given.empty()) {
    path = join_path(dir, given);
    return read_bounded(path, text);
  }
  for (const char* n : names) {
    path = join_path(dir, n);
    auto s = read_bounded(path, text);
    if (s != Recipe::Status::absent) return s;
  }
  return Recipe::Status::absent;
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> split_blanks(std::string_view s) {
  std::vector<std::string> out;
  std::istringstream in{std::string(s)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(std::move(line));
  }
  return out;
}

// ---- make ---------------------------------------------------------------------------------

struct Makefile {
  std::map<std::string, std::string> vars;
  struct Rule {
    std::vector<std::string> prereqs;
    std::vector<std::string> recipe;
  };
  std::map<std::string, Rule> rules;
  std::string first_target;
  bool includes = false;
};

Makefile read_makefile(const std::string& text) {
  Makefile m;
  std::vector<std::string> logical;  // backslash-continued lines joined
  for (auto& line : lines_of(text)) {
    if (!logical.empty() && logical.back().ends_with('\\')) {
      logical.back().pop_back();
      logical.back() += (logical.back().starts_with('\t') ? "\n" : " ") + line;
    } else {
      logical.push_back(line);
    }
  }
  Makefile::Rule* current = nullptr;
  for (const auto& line : logical) {
    if (line.starts_with('\t')) {
      if (current) current->recipe.push_back(line.substr(1));
      continue;
    }
    std::string t = trim(line);
    if (t.empty() || t.starts_with('#')) continue;
    current = nullptr;
    if (t.starts_with("include ") || t.starts_with("-include ") || t.starts_with("sinclude ")) {
      m.includes = true;
      continue;
    }
    for (std::string_view prefix : {"export ", "override "})
      if (t.starts_with(prefix)) t = trim(std::string_view(t).substr(prefix.size()));
    auto colon = t.find(':');
    auto eq = t.find('=');
    if (eq != std::string::npos && (colon == std::string::npos || colon > eq || t.compare(colon, 2, ":=") == 0 ||
                                    t.compare(colon, 3, "::=") == 0)) {
      std::size_t name_end = eq;
      bool append = false;
      while (name_end > 0 && std::string_view(":?+!").find(t[name_end - 1]) != std::string_view::npos) {
        append = append || t[name_end - 1] == '+';
        --name_end;
      }
      std::string name = trim(std::string_view(t).substr(0, name_end));
      std::string value = trim(std::string_view(t).substr(eq + 1));
      if (t[eq - 1] == '?' && m.vars.count(name)) continue;
      m.vars[name] = append && m.vars.count(name) ? m.vars[name] + " " + value : value;
      continue;
    }
    if (colon == std::string::npos) continue;
    std::string recipe_inline;
    std::string deps = t.substr(colon + 1);
    if (deps.starts_with(':')) deps.erase(0, 1);
    if (auto semi = deps.find(';'); semi != std::string::npos) {
      recipe_inline = trim(std::string_view(deps).substr(semi + 1));
      deps = deps.substr(0, semi);
    }
    for (const auto& target : split_blanks(std::string_view(t).substr(0, colon))) {
      Makefile::Rule& r = m.rules[target];
      for (auto& d : split_blanks(deps)) r.prereqs.push_back(d);
      if (!recipe_inline.empty()) r.recipe.push_back(recipe_inline);
      if (m.first_target.empty() && !target.starts_with('.') && target.find('%') == std::string::npos)
        m.first_target = target;
      current = &r;
    }
  }
  return m;
}

// $(VAR) ${VAR} $X $$ $@ $< $^ as make expands them before the shell sees the line.
std::string make_expand(std::string_view s, const Makefile& m, const std::map<std::string, std::string>& over,
                        const std::string& target, const Makefile::Rule& rule, int depth = 0) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '$' || i + 1 >= s.size()) {
      out += s[i];
      continue;
    }
    char n = s[++i];
    std::string name;
    if (n == '$') {
      out += '$';
      continue;
    }
    if (n == '(' || n == '{') {
      char close = n == '(' ? ')' : '}';
      int level = 1;
      std::size_t j = i + 1;
      for (; j < s.size() && level; ++j) {
        if (s[j] == n) ++level;
        if (s[j] == close) --level;
      }
      name = std::string(s.substr(i + 1, j - i - 2));
      i = j - 1;
      if (name.find_first_of(" \t,") != std::string::npos) {  // a function call: left for the shell to see
        out += "$(" + name + ")";
        continue;
      }
    } else {
      name = std::string(1, n);
    }
    if (name == "@")
      out += target;
    else if (name == "<")
      out += rule.prereqs.empty() ? "" : rule.prereqs[0];
    else if (name == "^" || name == "+") {
      for (std::size_t k = 0; k < rule.prereqs.size(); ++k) out += (k ? " " : "") + rule.prereqs[k];
    } else if (name == "MAKE")
      out += "make";
    else if (auto o = over.find(name); o != over.end())
      out += o->second;
    else if (auto v = m.vars.find(name); v != m.vars.end() && depth < kMaxDepth)
      out += make_expand(v->second, m, over, target, rule, depth + 1);
  }
  return out;
}

void make_target(const Makefile& m, const std::map<std::string, std::string>& over, const std::string& target,
                 std::set<std::string>& done, std::vector<std::string>& lines, bool& missing, int depth) {
  if (depth > kMaxDepth || !done.insert(target).second) return;
  auto it = m.rules.find(target);
  if (it == m.rules.end()) {
    missing = true;  // a file prerequisite, or a target make cannot make
    return;
  }
  for (const auto& p : it->second.prereqs) {
    bool ignored = false;
    make_target(m, over, p, done, lines, ignored, depth + 1);
  }
  for (const auto& r : it->second.recipe) {
    std::string line = trim(make_expand(r, m, over, target, it->second));
    while (!line.empty() && (line[0] == '@' || line[0] == '-' || line[0] == '+')) line = trim(line.substr(1));
    if (!line.empty() && lines.size() < kMaxLines) lines.push_back(line);
  }
}

}  // namespace

Recipe make_recipe(const std::string& dir, const std::string& makefile, const std::vector<std::string>& targets,
                   const std::vector<std::pair<std::string, std::string>>& overrides) {
  Recipe r;
  std::string text;
  r.status = find_file(dir, makefile, {"GNUmakefile", "makefile", "Makefile"}, r.file, text);
  if (r.status != Recipe::Status::found) return r;
  Makefile m = read_makefile(text);
  std::map<std::string, std::string> over(overrides.begin(), overrides.end());
  std::vector<std::string> wanted = targets;
  if (wanted.empty() && !m.first_target.empty()) wanted.push_back(m.first_target);
  std::set<std::string> done;
  bool missing = false;
  for (const auto& t : wanted) make_target(m, over, t, done, r.lines, missing, 0);
  if (missing && m.includes) r.status = Recipe::Status::unreadable;  // the target may be in an included file
  return r;
}

// ---- package.json ---------------------------------------------------------------------------

Recipe package_script(const std::string& dir, const std::string& script, const std::vector<std::string>& args) {
  Recipe r;
  std::string text;
  r.file = join_path(dir, "package.json");
  r.status = read_bounded(r.file, text);
  if (r.status != Recipe::Status::found) return r;
  auto doc = json::parse(text);
  if (!doc || !doc->is_object()) {
    r.status = Recipe::Status::unreadable;
    return r;
  }
  const json::Value* scripts = doc->get("scripts");
  if (!scripts || !scripts->is_object()) return r;
  auto add = [&](const std::string& name, bool with_args) {
    const json::Value* s = scripts->get(name);
    if (!s || !s->is_string()) return;
    std::string line = s->text;
    if (with_args)
      for (const auto& a : args) line += " " + a;
    r.lines.push_back(std::move(line));
  };
  std::vector<std::string> names{script};
  if (script == "install") names = {"preinstall", "install", "postinstall", "preprepare", "prepare", "postprepare"};
  for (const auto& n : names) {
    add("pre" + n, false);
    add(n, true);
    add("post" + n, false);
  }
  return r;
}

// ---- justfile ---------------------------------------------------------------------------------

namespace {

struct JustRecipe {
  std::vector<std::string> params;  // "name", "*rest", "+rest"; defaults dropped
  std::vector<std::string> deps;
  std::vector<std::string> body;
};

std::string quote_single(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void just_run(const std::map<std::string, JustRecipe>& recipes, const std::map<std::string, std::string>& vars,
              const std::string& name, const std::vector<std::string>& args, std::set<std::string>& done,
              std::vector<std::string>& lines, int depth) {
  auto it = recipes.find(name);
  if (it == recipes.end() || depth > kMaxDepth || !done.insert(name).second) return;
  const JustRecipe& r = it->second;
  for (const auto& d : r.deps) just_run(recipes, vars, d, {}, done, lines, depth + 1);
  std::map<std::string, std::string> values = vars;
  for (std::size_t i = 0; i < r.params.size(); ++i) {
    std::string p = r.params[i];
    if (p.starts_with('*') || p.starts_with('+') || p.starts_with('$')) p.erase(0, 1);
    std::string v;
    if (r.params[i][0] == '*' || r.params[i][0] == '+') {
      for (std::size_t k = i; k < args.size(); ++k) v += (k > i ? " " : "") + args[k];
    } else if (i < args.size()) {
      v = args[i];
    }
    values[p] = v;
  }
  auto expand = [&](const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s.compare(i, 2, "{{") == 0 && s.compare(i, 3, "{{{") != 0) {
        auto end = s.find("}}", i + 2);
        if (end != std::string::npos) {
          std::string key = trim(std::string_view(s).substr(i + 2, end - i - 2));
          auto v = values.find(key);
          out += v == values.end() ? "$(" + key + ")" : v->second;
          i = end + 1;
          continue;
        }
      }
      out += s[i];
    }
    return out;
  };
  if (!r.body.empty() && r.body[0].starts_with("#!")) {  // a shebang recipe: one script
    std::string interp = trim(std::string_view(r.body[0]).substr(2));
    if (interp.starts_with("/usr/bin/env ")) interp = trim(std::string_view(interp).substr(13));
    std::string body;
    for (std::size_t i = 1; i < r.body.size(); ++i) body += expand(r.body[i]) + "\n";
    lines.push_back(interp + " -c " + quote_single(body));
    return;
  }
  for (const auto& b : r.body) {
    std::string line = trim(expand(b));
    while (!line.empty() && (line[0] == '@' || line[0] == '-')) line = trim(line.substr(1));
    if (!line.empty() && lines.size() < kMaxLines) lines.push_back(line);
  }
}

}  // namespace

Recipe just_recipe(const std::string& dir, const std::string& justfile, const std::vector<std::string>& words) {
  Recipe r;
  std::string text;
  r.status = find_file(dir, justfile, {"justfile", "Justfile", ".justfile"}, r.file, text);
  if (r.status != Recipe::Status::found) return r;
  std::map<std::string, JustRecipe> recipes;
  std::map<std::string, std::string> vars;
  std::string first;
  JustRecipe* current = nullptr;
  for (const auto& line : lines_of(text)) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      if (current && !trim(line).empty()) current->body.push_back(trim(line));
      continue;
    }
    std::string t = trim(line);
    current = nullptr;
    if (t.empty() || t.starts_with('#') || t.starts_with('[') || t.starts_with("set ") || t.starts_with("import ") ||
        t.starts_with("mod ") || t.starts_with("alias "))
      continue;
    if (t.starts_with("export ")) t = trim(std::string_view(t).substr(7));
    auto assign = t.find(":=");
    auto colon = t.find(':');
    if (assign != std::string::npos && assign == colon) {
      std::string value = trim(std::string_view(t).substr(assign + 2));
      if (value.size() >= 2 && (value[0] == '"' || value[0] == '\'') && value.back() == value[0])
        value = value.substr(1, value.size() - 2);
      vars[trim(std::string_view(t).substr(0, assign))] = value;
      continue;
    }
    if (colon == std::string::npos) continue;
    auto head = split_blanks(std::string_view(t).substr(0, colon));
    if (head.empty()) continue;
    std::string name = head[0];
    if (name.starts_with('@')) name.erase(0, 1);
    JustRecipe& rec = recipes[name];
    for (std::size_t i = 1; i < head.size(); ++i) rec.params.push_back(head[i].substr(0, head[i].find('=')));
    for (auto& d : split_blanks(std::string_view(t).substr(colon + 1))) {
      if (d.starts_with("#")) break;
      if (d.starts_with("&&")) continue;
      std::string dep = d.substr(d.starts_with('(') ? 1 : 0);
      dep = dep.substr(0, dep.find_first_of(" )"));
      if (!dep.empty() && (std::isalpha(static_cast<unsigned char>(dep[0])) || dep[0] == '_')) rec.deps.push_back(dep);
    }
    if (first.empty()) first = name;
    current = &rec;
  }
  std::string name = words.empty() ? first : words[0];
  std::vector<std::string> args(words.begin() + (words.empty() ? 0 : 1), words.end());
  std::set<std::string> done;
  just_run(recipes, vars, name, args, done, r.lines, 0);
  return r;
}

// ---- Taskfile.yml ---------------------------------------------------------------------------

namespace {

std::string unquote(std::string s) {
  s = trim(s);
  if (s.size() >= 2 && (s[0] == '"' || s[0] == '\'') && s.back() == s[0]) s = s.substr(1, s.size() - 2);
  return s;
}

int indent_of(const std::string& line) {
  int n = 0;
  while (std::size_t(n) < line.size() && line[std::size_t(n)] == ' ') ++n;
  return n;
}

struct Task {
  std::vector<std::string> cmds;
  std::vector<std::string> calls;  // task: other, deps
};

std::map<std::string, Task> read_taskfile(const std::string& text) {
  std::map<std::string, Task> tasks;
  auto lines = lines_of(text);
  int tasks_indent = -1, task_indent = -1;
  Task* current = nullptr;
  std::string key;  // cmds / deps / cmd within the current task
  int key_indent = -1;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    std::string t = trim(line);
    if (t.empty() || t.starts_with('#')) continue;
    int ind = indent_of(line);
    if (tasks_indent < 0) {
      if (t == "tasks:") tasks_indent = ind;
      continue;
    }
    if (ind <= tasks_indent) break;
    if (task_indent < 0) task_indent = ind;
    if (ind == task_indent) {
      auto colon = t.find(':');
      if (colon == std::string::npos) continue;
      current = &tasks[unquote(t.substr(0, colon))];
      std::string rest = trim(std::string_view(t).substr(colon + 1));
      if (!rest.empty()) current->cmds.push_back(unquote(rest));  // name: command
      key.clear();
      continue;
    }
    if (!current) continue;
    auto block = [&](std::string first) {  // `- |` / `cmd: |`: the indented lines below
      if (first != "|" && first != ">" && first != "|-" && first != ">-") return first;
      std::string body;
      while (i + 1 < lines.size() && (trim(lines[i + 1]).empty() || indent_of(lines[i + 1]) > ind)) {
        body += trim(lines[++i]) + "\n";
      }
      return body;
    };
    if (!t.starts_with("- ")) {
      auto colon = t.find(':');
      if (colon == std::string::npos) continue;
      std::string k = t.substr(0, colon), rest = trim(std::string_view(t).substr(colon + 1));
      if (key_indent >= 0 && ind > key_indent && key == "cmds") {  // cmd: / task: of a list item
        if (k == "cmd") current->cmds.push_back(unquote(block(rest)));
        if (k == "task") current->calls.push_back(unquote(rest));
        continue;
      }
      key = k;
      key_indent = ind;
      if (k == "cmd") current->cmds.push_back(unquote(block(rest)));
      if ((k == "deps" || k == "cmds") && rest.starts_with('[')) {
        std::string inner =
            rest.substr(1, rest.find(']') == std::string::npos ? std::string::npos : rest.find(']') - 1);
        std::istringstream in(inner);
        for (std::string item; std::getline(in, item, ',');)
          (k == "deps" ? current->calls : current->cmds).push_back(unquote(item));
      }
      continue;
    }
    std::string item = trim(std::string_view(t).substr(2));
    if (key == "deps") {
      current->calls.push_back(unquote(item.starts_with("task:") ? item.substr(5) : item));
    } else if (key == "cmds") {
      if (item.starts_with("task:"))
        current->calls.push_back(unquote(item.substr(5)));
      else if (item.starts_with("cmd:"))
        current->cmds.push_back(unquote(block(trim(std::string_view(item).substr(4)))));
      else if (!item.starts_with("defer:"))
        current->cmds.push_back(unquote(block(item)));
    }
  }
  return tasks;
}

void task_run(const std::map<std::string, Task>& tasks, const std::string& name, std::set<std::string>& done,
              std::vector<std::string>& lines, int depth) {
  auto it = tasks.find(name);
  if (it == tasks.end() || depth > kMaxDepth || !done.insert(name).second) return;
  for (const auto& c : it->second.calls) task_run(tasks, c, done, lines, depth + 1);
  for (const auto& c : it->second.cmds)
    if (lines.size() < kMaxLines) lines.push_back(c);
}

}  // namespace

Recipe task_recipe(const std::string& dir, const std::string& taskfile, const std::vector<std::string>& names) {
  Recipe r;
  std::string text;
  r.status = find_file(dir, taskfile,
                       {"Taskfile.yml", "taskfile.yml", "Taskfile.yaml", "taskfile.yaml", "Taskfile.dist.yml",
                        "taskfile.dist.yml", "Taskfile.dist.yaml", "taskfile.dist.yaml"},
                       r.file, text);
  if (r.status != Recipe::Status::found) return r;
  auto tasks = read_taskfile(text);
  std::set<std::string> done;
  if (names.empty()) task_run(tasks, "default", done, r.lines, 0);
  for (const auto& n : names) task_run(tasks, n, done, r.lines, 0);
  return r;
}

}  // namespace cs::guard
