// Secrets never reach the audit log. Redaction works on the raw command text (the log shows what
// the agent asked for, not our parse of it): a word pass for options whose value is a secret, and
// a text pass for token formats, credentials in URLs and secret-named assignments.
#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "countersign/core/text.h"
#include "countersign/guard/audit.h"

namespace cs::guard::audit {
namespace {

using Span = std::pair<size_t, size_t>;  // [begin, end) of a secret in the command

struct Word {
  size_t begin = 0, end = 0;
  std::string text;  // after quote removal
  bool starts_command = false;
};

bool separator(char c) { return c == ';' || c == '|' || c == '&' || c == '(' || c == ')' || c == '\n'; }
bool space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// A shell-like split good enough to find options and their values; quotes are kept inside the span.
std::vector<Word> words(std::string_view s) {
  std::vector<Word> out;
  bool next_starts = true;
  size_t i = 0;
  while (i < s.size()) {
    if (space(s[i])) {
      ++i;
      continue;
    }
    if (separator(s[i])) {
      next_starts = true;
      ++i;
      continue;
    }
    Word w;
    w.begin = i;
    w.starts_command = next_starts;
    next_starts = false;
    char quote = 0;
    for (; i < s.size(); ++i) {
      char c = s[i];
      if (quote) {
        if (c == quote) quote = 0;
        else if (c == '\\' && quote == '"' && i + 1 < s.size()) w.text += s[++i];
        else w.text += c;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '\\' && i + 1 < s.size()) {
        w.text += s[++i];
      } else if (space(c) || separator(c)) {
        break;
      } else {
        w.text += c;
      }
    }
    w.end = i;
    out.push_back(std::move(w));
  }
  return out;
}

bool contains_secret_word(std::string_view name) {
  static constexpr std::array<std::string_view, 12> words = {
      "password", "passwd", "token",     "secret",      "apikey",     "api_key",
      "api-key",  "access_key", "accesskey", "credential", "private_key", "mysql_pwd"};
  std::string lower = text::lower(name);
  for (auto w : words)
    if (lower.find(w) != std::string::npos) return true;
  return false;
}

std::string_view base_name(std::string_view word) {
  auto slash = word.rfind('/');
  return slash == std::string_view::npos ? word : word.substr(slash + 1);
}

bool password_p_tool(std::string_view tool) {
  static constexpr std::array<std::string_view, 16> tools = {
      "mysql",    "mysqldump",   "mysqladmin",   "mysqlimport", "mysqlshow", "mysqlcheck", "mariadb", "mariadb-dump",
      "mariadb-admin", "sshpass", "mongo", "mongosh", "mongodump", "mongorestore", "mongoexport", "mongoimport"};
  return std::find(tools.begin(), tools.end(), tool) != tools.end();
}

// Where the value of word `w` starts in the raw text when it is `--flag=value` or `-pvalue`.
void redact_words(std::string_view s, std::vector<Span>& spans) {
  auto ws = words(s);
  std::string tool;
  bool login = false;
  for (size_t i = 0; i < ws.size(); ++i) {
    const auto& w = ws[i];
    if (w.starts_command) {
      tool.clear();
      login = false;
    }
    if (tool.empty() && w.text.find('=') == std::string::npos && w.text != "sudo" && w.text != "env" &&
        w.text != "command" && w.text != "exec" && w.text != "time" && w.text != "nohup")
      tool = base_name(w.text);
    if (w.text == "login") login = true;
    bool has_next = i + 1 < ws.size() && !ws[i + 1].starts_command;
    auto take_next = [&] {
      if (has_next) spans.emplace_back(ws[i + 1].begin, ws[i + 1].end);
    };
    const std::string& t = w.text;
    std::string lower = text::lower(t);
    if ((lower == "aws_secret_access_key" || lower == "aws_session_token" || lower == "aws_access_key_id") && has_next) {
      take_next();
      ++i;
    } else if (t.starts_with("--") && t.find('=') == std::string::npos && contains_secret_word(t) && has_next) {
      take_next();
      ++i;
    } else if ((password_p_tool(tool) || login) && t == "-p") {
      take_next();
      ++i;
    } else if ((password_p_tool(tool) || login) && t.size() > 2 && t.starts_with("-p") && !t.starts_with("--")) {
      spans.emplace_back(w.begin + 2 + (s[w.begin] == '\'' || s[w.begin] == '"' ? 1 : 0), w.end);
    } else if (tool == "redis-cli" && t == "-a") {
      take_next();
      ++i;
    } else if (tool == "curl" && (t == "-u" || t == "--user") && has_next) {
      const auto& n = ws[i + 1];
      auto colon = s.substr(n.begin, n.end - n.begin).find(':');
      if (colon != std::string_view::npos) spans.emplace_back(n.begin + colon + 1, n.end);
      ++i;
    }
  }
}

bool token_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// Known token formats: a prefix followed by at least `min` token characters.
void redact_token_formats(std::string_view s, std::vector<Span>& spans) {
  struct Format {
    std::string_view prefix;
    size_t min;
  };
  static constexpr std::array<Format, 12> formats = {{{"AKIA", 16}, {"ASIA", 16}, {"ghp_", 20}, {"gho_", 20},
                                                      {"ghu_", 20}, {"ghs_", 20}, {"ghr_", 20}, {"github_pat_", 20},
                                                      {"glpat-", 20}, {"xoxb-", 10}, {"xoxp-", 10}, {"sk-", 20}}};
  for (const auto& f : formats) {
    for (size_t pos = s.find(f.prefix); pos != std::string_view::npos; pos = s.find(f.prefix, pos + 1)) {
      if (pos > 0 && token_char(s[pos - 1])) continue;
      size_t end = pos + f.prefix.size();
      while (end < s.size() && token_char(s[end])) ++end;
      if (end - pos - f.prefix.size() >= f.min) spans.emplace_back(pos, end);
    }
  }
  // Bearer and Basic credentials, e.g. in -H 'Authorization: Bearer ...'.
  std::string lower = text::lower(s);
  for (std::string_view scheme : {"bearer ", "basic ", "token "}) {
    for (size_t pos = lower.find(scheme); pos != std::string::npos; pos = lower.find(scheme, pos + 1)) {
      if (scheme == "token " && (pos < 2 || lower.substr(0, pos).rfind("authorization") == std::string::npos)) continue;
      size_t b = pos + scheme.size(), e = b;
      while (e < s.size() && !space(s[e]) && s[e] != '\'' && s[e] != '"') ++e;
      if (e > b) spans.emplace_back(b, e);
    }
  }
}

// scheme://user:password@host → the password.
void redact_url_credentials(std::string_view s, std::vector<Span>& spans) {
  for (size_t pos = s.find("://"); pos != std::string_view::npos; pos = s.find("://", pos + 3)) {
    size_t b = pos + 3, e = b;
    while (e < s.size() && !space(s[e]) && s[e] != '/' && s[e] != '\'' && s[e] != '"' && s[e] != '?' && s[e] != '#')
      ++e;
    auto authority = s.substr(b, e - b);
    auto at = authority.rfind('@');
    if (at == std::string_view::npos) continue;
    auto colon = authority.substr(0, at).find(':');
    if (colon != std::string_view::npos && colon + 1 < at) spans.emplace_back(b + colon + 1, b + at);
  }
}

// NAME=value where NAME says it is a secret (PGPASSWORD=, --password=, ?access_token=, password=).
void redact_assignments(std::string_view s, std::vector<Span>& spans) {
  for (size_t eq = s.find('='); eq != std::string_view::npos; eq = s.find('=', eq + 1)) {
    size_t b = eq;
    while (b > 0 && (token_char(s[b - 1]) || s[b - 1] == '.')) --b;
    auto name = s.substr(b, eq - b);
    if (name.empty() || !contains_secret_word(name)) continue;
    size_t v = eq + 1, e = v;
    if (v < s.size() && (s[v] == '\'' || s[v] == '"')) {
      char q = s[v];
      e = s.find(q, v + 1);
      e = e == std::string_view::npos ? s.size() : e + 1;
    } else {
      while (e < s.size() && !space(s[e]) && !separator(s[e]) && s[e] != '\'' && s[e] != '"') ++e;
    }
    if (e > v) spans.emplace_back(v, e);
  }
}

}  // namespace

std::string redact(std::string_view command) {
  std::vector<Span> spans;
  redact_words(command, spans);
  redact_token_formats(command, spans);
  redact_url_credentials(command, spans);
  redact_assignments(command, spans);
  std::sort(spans.begin(), spans.end());
  std::string out;
  size_t at = 0;
  for (auto [b, e] : spans) {
    if (e <= at) continue;
    b = std::max(b, at);
    out.append(command.substr(at, b - at));
    out += "***";
    at = e;
  }
  out.append(command.substr(at));
  return out;
}

}  // namespace cs::guard::audit
