// A small SQL tokenizer: enough to split statements and see their leading keywords and
// whether a WHERE clause is present. Comments (-- and /* */), quoted strings and identifiers
// are skipped, dollar-quoted bodies included.
#include "countersign/guard/sql.h"

#include <algorithm>
#include <cctype>

namespace cs::guard {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

void add(std::vector<std::string>& kinds, const char* k) {
  if (std::find(kinds.begin(), kinds.end(), k) == kinds.end()) kinds.emplace_back(k);
}

void statement(const std::vector<std::string>& t, std::vector<std::string>& kinds) {
  if (t.empty()) return;
  std::size_t i = 0;
  if (t[0] == "WITH") {  // WITH x AS (...) DELETE ...
    while (i < t.size() && t[i] != "DELETE" && t[i] != "UPDATE" && t[i] != "TRUNCATE") ++i;
    if (i == t.size()) return;
  }
  auto has = [&](std::string_view w) { return std::find(t.begin() + long(i), t.end(), w) != t.end(); };
  const std::string& k = t[i];
  const std::string next = i + 1 < t.size() ? t[i + 1] : "";
  if (k == "DROP") {
    if (next == "DATABASE") add(kinds, "drop_database");
    else if (next == "SCHEMA") add(kinds, "drop_schema");
    else if (next == "TABLE" || next == "COLLECTION") add(kinds, "drop_table");
  } else if (k == "TRUNCATE") {
    add(kinds, "truncate");
  } else if (k == "DELETE") {
    if (!has("WHERE")) add(kinds, "delete_no_where");
  } else if (k == "UPDATE") {
    if (!has("WHERE")) add(kinds, "update_no_where");
  } else if (k == "ALTER" && next == "TABLE") {
    if (has("DROP")) add(kinds, "alter_drop");
  }
  if (has("FLUSHALL")) add(kinds, "flushall");  // redis: one command a line, no ';'
  if (has("FLUSHDB")) add(kinds, "flushdb");
}

}  // namespace

std::vector<std::string> sql_kinds(std::string_view s) {
  std::vector<std::string> kinds;
  // mongo shell scripts
  if (s.find("dropDatabase") != std::string_view::npos) add(kinds, "drop_database");
  if (s.find(".drop()") != std::string_view::npos) add(kinds, "drop_table");
  if (s.find("deleteMany({})") != std::string_view::npos || s.find("remove({})") != std::string_view::npos)
    add(kinds, "delete_no_where");
  std::vector<std::string> tokens;
  std::size_t i = 0;
  bool line_start = true;
  while (i < s.size()) {
    char c = s[i];
    if (c == '\n') {
      line_start = true;
      ++i;
      continue;
    }
    if (line_start && (c == ' ' || c == '\t')) {
      ++i;
      continue;
    }
    if (line_start && c == '\\' && i + 1 < s.size() && s[i + 1] == '!') add(kinds, "shell_escape");
    if (line_start && s.substr(i).size() >= 7 && upper(s.substr(i, 7)) == "SYSTEM ") add(kinds, "shell_escape");
    line_start = false;
    if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (c == '#' && tokens.empty()) {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      auto end = s.find("*/", i + 2);
      i = end == std::string_view::npos ? s.size() : end + 2;
    } else if (c == '\'' || c == '"' || c == '`') {
      auto end = s.find(c, i + 1);
      i = end == std::string_view::npos ? s.size() : end + 1;
      tokens.emplace_back("''");
    } else if (c == '$' && i + 1 < s.size() && (s[i + 1] == '$' || std::isalpha(static_cast<unsigned char>(s[i + 1])))) {
      auto tag_end = s.find('$', i + 1);
      if (tag_end == std::string_view::npos) {
        ++i;
        continue;
      }
      std::string_view tag = s.substr(i, tag_end - i + 1);
      auto end = s.find(tag, tag_end + 1);
      i = end == std::string_view::npos ? s.size() : end + tag.size();
      tokens.emplace_back("''");
    } else if (c == ';') {
      statement(tokens, kinds);
      tokens.clear();
      ++i;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t j = i;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
      tokens.push_back(upper(s.substr(i, j - i)));
      i = j;
    } else {
      ++i;
    }
  }
  statement(tokens, kinds);
  return kinds;
}

}  // namespace cs::guard
