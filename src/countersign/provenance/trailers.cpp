// Mirrors git's trailer.c (find_patch_start, ignored_log_message_bytes,
// find_trailer_block_start, find_separator) so that countersign sees exactly the trailers
// `git interpret-trailers --parse` sees. Linear in the message size: a 10 MB message is fine.
#include "countersign/provenance/trailers.h"

#include <array>
#include <optional>

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

// A trailer starting at `pos` in `s` (which ends at `end`): the key line and the continuation
// lines after it. Sets `next` to the line after them; nullopt when the line is not a trailer.
std::optional<Trailer> trailer_at(std::string_view s, size_t pos, size_t end, size_t& next) {
  next = next_line(s, pos);
  if (pos >= end) return std::nullopt;
  std::string_view raw = line_at(s.substr(0, end), pos);
  std::string_view line = raw;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty() || is_comment(line) || is_space(line[0])) return std::nullopt;
  auto sep = find_separator(line);
  if (sep == std::string_view::npos || sep == 0) return std::nullopt;
  Trailer t;
  t.key = text::trim(line.substr(0, sep));
  t.value = std::string(text::trim(line.substr(sep + 1)));
  size_t stop = pos + raw.size();
  while (next < end) {
    std::string_view cont = line_at(s.substr(0, end), next);
    if (cont.empty() || !is_space(cont[0]) || is_blank_line(cont)) break;
    t.value += ' ';
    t.value += text::trim(cont);
    stop = next + cont.size();
    next = next_line(s, next);
  }
  t.text = s.substr(pos, stop - pos);
  return t;
}

// Trailer-shaped lines outside [block_start, block_end), after the first line. A line of the
// last paragraph before `end` counts as below_text when only trailers follow it there.
std::vector<Trailer> loose_trailers(std::string_view s, size_t patch_start, size_t end, size_t block_start,
                                    size_t block_end) {
  std::vector<Trailer> out;
  size_t last_paragraph = 0;  // the start of the paragraph that ends at `end`
  for (size_t pos = 0; pos < end; pos = next_line(s, pos))
    if (is_blank_line(line_at(s.substr(0, end), pos))) last_paragraph = next_line(s, pos);
  size_t first_trailer_of_run = std::string_view::npos;  // in the last paragraph
  for (size_t pos = next_line(s, 0); pos < s.size();) {
    if (pos >= block_start && pos < block_end) {
      pos = block_end;
      continue;
    }
    size_t next = 0;
    auto t = trailer_at(s, pos, pos < patch_start ? end : s.size(), next);
    if (!t) {
      if (pos >= last_paragraph && pos < end) first_trailer_of_run = std::string_view::npos;
      pos = next;
      continue;
    }
    if (pos >= patch_start) t->placement = Placement::after_divider;
    else t->placement = Placement::in_prose;
    if (pos >= last_paragraph && pos < end && first_trailer_of_run == std::string_view::npos)
      first_trailer_of_run = out.size();
    out.push_back(std::move(*t));
    pos = next;
  }
  // The trailers that end the last paragraph, under some other line of it, are below_text.
  if (first_trailer_of_run != std::string_view::npos && last_paragraph > 0)
    for (size_t i = first_trailer_of_run; i < out.size() && out[i].placement == Placement::in_prose; ++i)
      if (size_t(out[i].text.data() - s.data()) > last_paragraph) out[i].placement = Placement::below_text;
  return out;
}

}  // namespace

std::string_view to_string(Placement p) {
  switch (p) {
    case Placement::block: return "trailer-block";
    case Placement::below_text: return "below-text";
    case Placement::in_prose: return "in-prose";
    case Placement::after_divider: return "after-divider";
  }
  return "trailer-block";
}

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
  out.after_divider = message.substr(patch_start);
  out.loose = loose_trailers(message, patch_start, end, start, start < end ? end : start);
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
