// Mirrors git's trailer.c (find_patch_start, ignored_log_message_bytes,
// find_trailer_block_start, find_separator) so that countersign sees exactly the trailers
// `git interpret-trailers --parse` sees. Linear in the message size: a 10 MB message is fine.
#include "countersign/provenance/trailers.h"

#include <array>

#include "countersign/core/text.h"

namespace cs::provenance {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// The start of the line after the one starting at `pos` (or s.size()).
size_t next_line(std::string_view s, size_t pos) {
  auto nl = s.find('\n', pos);
  return nl == std::string_view::npos ? s.size() : nl + 1;
}

std::string_view line_at(std::string_view s, size_t pos) {
  auto nl = s.find('\n', pos);
  return s.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
}

bool is_blank_line(std::string_view line) {
  for (char c : line)
    if (!is_space(c)) return false;
  return true;
}

bool is_comment(std::string_view line) { return !line.empty() && line[0] == '#'; }

// The start of the last line of s[0, len), or npos when len is 0 (git's last_line).
size_t last_line(std::string_view s, size_t len) {
  if (len == 0) return std::string_view::npos;
  if (len == 1) return 0;
  auto nl = s.substr(0, len - 1).rfind('\n');
  return nl == std::string_view::npos ? 0 : nl + 1;
}

// A line starting with "---" and a whitespace character ends the message: what follows is a
// patch or notes, never trailers.
size_t find_patch_start(std::string_view s) {
  for (size_t pos = 0; pos < s.size(); pos = next_line(s, pos))
    if (s.compare(pos, 3, "---") == 0 && pos + 3 < s.size() && is_space(s[pos + 3])) return pos;
  return s.size();
}

// Trailing empty lines and comment lines are not part of the message.
size_t end_without_ignored(std::string_view s, size_t len) {
  size_t end = len;
  while (end > 0) {
    size_t start = last_line(s, end);
    std::string_view line = s.substr(start, end - start);
    if (!(line == "\n" || line.empty() || is_comment(line))) break;
    end = start;
  }
  return end;
}

// The position of ':' after a [A-Za-z0-9-]+ key (and optional blanks), or npos.
size_t find_separator(std::string_view line) {
  bool whitespace_found = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == ':') return i;
    if (!whitespace_found && (is_alnum(c) || c == '-')) continue;
    if (i != 0 && (c == ' ' || c == '\t')) {
      whitespace_found = true;
      continue;
    }
    break;
  }
  return std::string_view::npos;
}

constexpr std::array<std::string_view, 2> kGitGeneratedPrefixes = {"Signed-off-by: ", "(cherry picked from commit "};

size_t find_trailer_block_start(std::string_view s, size_t len) {
  // The first paragraph is the title and never holds trailers.
  size_t end_of_title = 0;
  for (; end_of_title < len; end_of_title = next_line(s, end_of_title)) {
    std::string_view line = line_at(s.substr(0, len), end_of_title);
    if (is_comment(line)) continue;
    if (is_blank_line(line)) break;
  }
  if (end_of_title >= len) return len;

  bool only_spaces = true, recognized_prefix = false;
  size_t trailer_lines = 0, non_trailer_lines = 0, possible_continuation_lines = 0;
  for (size_t l = last_line(s, len); l != std::string_view::npos && l >= end_of_title; l = last_line(s, l)) {
    std::string_view line = line_at(s.substr(0, len), l);
    if (is_comment(line)) {
      non_trailer_lines += possible_continuation_lines;
      possible_continuation_lines = 0;
      if (l == 0) break;
      continue;
    }
    if (is_blank_line(line)) {
      if (only_spaces) {
        if (l == 0) break;
        continue;
      }
      non_trailer_lines += possible_continuation_lines;
      if ((recognized_prefix && trailer_lines * 3 >= non_trailer_lines) || (trailer_lines && !non_trailer_lines))
        return next_line(s, l);
      return len;
    }
    only_spaces = false;
    bool generated = false;
    for (auto p : kGitGeneratedPrefixes)
      if (line.starts_with(p)) generated = true;
    if (generated) {
      ++trailer_lines;
      possible_continuation_lines = 0;
      recognized_prefix = true;
    } else if (auto sep = find_separator(line); sep != std::string_view::npos && sep >= 1 && !is_space(line[0])) {
      ++trailer_lines;
      possible_continuation_lines = 0;
    } else if (is_space(line[0])) {
      ++possible_continuation_lines;
    } else {
      ++non_trailer_lines;
      non_trailer_lines += possible_continuation_lines;
      possible_continuation_lines = 0;
    }
    if (l == 0) break;
  }
  return len;
}

}  // namespace

ParsedMessage parse_message(std::string_view message) {
  ParsedMessage out;
  out.subject = line_at(message, 0);
  if (!out.subject.empty() && out.subject.back() == '\r') out.subject.remove_suffix(1);
  size_t patch_start = find_patch_start(message);
  out.message = message.substr(0, patch_start);
  size_t end = end_without_ignored(message, patch_start);
  size_t start = find_trailer_block_start(message, end);

  Trailer* last = nullptr;
  for (size_t pos = start; pos < end; pos = next_line(message, pos)) {
    std::string_view raw = line_at(message.substr(0, end), pos);
    std::string_view line = raw;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (is_comment(line)) continue;
    if (last && !line.empty() && is_space(line[0])) {
      auto cont = text::trim(line);
      if (!cont.empty()) {
        last->value += ' ';
        last->value += cont;
      }
      last->text = message.substr(last->text.data() - message.data(), pos + raw.size() - (last->text.data() - message.data()));
      continue;
    }
    auto sep = find_separator(line);
    if (sep == std::string_view::npos || sep == 0) {
      last = nullptr;
      continue;
    }
    Trailer t;
    t.key = text::trim(line.substr(0, sep));
    t.value = std::string(text::trim(line.substr(sep + 1)));
    t.text = raw;
    out.trailers.push_back(std::move(t));
    last = &out.trailers.back();
  }
  return out;
}

NameEmail split_identity(std::string_view value) {
  NameEmail out;
  auto lt = value.rfind('<');
  auto gt = value.rfind('>');
  if (lt == std::string_view::npos || gt == std::string_view::npos || gt < lt) {
    out.name = text::trim(value);
    return out;
  }
  out.name = text::trim(value.substr(0, lt));
  out.email = text::trim(value.substr(lt + 1, gt - lt - 1));
  return out;
}

}  // namespace cs::provenance
