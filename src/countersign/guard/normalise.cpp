// Unwrapping wrappers and following scripts into other interpreters. Each parsed command is
// peeled (sudo -u x env A=b timeout 5 nice rm ...) down to the command that really runs;
// scripts given to a shell, eval, ssh, watch, su -c, git aliases and database clients are
// analysed in turn at depth + 1. What cannot be known statically is marked dynamic.
#include "countersign/guard/normalise.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace cs::guard {

std::string_view basename(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string join_words(const std::vector<shell::Word>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i) out += ' ';
    out += words[i].text;
  }
  return out;
}

namespace {

using shell::Word;
using Words = std::vector<Word>;

constexpr std::size_t kMaxScriptFile = 256 * 1024;

bool in(std::string_view w, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), w) != set.end();
}

Word literal(std::string text) {
  Word w;
  w.text = std::move(text);
  return w;
}

Word placeholder(std::string text) {
  Word w = literal(std::move(text));
  w.dynamic = true;
  return w;
}

bool read_small_file(const std::string& cwd, const std::string& name, std::string& out) {
  if (name.empty()) return false;
  std::string path = name[0] == '/' || cwd.empty() ? name : cwd + "/" + name;
  std::error_code ec;  // never a device, fifo or /proc file: reading one could block or lie
  if (!std::filesystem::is_regular_file(path, ec) || path.starts_with("/proc/") || path.starts_with("/dev/"))
    return false;
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::string data(kMaxScriptFile + 1, '\0');
  in.read(data.data(), std::streamsize(data.size()));
  auto got = std::size_t(in.gcount());
  if (got > kMaxScriptFile) return false;
  data.resize(got);
  out = std::move(data);
  return true;
}

// Interpreter one-liners that delete files, run a shell or spawn processes.
bool risky_code(std::string_view code) {
  static constexpr std::string_view needles[] = {
      "rmtree", "os.remove", "os.unlink", "os.rmdir", "unlink(", "rmdir(", "os.system", "subprocess",
      "popen", "Popen", "exec(", "execSync", "execFileSync", "spawn", "child_process", "system(", "`",
      "fs.rm", "rmSync", "shutil", "exec ", "system ", "pty.spawn", "truncate", "remove(", "File.delete", "FileUtils.rm",
      "Deno.remove", "Deno.run", "Bun.spawn", "qx{", "eval(", "__import__", "socket", "drop table",
      "DROP TABLE", "exec.Command", "passthru", "shell_exec", "proc_open"};
  for (auto n : needles)
    if (code.find(n) != std::string_view::npos) return true;
  return false;
}

class Normaliser {
 public:
  Normaliser(const AnalyseOptions& o, Analysis& out) : o_(o), out_(out) {}

  void script(std::string_view text, int depth, const Unit& frame) {
    if (depth > o_.max_depth) {
      Unit u = frame;
      u.words = {literal(std::string(text))};
      u.dynamic = true;
      u.depth = depth;
      u.note = "nested deeper than " + std::to_string(o_.max_depth) + " levels";
      out_.units.push_back(std::move(u));
      return;
    }
    shell::Parse p = shell::parse(text, *o_.env);
    for (auto& e : p.errors) out_.errors.push_back(depth ? "in " + frame.via + ": " + e : e);
    for (std::size_t k = 0; k < p.commands.size(); ++k) {
      const shell::Command& c = p.commands[k];
      if (!c.output_files.empty()) device_writes(c, depth, frame);
      if (c.words.empty()) continue;
      Unit u = frame;
      u.depth = depth;
      u.words = c.words;
      for (const auto& [name, value] : c.assigns) u.env.emplace_back(name, value.text);
      command(std::move(u), c, p);
    }
  }

  void argv(Words words, int depth, const Unit& frame) {
    Unit u = frame;
    u.depth = depth;
    u.words = std::move(words);
    shell::Command none;
    shell::Parse empty;
    command(std::move(u), none, empty);
  }

 private:
  const AnalyseOptions& o_;
  Analysis& out_;

  void emit(Unit u) { out_.units.push_back(std::move(u)); }

  void data(const Unit& frame, std::string text, std::string what) {
    Unit d = frame;
    d.words = {literal(std::move(text))};
    d.executed = false;
    d.via = frame.via.empty() ? what : frame.via + ", " + what;
    d.sql.clear();
    emit(std::move(d));
  }

  void device_writes(const shell::Command& c, int depth, const Unit& frame) {
    for (const auto& f : c.output_files) {
      if (!f.starts_with("/dev/") || in(f, {"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty"}) ||
          f.starts_with("/dev/fd/"))
        continue;
      Unit u = frame;
      u.depth = depth;
      u.words = {literal(">"), literal(f)};
      u.via = frame.via.empty() ? "redirect" : frame.via + ", redirect";
      emit(std::move(u));
    }
  }

  std::string nested_via(const Unit& u, std::string how) const {
    return u.via.empty() ? how : u.via + " > " + how;
  }

  // What a shell or database client reads on stdin, when it can be known.
  enum class Stdin { none, text, unknown };
  Stdin stdin_of(const shell::Command& c, const shell::Parse& p, std::string& text) {
    switch (c.input) {
      case shell::Input::terminal: return Stdin::none;
      case shell::Input::literal: text = c.stdin_text; return c.stdin_dynamic ? Stdin::unknown : Stdin::text;
      case shell::Input::file: return read_small_file(o_.cwd, c.stdin_file, text) ? Stdin::text : Stdin::unknown;
      case shell::Input::dynamic: return Stdin::unknown;
      case shell::Input::pipe: break;
    }
    if (c.pipe_from < 0 || std::size_t(c.pipe_from) >= p.commands.size()) return Stdin::unknown;
    const shell::Command& src = p.commands[std::size_t(c.pipe_from)];
    if (src.words.empty()) return Stdin::unknown;
    std::string_view name = basename(src.words[0].text);
    bool dyn = false;
    if (name == "echo" || name == "printf") {
      std::size_t k = 1;
      while (k < src.words.size() && name == "echo" && src.words[k].text.starts_with("-") &&
             src.words[k].text.size() <= 3)
        ++k;
      for (std::size_t j = k; j < src.words.size(); ++j) {
        if (j > k) text += ' ';
        text += src.words[j].text;
        dyn = dyn || src.words[j].dynamic;
      }
      std::string unescaped;  // \n in printf / echo -e
      for (std::size_t j = 0; j < text.size(); ++j) {
        if (text[j] == '\\' && j + 1 < text.size() && text[j + 1] == 'n') {
          unescaped += '\n';
          ++j;
        } else {
          unescaped += text[j];
        }
      }
      text = std::move(unescaped) + "\n";
      return dyn ? Stdin::unknown : Stdin::text;
    }
    if (name == "cat" && src.words.size() == 1 && src.input == shell::Input::literal) {
      text = src.stdin_text;
      return src.stdin_dynamic ? Stdin::unknown : Stdin::text;
    }
    if (name == "cat" && src.words.size() == 2 && !src.words[1].dynamic &&
        read_small_file(o_.cwd, src.words[1].text, text))
      return Stdin::text;
    return Stdin::unknown;
  }

  std::string producer_name(const shell::Command& c, const shell::Parse& p) const {
    if (c.input == shell::Input::pipe && c.pipe_from >= 0 && std::size_t(c.pipe_from) < p.commands.size() &&
        !p.commands[std::size_t(c.pipe_from)].words.empty())
      return std::string(basename(p.commands[std::size_t(c.pipe_from)].words[0].text));
    if (c.input == shell::Input::file) return "< " + c.stdin_file;
    return "a pipe";
  }

  // Removes leading options of a wrapper; `with_value` lists options that take a value.
  // Returns false if nothing is left.
  static bool strip_options(Words& w, std::size_t& k, std::initializer_list<std::string_view> with_value,
                            bool stop_at_first_positional = true) {
    while (k < w.size()) {
      const std::string& t = w[k].text;
      if (t == "--") {
        ++k;
        break;
      }
      if (t.size() < 2 || t[0] != '-') {
        if (stop_at_first_positional) break;
        ++k;
        continue;
      }
      bool takes = false;
      for (auto v : with_value) {
        if (t == v) takes = true;
      }
      k += takes ? 2 : 1;
    }
    return k < w.size();
  }

  void command(Unit u, const shell::Command& c, const shell::Parse& p) {
    std::string wrappers;
    for (int guard = 0; guard < 32; ++guard) {
      if (u.words.empty()) return;
      if (u.words[0].dynamic) {
        u.dynamic = true;
        u.note = "the command name is not known statically (" + u.words[0].text + ")";
        emit(std::move(u));
        return;
      }
      std::string name(basename(u.words[0].text));
      u.words[0].text = name;
      std::size_t k = 1;
      bool unwrapped = unwrap(name, u, k);
      if (!unwrapped) break;
      u.words.erase(u.words.begin(), u.words.begin() + long(std::min(k, u.words.size())));
      u.via = nested_via(u, name);
    }
    if (u.words.empty()) return;
    special(std::move(u), c, p);
  }

  // Unwraps one wrapper; k is set to the index of the wrapped command. False: not a wrapper.
  bool unwrap(const std::string& name, Unit& u, std::size_t& k) {
    Words& w = u.words;
    if (name == "sudo") {
      for (std::size_t j = 1; j < w.size() && w[j].text.starts_with("-"); ++j)
        if (in(w[j].text, {"-e", "--edit", "-l", "--list", "-v", "--validate", "-k", "-K"}) && j + 1 >= w.size())
          return false;
      return strip_options(w, k, {"-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-T", "-U", "--user", "--group",
                                  "--host", "--prompt", "--close-from", "--chdir", "--role", "--type",
                                  "--command-timeout", "--other-user"}) ||
             (k = w.size(), true);
    }
    if (name == "doas") return strip_options(w, k, {"-u", "-C"}) || (k = w.size(), true);
    if (name == "env") return unwrap_env(u, k);
    if (name == "command") {
      for (std::size_t j = 1; j < w.size() && w[j].text.starts_with("-"); ++j)
        if (w[j].text.find_first_of("vV") != std::string::npos) return false;  // a lookup, runs nothing
      return strip_options(w, k, {}) || (k = w.size(), true);
    }
    if (in(name, {"builtin", "nohup", "busybox", "unbuffer", "caffeinate", "catchsegv"}))
      return strip_options(w, k, {}) || (k = w.size(), true);
    if (name == "exec") return strip_options(w, k, {"-a"}) || (k = w.size(), true);
    if (name == "time") return strip_options(w, k, {"-f", "-o", "--format", "--output"}) || (k = w.size(), true);
    if (name == "nice") {
      while (k < w.size() && w[k].text.starts_with("-")) {
        k += (w[k].text == "-n" || w[k].text == "--adjustment") ? 2 : 1;
      }
      return true;
    }
    if (name == "ionice") return strip_options(w, k, {"-c", "-n", "--class", "--classdata"}) || (k = w.size(), true);
    if (name == "timeout") {
      strip_options(w, k, {"-s", "-k", "--signal", "--kill-after"});
      if (k < w.size()) ++k;  // the duration
      return true;
    }
    if (name == "stdbuf") return strip_options(w, k, {"-i", "-o", "-e"}) || (k = w.size(), true);
    if (name == "setsid") return strip_options(w, k, {}) || (k = w.size(), true);
    if (name == "chroot") {
      strip_options(w, k, {"--userspec", "--groups"});
      if (k < w.size()) ++k;  // the new root
      if (k >= w.size()) {   // chroot DIR alone runs a shell
        k = w.size();
      }
      return true;
    }
    if (name == "flock") {
      strip_options(w, k, {"-E", "-w", "--timeout", "--conflict-exit-code"});
      if (k < w.size()) ++k;  // the lock file
      if (k < w.size() && (w[k].text == "-c" || w[k].text == "--command")) {
        if (k + 1 < w.size()) {
          Unit frame = u;
          frame.via = nested_via(u, "flock -c");
          script(w[k + 1].text, u.depth + 1, frame, w[k + 1].dynamic);
        }
        k = w.size();
      }
      return true;
    }
    if (name == "xargs") return unwrap_xargs(u, k);
    if (in(name, {"npx", "bunx", "pnpx"})) {
      strip_options(w, k, {"-p", "--package", "-c", "--call"});
      return true;
    }
    if ((name == "bundle" || name == "poetry" || name == "pipenv" || name == "uv" || name == "pnpm" ||
         name == "yarn" || name == "npm") &&
        w.size() > 2 && in(w[1].text, {"exec", "run", "dlx"})) {
      if (name == "npm" || name == "yarn" || name == "pnpm") {
        if (w[1].text == "run") return false;  // npm run <script>: a package script
      }
      k = 2;
      if (k < w.size() && w[k].text == "--") ++k;
      return true;
    }
    return false;
  }

  bool unwrap_env(Unit& u, std::size_t& k) {
    Words& w = u.words;
    while (k < w.size()) {
      const std::string& t = w[k].text;
      if (t == "--") {
        ++k;
        break;
      }
      if (t == "-" || t == "-i" || t == "--ignore-environment" || t == "-0" || t == "--null" || t == "-v" ||
          t == "--debug") {
        ++k;
      } else if (t == "-u" || t == "--unset" || t == "-C" || t == "--chdir") {
        k += 2;
      } else if (t.starts_with("--unset=") || t.starts_with("--chdir=") || (t.starts_with("-u") && t.size() > 2) ||
                 (t.starts_with("-C") && t.size() > 2)) {
        ++k;
      } else if (t == "-S" || t == "--split-string" || t.starts_with("--split-string=") ||
                 (t.starts_with("-S") && t.size() > 2)) {
        std::string str;
        std::size_t next = k + 1;
        if (t == "-S" || t == "--split-string") {
          str = k + 1 < w.size() ? w[k + 1].text : "";
          next = k + 2;
        } else {
          str = t.substr(t[1] == 'S' ? 2 : std::string("--split-string=").size());
        }
        shell::Parse sp = shell::parse(str, *o_.env);  // -S splits like the shell does
        Words split;
        for (auto& c : sp.commands) {
          for (auto& [n, v] : c.assigns) split.push_back(literal(n + "=" + v.text));
          for (auto& x : c.words) split.push_back(x);
        }
        w.erase(w.begin() + long(k), w.begin() + long(std::min(next, w.size())));
        w.insert(w.begin() + long(k), split.begin(), split.end());
      } else if (t.starts_with("-")) {
        ++k;
      } else if (auto eq = t.find('='); eq != std::string::npos && eq > 0) {
        u.env.emplace_back(t.substr(0, eq), t.substr(eq + 1));
        ++k;
      } else {
        break;
      }
    }
    return true;
  }

  bool unwrap_xargs(Unit& u, std::size_t& k) {
    Words& w = u.words;
    std::string replace;
    while (k < w.size()) {
      const std::string& t = w[k].text;
      if (t == "--") {
        ++k;
        break;
      }
      if (t.size() < 2 || t[0] != '-') break;
      if (t == "-I" || t == "--replace") {
        replace = k + 1 < w.size() ? w[k + 1].text : "{}";
        k += 2;
      } else if (t.starts_with("-I")) {
        replace = t.substr(2);
        ++k;
      } else if (t.starts_with("--replace=")) {
        replace = t.substr(10);
        ++k;
      } else if (t == "-i") {
        replace = "{}";
        ++k;
      } else if (in(t, {"-d", "-E", "-L", "-n", "-P", "-s", "-a", "-e", "-l"})) {
        k += 2;
      } else {
        ++k;  // -0 -r -t -p -x, --null, --max-args=N, -n1 ...
      }
    }
    if (k >= w.size()) {  // xargs alone runs echo
      w.push_back(literal("echo"));
      k = w.size() - 1;
    }
    bool substituted = false;
    if (!replace.empty()) {
      for (std::size_t j = k; j < w.size(); ++j) {
        auto pos = w[j].text.find(replace);
        if (pos == std::string::npos) continue;
        w[j].text.replace(pos, replace.size(), "{stdin}");
        w[j].dynamic = true;
        substituted = true;
      }
    }
    if (!substituted) w.push_back(placeholder("{stdin}"));
    u.note = "arguments come from stdin";
    return true;
  }

  void script(std::string_view text, int depth, const Unit& frame, bool dynamic) {
    if (dynamic) {
      Unit u = frame;
      u.depth = depth;
      u.words = {literal(std::string(text))};
      u.dynamic = true;
      u.note = "script built from values not known statically";
      emit(u);
    }
    Unit f = frame;
    f.words.clear();
    f.sql.clear();
    f.note.clear();
    f.dynamic = false;
    script(text, depth, f);
  }

  void special(Unit u, const shell::Command& c, const shell::Parse& p) {
    const std::string name = u.words[0].text;
    Words& w = u.words;
    if (in(name, {"sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "fish", "rbash"})) return shell_cmd(std::move(u), c, p);
    if (name == "eval" || name == "source" || name == ".") {
      if (name == "eval") {
        std::string text;
        bool dyn = false;
        for (std::size_t j = 1; j < w.size(); ++j) {
          if (j > 1) text += ' ';
          text += w[j].text;
          dyn = dyn || w[j].dynamic;
        }
        emit(u);
        script(text, u.depth + 1, with_via(u, "eval"), dyn);
        return;
      }
      std::string body;
      if (w.size() > 1 && is_stdin_path(w[1].text)) return shell_stdin(std::move(u), c, p, name);
      if (w.size() > 1 && !w[1].dynamic && read_small_file(o_.cwd, w[1].text, body)) {
        emit(u);
        script(body, u.depth + 1, with_via(u, name + " " + w[1].text), false);
        return;
      }
      if (w.size() > 1 && w[1].dynamic) {
        u.dynamic = true;
        u.note = "sources a script that cannot be read statically";
      }
      emit(std::move(u));
      return;
    }
    if (name == "ssh") return ssh(std::move(u));
    if (name == "su" || name == "runuser") {
      for (std::size_t j = 1; j + 1 < w.size(); ++j)
        if (w[j].text == "-c" || w[j].text == "--command") {
          emit(u);
          script(w[j + 1].text, u.depth + 1, with_via(u, name + " -c"), w[j + 1].dynamic);
          return;
        }
      emit(std::move(u));
      return;
    }
    if (name == "watch") {
      std::size_t k = 1;
      bool exec = false;
      while (k < w.size() && w[k].text.starts_with("-")) {
        if (w[k].text == "-x" || w[k].text == "--exec") exec = true;
        k += in(w[k].text, {"-n", "--interval", "-g", "-q"}) ? 2 : 1;
      }
      Words rest(w.begin() + long(std::min(k, w.size())), w.end());
      if (exec) return argv(std::move(rest), u.depth + 1, with_via(u, "watch -x"));
      std::string text;
      bool dyn = false;
      for (std::size_t j = 0; j < rest.size(); ++j) {
        text += (j ? " " : "") + rest[j].text;
        dyn = dyn || rest[j].dynamic;
      }
      return script(text, u.depth + 1, with_via(u, "watch"), dyn);
    }
    if (name == "parallel") return parallel(std::move(u));
    if (name == "find") return find(std::move(u));
    if (name == "git") {
      emit(u);
      return git_aliases(u);
    }
    if ((name == "kubectl" || name == "oc") && w.size() > 1) {
      emit(u);
      return kubectl_exec(u);
    }
    if ((name == "docker" || name == "podman" || name == "nerdctl") && w.size() > 1) {
      emit(u);
      return docker_exec(u);
    }
    if (in(name, {"psql", "mysql", "mariadb", "sqlite3", "redis-cli", "mongo", "mongosh", "clickhouse-client",
                  "cqlsh", "valkey-cli", "cockroach"}))
      return database(std::move(u), c, p);
    if (in(name, {"python", "python3", "python2", "node", "nodejs", "perl", "ruby", "php", "deno", "bun", "lua",
                  "Rscript", "osascript", "pwsh", "powershell"}) ||
        name.starts_with("python3."))
      return interpreter(std::move(u), c, p);
    if (name == "echo" || name == "printf") {
      std::string text;
      for (std::size_t j = 1; j < w.size(); ++j) text += (j > 1 ? " " : "") + w[j].text;
      emit(u);
      if (!text.empty()) data(u, text, name + " argument");
      return;
    }
    if (in(name, {"grep", "egrep", "fgrep", "rg", "ag", "ack", "git-grep"}) && w.size() > 1) {
      emit(u);
      return;
    }
    if (c.input == shell::Input::literal && !c.stdin_text.empty()) {
      emit(u);
      data(u, c.stdin_text, "stdin of " + name);
      return;
    }
    emit(std::move(u));
  }

  Unit with_via(const Unit& u, std::string how) const {
    Unit f = u;
    f.via = nested_via(u, std::move(how));
    f.words.clear();
    f.sql.clear();
    f.note.clear();
    f.dynamic = false;
    return f;
  }

  void shell_cmd(Unit u, const shell::Command& c, const shell::Parse& p) {
    Words& w = u.words;
    std::size_t k = 1;
    bool dash_c = false, dash_s = false;
    while (k < w.size()) {
      const std::string& t = w[k].text;
      if (t == "--" || t == "-") {
        ++k;
        break;
      }
      if (t.size() < 2 || (t[0] != '-' && t[0] != '+')) break;
      if (t[0] == '-' && t[1] != '-' && t.find('c') != std::string::npos) dash_c = true;
      if (t[0] == '-' && t[1] != '-' && t.find('s') != std::string::npos) dash_s = true;
      k += (t == "-o" || t == "+o" || t == "-O" || t == "+O" || t == "--rcfile" || t == "--init-file") ? 2 : 1;
    }
    const std::string name = w[0].text;
    if (dash_c) {
      emit(u);
      if (k < w.size()) script(w[k].text, u.depth + 1, with_via(u, name + " -c"), w[k].dynamic);
      return;
    }
    if (k < w.size() && is_stdin_path(w[k].text)) return shell_stdin(std::move(u), c, p, name);
    if (k < w.size() && !dash_s) {  // a script file
      std::string body;
      if (w[k].dynamic) {
        u.dynamic = true;
        u.note = "runs a script whose path is not known statically (" + w[k].text + ")";
        emit(std::move(u));
        return;
      }
      emit(u);
      if (read_small_file(o_.cwd, w[k].text, body)) script(body, u.depth + 1, with_via(u, name + " " + w[k].text), false);
      return;
    }
    shell_stdin(std::move(u), c, p, name);
  }

  static bool is_stdin_path(std::string_view p) {
    return p == "/dev/stdin" || p == "/dev/fd/0" || p == "/proc/self/fd/0" || p == "-";
  }

  void shell_stdin(Unit u, const shell::Command& c, const shell::Parse& p, const std::string& name) {
    std::string text;
    switch (stdin_of(c, p, text)) {
      case Stdin::none: emit(std::move(u)); return;  // an interactive shell
      case Stdin::text:
        emit(u);
        script(text, u.depth + 1, with_via(u, "stdin of " + name), false);
        return;
      case Stdin::unknown:
        u.dynamic = true;
        u.note = "runs a script read from " + producer_name(c, p) + ", which cannot be known statically";
        emit(std::move(u));
        return;
    }
  }

  void ssh(Unit u) {
    Words& w = u.words;
    std::size_t k = 1;
    strip_options(w, k, {"-p", "-i", "-l", "-o", "-F", "-J", "-L", "-R", "-D", "-b", "-c", "-E", "-e", "-I", "-m",
                         "-O", "-Q", "-S", "-W", "-w", "-B"});
    if (k >= w.size()) return emit(std::move(u));
    std::string host = w[k].text;
    if (auto at = host.find('@'); at != std::string::npos) host = host.substr(at + 1);
    std::string text;
    bool dyn = false;
    for (std::size_t j = k + 1; j < w.size(); ++j) {
      text += (j > k + 1 ? " " : "") + w[j].text;
      dyn = dyn || w[j].dynamic;
    }
    emit(u);
    if (text.empty()) return;
    Unit f = with_via(u, "ssh " + host);
    f.host = host;
    script(text, u.depth + 1, f, dyn);
  }

  void parallel(Unit u) {
    Words& w = u.words;
    std::size_t k = 1;
    strip_options(w, k, {"-j", "--jobs", "-S", "--sshlogin", "-a", "--arg-file", "--delay", "--timeout", "-n", "-N"});
    Words cmd;
    Words args;
    bool after = false;
    for (std::size_t j = k; j < w.size(); ++j) {
      if (w[j].text == ":::" || w[j].text == "::::") {
        after = true;
        continue;
      }
      (after ? args : cmd).push_back(w[j]);
    }
    emit(u);
    if (cmd.empty()) return;
    std::string text;
    for (std::size_t j = 0; j < cmd.size(); ++j) text += (j ? " " : "") + cmd[j].text;
    for (auto& a : args) {
      if (text.find("{}") == std::string::npos) text += " " + a.text;
    }
    if (args.empty()) text += " {stdin}";
    script(text, u.depth + 1, with_via(u, "parallel"), false);
  }

  void find(Unit u) {
    Words& w = u.words;
    emit(u);
    std::string start = ".";
    Word start_word = literal(".");
    if (w.size() > 1 && !w[1].text.starts_with("-") && w[1].text != "(" && w[1].text != "!") start_word = w[1];
    start = start_word.text;
    while (start.size() > 1 && start.back() == '/') start.pop_back();
    for (std::size_t j = 1; j < w.size(); ++j) {
      if (!in(w[j].text, {"-exec", "-execdir", "-ok", "-okdir"})) continue;
      Words inner;
      std::size_t e = j + 1;
      for (; e < w.size() && w[e].text != ";" && w[e].text != "+"; ++e) {
        Word x = w[e];
        if (auto pos = x.text.find("{}"); pos != std::string::npos) {  // what find found, under its start
          x.text.replace(pos, 2, (start == "/" ? "" : start) + "/{}");
          x.dynamic = x.dynamic || start_word.dynamic;
        }
        inner.push_back(std::move(x));
      }
      argv(std::move(inner), u.depth + 1, with_via(u, "find " + w[j].text));
      j = e;
    }
  }

  void git_aliases(const Unit& u) {
    const Words& w = u.words;
    for (std::size_t j = 1; j + 1 < w.size(); ++j) {
      if (w[j].text != "-c") {
        if (!w[j].text.starts_with("-")) break;  // the subcommand
        continue;
      }
      const std::string& kv = w[j + 1].text;
      auto eq = kv.find('=');
      if (eq == std::string::npos || !text_starts_with_ci(kv, "alias.")) continue;
      std::string value = kv.substr(eq + 1);
      if (!value.starts_with("!")) continue;
      script(value.substr(1), u.depth + 1, with_via(u, "git alias " + kv.substr(6, eq - 6)), w[j + 1].dynamic);
    }
  }

  static bool text_starts_with_ci(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
    return true;
  }

  void kubectl_exec(const Unit& u) {
    const Words& w = u.words;
    bool execlike = false;
    for (std::size_t j = 1; j < w.size(); ++j) {
      if (w[j].text.starts_with("-")) continue;
      execlike = in(w[j].text, {"exec", "run", "debug", "attach"});
      break;
    }
    if (!execlike) return;
    for (std::size_t j = 1; j < w.size(); ++j) {
      if (w[j].text != "--") continue;
      Words inner(w.begin() + long(j) + 1, w.end());
      Unit f = with_via(u, "kubectl exec");
      if (f.host.empty()) f.parent = int(out_.units.size()) - 1;  // the pod's cluster is the environment
      argv(std::move(inner), u.depth + 1, f);
      return;
    }
  }

  void docker_exec(const Unit& u) {
    const Words& w = u.words;
    std::size_t k = 1;
    if (k < w.size() && (w[k].text == "compose" || w[k].text == "container")) ++k;
    strip_options(const_cast<Words&>(w), k, {"-f", "--file", "-p", "--project-name", "--context", "-H", "--host"});
    if (k >= w.size()) return;
    const std::string sub = w[k].text;
    bool run = sub == "run";
    if (sub != "exec" && !run) return;
    ++k;
    strip_options(const_cast<Words&>(w), k,
                  {"-e", "--env", "-u", "--user", "-w", "--workdir", "--env-file", "-v", "--volume", "-p",
                   "--publish", "--name", "--network", "--entrypoint", "-l", "--label", "--mount", "--platform",
                   "--hostname", "-h", "--cpus", "-m", "--memory", "--add-host", "--restart", "--pull",
                   "--detach-keys", "--index"});
    if (k + 1 >= w.size()) return;  // container / image, then the command
    Words inner(w.begin() + long(k) + 1, w.end());
    Unit f = with_via(u, "docker " + sub + " " + w[k].text);
    if (f.host.empty() && !run) f.host = w[k].text;  // the container is the environment
    argv(std::move(inner), u.depth + 1, f);
  }

  void database(Unit u, const shell::Command& c, const shell::Parse& p) {
    Words& w = u.words;
    const std::string name = w[0].text;
    std::string sql;
    bool dyn = false, have = false;
    auto take = [&](const Word& x) {
      sql += (sql.empty() ? "" : ";\n") + x.text;
      dyn = dyn || x.dynamic;
      have = true;
    };
    std::vector<std::string> positionals;
    for (std::size_t j = 1; j < w.size(); ++j) {
      const std::string& t = w[j].text;
      bool next = j + 1 < w.size();
      if ((t == "-c" || t == "--command") && (name == "psql" || name == "cockroach") && next) take(w[++j]);
      else if (t.starts_with("--command=")) take(literal(t.substr(10)));
      else if ((t == "-e" || t == "--execute") && next && name != "psql") take(w[++j]);
      else if (t.starts_with("--execute=")) take(literal(t.substr(10)));
      else if ((t == "--eval" || t == "--query" || t == "-q") && next && name != "psql") take(w[++j]);
      else if ((t == "-f" || t == "--file") && next) {
        std::string body;
        if (!w[j + 1].dynamic && read_small_file(o_.cwd, w[j + 1].text, body))
          take(literal(body));
        else
          dyn = have = true;
        ++j;
      } else if (t.starts_with("-")) {
        if (in(t, {"-h", "-p", "-U", "-d", "-u", "-P", "-n", "-a", "--host", "--port", "--username", "--dbname",
                   "--user"}) && next && name != "sqlite3")
          ++j;
      } else {
        positionals.push_back(t);
      }
    }
    if (name == "sqlite3" && positionals.size() >= 2) take(literal(positionals[1]));
    if ((name == "redis-cli" || name == "valkey-cli") && !positionals.empty()) {
      std::string cmd;
      for (auto& x : positionals) cmd += (cmd.empty() ? "" : " ") + x;
      take(literal(cmd));
    }
    if (!have) {
      std::string text;
      switch (stdin_of(c, p, text)) {
        case Stdin::none: break;
        case Stdin::text: take(literal(text)); break;
        case Stdin::unknown:
          dyn = have = true;
          u.note = "reads statements from " + producer_name(c, p);
          break;
      }
    }
    u.sql = std::move(sql);
    if (dyn) {
      u.dynamic = true;
      if (u.note.empty()) u.note = "statements not known statically";
    }
    emit(std::move(u));
  }

  void interpreter(Unit u, const shell::Command& c, const shell::Parse& p) {
    Words& w = u.words;
    if (w.size() > 1 && basename(w[1].text) == "manage.py") {  // python manage.py flush: judge manage.py
      w.erase(w.begin());
      w[0].text = "manage.py";
      return emit(std::move(u));
    }
    std::string code;
    bool dyn = false, inline_code = false;
    for (std::size_t j = 1; j < w.size(); ++j) {
      const std::string& t = w[j].text;
      if (in(t, {"-c", "-e", "-E", "-r", "--eval", "-p", "--print", "eval", "-command", "-Command"}) &&
          j + 1 < w.size()) {
        code += w[j + 1].text;
        dyn = dyn || w[j + 1].dynamic;
        inline_code = true;
        break;
      }
      if (t.starts_with("-") && t.size() > 2 && t[1] != '-' && (t.back() == 'e' || t.back() == 'c') &&
          j + 1 < w.size() && (w[0].text == "perl" || w[0].text == "ruby")) {  // perl -ne / -pe
        code += w[j + 1].text;
        inline_code = true;
        break;
      }
      if (!t.starts_with("-") || t == "-") {
        if (t == "-") {
          std::string text;
          if (stdin_of(c, p, text) == Stdin::text) {
            code = text;
            inline_code = true;
          }
        }
        break;
      }
    }
    if (!inline_code && w.size() == 1) {
      std::string text;
      if (stdin_of(c, p, text) == Stdin::text) {
        code = text;
        inline_code = true;
      } else if (c.input == shell::Input::pipe) {
        u.dynamic = true;
        u.note = "runs code read from " + producer_name(c, p);
      }
    }
    if (inline_code && (dyn || risky_code(code))) {
      u.dynamic = true;
      u.note = "interpreter code that deletes files, runs commands or opens sockets";
    }
    emit(std::move(u));
  }
};

}  // namespace

Analysis analyse(std::string_view script, const AnalyseOptions& options) {
  static const std::map<std::string, std::string> no_env;
  AnalyseOptions o = options;
  if (!o.env) o.env = &no_env;
  Analysis out;
  Normaliser n(o, out);
  n.script(script, 0, Unit{});
  return out;
}

Analysis analyse_argv(const std::vector<std::string>& argv, const AnalyseOptions& options) {
  static const std::map<std::string, std::string> no_env;
  AnalyseOptions o = options;
  if (!o.env) o.env = &no_env;
  Analysis out;
  Normaliser n(o, out);
  std::vector<shell::Word> words;
  for (const auto& a : argv) words.push_back(literal(a));
  n.argv(std::move(words), 0, Unit{});
  return out;
}

}  // namespace cs::guard
