#include "countersign/guard/powershell.h"

#include <algorithm>
#include <array>
#include <vector>

#include "countersign/core/text.h"

namespace cs::guard {
namespace {

struct Token {
  enum class Kind { word, call, pipe, sep, and_then, or_else, redirect };
  Kind kind = Kind::word;
  std::string text;  // a word's value; a redirection's operator (">", ">>", "2>&1", ...)
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return out;
}

Result<std::string> unreadable(std::string why) {
  return fail(Errc::parse, std::move(why));
}

bool word_end(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';' || c == '|' || c == '&' || c == '(' || c == ')' ||
         c == '{' || c == '}' || c == '<' || c == '>';
}

// $null, $true and $false are constants; every other $ is a variable or an expression.
bool constant_at(std::string_view s, size_t i, std::string& value) {
  for (std::string_view k : {"$null", "$true", "$false"}) {
    if (lower(s.substr(i, k.size())) != k) continue;
    size_t end = i + k.size();
    if (end < s.size() && !word_end(s[end]) && s[end] != ',' && s[end] != '"' && s[end] != '\'') continue;
    value = std::string(k);
    return true;
  }
  return false;
}

Result<std::vector<Token>> tokens(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  auto push = [&out](Token::Kind k, std::string t = {}) { out.push_back(Token{k, std::move(t)}); };
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
    } else if (c == '\n' || c == ';') {
      push(Token::Kind::sep);
      ++i;
    } else if (c == '#') {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (c == '|') {
      bool two = i + 1 < s.size() && s[i + 1] == '|';
      push(two ? Token::Kind::or_else : Token::Kind::pipe);
      i += two ? 2 : 1;
    } else if (c == '&') {
      bool two = i + 1 < s.size() && s[i + 1] == '&';
      push(two ? Token::Kind::and_then : Token::Kind::call);
      i += two ? 2 : 1;
    } else if (c == '{' || c == '}') {
      return fail(Errc::parse, "a script block");
    } else if (c == '(' || c == ')' || (c == '@' && i + 1 < s.size() && (s[i + 1] == '(' || s[i + 1] == '{'))) {
      return fail(Errc::parse, "a subexpression or array expression");
    } else if (c == '<') {
      return fail(Errc::parse, "a '<' operator");
    } else if (c == '>' || ((c == '2' || c == '1' || c == '*') && i + 1 < s.size() && s[i + 1] == '>')) {
      std::string op;
      if (c != '>') op += s[i++];
      op += s[i++];
      if (i < s.size() && s[i] == '>') op += s[i++];
      if (i + 1 < s.size() && s[i] == '&' && (s[i + 1] == '1' || s[i + 1] == '2')) {
        op += s.substr(i, 2);
        i += 2;
      }
      push(Token::Kind::redirect, op);
    } else {
      std::string word;
      bool started = false;
      while (i < s.size() && !word_end(s[i])) {
        char d = s[i];
        started = true;
        if (d == '\'') {
          ++i;
          for (;;) {
            if (i >= s.size()) return fail(Errc::parse, "an unterminated quoted string");
            if (s[i] == '\'' && i + 1 < s.size() && s[i + 1] == '\'') {
              word += '\'';
              i += 2;
            } else if (s[i] == '\'') {
              ++i;
              break;
            } else {
              word += s[i++];
            }
          }
        } else if (d == '"') {
          ++i;
          for (;;) {
            if (i >= s.size()) return fail(Errc::parse, "an unterminated quoted string");
            if (s[i] == '`' && i + 1 < s.size()) {
              char e = s[i + 1];
              word += e == 'n' ? '\n' : e == 't' ? '\t' : e;
              i += 2;
            } else if (s[i] == '"' && i + 1 < s.size() && s[i + 1] == '"') {
              word += '"';
              i += 2;
            } else if (s[i] == '"') {
              ++i;
              break;
            } else if (s[i] == '$') {
              std::string k;
              if (!constant_at(s, i, k)) return fail(Errc::parse, "a variable or expression in a double-quoted string");
              word += k;
              i += k.size();
            } else {
              word += s[i++];
            }
          }
        } else if (d == '`') {
          if (i + 1 >= s.size()) return fail(Errc::parse, "a trailing escape character");
          word += s[i + 1];
          i += 2;
        } else if (d == '$') {
          std::string k;
          if (!constant_at(s, i, k)) return fail(Errc::parse, "a variable");
          word += k;
          i += k.size();
        } else {
          word += d;
          ++i;
        }
      }
      if (!started) return fail(Errc::parse, std::string("an unexpected '") + s[i] + "'");
      if (word == "--%") return fail(Errc::parse, "the stop-parsing token --%");
      push(Token::Kind::word, std::move(word));
    }
  }
  return out;
}

std::string quoted(std::string_view w) {
  std::string out = "'";
  for (char c : w) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool is_one_of(const std::string& name, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Whether `param` (lower case, with its "-") is an abbreviation PowerShell accepts of `full`.
bool param_is(std::string_view param, std::string_view full, size_t shortest = 2) {
  return param.size() >= shortest && full.starts_with(param);
}

std::vector<std::string> split_commas(const std::string& w) {
  std::vector<std::string> out;
  for (auto part : text::split(w, ','))
    if (!part.empty()) out.emplace_back(part);
  return out;
}

// The parameters of a file cmdlet that take a value (the next word).
constexpr std::array kValued{"-value",       "-encoding", "-itemtype",   "-stream",      "-filter",
                             "-include",     "-exclude",  "-credential", "-delimiter",   "-width",
                             "-inputobject", "-name",     "-newname",    "-destination", "-path",
                             "-literalpath", "-filepath", "-lp",         "-pspath"};

struct FileCall {
  std::vector<std::string> paths;  // positional or -Path/-LiteralPath/-FilePath
  std::string destination, name;   // -Destination, -Name/-NewName
  bool recurse = false, force = false;
};

Result<FileCall> file_call(const std::vector<std::string>& args, bool strict) {
  FileCall f;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a.size() < 2 || a[0] != '-') {
      for (auto& p : split_commas(a)) f.paths.push_back(p);
      continue;
    }
    std::string p = lower(a);
    std::string inline_value;
    if (auto colon = p.find(':'); colon != std::string::npos) {
      inline_value = a.substr(colon + 1);
      p = p.substr(0, colon);
    }
    bool valued = std::any_of(kValued.begin(), kValued.end(), [&](std::string_view v) { return v == p; });
    if (param_is(p, "-recurse")) {
      f.recurse = true;
    } else if (param_is(p, "-force", 3) || p == "-f") {
      f.force = true;
    } else if (valued) {
      std::string value = inline_value;
      if (value.empty()) {
        if (i + 1 >= args.size()) return fail(Errc::parse, "parameter " + a + " without a value");
        value = args[++i];
      }
      if (p == "-path" || p == "-literalpath" || p == "-filepath" || p == "-lp" || p == "-pspath")
        for (auto& v : split_commas(value)) f.paths.push_back(v);
      else if (p == "-destination")
        f.destination = value;
      else if (p == "-name" || p == "-newname")
        f.name = value;
    } else if (strict && !is_one_of(p, {"-confirm", "-whatif", "-verbose", "-append", "-nonewline", "-passthru",
                                        "-noclobber", "-container", "-erroraction", "-ea"})) {
      return fail(Errc::parse, "the parameter " + a);
    }
  }
  return f;
}

std::string joined_quoted(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += " " + quoted(w);
  return out;
}

// Cmdlets and aliases whose verbs only read or format: nothing to judge.
bool reads_only(const std::string& name) {
  static constexpr std::array kVerbs{"get-",     "select-", "sort-",  "measure-",   "format-",      "test-",
                                     "resolve-", "join-",   "split-", "convertto-", "convertfrom-", "compare-",
                                     "find-",    "search-", "show-",  "read-",      "group-",       "where-"};
  for (std::string_view v : kVerbs)
    if (name.starts_with(v)) return true;
  return is_one_of(name,
                   {"out-string", "out-host", "out-null", "ls", "dir", "gci",     "cat",   "gc",  "type",    "select",
                    "sort",       "where",    "?",        "ft", "fl",  "measure", "pwd",   "gl",  "gi",      "gp",
                    "sls",        "more",     "gcm",      "gm", "man", "help",    "clear", "cls", "history", "h"});
}

// One pipeline element (a command with its arguments and redirections) as shell text.
Result<std::string> element(const std::vector<Token>& toks) {
  std::vector<std::string> words;
  std::string redirects;
  bool call = false;
  for (size_t i = 0; i < toks.size(); ++i) {
    const auto& t = toks[i];
    if (t.kind == Token::Kind::call) {
      if (i != 0) return unreadable("a misplaced '&'");
      call = true;
    } else if (t.kind == Token::Kind::redirect) {
      if (t.text.ends_with("&1") || t.text.ends_with("&2")) {
        redirects += " " + t.text;
        continue;
      }
      if (i + 1 >= toks.size() || toks[i + 1].kind != Token::Kind::word)
        return unreadable("a redirection without a target");
      std::string target = toks[++i].text;
      std::string op = t.text[0] == '*' ? t.text.substr(1) : t.text;
      redirects += " " + op + " " + (lower(target) == "$null" ? std::string("/dev/null") : quoted(target));
    } else {
      words.push_back(t.text);
    }
  }
  if (words.empty()) return call ? unreadable("'&' without a command") : Result<std::string>(std::string());
  std::string name = lower(words.front());
  if (name.ends_with(".exe")) name.resize(name.size() - 4);
  if (auto slash = name.find_last_of("/\\"); slash != std::string::npos) name = name.substr(slash + 1);
  std::vector<std::string> args(words.begin() + 1, words.end());
  if (name == "." || name.ends_with(".ps1") || name.ends_with(".bat") || name.ends_with(".cmd"))
    return unreadable("a script (" + words.front() + ") whose contents are not known");
  if (is_one_of(name, {"invoke-expression",
                       "iex",
                       "invoke-command",
                       "icm",
                       "start-process",
                       "saps",
                       "start",
                       "start-job",
                       "sajb",
                       "invoke-item",
                       "ii",
                       "powershell",
                       "pwsh",
                       "cmd",
                       "add-type",
                       "new-object",
                       "foreach-object",
                       "%",
                       "foreach",
                       "invoke-restmethod",
                       "irm",
                       "invoke-webrequest",
                       "iwr",
                       "set-alias",
                       "new-alias",
                       "set-variable",
                       "sv",
                       "set"}))
    return unreadable(words.front() + ", which runs or fetches code countersign cannot see");
  if (is_one_of(name, {"remove-item", "rm", "ri", "del", "erase", "rd", "rmdir"})) {
    auto f = file_call(args, true);
    if (!f) return std::unexpected(f.error());
    if (f->paths.empty()) return unreadable(words.front() + " without a path");
    return "rm" + std::string(f->recurse ? " -r" : "") + (f->force ? " -f" : "") + " --" + joined_quoted(f->paths) +
           redirects;
  }
  if (is_one_of(name, {"set-content", "add-content", "ac", "out-file", "clear-content", "clc", "new-item", "ni",
                       "tee-object", "tee", "set-item", "si"})) {
    auto f = file_call(args, false);
    if (!f) return std::unexpected(f.error());
    if (f->paths.empty() && name != "tee-object" && name != "tee") return unreadable(words.front() + " without a path");
    std::string out = ":";
    for (auto p : f->paths) {
      if (!f->name.empty()) p += "/" + f->name;
      out += " > " + quoted(p);
    }
    return out + redirects;
  }
  if (is_one_of(name,
                {"copy-item", "cp", "copy", "cpi", "move-item", "mv", "move", "mi", "rename-item", "ren", "rni"})) {
    auto f = file_call(args, true);
    if (!f) return std::unexpected(f.error());
    std::string dest = !f->destination.empty() ? f->destination : f->name;
    if (dest.empty() && f->paths.size() >= 2) {
      dest = f->paths.back();
      f->paths.pop_back();
    }
    if (f->paths.empty() || dest.empty()) return unreadable(words.front() + " without a source and a destination");
    bool copy = is_one_of(name, {"copy-item", "cp", "copy", "cpi"});
    f->paths.push_back(dest);
    return std::string(copy ? "cp" : "mv") + (copy && f->recurse ? " -r" : "") + (f->force ? " -f" : "") + " --" +
           joined_quoted(f->paths) + redirects;
  }
  if (is_one_of(name, {"set-location", "cd", "sl", "chdir", "push-location", "pushd"})) {
    auto f = file_call(args, false);
    if (!f) return std::unexpected(f.error());
    return "cd" + (f->paths.empty() ? std::string() : " " + quoted(f->paths.front())) + redirects;
  }
  if (is_one_of(name, {"write-output", "echo", "write", "write-host"})) return "echo" + joined_quoted(args) + redirects;
  if (reads_only(name)) return ":" + redirects;
  if (name.find('-') != std::string::npos && name.front() != '-')
    return unreadable("the cmdlet " + words.front() + ", whose effect countersign does not know");
  return quoted(name) + joined_quoted(args) + redirects;
}

}  // namespace

Result<std::string> powershell_as_shell(std::string_view script) {
  auto toks = tokens(script);
  if (!toks) return unreadable("the PowerShell command has " + toks.error().message);
  std::string out;
  std::vector<Token> current;
  auto flush = [&](std::string_view joiner) -> Result<void> {
    auto el = element(current);
    current.clear();
    if (!el) return std::unexpected(el.error());
    if (el->empty()) {
      if (joiner == " | " || joiner == " && " || joiner == " || ") return fail(Errc::parse, "an empty command");
      return {};
    }
    out += *el;
    out += joiner;
    return {};
  };
  for (const auto& t : *toks) {
    std::string_view joiner;
    switch (t.kind) {
      case Token::Kind::pipe:
        joiner = " | ";
        break;
      case Token::Kind::sep:
        joiner = "; ";
        break;
      case Token::Kind::and_then:
        joiner = " && ";
        break;
      case Token::Kind::or_else:
        joiner = " || ";
        break;
      default:
        current.push_back(t);
        continue;
    }
    if (auto r = flush(joiner); !r) return unreadable("the PowerShell command has " + r.error().message);
  }
  if (auto r = flush(""); !r) return unreadable("the PowerShell command has " + r.error().message);
  while (out.ends_with("; ")) out.resize(out.size() - 2);
  for (std::string_view dangling : {" | ", " && ", " || "})
    if (out.ends_with(dangling)) return unreadable("the PowerShell command ends in an operator");
  if (text::trim(out).empty()) return unreadable("the PowerShell command is empty");
  return out;
}

}  // namespace cs::guard
