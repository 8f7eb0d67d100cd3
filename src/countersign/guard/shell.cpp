// The shell parser: one pass over the text, recursive descent over lists, pipelines and
// commands; words are lexed with quote removal and expansion of known variables as they are
// read, so that `$( )`, backticks and `<( )` anywhere (even inside double quotes, redirect
// targets and unquoted heredoc bodies) add the commands they contain.
#include "countersign/guard/shell.h"

#include <cctype>
#include <set>

namespace cs::guard::shell {
namespace {

constexpr int kMaxNesting = 64;

// Variables: the agent's environment underneath, the script's own assignments on top.
struct Vars {
  const std::map<std::string, std::string>* base = nullptr;
  std::map<std::string, std::string> set;
  std::set<std::string> unset;  // assigned an unknown value, or unset

  const std::string* find(const std::string& name) const {
    if (auto it = set.find(name); it != set.end()) return &it->second;
    if (unset.count(name)) return nullptr;
    if (base)
      if (auto it = base->find(name); it != base->end()) return &it->second;
    return nullptr;
  }
  void assign(const std::string& name, const std::string& value) {
    set[name] = value;
    unset.erase(name);
  }
  void forget(const std::string& name) {
    set.erase(name);
    unset.insert(name);
  }
  // Functions and aliases defined so far: their text, parsed again at each call.
  std::map<std::string, std::string> functions;
  std::map<std::string, std::string> aliases;
  std::set<std::string> called;
  const std::vector<Word>* positional = nullptr;  // $1 ... $@ inside the function being called
  int calls = 0;                                  // bounds recursion (f() { f; })
};

constexpr int kMaxCalls = 32;

bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }
bool is_meta(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' ||
         c == ')' || c == '<' || c == '>';
}

const std::set<std::string_view>& reserved() {
  static const std::set<std::string_view> words{"if", "then", "else", "elif", "fi", "do", "done", "while",
                                                "until", "for", "select", "case", "esac", "{", "}", "!",
                                                "function", "[[", "coproc", "in"};
  return words;
}

// A word being lexed; unquoted expansions of known values split it into fields.
struct Fields {
  std::vector<Word> words{Word{}};
  long assign_eq = -1;       // offset of the first unquoted '=' after a valid name prefix
  bool name_so_far = true;
  Word& cur() { return words.back(); }
};

class Parser {
 public:
  Parser(std::string_view src, Parse& out, Vars& vars, int nest, bool in_sub)
      : s_(src), out_(out), vars_(vars), nest_(nest), in_sub_(in_sub) {}

  void parse_all() {
    parse_list(0);
    if (!pending_.empty()) read_heredocs();
  }

  // Expands an unquoted heredoc body: $VAR, $( ), backticks; returns the text.
  std::string expand_body(bool& dynamic) {
    Fields f;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '\\' && i_ + 1 < s_.size() && std::string_view("$`\\\n").find(s_[i_ + 1]) != std::string_view::npos) {
        if (s_[i_ + 1] != '\n') f.cur().text += s_[i_ + 1];
        i_ += 2;
      } else if (c == '$') {
        dollar(f, true);
      } else if (c == '`') {
        backtick(f, true);
      } else {
        f.cur().text += c;
        ++i_;
      }
    }
    dynamic = f.cur().dynamic;
    return f.cur().text;
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
  Parse& out_;
  Vars& vars_;
  int nest_;
  bool in_sub_;
  struct Pending {
    int cmd;
    std::string delim;
    bool quoted;
    bool strip_tabs;
  };
  std::vector<Pending> pending_;
  bool closed_ = false;  // a `}` / `esac` ended the current compound

  bool eof() const { return i_ >= s_.size(); }
  char peek(std::size_t k = 0) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }
  void error(std::string msg) { out_.errors.push_back(std::move(msg)); }

  void skip_blanks() {
    while (!eof()) {
      if (is_blank(peek())) {
        ++i_;
      } else if (peek() == '\\' && peek(1) == '\n') {
        i_ += 2;
      } else if (peek() == '#') {
        while (!eof() && peek() != '\n') ++i_;
      } else {
        break;
      }
    }
  }

  // terminator: 0 end of input, ')' subshell / substitution, '}' brace group, 'c' case item.
  void parse_list(char terminator) {
    if (++nest_ > kMaxNesting) {
      error("nesting too deep");
      i_ = s_.size();
      return;
    }
    while (true) {
      skip_blanks();
      if (eof()) {
        if (terminator == ')') error("unterminated ( or $(: missing )");
        if (terminator == '}') error("unterminated { group: missing }");
        break;
      }
      char c = peek();
      if (c == '\n') {
        ++i_;
        read_heredocs();
        continue;
      }
      if (c == ';') {
        if (peek(1) == ';' || peek(1) == '&') {
          if (terminator == 'c') {
            i_ += (peek(1) == ';' && peek(2) == '&') ? 3 : 2;
            break;
          }
          i_ += 2;
          continue;
        }
        ++i_;
        continue;
      }
      if (c == '&' || c == '|') {
        if (c == '&' && peek(1) == '>') {
          parse_pipeline();
          continue;
        }
        i_ += (peek(1) == c) ? 2 : 1;
        continue;
      }
      if (c == ')') {
        if (terminator == ')') {
          ++i_;
          break;
        }
        if (terminator == 'c') break;  // lets the enclosing parser report it
        error("unbalanced )");
        ++i_;
        continue;
      }
      parse_pipeline();
      if (closed_) {
        closed_ = false;
        if (terminator == '}' || terminator == 'c') break;
        error("unexpected } or esac");
      }
    }
    --nest_;
  }

  void parse_pipeline() {
    int prev = -1;
    while (true) {
      int idx = parse_command(prev);
      if (closed_) return;
      skip_blanks();
      if (peek() == '|' && peek(1) != '|') {
        i_ += (peek(1) == '&') ? 2 : 1;
        prev = idx == -1 ? -2 : idx;
        skip_blanks();
        while (peek() == '\n') {  // a pipe may continue on the next line
          ++i_;
          read_heredocs();
          skip_blanks();
        }
        continue;
      }
      return;
    }
  }

  // Returns the index of the simple command parsed, or -1 for a compound command.
  int parse_command(int pipe_from) {
    skip_blanks();
    if (eof()) return -1;
    if (peek() == '(') {
      if (peek(1) == '(') {
        i_ += 2;
        arithmetic_body();
      } else {
        ++i_;
        parse_list(')');
      }
      trailing_redirects();
      return -1;
    }
    // Peek a word to see whether it is a reserved word.
    std::size_t start = i_;
    if (!is_meta(peek())) {
      std::size_t save_errors = out_.errors.size();
      std::size_t save_cmds = out_.commands.size();
      Fields f = lex_word();
      bool plain = f.words.size() == 1 && !f.words[0].quoted && !f.words[0].dynamic;
      std::string w = plain ? f.words[0].text : std::string();
      if (plain && reserved().count(w)) return reserved_word(w, pipe_from);
      // Not reserved: rewind and parse as a simple command (drop what the peek recorded).
      out_.errors.resize(save_errors);
      out_.commands.resize(save_cmds);
      i_ = start;
    }
    return simple_command(pipe_from);
  }

  int reserved_word(const std::string& w, int pipe_from) {
    if (w == "{") {
      parse_list('}');
      trailing_redirects();
      return -1;
    }
    if (w == "}" || w == "esac") {
      closed_ = true;
      return -1;
    }
    if (w == "fi" || w == "done" || w == "in") {
      trailing_redirects();
      return -1;
    }
    if (w == "for" || w == "select") {
      skip_words_to_separator();
      return -1;
    }
    if (w == "[[") {
      while (true) {
        skip_blanks();
        if (eof() || peek() == '\n' || peek() == ';') break;
        if (is_meta(peek())) {
          ++i_;
          continue;
        }
        Fields f = lex_word();
        if (f.words.size() == 1 && f.words[0].text == "]]" && !f.words[0].quoted) break;
      }
      return -1;
    }
    if (w == "case") return case_command();
    if (w == "function") {
      skip_blanks();
      std::string name;
      if (!is_meta(peek())) {
        Fields f = lex_word();
        if (!f.words.empty()) name = f.words[0].text;
      }
      skip_blanks();
      if (peek() == '(' && peek(1) == ')') i_ += 2;
      skip_newlines();
      define_function(name);
      return -1;
    }
    // if then else elif do while until ! coproc: the command follows.
    skip_newlines();
    return parse_command(pipe_from);
  }

  void skip_newlines() {
    while (true) {
      skip_blanks();
      if (peek() != '\n') return;
      ++i_;
      read_heredocs();
    }
  }

  void skip_words_to_separator() {
    while (true) {
      skip_blanks();
      if (eof() || peek() == '\n' || peek() == ';' || peek() == '&' || peek() == '|' || peek() == ')') return;
      if (peek() == '(' && peek(1) == '(') {  // for (( i=0; ... ))
        i_ += 2;
        arithmetic_body();
        continue;
      }
      if (is_meta(peek())) {
        ++i_;
        continue;
      }
      lex_word();
    }
  }

  int case_command() {
    skip_blanks();
    if (!eof() && !is_meta(peek())) lex_word();  // subject
    skip_blanks();
    if (!eof() && !is_meta(peek())) lex_word();  // "in"
    while (true) {
      skip_newlines();
      if (eof()) {
        error("unterminated case: missing esac");
        return -1;
      }
      std::size_t start = i_;
      if (!is_meta(peek())) {
        Fields f = lex_word();
        if (f.words.size() == 1 && f.words[0].text == "esac" && !f.words[0].quoted) return -1;
        i_ = start;
      }
      // pattern: up to an unquoted ) at depth 0
      if (peek() == '(') ++i_;
      while (!eof() && peek() != ')') {
        if (is_meta(peek()) && peek() != '|') {
          ++i_;
          continue;
        }
        if (peek() == '|') {
          ++i_;
          continue;
        }
        lex_word();
      }
      if (eof()) {
        error("unterminated case pattern");
        return -1;
      }
      ++i_;  // )
      parse_list('c');
      if (closed_) {  // esac right after the item
        closed_ = false;
        return -1;
      }
    }
  }

  void trailing_redirects() {
    Command scratch;
    while (true) {
      skip_blanks();
      if (!redirect(scratch, -1)) return;
    }
  }

  // A redirection at i_, if there is one. Heredocs are attached to command `cmd` (-1: none).
  bool redirect(Command& c, int cmd) {
    std::size_t j = i_;
    while (j < s_.size() && s_[j] >= '0' && s_[j] <= '9') ++j;
    if (j < s_.size() && s_[j] == '{' && j == i_) {  // {fd}>file
      std::size_t k = j + 1;
      while (k < s_.size() && is_name_char(s_[k])) ++k;
      if (k < s_.size() && s_[k] == '}' && k + 1 < s_.size() && (s_[k + 1] == '<' || s_[k + 1] == '>')) j = k + 1;
    }
    std::string_view rest = s_.substr(j);
    std::string op;
    if (rest.starts_with("&>>")) op = "&>>";
    else if (rest.starts_with("&>")) op = "&>";
    else if (rest.starts_with("<<<")) op = "<<<";
    else if (rest.starts_with("<<-")) op = "<<-";
    else if (rest.starts_with("<<")) op = "<<";
    else if (rest.starts_with("<&")) op = "<&";
    else if (rest.starts_with(">&")) op = ">&";
    else if (rest.starts_with("<>")) op = "<>";
    else if (rest.starts_with(">>")) op = ">>";
    else if (rest.starts_with(">|")) op = ">|";
    else if (rest.starts_with("<(") || rest.starts_with(">(")) return false;  // process substitution
    else if (rest.starts_with("<")) op = "<";
    else if (rest.starts_with(">")) op = ">";
    else return false;
    if (j != i_ && op[0] == '&') return false;  // 2&> is not a redirect
    i_ = j + op.size();
    skip_blanks();
    if (eof() || (is_meta(peek()) && !(peek() == '<' && peek(1) == '(') && !(peek() == '>' && peek(1) == '('))) {
      error("redirection " + op + " without a target");
      return true;
    }
    if (op == "<<" || op == "<<-") {
      Fields f = lex_word();
      Pending p{cmd, f.words[0].text, f.words[0].quoted, op == "<<-"};
      pending_.push_back(std::move(p));
      return true;
    }
    Word target = single_word();
    if (op == "<<<") {
      c.input = Input::literal;
      c.stdin_text = target.text + "\n";
      c.stdin_dynamic = target.dynamic;
    } else if (op == "<") {
      c.input = Input::file;
      c.stdin_file = target.text;
    } else if (op == "<&" || op == ">&") {
      if (op == ">&" && !target.text.empty() && target.text != "-" &&
          target.text.find_first_not_of("0123456789") != std::string::npos)
        c.output_files.push_back(target.text);
    } else {
      c.output_files.push_back(target.text);
    }
    return true;
  }

  Word single_word() {
    if (peek() == '<' || peek() == '>') return process_substitution();
    Fields f = lex_word();
    Word w = f.words[0];
    for (std::size_t k = 1; k < f.words.size(); ++k) w.text += " " + f.words[k].text;
    return w;
  }

  Word process_substitution() {
    i_ += 2;
    bool save = in_sub_;
    in_sub_ = true;
    parse_list(')');
    in_sub_ = save;
    Word w;
    w.text = "<(...)";
    w.dynamic = true;
    return w;
  }

  int simple_command(int pipe_from) {
    int idx = int(out_.commands.size());
    out_.commands.emplace_back();
    Command c;
    c.in_substitution = in_sub_;
    bool seen_word = false;
    while (true) {
      skip_blanks();
      if (eof()) break;
      char ch = peek();
      if ((ch == '<' || ch == '>') && peek(1) == '(') {
        c.words.push_back(process_substitution());
        seen_word = true;
        continue;
      }
      if (redirect(c, idx)) continue;
      if (is_meta(ch)) {
        if (ch == '(' && !seen_word && c.assigns.empty()) break;
        if (ch == '(' && seen_word && c.words.size() == 1 && peek(1) == ')') {  // name() body
          i_ += 2;
          skip_newlines();
          out_.commands.pop_back();
          define_function(c.words[0].text);
          return -1;
        }
        if (ch == '(') {  // stray ( inside a command: a syntax error in sh
          error("unexpected (");
          ++i_;
          continue;
        }
        break;
      }
      Fields f = lex_word();
      if (!seen_word && f.assign_eq > 0 && f.words.size() >= 1) {
        Word value = f.words[0];
        std::string name = value.text.substr(0, std::size_t(f.assign_eq));
        if (!name.empty() && name.back() == '+') name.pop_back();
        value.text.erase(0, std::size_t(f.assign_eq) + 1);
        for (std::size_t k = 1; k < f.words.size(); ++k) value.text += " " + f.words[k].text;
        if (value.text.empty() && peek() == '(') {  // array: NAME=( ... )
          ++i_;
          while (!eof() && peek() != ')') {
            if (is_meta(peek())) {
              ++i_;
              continue;
            }
            lex_word();
          }
          if (!eof()) ++i_;
          value.dynamic = true;
        }
        c.assigns.emplace_back(std::move(name), std::move(value));
        continue;
      }
      seen_word = true;
      for (auto& w : f.words) {
        if (w.text.empty() && !w.quoted && !w.dynamic) continue;  // an empty unquoted expansion
        c.words.push_back(std::move(w));
      }
    }
    if (c.input == Input::terminal && pipe_from != -1) {
      c.input = Input::pipe;
      c.pipe_from = pipe_from;
    }
    apply_assignments(c);
    std::string call;  // a function or alias this command calls
    if (!c.words.empty() && !c.words[0].dynamic &&
        (vars_.functions.count(c.words[0].text) || (!c.words[0].quoted && vars_.aliases.count(c.words[0].text))))
      call = c.words[0].text;
    std::vector<Word> args(c.words.begin() + (c.words.empty() ? 0 : 1), c.words.end());
    out_.commands[std::size_t(idx)] = std::move(c);
    if (!call.empty()) expand_call(call, args);
    if (out_.commands[std::size_t(idx)].words.empty() && out_.commands[std::size_t(idx)].assigns.empty() &&
        out_.commands[std::size_t(idx)].input == Input::terminal) {
      // nothing there (e.g. only a redirect); keep it so heredoc indices stay valid
    }
    return idx;
  }

  // A function body is read once to find where it ends, and parsed again at each call, with
  // the call's arguments as $1 ... $@: a function that is defined and never called runs nothing.
  void define_function(const std::string& name) {
    std::size_t start = i_;
    Parse scratch;
    Parser body(s_.substr(start), scratch, vars_, nest_ + 1, in_sub_);
    body.parse_command(-1);
    for (auto& e : scratch.errors) out_.errors.push_back(std::move(e));
    i_ = start + body.i_;
    if (!name.empty()) vars_.functions[name] = std::string(s_.substr(start, body.i_));
  }

  void expand_call(const std::string& name, const std::vector<Word>& args) {
    if (vars_.calls >= kMaxCalls || nest_ + 1 >= kMaxNesting) return;
    ++vars_.calls;
    if (auto f = vars_.functions.find(name); f != vars_.functions.end()) {
      vars_.called.insert(name);
      std::string body = f->second;  // the map may change while the body runs
      const std::vector<Word>* saved = vars_.positional;
      vars_.positional = &args;
      Parser sub(body, out_, vars_, nest_ + 1, in_sub_);
      sub.parse_all();
      vars_.positional = saved;
    } else {
      std::string text = vars_.aliases[name];
      for (const auto& a : args) text += " " + a.text;
      Parser sub(text, out_, vars_, nest_ + 1, in_sub_);
      sub.parse_all();
    }
    --vars_.calls;
  }

 public:
  // Functions never called by name, whose name still appears in a word (`trap f EXIT`,
  // `export -f f; bash -c f`), are taken to run with unknown arguments.
  void functions_named_later() {
    for (const auto& [name, body] : std::map<std::string, std::string>(vars_.functions)) {
      if (vars_.called.count(name)) continue;
      bool named = false;
      for (const auto& c : out_.commands)
        for (const auto& w : c.words)
          for (std::size_t p = w.text.find(name); p != std::string::npos && !named; p = w.text.find(name, p + 1))
            named = (p == 0 || !is_name_char(w.text[p - 1])) &&
                    (p + name.size() == w.text.size() || !is_name_char(w.text[p + name.size()]));
      if (!named) continue;
      vars_.called.insert(name);
      Parser sub(body, out_, vars_, nest_ + 1, in_sub_);
      sub.parse_all();
    }
  }

 private:
  void apply_assignments(const Command& c) {
    auto set = [&](const std::string& name, const Word& v) {
      if (v.dynamic)
        vars_.forget(name);
      else
        vars_.assign(name, v.text);
    };
    if (c.words.empty()) {
      for (const auto& [name, v] : c.assigns) set(name, v);
      return;
    }
    const std::string& cmd = c.words[0].text;
    if (cmd == "export" || cmd == "declare" || cmd == "typeset" || cmd == "local" || cmd == "readonly") {
      for (std::size_t k = 1; k < c.words.size(); ++k) {
        const std::string& t = c.words[k].text;
        auto eq = t.find('=');
        if (eq == std::string::npos || eq == 0) continue;
        Word v = c.words[k];
        v.text = t.substr(eq + 1);
        set(t.substr(0, eq), v);
      }
    } else if (cmd == "alias") {
      for (std::size_t k = 1; k < c.words.size(); ++k) {
        const std::string& t = c.words[k].text;
        auto eq = t.find('=');
        if (eq != std::string::npos && eq > 0) vars_.aliases[t.substr(0, eq)] = t.substr(eq + 1);
      }
    } else if (cmd == "unset") {
      for (std::size_t k = 1; k < c.words.size(); ++k) vars_.forget(c.words[k].text);
    }
  }

  void read_heredocs() {
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& p : pending) {
      std::string body;
      bool found = false;
      while (!eof()) {
        std::size_t end = s_.find('\n', i_);
        std::string_view line = s_.substr(i_, end == std::string_view::npos ? std::string_view::npos : end - i_);
        i_ = end == std::string_view::npos ? s_.size() : end + 1;
        std::string_view cmp = line;
        if (p.strip_tabs)
          while (!cmp.empty() && cmp.front() == '\t') cmp.remove_prefix(1);
        if (!cmp.empty() && cmp.back() == '\r') cmp.remove_suffix(1);
        if (cmp == p.delim) {
          found = true;
          break;
        }
        body += cmp;
        body += '\n';
      }
      if (!found) error("unterminated heredoc: missing " + p.delim);
      bool dynamic = false;
      if (!p.quoted) {
        Parser sub(body, out_, vars_, nest_ + 1, true);
        body = sub.expand_body(dynamic);
      }
      if (p.cmd >= 0 && std::size_t(p.cmd) < out_.commands.size()) {
        Command& c = out_.commands[std::size_t(p.cmd)];
        c.input = Input::literal;
        c.stdin_text = std::move(body);
        c.stdin_dynamic = dynamic;
        c.pipe_from = -1;
      }
    }
  }

  void arithmetic_body() {
    int depth = 0;
    Fields scratch;
    while (!eof()) {
      char c = peek();
      if (c == '$') {
        dollar(scratch, true);
        continue;
      }
      if (c == '`') {
        backtick(scratch, true);
        continue;
      }
      if (c == '(') ++depth;
      if (c == ')') {
        if (depth == 0 && peek(1) == ')') {
          i_ += 2;
          return;
        }
        --depth;
      }
      ++i_;
    }
    error("unterminated $(( or ((: missing ))");
  }

  // ---- words ----------------------------------------------------------------------------------

  Fields lex_word() {
    Fields f;
    while (!eof()) {
      char c = peek();
      if (is_meta(c)) break;
      if (c == '=' && f.assign_eq < 0 && f.name_so_far && f.words.size() == 1 && !f.cur().text.empty() &&
          (is_name_start(f.cur().text[0]))) {
        f.assign_eq = long(f.cur().text.size());
      } else if (f.name_so_far && !(is_name_char(c) || (c == '+' && peek(1) == '='))) {
        f.name_so_far = false;
      }
      if (c == '\\') {
        if (peek(1) == '\n') {
          i_ += 2;
          continue;
        }
        f.name_so_far = false;
        if (i_ + 1 < s_.size()) {
          f.cur().text += peek(1);
          i_ += 2;
        } else {
          f.cur().text += '\\';
          ++i_;
        }
        f.cur().quoted = true;
      } else if (c == '\'') {
        f.name_so_far = f.name_so_far && f.assign_eq >= 0;
        std::size_t end = s_.find('\'', i_ + 1);
        if (end == std::string_view::npos) {
          error("unterminated single quote");
          end = s_.size();
        }
        f.cur().text.append(s_.substr(i_ + 1, end - i_ - 1));
        f.cur().quoted = true;
        i_ = end == s_.size() ? end : end + 1;
      } else if (c == '"') {
        f.name_so_far = f.name_so_far && f.assign_eq >= 0;
        double_quoted(f);
      } else if (c == '$') {
        f.name_so_far = f.name_so_far && f.assign_eq >= 0;
        dollar(f, false);
      } else if (c == '`') {
        backtick(f, false);
      } else {
        if (c == '*' || c == '?' || c == '[') f.cur().glob = true;
        f.cur().text += c;
        ++i_;
      }
    }
    return f;
  }

  void double_quoted(Fields& f) {
    ++i_;
    f.cur().quoted = true;
    while (true) {
      if (eof()) {
        error("unterminated double quote");
        return;
      }
      char c = peek();
      if (c == '"') {
        ++i_;
        return;
      }
      if (c == '\\') {
        char n = peek(1);
        if (n == '$' || n == '`' || n == '"' || n == '\\') {
          f.cur().text += n;
          i_ += 2;
        } else if (n == '\n') {
          i_ += 2;
        } else {
          f.cur().text += '\\';
          ++i_;
        }
      } else if (c == '$') {
        dollar(f, true);
      } else if (c == '`') {
        backtick(f, true);
      } else {
        f.cur().text += c;
        ++i_;
      }
    }
  }

  void ansi_c(Fields& f) {
    i_ += 2;  // $'
    f.cur().quoted = true;
    while (true) {
      if (eof()) {
        error("unterminated $' quote");
        return;
      }
      char c = peek();
      if (c == '\'') {
        ++i_;
        return;
      }
      if (c != '\\') {
        f.cur().text += c;
        ++i_;
        continue;
      }
      char n = peek(1);
      i_ += 2;
      switch (n) {
        case 'n': f.cur().text += '\n'; break;
        case 't': f.cur().text += '\t'; break;
        case 'r': f.cur().text += '\r'; break;
        case 'a': f.cur().text += '\a'; break;
        case 'b': f.cur().text += '\b'; break;
        case 'e': case 'E': f.cur().text += '\x1b'; break;
        case 'f': f.cur().text += '\f'; break;
        case 'v': f.cur().text += '\v'; break;
        case 'x': {
          int v = 0, k = 0;
          while (k < 2 && std::isxdigit(static_cast<unsigned char>(peek()))) {
            char h = peek();
            v = v * 16 + (h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
            ++i_;
            ++k;
          }
          f.cur().text += char(v);
          break;
        }
        case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
          int v = n - '0', k = 1;
          while (k < 3 && peek() >= '0' && peek() <= '7') {
            v = v * 8 + (peek() - '0');
            ++i_;
            ++k;
          }
          f.cur().text += char(v);
          break;
        }
        case '\0': f.cur().text += '\\'; break;
        default: f.cur().text += n; break;  // \\ \' \" and anything else
      }
    }
  }

  // Appends an expanded value; unquoted values are split into fields on blanks.
  void append_value(Fields& f, const std::string& value, bool quoted) {
    if (quoted) {
      f.cur().text += value;
      return;
    }
    std::vector<std::string> pieces;
    std::size_t k = 0;
    while (k < value.size()) {
      std::size_t end = value.find_first_of(" \t\n", k);
      if (end == std::string::npos) end = value.size();
      if (end > k) pieces.push_back(value.substr(k, end - k));
      k = end + 1;
    }
    bool lead = !value.empty() && (value[0] == ' ' || value[0] == '\t' || value[0] == '\n');
    if (lead && !pieces.empty() && !f.cur().text.empty()) f.words.emplace_back();
    for (std::size_t p = 0; p < pieces.size(); ++p) {
      if (p > 0) f.words.emplace_back();
      f.cur().text += pieces[p];
      if (pieces[p].find_first_of("*?[") != std::string::npos) f.cur().glob = true;
    }
  }

  void dollar(Fields& f, bool quoted) {
    char n = peek(1);
    if (n == '\'' && !quoted) {
      ansi_c(f);
      return;
    }
    if (n == '"' && !quoted) {
      ++i_;
      double_quoted(f);
      return;
    }
    if (n == '(') {
      if (peek(2) == '(') {
        i_ += 3;
        arithmetic_body();
        f.cur().text += "$((...))";
        f.cur().dynamic = true;
        return;
      }
      i_ += 2;
      bool save = in_sub_;
      in_sub_ = true;
      std::size_t first = out_.commands.size();
      parse_list(')');
      in_sub_ = save;
      if (std::string value; literal_output(first, value)) {
        append_value(f, value, quoted);
        return;
      }
      f.cur().text += "$(...)";
      f.cur().dynamic = true;
      return;
    }
    if (n == '{') {
      braced(f, quoted);
      return;
    }
    if (is_name_start(n)) {
      std::size_t k = i_ + 1;
      while (k < s_.size() && is_name_char(s_[k])) ++k;
      std::string name(s_.substr(i_ + 1, k - i_ - 1));
      i_ = k;
      resolve(f, name, quoted);
      return;
    }
    if (vars_.positional && ((n >= '0' && n <= '9') || n == '@' || n == '*' || n == '#')) {
      const auto& args = *vars_.positional;
      i_ += 2;
      if (n == '#') {
        f.cur().text += std::to_string(args.size());
      } else if (n == '0') {
        f.cur().text += "$0";
        f.cur().dynamic = true;
      } else if (n == '@' || n == '*') {
        for (std::size_t k = 0; k < args.size(); ++k) {
          if (k) {  // "$@" and $@ give one word an argument; "$*" joins them
            if (quoted && n == '*') f.cur().text += ' ';
            else f.words.emplace_back();
          }
          f.cur().text += args[k].text;
          f.cur().dynamic = f.cur().dynamic || args[k].dynamic;
        }
      } else if (std::size_t k = std::size_t(n - '1'); k < args.size()) {
        append_value(f, args[k].text, quoted);
        f.cur().dynamic = f.cur().dynamic || args[k].dynamic;
      }
      return;
    }
    if ((n >= '0' && n <= '9') || n == '@' || n == '*' || n == '#' || n == '?' || n == '$' || n == '!' ||
        n == '-') {
      f.cur().text += '$';
      f.cur().text += n;
      f.cur().dynamic = true;
      i_ += 2;
      return;
    }
    f.cur().text += '$';
    ++i_;
  }

  // $(echo x) / $(printf x): the output is known when the substitution only prints literals.
  bool literal_output(std::size_t first, std::string& value) const {
    if (out_.commands.size() != first + 1) return false;
    const Command& c = out_.commands[first];
    if (c.words.empty() || !c.output_files.empty() || c.input != Input::terminal) return false;
    for (const auto& w : c.words)
      if (w.dynamic || w.glob) return false;
    const std::string& name = c.words[0].text;
    std::size_t k = 1;
    if (name == "echo") {
      while (k < c.words.size() && (c.words[k].text == "-n" || c.words[k].text == "-E")) ++k;
      for (std::size_t j = k; j < c.words.size(); ++j) value += (j > k ? " " : "") + c.words[j].text;
    } else if (name == "printf" && c.words.size() == 2 &&
               c.words[1].text.find_first_of("%\\") == std::string::npos) {
      value = c.words[1].text;
    } else {
      return false;
    }
    while (!value.empty() && value.back() == '\n') value.pop_back();
    return true;
  }

  void resolve(Fields& f, const std::string& name, bool quoted) {
    if (const std::string* v = vars_.find(name)) {
      append_value(f, *v, quoted);
      return;
    }
    f.cur().text += "$" + name;
    f.cur().dynamic = true;
  }

  void braced(Fields& f, bool quoted) {
    i_ += 2;  // ${
    std::size_t start = i_;
    int depth = 0;
    Fields inner;  // collects substitutions inside
    while (!eof()) {
      char c = peek();
      if (c == '}' && depth == 0) break;
      if (c == '{') ++depth;
      if (c == '}') --depth;
      if (c == '$') {
        dollar(inner, true);
        continue;
      }
      if (c == '`') {
        backtick(inner, true);
        continue;
      }
      if (c == '\'' ) {
        std::size_t end = s_.find('\'', i_ + 1);
        i_ = end == std::string_view::npos ? s_.size() : end + 1;
        continue;
      }
      if (c == '\\') ++i_;
      ++i_;
    }
    if (eof()) {
      error("unterminated ${");
      return;
    }
    std::string content(s_.substr(start, i_ - start));
    ++i_;  // }
    if (vars_.positional && !content.empty() &&
        (content == "@" || content == "*" || content == "#" ||
         (content.size() < 7 && content.find_first_not_of("0123456789") == std::string::npos))) {
      std::string text = "$" + content;  // ${1} ${@} ${#}: as $1 $@ $#, through dollar()
      if (content.size() > 1 && content.size() < 7) {
        std::size_t n = std::stoul(content);
        if (n >= 1 && n <= vars_.positional->size()) append_value(f, (*vars_.positional)[n - 1].text, quoted);
        return;
      }
      Parser sub(text, out_, vars_, nest_ + 1, in_sub_);
      Fields inner;
      sub.dollar(inner, quoted);
      for (std::size_t w = 0; w < inner.words.size(); ++w) {
        if (w) f.words.emplace_back();
        f.cur().text += inner.words[w].text;
        f.cur().dynamic = f.cur().dynamic || inner.words[w].dynamic;
      }
      return;
    }
    std::size_t k = 0;
    while (k < content.size() && is_name_char(content[k])) ++k;
    std::string name = content.substr(0, k);
    if (!name.empty() && is_name_start(name[0])) {
      if (k == content.size()) {
        resolve(f, name, quoted);
        return;
      }
      std::string_view op = std::string_view(content).substr(k);
      bool dflt = op.starts_with(":-") || op.starts_with("-");
      if (dflt) {
        const std::string* v = vars_.find(name);
        if (v && !(v->empty() && op.starts_with(":-"))) {
          append_value(f, *v, quoted);
          return;
        }
        std::string word(op.substr(op.starts_with(":-") ? 2 : 1));
        std::string clean;
        for (char ch : word)
          if (ch != '"' && ch != '\'') clean += ch;
        append_value(f, clean, quoted);
        if (inner.cur().dynamic) f.cur().dynamic = true;
        return;
      }
    }
    f.cur().text += "${" + content + "}";
    f.cur().dynamic = true;
  }

  void backtick(Fields& f, bool in_dq) {
    ++i_;
    std::string content;
    bool closed = false;
    while (!eof()) {
      char c = peek();
      if (c == '`') {
        ++i_;
        closed = true;
        break;
      }
      if (c == '\\' && i_ + 1 < s_.size()) {
        char n = peek(1);
        if (n == '`' || n == '$' || n == '\\' || (in_dq && n == '"')) {
          content += n;
          i_ += 2;
          continue;
        }
      }
      content += c;
      ++i_;
    }
    if (!closed) error("unterminated backquote");
    Parser sub(content, out_, vars_, nest_ + 1, true);
    sub.parse_all();
    f.cur().text += "$(...)";
    f.cur().dynamic = true;
  }
};

}  // namespace

Parse parse(std::string_view script, const std::map<std::string, std::string>& env) {
  Parse out;
  Vars vars;
  vars.base = &env;
  Parser p(script, out, vars, 0, false);
  p.parse_all();
  p.functions_named_later();
  return out;
}

}  // namespace cs::guard::shell
