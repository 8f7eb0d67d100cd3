// gitignore-style globs. A pattern is split into '/'-separated segments; `**` segments are
// matched by a small dynamic programme over (pattern segment, path segment) so that hostile
// patterns like "**/a/**/a/**/a" stay polynomial; every other segment is a wildmatch on one
// path component, where '*' and '?' never cross a '/'.
#include <array>
#include <string>

#include "countersign/policy/policy.h"

namespace cs::policy {
namespace {

struct ClassMatch {
  bool valid = false;
  bool matched = false;
  size_t next = 0;  // index just past the closing ']'
};

// p[i] == '['. Reads the class and tests c against it.
ClassMatch match_class(std::string_view p, size_t i, char c) {
  ClassMatch out;
  size_t j = i + 1;
  bool negate = false;
  if (j < p.size() && (p[j] == '!' || p[j] == '^')) {
    negate = true;
    ++j;
  }
  bool hit = false;
  bool first = true;
  while (j < p.size() && (first || p[j] != ']')) {
    first = false;
    char lo = p[j];
    if (lo == '\\') {
      if (++j >= p.size()) return out;
      lo = p[j];
    }
    ++j;
    char hi = lo;
    if (j + 1 < p.size() && p[j] == '-' && p[j + 1] != ']') {
      hi = p[j + 1];
      j += 2;
      if (hi == '\\') {
        if (j >= p.size()) return out;
        hi = p[j++];
      }
    }
    auto uc = static_cast<unsigned char>(c);
    if (uc >= static_cast<unsigned char>(lo) && uc <= static_cast<unsigned char>(hi)) hit = true;
  }
  if (j >= p.size()) return out;  // no closing ']'
  out.valid = true;
  out.matched = hit != negate;
  out.next = j + 1;
  return out;
}

// Wildmatch of one segment against one path component (neither contains '/').
bool match_segment(std::string_view p, std::string_view s) {
  size_t pi = 0, si = 0, star_p = 0, star_s = 0;
  bool have_star = false;
  while (si < s.size()) {
    if (pi < p.size()) {
      char c = p[pi];
      if (c == '*') {
        while (pi < p.size() && p[pi] == '*') ++pi;
        have_star = true;
        star_p = pi;
        star_s = si;
        continue;
      }
      if (c == '?') {
        ++pi;
        ++si;
        continue;
      }
      if (c == '[') {
        auto m = match_class(p, pi, s[si]);
        if (m.valid && m.matched) {
          pi = m.next;
          ++si;
          continue;
        }
      } else if (c == '\\') {
        if (pi + 1 < p.size() && p[pi + 1] == s[si]) {
          pi += 2;
          ++si;
          continue;
        }
      } else if (c == s[si]) {
        ++pi;
        ++si;
        continue;
      }
    }
    if (!have_star) return false;
    pi = star_p;
    si = ++star_s;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

// Checks brackets and escapes so that a broken pattern is reported instead of never matching.
std::optional<std::string> validate_segment(std::string_view seg) {
  for (size_t i = 0; i < seg.size(); ++i) {
    if (seg[i] == '\\') {
      if (i + 1 >= seg.size()) return "a trailing '\\' escapes nothing";
      ++i;
    } else if (seg[i] == '[') {
      auto m = match_class(seg, i, 'a');
      if (!m.valid) return "'[' has no closing ']'";
      i = m.next - 1;
    }
  }
  return std::nullopt;
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

}  // namespace

Result<Glob> Glob::compile(std::string_view pattern) {
  Glob g;
  g.pattern_ = std::string(pattern);
  std::string_view p = pattern;
  if (p.starts_with('!')) {
    g.negated_ = true;
    p.remove_prefix(1);
  } else if (p.starts_with("\\!")) {
    p.remove_prefix(1);
  }
  if (p.empty() || p == "/") return fail(Errc::invalid_argument, "empty glob");
  if (p.ends_with('/')) {
    g.dir_only_ = true;
    p.remove_suffix(1);
  }
  bool anchored = p.starts_with('/') || p.find('/') != std::string_view::npos;
  if (p.starts_with('/')) p.remove_prefix(1);
  if (!anchored) g.segments_.emplace_back("**");
  for (auto seg : split_path(p)) {
    if (auto problem = validate_segment(seg)) return fail(Errc::invalid_argument, *problem);
    // Consecutive "**" segments mean the same as one.
    if (seg == "**" && !g.segments_.empty() && g.segments_.back() == "**") continue;
    g.segments_.emplace_back(seg);
  }
  if (g.segments_.empty()) return fail(Errc::invalid_argument, "empty glob");
  // A path matches only if some component matches each ordinary segment, so it contains every
  // literal run of those segments: the longest one rejects most paths before any matching.
  for (const auto& seg : g.segments_) {
    if (seg == "**") continue;
    for (size_t i = 0; i < seg.size();) {
      size_t j = seg.find_first_of("*?[\\", i);
      if (j == std::string::npos) j = seg.size();
      if (j - i > g.needle_.size()) g.needle_ = seg.substr(i, j - i);
      if (j < seg.size() && (seg[j] == '\\' || seg[j] == '[')) break;  // an escape or a class: stop here
      i = j + 1;
    }
  }
  return g;
}

bool Glob::matches_segments(std::span<const std::string_view> path, bool path_is_dir) const {
  if (dir_only_ && !path_is_dir) return false;
  const size_t np = segments_.size(), ns = path.size();
  // ok[i][j]: pattern segments [i..) match path segments [j..). Filled from the end.
  std::vector<char> ok((np + 1) * (ns + 1), 0);
  auto at = [&](size_t i, size_t j) -> char& { return ok[i * (ns + 1) + j]; };
  at(np, ns) = 1;
  for (size_t i = np; i-- > 0;) {
    const std::string& seg = segments_[i];
    for (size_t j = ns + 1; j-- > 0;) {
      if (seg == "**") {
        if (i + 1 == np) {
          // A trailing "/**" matches everything inside, not the directory itself; a lone "**"
          // (an unanchored pattern that was only "**") matches anything.
          at(i, j) = (ns - j >= 1) ? 1 : 0;
        } else {
          char v = 0;
          for (size_t k = j; k <= ns && !v; ++k) v = at(i + 1, k);
          at(i, j) = v;
        }
      } else {
        at(i, j) = (j < ns && match_segment(seg, path[j]) && at(i + 1, j + 1)) ? 1 : 0;
      }
    }
  }
  return at(0, 0) != 0;
}

bool Glob::matches(std::string_view path) const {
  if (!needle_.empty() && path.find(needle_) == std::string_view::npos) return false;
  // Paths of up to 63 components (all real ones) take one forward pass over bit sets: bit j of
  // `row` says pattern segments [0..i) match path components [0..j). Every prefix of the path
  // is then answered at once, which the pattern needs because a pattern that matches a
  // directory matches everything below it, as in .gitignore.
  std::array<std::string_view, 63> parts;
  size_t ns = 0;
  for (size_t start = 0; start <= path.size();) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) {
      if (ns == parts.size()) return matches_long(path);
      parts[ns++] = path.substr(start, slash - start);
    }
    start = slash + 1;
  }
  const uint64_t all = (ns == 63 ? ~uint64_t(0) : (uint64_t(1) << (ns + 1)) - 1);
  uint64_t row = 1;  // the empty pattern matches the empty path
  for (size_t i = 0; i < segments_.size() && row; ++i) {
    const std::string& seg = segments_[i];
    uint64_t lowest = row & -row;
    if (seg == "**") {
      // Zero or more components; a trailing "**" at least one (everything inside, not the
      // directory itself).
      row = (i + 1 == segments_.size() ? ~((lowest << 1) - 1) : ~(lowest - 1)) & all;
    } else {
      uint64_t next = 0;
      for (size_t j = 0; j < ns; ++j)
        if ((row >> j & 1) && match_segment(seg, parts[j])) next |= uint64_t(1) << (j + 1);
      row = next;
    }
  }
  // Prefixes of at least one component; the whole path only when the pattern is not for
  // directories alone.
  uint64_t wanted = all & ~uint64_t(1);
  if (dir_only_ && ns > 0) wanted &= ~(uint64_t(1) << ns);
  return (row & wanted) != 0;
}

bool Glob::matches_long(std::string_view path) const {
  auto segs = split_path(path);
  for (size_t k = 1; k <= segs.size(); ++k)
    if (matches_segments(std::span(segs.data(), k), k < segs.size())) return true;
  return false;
}

bool PathSet::matches(std::string_view path) const {
  bool result = false;
  for (const auto& g : globs)
    if (g.matches(path)) result = !g.negated();
  return result;
}

}  // namespace cs::policy
