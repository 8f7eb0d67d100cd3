// Unwrapping wrappers and following scripts into other interpreters. Each parsed command is
// peeled (sudo -u x env A=b timeout 5 nice rm ...) down to the command that really runs;
// scripts given to a shell, eval, ssh, watch, su -c, git aliases and database clients are
// analysed in turn at depth + 1. What cannot be known statically is marked dynamic.
#include "countersign/guard/normalise.h"

#include "countersign/guard/git_args.h"
#include "countersign/guard/recipes.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
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
  if (auto size = std::filesystem::file_size(path, ec); ec || size > kMaxScriptFile) return false;
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

// How a wrapper that runs its arguments reads its own options (getopt style: short clusters,
// `-xVALUE`, `--long=value`, `--long value`), how many positional words come before the command
// (timeout's duration, taskset's mask, flock's lock file), and which options make it run no
// command at all (taskset -p acts on a running pid).
struct WrapperSyntax {
  std::string_view name;
  std::string_view short_values;  // short options that take a value
  std::string_view long_values;   // " --a --b ": long options whose value may be the next word
  int positionals = 0;
  std::string_view no_command;    // " -p --pid ": options after which no command runs
};

constexpr WrapperSyntax kWrappers[] = {
    {"nohup", "", "", 0, ""},
    {"builtin", "", "", 0, ""},
    {"busybox", "", "", 0, " --list --install "},
    {"unbuffer", "", "", 0, ""},
    {"catchsegv", "", "", 0, ""},
    {"chronic", "", "", 0, ""},
    {"eatmydata", "", "", 0, ""},
    {"fakeroot", "il", " --faked --lib ", 0, ""},
    {"nocache", "n", "", 0, ""},
    {"caffeinate", "wt", "", 0, ""},
    {"setsid", "", "", 0, ""},
    {"time", "fo", " --format --output ", 0, ""},
    {"nice", "n", " --adjustment ", 0, ""},
    {"ionice", "cnpPu", " --class --classdata --pid --pgid --uid ", 0, " -p --pid -P --pgid -u --uid "},
    {"taskset", "", "", 1, " -p --pid "},
    {"chrt", "TPD", " --sched-runtime --sched-period --sched-deadline ", 1, " -p --pid -m --max "},
    {"stdbuf", "ioe", " --input --output --error ", 0, ""},
    {"timeout", "sk", " --signal --kill-after ", 1, ""},
    {"chroot", "", " --userspec --groups ", 1, ""},
    {"numactl", "iCNmpPw", " --interleave --physcpubind --cpunodebind --membind --preferred --preferred-many ", 0,
     " -H --hardware -s --show "},
    {"prlimit", "p", " --pid ", 0, " -p --pid "},
    {"strace", "abeEIoOpPsSuUX", "", 0, ""},
    {"ltrace", "aAeEfnopSuXl", "", 0, ""},
    {"xvfb-run", "efnpsw", " --error-file --auth-file --server-num --xauth-protocol --server-args --wait ", 0, ""},
    {"dbus-run-session", "", "", 0, ""},
    {"ssh-agent", "aEtOP", "", 0, " -k -l "},
    {"torsocks", "uapP", "", 0, ""},
    {"proxychains", "f", "", 0, ""},
    {"proxychains4", "f", "", 0, ""},
    {"firejail", "", "", 0, ""},
    {"pkexec", "", " --user ", 0, ""},
    {"unshare", "SGRwl", " --setuid --setgid --root --wd --load-interp --propagation --setgroups --map-user "
                         "--map-group --map-users --map-groups --kill-child --monotonic --boottime ", 0, ""},
    {"nsenter", "tSG", " --target --setuid --setgid --env ", 0, ""},
    {"systemd-run", "pEuMH",
     " --property --setenv --unit --machine --host --description --slice --uid --gid --nice --working-directory "
     "--on-active --on-boot --on-startup --on-unit-active --on-unit-inactive --on-calendar --timer-property "
     "--path-property --socket-property --service-type --json --capsule ", 0, ""},
    {"doas", "uC", "", 0, " -L "},
    {"cgexec", "g", "", 0, ""},
    {"sem", "jS", " --jobs --id ", 0, ""},
};

const WrapperSyntax* wrapper_syntax(std::string_view name) {
  for (const auto& w : kWrappers)
    if (w.name == name) return &w;
  return nullptr;
}

bool listed(std::string_view list, std::string_view option) {
  for (std::size_t p = list.find(option); p != std::string_view::npos; p = list.find(option, p + 1))
    if (p > 0 && list[p - 1] == ' ' && p + option.size() < list.size() && list[p + option.size()] == ' ') return true;
  return false;
}

// Options of a wrapper read as getopt would, from w[k]; k ends on the first operand.
struct WrapperOption {
  std::string name;  // "-c", "--command"
  std::string value;
  bool dynamic = false;
};
std::vector<WrapperOption> read_options(const std::vector<shell::Word>& w, std::size_t& k,
                                        std::string_view short_values, std::string_view long_values) {
  std::vector<WrapperOption> out;
  while (k < w.size()) {
    const std::string& t = w[k].text;
    if (t == "--") {
      ++k;
      break;
    }
    if (t.size() < 2 || t[0] != '-') break;
    if (t.starts_with("--")) {
      auto eq = t.find('=');
      WrapperOption o{t.substr(0, eq), eq == std::string::npos ? std::string() : t.substr(eq + 1), w[k].dynamic};
      if (eq == std::string::npos && listed(long_values, o.name) && k + 1 < w.size()) {
        o.value = w[k + 1].text;
        o.dynamic = w[k + 1].dynamic;
        ++k;
      }
      out.push_back(std::move(o));
      ++k;
      continue;
    }
    for (std::size_t i = 1; i < t.size(); ++i) {
      std::string name = std::string("-") + t[i];
      if (short_values.find(t[i]) == std::string_view::npos) {
        out.push_back({name, {}, false});
        continue;
      }
      if (i + 1 < t.size()) {
        out.push_back({name, t.substr(i + 1), w[k].dynamic});
      } else if (k + 1 < w.size()) {
        out.push_back({name, w[k + 1].text, w[k + 1].dynamic});
        ++k;
      } else {
        out.push_back({name, {}, false});
      }
      break;
    }
    ++k;
  }
  return out;
}

// How an interpreter takes code on its command line: `code` options take the program (the rest
// of the cluster or the next word: python -Ic CODE, perl -wle CODE, node -pe CODE, perl -e'CODE'),
// `values` take a value the same way (-W arg, -r module), `attached` consume the rest of the
// cluster only (perl -Mstrict, -i.bak), `digits` consume the digits after them (perl -l0 -0777),
// and `stop` ends option reading without inline code (python -m module).
struct CodeSyntax {
  std::string_view names;  // " python python3 ": the programs (python3.x matches python3)
  std::string_view code;
  std::string_view values;
  std::string_view attached;
  std::string_view digits;
  std::string_view stop;
  std::string_view long_code;    // " --eval --print "
  std::string_view long_values;  // " --require "
  bool value_in_cluster = true;  // false: -pe is two options, the code is the next word (node)
};

constexpr CodeSyntax kCodeSyntaxes[] = {
    {" python python2 python3 pypy pypy3 ", "c", "WXQ", "", "", "m", "", " --check-hash-based-pycs "},
    {" node nodejs bun ", "ep", "rC", "", "", "", " --eval --print ", " --require --import --input-type --loader ",
     false},
    {" perl ", "eE", "", "MmIidDxFCV", "l0", "", "", ""},
    {" ruby ", "e", "rICEF", "WxTiK", "0", "", "", ""},
    {" php ", "r", "dcfzt", "", "", "", " --run ", ""},
    {" lua luajit ", "e", "l", "", "", "", "", ""},
    {" osascript ", "e", "lsi", "", "", "", "", ""},
    {" Rscript ", "e", "", "", "", "", " --expr ", ""},
};

const CodeSyntax* code_syntax(std::string_view name) {
  if (name.starts_with("python3.")) name = "python3";
  for (const auto& c : kCodeSyntaxes)
    if (listed(c.names, name)) return &c;
  return nullptr;
}

// Reads an interpreter's options from w[j]; appends every inline program to `code`.
bool inline_code_of(const std::vector<shell::Word>& w, std::size_t& j, const CodeSyntax& syntax, std::string& code,
                    bool& dyn) {
  bool found = false;
  auto take = [&](const shell::Word& x, std::string_view text) {
    code += (code.empty() ? "" : "\n") + std::string(text);
    dyn = dyn || x.dynamic;
    found = true;
  };
  for (; j < w.size(); ++j) {
    const std::string& t = w[j].text;
    if (t == "--") {
      ++j;
      break;
    }
    if (t.size() < 2 || t[0] != '-') break;
    if (t.starts_with("--")) {
      auto eq = t.find('=');
      std::string name = t.substr(0, eq);
      bool is_code = listed(syntax.long_code, name);
      if (eq != std::string::npos) {
        if (is_code) take(w[j], std::string_view(t).substr(eq + 1));
      } else if ((is_code || listed(syntax.long_values, name)) && j + 1 < w.size()) {
        ++j;
        if (is_code) take(w[j], w[j].text);
      }
      continue;
    }
    bool next_word = false, stop = false, next_is_code = false;
    for (std::size_t i = 1; i < t.size(); ++i) {
      char ch = t[i];
      if (syntax.stop.find(ch) != std::string_view::npos) {
        stop = true;
        break;
      }
      bool is_code = syntax.code.find(ch) != std::string_view::npos;
      if (!syntax.value_in_cluster && (is_code || syntax.values.find(ch) != std::string_view::npos)) {
        next_word = j + 1 < w.size();
        next_is_code = next_is_code || is_code;
        continue;
      }
      if (is_code || syntax.values.find(ch) != std::string_view::npos) {
        if (i + 1 < t.size()) {
          if (is_code) take(w[j], std::string_view(t).substr(i + 1));
        } else if (j + 1 < w.size()) {
          next_word = true;
          if (is_code) take(w[j + 1], w[j + 1].text);
        }
        break;
      }
      if (syntax.attached.find(ch) != std::string_view::npos) break;
      if (syntax.digits.find(ch) != std::string_view::npos)
        while (i + 1 < t.size() && std::isdigit(static_cast<unsigned char>(t[i + 1]))) ++i;
    }
    if (stop) break;
    if (next_word && next_is_code) take(w[j + 1], w[j + 1].text);
    if (next_word) ++j;
    // python: the program ends option reading; perl, ruby and node read every -e
    if (found && syntax.code == "c") return true;
  }
  return found;
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
      if (!c.output_files.empty() || (!c.words.empty() && basename(c.words[0].text) == "tee")) record_writes(c, p);
      if (c.words.empty()) continue;
      Unit u = frame;
      u.depth = depth;
      u.words = c.words;
      u.output_files = c.output_files;
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

  // Writes to devices are judged as a command of their own (`>` in the fs pack); so is a
  // redirection with no command (`> file` truncates it), for the protected-file check.
  void device_writes(const shell::Command& c, int depth, const Unit& frame) {
    for (const auto& f : c.output_files) {
      bool device = f.starts_with("/dev/") && !in(f, {"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty"}) &&
                    !f.starts_with("/dev/fd/");
      if (!device && !c.words.empty()) continue;
      Unit u = frame;
      u.depth = depth;
      u.words = {literal(">"), literal(f)};
      u.output_files = {f};
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
      case shell::Input::file: return file_text(c.stdin_file, text) == Content::text ? Stdin::text : Stdin::unknown;
      case shell::Input::dynamic: return Stdin::unknown;
      case shell::Input::pipe: break;
    }
    if (c.pipe_from < 0 || std::size_t(c.pipe_from) >= p.commands.size()) return Stdin::unknown;
    return output_of(p.commands[std::size_t(c.pipe_from)], text);
  }

  // What a command prints, when it only prints literals: echo, printf, cat of a heredoc or file.
  Stdin output_of(const shell::Command& src, std::string& text) {
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
        file_text(src.words[1].text, text) == Content::text)
      return Stdin::text;
    return Stdin::unknown;
  }

  // Files this command line writes before it reads them (`echo ... > x.sh; bash x.sh`): their
  // text when only literals went in, or nullopt when something unknown did. Appended, never
  // replaced: `>` and `>>` both count, so no line a script may hold is lost.
  std::map<std::string, std::optional<std::string>> written_;

  std::string file_key(const std::string& name) const {
    std::filesystem::path p = name.starts_with('/') || o_.cwd.empty() ? std::filesystem::path(name)
                                                                        : std::filesystem::path(o_.cwd) / name;
    return p.lexically_normal().string();
  }

  void record_writes(const shell::Command& c, const shell::Parse& p) {
    std::vector<std::string> targets = c.output_files;
    std::string text;
    Stdin got = c.words.empty() ? Stdin::text : output_of(c, text);
    if (!c.words.empty() && basename(c.words[0].text) == "tee") {
      got = stdin_of(c, p, text);
      for (std::size_t j = 1; j < c.words.size(); ++j)
        if (!c.words[j].text.starts_with("-")) targets.push_back(c.words[j].text);
    }
    for (const auto& t : targets) {
      if (t.starts_with("/dev/")) continue;
      auto it = written_.find(file_key(t));
      if (it == written_.end())
        written_.emplace(file_key(t), got == Stdin::text ? std::optional<std::string>(text) : std::nullopt);
      else if (got != Stdin::text)
        it->second.reset();
      else if (it->second)
        *it->second += text;
    }
  }

  enum class Content { absent, text, unknown };
  Content file_text(const std::string& name, std::string& out) {
    if (name.empty()) return Content::absent;
    if (auto it = written_.find(file_key(name)); it != written_.end()) {
      if (!it->second) return Content::unknown;
      out = *it->second;
      return Content::text;
    }
    return read_small_file(o_.cwd, name, out) ? Content::text : Content::absent;
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
      program_path_ = u.words[0].text;
      std::string name(basename(u.words[0].text));
      u.words[0].text = name;
      std::size_t k = 1;
      bool unwrapped = unwrap(name, u, k, c, p);
      if (!unwrapped) break;
      u.words.erase(u.words.begin(), u.words.begin() + long(std::min(k, u.words.size())));
      u.via = nested_via(u, name);
    }
    if (u.words.empty()) return;
    special(std::move(u), c, p);
  }

  // Unwraps one wrapper; k is set to the index of the wrapped command. False: not a wrapper.
  bool unwrap(const std::string& name, Unit& u, std::size_t& k, const shell::Command& c, const shell::Parse& p) {
    Words& w = u.words;
    if (name == "sudo") {
      auto options = read_options(w, k, "ughpCDrtTUR",
                                  " --user --group --host --prompt --close-from --chdir --chroot --role --type "
                                  "--command-timeout --other-user ");
      for (const auto& o : options)  // sudo -e edits files; -l -v -k -K alone run nothing
        if (in(o.name, {"-e", "--edit"}) || (in(o.name, {"-l", "--list", "-v", "--validate", "-k", "-K"}) &&
                                             k >= w.size()))
          return false;
      if (k >= w.size()) k = w.size();
      return true;
    }
    if (name == "runuser") {  // runuser -u USER [--] COMMAND; otherwise su's syntax (special)
      std::size_t j = 1;
      auto options = read_options(w, j, "ugGswc",
                                  " --user --group --supp-group --shell --whitelist-environment --command "
                                  "--session-command ");
      bool user = false;
      for (const auto& o : options) {
        if (in(o.name, {"-c", "--command", "--session-command"})) return false;
        user = user || o.name == "-u" || o.name == "--user";
      }
      if (!user || j >= w.size()) return false;
      k = j;
      return true;
    }
    if (name == "env") return unwrap_env(u, k);
    if (name == "command") {
      for (std::size_t j = 1; j < w.size() && w[j].text.starts_with("-"); ++j)
        if (w[j].text.find_first_of("vV") != std::string::npos) return false;  // a lookup, runs nothing
      return strip_options(w, k, {}) || (k = w.size(), true);
    }
    if (name == "exec") return strip_options(w, k, {"-a"}) || (k = w.size(), true);
    if (name == "flock") {
      read_options(w, k, "wE", " --wait --timeout --conflict-exit-code ");
      if (k < w.size()) ++k;  // the lock file (or descriptor)
      auto more = read_options(w, k, "wEc", " --wait --timeout --conflict-exit-code --command ");
      for (const auto& o : more)
        if (o.name == "-c" || o.name == "--command") {
          Unit frame = u;
          frame.via = nested_via(u, "flock -c");
          script(o.value, u.depth + 1, frame, o.dynamic);
          k = w.size();
        }
      return true;
    }
    if (const WrapperSyntax* syntax = wrapper_syntax(name)) {
      auto options = read_options(w, k, syntax->short_values, syntax->long_values);
      for (const auto& o : options)
        if (listed(syntax->no_command, o.name)) return false;
      k += std::size_t(syntax->positionals);
      if (name == "runuser" && k < w.size()) return true;
      return k < w.size();  // nothing left: an interactive shell or a query, judged as itself
    }
    if (name == "xargs") return unwrap_xargs(u, k, c, p);
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

  // xargs: GNU and BSD options (-I/-J/--replace set a replacement string, -i/-e/-l take their
  // value attached only, -a reads the arguments from a file). The arguments come from stdin;
  // when stdin is a literal (echo, printf, a here-string, a readable file) they are put in as
  // xargs would, otherwise they stand as one dynamic word.
  bool unwrap_xargs(Unit& u, std::size_t& k, const shell::Command& c, const shell::Parse& p) {
    Words& w = u.words;
    std::string replace, delimiter, arg_file;
    bool null = false, lines = false, arg_file_dynamic = false;
    while (k < w.size()) {
      const std::string& t = w[k].text;
      if (t == "--") {
        ++k;
        break;
      }
      if (t.size() < 2 || t[0] != '-') break;
      if (t.starts_with("--")) {
        auto eq = t.find('=');
        std::string name = t.substr(0, eq);
        std::string value = eq == std::string::npos ? std::string() : t.substr(eq + 1);
        bool takes = in(name, {"--arg-file", "--delimiter", "--max-args", "--max-procs", "--max-chars",
                               "--process-slot-var"});
        if (takes && eq == std::string::npos && k + 1 < w.size()) {
          value = w[k + 1].text;
          arg_file_dynamic = w[k + 1].dynamic;
          ++k;
        }
        if (name == "--replace") replace = value.empty() ? "{}" : value, lines = true;
        if (name == "--null") null = true;
        if (name == "--delimiter") delimiter = value;
        if (name == "--arg-file") arg_file = value;
        if (name == "--max-lines") lines = true;
        ++k;
        continue;
      }
      for (std::size_t i = 1; i < t.size(); ++i) {
        char ch = t[i];
        std::string attached = t.substr(i + 1);
        if (ch == 'i' || ch == 'e' || ch == 'l') {  // optional value, attached only
          if (ch == 'i') replace = attached.empty() ? "{}" : attached, lines = true;
          if (ch == 'l') lines = true;
          break;
        }
        if (std::string_view("aIJdELnPs").find(ch) != std::string_view::npos) {
          std::string value = attached;
          if (value.empty() && k + 1 < w.size()) {
            value = w[k + 1].text;
            arg_file_dynamic = w[k + 1].dynamic;
            ++k;
          }
          if (ch == 'I' || ch == 'J') replace = value, lines = ch == 'I';
          if (ch == 'a') arg_file = value;
          if (ch == 'd') delimiter = value;
          if (ch == 'L') lines = true;
          break;
        }
        if (ch == '0') null = true;
      }
      ++k;
    }
    if (k >= w.size()) {  // xargs alone runs echo
      w.push_back(literal("echo"));
      k = w.size() - 1;
    }
    std::string text;
    bool known = false;
    if (!arg_file.empty() && !is_stdin_path(arg_file)) {
      known = !arg_file_dynamic && file_text(arg_file, text) == Content::text;
    } else {
      known = stdin_of(c, p, text) == Stdin::text;
    }
    std::vector<std::string> items;
    if (known) {
      char sep = null ? '\0' : delimiter == "\\n" ? '\n' : delimiter.size() == 1 ? delimiter[0] : 0;
      if (sep == 0 && !delimiter.empty()) known = false;
      std::string item;
      for (std::size_t i = 0; known && i <= text.size(); ++i) {
        bool end = i == text.size();
        bool split = end || (sep ? text[i] == sep : lines && !replace.empty() ? text[i] == '\n' : std::isspace(static_cast<unsigned char>(text[i])));
        if (!split) {
          item += text[i];
          continue;
        }
        if (!replace.empty() && !sep) item.erase(0, item.find_first_not_of(" \t"));
        if (!item.empty()) items.push_back(std::move(item));
        item.clear();
      }
    }
    const Words tmpl(w.begin() + long(k), w.end());
    auto fill = [&](const std::string& value, bool dynamic) {
      Words out = tmpl;
      bool substituted = false;
      if (!replace.empty()) {
        for (std::size_t j = 1; j < out.size(); ++j) {
          for (auto pos = out[j].text.find(replace); pos != std::string::npos;
               pos = out[j].text.find(replace, pos + value.size())) {
            out[j].text.replace(pos, replace.size(), value);
            out[j].dynamic = out[j].dynamic || dynamic;
            substituted = true;
          }
        }
      }
      if (!substituted) {
        if (dynamic) out.push_back(placeholder(value));
        else
          for (const auto& v : split_words(value)) out.push_back(literal(v));
      }
      return out;
    };
    if (!known || items.empty()) {
      if (!known) {
        w.erase(w.begin() + long(k), w.end());
        for (auto& x : fill("{stdin}", true)) w.push_back(std::move(x));
        u.note = "arguments come from stdin";
      }
      return true;
    }
    // With a replacement string each item is one command; otherwise they are appended together.
    std::vector<std::string> runs;
    if (replace.empty()) {
      std::string all;
      for (const auto& i : items) all += (all.empty() ? "" : " ") + i;
      runs.push_back(std::move(all));
    } else {
      runs = std::move(items);
    }
    for (std::size_t r = 1; r < runs.size() && r < 64; ++r) {
      Unit more = u;
      more.words = fill(runs[r], false);
      more.via = nested_via(u, "xargs");
      shell::Command none;
      shell::Parse empty;
      command(std::move(more), none, empty);
    }
    w.erase(w.begin() + long(k), w.end());
    for (auto& x : fill(runs[0], false)) w.push_back(std::move(x));
    u.note = "arguments from stdin: " + runs[0];
    return true;
  }

  static std::vector<std::string> split_words(std::string_view text) {
    std::vector<std::string> out;
    std::string cur;
    for (char ch : text) {
      if (std::isspace(static_cast<unsigned char>(ch))) {
        if (!cur.empty()) out.push_back(std::move(cur));
        cur.clear();
      } else {
        cur += ch;
      }
    }
    if (!cur.empty()) out.push_back(std::move(cur));
    return out;
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
    const std::string path = program_path_;
    Words& w = u.words;
    bool system_program = path.starts_with("/usr/") || path.starts_with("/bin/") || path.starts_with("/sbin/") ||
                          path.starts_with("/opt/homebrew/") || path.starts_with("/nix/");
    if (path.find('/') != std::string::npos && !system_program && run_file(u, path)) return;
    if (in(name, {"make", "gmake", "npm", "yarn", "pnpm", "bun", "just", "task", "go-task"}) && runner(u)) return;
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
      Content got = w.size() > 1 && !w[1].dynamic ? file_text(w[1].text, body) : Content::absent;
      if (got == Content::text) {
        emit(u);
        script(body, u.depth + 1, with_via(u, name + " " + w[1].text), false);
        return;
      }
      if (w.size() > 1 && (w[1].dynamic || got == Content::unknown)) {
        u.dynamic = true;
        u.note = "sources a script that cannot be read statically";
      }
      emit(std::move(u));
      return;
    }
    if (name == "ssh") return ssh(std::move(u));
    if (name == "su" || name == "runuser" || name == "script") {  // the command is an option's value
      std::size_t j = 1;
      std::vector<WrapperOption> commands;
      while (j < w.size()) {  // su permutes: `su user -c cmd`
        for (auto& o : read_options(w, j, name == "script" ? "cEIOBTm" : "cgGsw",
                                    " --command --session-command --group --supp-group --shell "
                                    "--whitelist-environment --echo --log-in --log-out --log-io --log-timing "
                                    "--logging-format --output-limit "))
          if (in(o.name, {"-c", "--command", "--session-command"})) commands.push_back(std::move(o));
        if (j < w.size()) ++j;
      }
      emit(u);
      for (const auto& o : commands) script(o.value, u.depth + 1, with_via(u, name + " -c"), o.dynamic);
      return;
    }
    if (name == "sg") {  // sg GROUP [-c] COMMAND: the command goes to /bin/sh -c
      std::size_t j = 1;
      if (j < w.size() && w[j].text == "-") ++j;
      if (j < w.size()) ++j;  // the group
      if (j < w.size() && w[j].text == "-c") ++j;
      emit(u);
      if (j >= w.size()) return;
      std::string text;
      bool dyn = false;
      for (std::size_t i = j; i < w.size(); ++i) {
        text += (i > j ? " " : "") + w[i].text;
        dyn = dyn || w[i].dynamic;
      }
      return script(text, u.depth + 1, with_via(u, "sg"), dyn);
    }
    if (name == "watch") {
      std::size_t k = 1;
      bool exec = false;
      for (const auto& o : read_options(w, k, "nq", " --interval --equexit "))
        exec = exec || o.name == "-x" || o.name == "--exec";
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
    if (in(name, {"awk", "gawk", "mawk", "nawk", "busybox-awk"})) return awk(std::move(u));
    if (name == "parallel") return parallel(std::move(u), c, p);
    if (name == "find") return find(std::move(u));
    if (name == "git") return git(std::move(u));
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

  std::string program_path_;  // argv[0] as written, before its basename was taken

  // ./script: a shell script in the project (or written earlier in this command line) is
  // analysed as the shell would run it. Other files (binaries, other interpreters) are judged
  // by their name only. True when handled.
  bool run_file(const Unit& u, const std::string& path) {
    std::string body;
    Content got = file_text(path, body);
    if (got == Content::absent) return false;
    Unit self = u;
    if (got == Content::unknown) {
      self.dynamic = true;
      self.note = "runs " + path + ", written earlier in this command line with text not known statically";
      emit(std::move(self));
      return true;
    }
    std::string_view first(body);
    first = first.substr(0, first.find('\n'));
    bool shell_script = !first.starts_with("#!");
    if (first.starts_with("#!")) {
      auto words = split_words(first.substr(2));
      std::string interp = words.empty() ? "" : std::string(basename(words[0]));
      if (interp == "env" && words.size() > 1) interp = words[words[1] == "-S" && words.size() > 2 ? 2 : 1];
      shell_script = in(interp, {"sh", "bash", "dash", "zsh", "ksh", "ash", "mksh"});
    }
    if (!shell_script || body.find('\0') != std::string::npos) return false;
    emit(self);
    script(body, u.depth + 1, with_via(u, path), false);
    return true;
  }

  // make / npm run / yarn / pnpm / bun run / just / task: the recipe lines the target runs, from
  // the project's file (recipes.h). True when handled.
  bool runner(Unit& u) {
    const Words& w = u.words;
    const std::string name = w[0].text;
    std::string dir = o_.cwd, file;
    std::vector<std::string> names, args;
    std::vector<std::pair<std::string, std::string>> vars;
    bool listing = false;
    auto at = [&](const std::string& d) { return d.starts_with('/') || o_.cwd.empty() ? d : o_.cwd + "/" + d; };
    std::size_t k = 1;
    for (; k < w.size(); ++k) {
      if (w[k].dynamic) {
        u.dynamic = true;
        u.note = name + " runs a target that is not known statically (" + w[k].text + ")";
        emit(u);
        return true;
      }
      const std::string& t = w[k].text;
      if (t == "--") {
        for (++k; k < w.size(); ++k) args.push_back(w[k].text);
        break;
      }
      auto value = [&](std::string_view opt) -> std::optional<std::string> {
        if (t == opt && k + 1 < w.size()) return w[++k].text;
        if (t.starts_with(std::string(opt) + "=")) return t.substr(opt.size() + 1);
        if (opt.size() == 2 && t.starts_with(opt) && t.size() > 2 && !t.starts_with("--")) return t.substr(2);
        return std::nullopt;
      };
      if (name == "make" || name == "gmake") {
        if (auto v = value("-C")) dir = at(*v);
        else if (auto v = value("--directory")) dir = at(*v);
        else if (auto v = value("-f")) file = *v;
        else if (auto v = value("--file")) file = *v;
        else if (auto v = value("--makefile")) file = *v;
        else if (in(t, {"-I", "-o", "-W", "--include-dir", "--old-file", "--what-if", "--assume-new"}) && k + 1 < w.size()) ++k;
        else if ((t == "-j" || t == "-l") && k + 1 < w.size() && std::isdigit(static_cast<unsigned char>(w[k + 1].text[0]))) ++k;
        else if (in(t, {"-n", "--dry-run", "--just-print", "--recon", "-q", "--question", "-p", "--print-data-base",
                        "-v", "--version", "-h", "--help"})) listing = true;
        else if (t.starts_with("-")) continue;
        else if (auto eq = t.find('='); eq != std::string::npos && eq > 0) vars.emplace_back(t.substr(0, eq), t.substr(eq + 1));
        else names.push_back(t);
      } else if (name == "just") {
        if (auto v = value("-f")) file = *v;
        else if (auto v = value("--justfile")) file = *v;
        else if (auto v = value("-d")) dir = at(*v);
        else if (auto v = value("--working-directory")) dir = at(*v);
        else if (t == "--set" && k + 2 < w.size()) k += 2;
        else if (in(t, {"-n", "--dry-run", "-l", "--list", "--summary", "--show", "-s", "--evaluate", "--dump",
                        "--fmt", "--variables", "--init", "--edit", "-e", "--choose", "--completions", "--help", "-h",
                        "--version", "-V", "--groups"})) listing = true;
        else if (t.starts_with("-")) continue;
        else if (auto eq = t.find('='); names.empty() && eq != std::string::npos && eq > 0) continue;
        else names.push_back(t);
      } else if (name == "task" || name == "go-task") {
        if (auto v = value("-d")) dir = at(*v);
        else if (auto v = value("--dir")) dir = at(*v);
        else if (auto v = value("-t")) file = *v;
        else if (auto v = value("--taskfile")) file = *v;
        else if (in(t, {"-l", "--list", "-a", "--list-all", "-n", "--dry", "--summary", "-i", "--init", "--help", "-h",
                        "--version"})) listing = true;
        else if (t.starts_with("-")) continue;
        else if (auto eq = t.find('='); eq != std::string::npos && eq > 0) continue;
        else names.push_back(t);
      } else {  // npm yarn pnpm bun
        if (auto v = value("--prefix")) dir = at(*v);
        else if (auto v = value("--cwd")) dir = at(*v);
        else if (auto v = value("-C")) dir = at(*v);
        else if (auto v = value("--dir")) dir = at(*v);
        else if (t.starts_with("-")) continue;
        else names.push_back(t);
      }
    }
    if (listing) return false;
    Recipe r;
    std::string how = name;
    if (name == "make" || name == "gmake") {
      r = make_recipe(dir, file, names, vars);
    } else if (name == "just") {
      r = just_recipe(dir, file, names);
    } else if (name == "task" || name == "go-task") {
      r = task_recipe(dir, file, names);
    } else {
      static constexpr std::string_view kScriptsDirect[] = {"test", "t", "tst", "start", "stop", "restart"};
      std::string script;
      std::size_t first_arg = 1;
      if (names.empty()) {
        if (name == "yarn") script = "install";  // bare yarn installs
        else return false;
      } else if (in(names[0], {"run", "run-script", "rum", "urn"})) {
        if (names.size() < 2) return false;  // lists the scripts
        script = names[1];
        first_arg = 2;
      } else if (std::find(std::begin(kScriptsDirect), std::end(kScriptsDirect), names[0]) != std::end(kScriptsDirect)) {
        script = names[0] == "t" || names[0] == "tst" ? "test" : names[0];
      } else if (in(names[0], {"install", "i", "ci", "add"}) && names.size() == 1 && name != "bun") {
        script = "install";
      } else if ((name == "yarn" || name == "pnpm") && !yarn_builtin(names[0])) {
        script = names[0];
      } else {
        return false;
      }
      if (name != "npm")  // yarn/pnpm pass every word after the script name
        args.insert(args.begin(), names.begin() + long(std::min(first_arg, names.size())), names.end());
      r = package_script(dir, script, args);
      how = name + " run " + script;
    }
    switch (r.status) {
      case Recipe::Status::absent: return false;
      case Recipe::Status::unreadable:
        u.dynamic = true;
        u.note = "runs recipes from " + r.file + ", which cannot be read";
        emit(u);
        return true;
      case Recipe::Status::found: break;
    }
    emit(u);
    for (const auto& line : r.lines) script(line, u.depth + 1, with_via(u, how + " (" + r.file + ")"), false);
    return true;
  }

  static bool yarn_builtin(std::string_view s) {
    static constexpr std::string_view builtins[] = {
        "add", "audit", "autoclean", "bin", "cache", "check", "config", "create", "dedupe", "dlx", "exec", "explain",
        "generate-lock-entry", "global", "help", "import", "info", "init", "install", "licenses", "link", "list",
        "login", "logout", "node", "outdated", "owner", "pack", "patch", "plugin", "policies", "publish", "rebuild",
        "remove", "run", "search", "set", "tag", "team", "unlink", "unplug", "up", "upgrade", "upgrade-interactive",
        "version", "versions", "why", "workspace", "workspaces", "store", "update", "outdated", "list", "ls", "fetch",
        "env", "setup", "server", "prune", "deploy", "import", "root", "recursive", "-r"};
    return std::find(std::begin(builtins), std::end(builtins), s) != std::end(builtins);
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
    bool dash_c = false, dash_s = false, noexec = false;
    while (k < w.size()) {
      const std::string& t = w[k].text;
      if (t == "--" || t == "-") {
        ++k;
        break;
      }
      if (t.size() < 2 || (t[0] != '-' && t[0] != '+')) break;
      if (t[0] == '-' && t[1] != '-' && t.find('c') != std::string::npos) dash_c = true;
      if (t[0] == '-' && t[1] != '-' && t.find('s') != std::string::npos) dash_s = true;
      if ((t[0] == '-' && t[1] != '-' && t.find('n') != std::string::npos) ||
          (t == "-o" && k + 1 < w.size() && w[k + 1].text == "noexec"))
        noexec = true;
      k += (t == "-o" || t == "+o" || t == "-O" || t == "+O" || t == "--rcfile" || t == "--init-file") ? 2 : 1;
    }
    const std::string name = w[0].text;
    if (noexec) return emit(std::move(u));  // sh -n reads the script without running anything
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
      Content got = file_text(w[k].text, body);
      if (got == Content::unknown) {
        u.dynamic = true;
        u.note = "runs " + w[k].text + ", written earlier in this command line with text not known statically";
      }
      emit(u);
      if (got == Content::text) script(body, u.depth + 1, with_via(u, name + " " + w[k].text), false);
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

  // awk runs commands through system("..."), `print | "cmd"`, `print |& "cmd"` and
  // `"cmd" | getline`; each command string goes to /bin/sh -c. A literal one is analysed; one
  // built at run time, or a pipe into a shell (which runs whatever awk prints), is dynamic.
  void awk(Unit u) {
    Words& w = u.words;
    std::size_t k = 1;
    std::string program;
    bool dyn = false, have = false;
    for (const auto& o : read_options(w, k, "FvfeilEW",
                                      " --field-separator --assign --file --source --include --load --exec ")) {
      if (in(o.name, {"-f", "--file", "-E", "--exec", "-i", "--include"})) {
        std::string body;
        if (o.dynamic || !read_small_file(o_.cwd, o.value, body)) dyn = true;
        program += body + "\n";
        have = true;
      } else if (o.name == "-e" || o.name == "--source") {
        program += o.value + "\n";
        dyn = dyn || o.dynamic;
        have = true;
      }
    }
    if (!have && k < w.size()) {
      program = w[k].text;
      dyn = w[k].dynamic;
    }
    emit(u);
    awk_commands(program, dyn, u);
  }

  static bool regex_may_start(std::string_view prog, std::size_t i) {
    while (i > 0 && (prog[i - 1] == ' ' || prog[i - 1] == '\t')) --i;
    return i == 0 || std::string_view("(,{;~!&|\n").find(prog[i - 1]) != std::string_view::npos;
  }

  void awk_commands(std::string_view prog, bool dyn, const Unit& u) {
    auto literal_at = [&](std::size_t i, std::string& out) -> std::size_t {  // "..." at i: its end
      if (i >= prog.size() || prog[i] != '"') return std::string_view::npos;
      for (std::size_t j = i + 1; j < prog.size(); ++j) {
        if (prog[j] == '\\' && j + 1 < prog.size()) {
          char e = prog[++j];
          out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
        } else if (prog[j] == '"') {
          return j + 1;
        } else {
          out += prog[j];
        }
      }
      return std::string_view::npos;
    };
    auto skip_space = [&](std::size_t i) {
      while (i < prog.size() && (prog[i] == ' ' || prog[i] == '\t')) ++i;
      return i;
    };
    auto run = [&](std::string_view how, std::size_t at, bool feeds_stdin) {
      std::string cmd;
      std::size_t end = literal_at(skip_space(at), cmd);
      Unit f = with_via(u, std::string(how));
      if (end == std::string_view::npos || dyn) {
        f.words = {literal(std::string(prog))};
        f.dynamic = true;
        f.note = "awk runs a command built at run time";
        f.depth = u.depth + 1;
        return emit(std::move(f));
      }
      std::string_view first = cmd;
      first = first.substr(0, first.find_first_of(" \t;|&"));
      if (feeds_stdin && in(basename(first), {"sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "fish"})) {
        f.words = {literal(cmd)};
        f.dynamic = true;
        f.note = "awk prints a script into a shell";
        f.depth = u.depth + 1;
        return emit(std::move(f));
      }
      script(cmd, u.depth + 1, f, false);
    };
    for (std::size_t i = 0; i < prog.size(); ++i) {
      if (prog[i] == '"') {  // a string: skip it, unless it is the command of `"cmd" | getline`
        std::string text;
        std::size_t end = literal_at(i, text);
        if (end == std::string_view::npos) break;
        std::size_t after = skip_space(end);
        if (after < prog.size() && prog[after] == '|' && prog.substr(skip_space(after + 1)).starts_with("getline"))
          run("awk getline", i, false);
        i = end - 1;
      } else if (prog.substr(i).starts_with("system") && (i == 0 || !std::isalnum(static_cast<unsigned char>(prog[i - 1])))) {
        std::size_t open = skip_space(i + 6);
        if (open < prog.size() && prog[open] == '(') run("awk system()", open + 1, false);
      } else if (prog[i] == '/' && regex_may_start(prog, i)) {  // /a|b/ is a regular expression
        for (std::size_t j = i + 1; j < prog.size() && prog[j] != '\n'; ++j) {
          if (prog[j] == '\\') {
            ++j;
          } else if (prog[j] == '/') {
            i = j;
            break;
          }
        }
      } else if (prog[i] == '|' && (i + 1 >= prog.size() || prog[i + 1] != '|') && (i == 0 || prog[i - 1] != '|')) {
        std::size_t at = i + 1 < prog.size() && prog[i + 1] == '&' ? i + 2 : i + 1;
        std::size_t stmt = prog.find_last_of("{};\n", i);
        std::string_view before = prog.substr(stmt == std::string_view::npos ? 0 : stmt + 1);
        before.remove_prefix(std::min(before.find_first_not_of(" \t"), before.size()));
        if (!prog.substr(skip_space(at)).starts_with("getline") && before.starts_with("print"))
          run("awk pipe", at, true);
      }
    }
  }

  // GNU parallel: the command template (or, with none, each argument is a command) with every
  // argument of the ::: / :::: / -a lists put into its replacement strings ({} {.} {/} {//} {/.}
  // {1} ...), or appended when it has none. Jobs run through a shell. Arguments read from stdin
  // are used when stdin is a literal and are otherwise an unknown word.
  void parallel(Unit u, const shell::Command& c, const shell::Parse& p) {
    Words& w = u.words;
    std::size_t k = 1;
    std::vector<std::vector<std::string>> sources;
    std::string replace = "{}";
    bool unknown_source = false;
    auto read_lines = [&](const Word& file) {
      std::string body;
      std::vector<std::string> lines;
      if (file.dynamic || !read_small_file(o_.cwd, file.text, body)) {
        unknown_source = true;
        return lines;
      }
      std::istringstream in(body);
      for (std::string line; std::getline(in, line);)
        if (!line.empty()) lines.push_back(line);
      return lines;
    };
    auto options = read_options(w, k, "jSanNCdEIlLPs",
                                " --jobs --sshlogin --arg-file --delay --timeout --max-args --colsep --delimiter "
                                "-I --results --joblog --tmpdir --workdir --wd --env --halt --memfree --load "
                                "--basefile --transfer-file --return --max-replace-args --max-lines --retries "
                                "--tag-string --tagstring --sshloginfile --slf --max-procs --shebang-wrap ");
    for (const auto& o : options) {
      if (o.name == "-I") replace = o.value;
      if (o.name == "-a" || o.name == "--arg-file") sources.push_back(read_lines(literal(o.value)));
    }
    Words tmpl;
    std::size_t j = k;
    for (; j < w.size() && !w[j].text.starts_with(":::"); ++j) tmpl.push_back(w[j]);
    while (j < w.size()) {
      bool files = w[j].text.starts_with("::::");
      std::vector<std::string> items;
      for (++j; j < w.size() && !w[j].text.starts_with(":::"); ++j) {
        if (files) {
          for (auto& line : read_lines(w[j])) items.push_back(std::move(line));
        } else {
          if (w[j].dynamic) unknown_source = true;
          items.push_back(w[j].text);
        }
      }
      sources.push_back(std::move(items));
    }
    emit(u);
    if (sources.empty()) {  // arguments from stdin
      std::string text;
      if (stdin_of(c, p, text) == Stdin::text) {
        std::istringstream in(text);
        std::vector<std::string> lines;
        for (std::string line; std::getline(in, line);)
          if (!line.empty()) lines.push_back(line);
        sources.push_back(std::move(lines));
      } else {
        unknown_source = true;
      }
    }
    std::string text;
    for (std::size_t i = 0; i < tmpl.size(); ++i) text += (i ? " " : "") + tmpl[i].text;
    bool dyn = unknown_source;
    for (const auto& x : tmpl) dyn = dyn || x.dynamic;
    if (unknown_source) {
      Unit f = with_via(u, "parallel");
      f.words = {literal(text.empty() ? "{stdin}" : text + " {stdin}")};
      f.dynamic = true;
      f.depth = u.depth + 1;
      f.note = "parallel runs arguments that are not known statically";
      emit(std::move(f));
    }
    // Every argument of each source in turn, the others at their first value: each value meets
    // the template once (the full product can be large and adds nothing a rule would see).
    for (std::size_t s = 0; s < sources.size(); ++s) {
      for (std::size_t v = 0; v < sources[s].size() && v < 64; ++v) {
        std::vector<std::string> args;
        for (std::size_t t = 0; t < sources.size(); ++t)
          args.push_back(t == s ? sources[t][v] : sources[t].empty() ? "" : sources[t][0]);
        script(parallel_job(text, replace, args), u.depth + 1, with_via(u, "parallel"), dyn);
      }
    }
  }

  // One job's command line: replacement strings filled in, or the arguments appended.
  static std::string parallel_job(const std::string& tmpl, const std::string& replace,
                                  const std::vector<std::string>& args) {
    std::string all;
    for (const auto& a : args) all += (all.empty() ? "" : " ") + a;
    if (tmpl.empty()) return all;
    auto transform = [](const std::string& v, std::string_view how) {
      std::string base = v.substr(v.rfind('/') == std::string::npos ? 0 : v.rfind('/') + 1);
      auto noext = [](const std::string& x) {
        auto dot = x.rfind('.');
        auto slash = x.rfind('/');
        return dot == std::string::npos || (slash != std::string::npos && dot < slash) ? x : x.substr(0, dot);
      };
      if (how == ".") return noext(v);
      if (how == "/") return base;
      if (how == "//") return v.rfind('/') == std::string::npos ? std::string(".") : v.substr(0, v.rfind('/'));
      if (how == "/.") return noext(base);
      return v;
    };
    std::string out;
    bool replaced = false;
    for (std::size_t i = 0; i < tmpl.size(); ++i) {
      if (replace != "{}" && tmpl.compare(i, replace.size(), replace) == 0) {
        out += all;
        i += replace.size() - 1;
        replaced = true;
        continue;
      }
      if (tmpl[i] == '{') {
        auto close = tmpl.find('}', i);
        if (close != std::string::npos) {
          std::string_view inner(tmpl.data() + i + 1, close - i - 1);
          std::size_t n = 0;
          while (n < inner.size() && n < 6 && std::isdigit(static_cast<unsigned char>(inner[n]))) ++n;
          std::string_view how = inner.substr(n);
          if (how.empty() || how == "." || how == "/" || how == "//" || how == "/.") {
            std::string value = all;
            if (n > 0) {
              std::size_t idx = std::size_t(std::stoul(std::string(inner.substr(0, n))));
              value = idx >= 1 && idx <= args.size() ? args[idx - 1] : "";
            }
            if (replace == "{}" || n > 0) {
              out += transform(value, how);
              i = close;
              replaced = true;
              continue;
            }
          } else if (inner == "#" || inner == "%") {
            out += "1";
            i = close;
            continue;
          }
        }
      }
      out += tmpl[i];
    }
    return replaced ? out : out + " " + all;
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

  // git as git reads it (git_args.h): aliases expanded, abbreviated options completed; the
  // shell commands its command-line configuration runs are analysed in turn.
  void git(Unit u) {
    GitCommand g = read_git(u.words, u.env, *o_.env);
    if (!g.shell_alias) u.words = std::move(g.words);
    if (!g.dynamic.empty()) {
      u.dynamic = true;
      u.note = g.dynamic;
    }
    emit(u);
    for (const auto& s : g.scripts) script(s.text.text, u.depth + 1, with_via(u, s.via), s.text.dynamic);
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
    std::size_t j = 1;
    if (const CodeSyntax* syntax = code_syntax(w[0].text)) {
      inline_code = inline_code_of(w, j, *syntax, code, dyn);
    } else {
      for (; j < w.size(); ++j) {
        const std::string& t = w[j].text;
        if (in(t, {"-c", "-e", "-E", "-r", "--eval", "-p", "--print", "eval", "-command", "-Command"}) &&
            j + 1 < w.size()) {
          code += w[j + 1].text;
          dyn = dyn || w[j + 1].dynamic;
          inline_code = true;
          break;
        }
        if (!t.starts_with("-") || t == "-") break;
      }
    }
    if (!inline_code && j < w.size() && w[j].text == "-") {
      std::string text;
      if (stdin_of(c, p, text) == Stdin::text) {
        code = text;
        inline_code = true;
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
