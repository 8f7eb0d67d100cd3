// `kubectl diff --prune` output: a unified diff between LIVE and MERGED copies of each object.
// An object whose MERGED side is empty (or /dev/null) is pruned: its removed lines are the whole
// live object, read as YAML and judged like a deletion in the manifests.
#include <fmt/format.h>

#include <charconv>

#include "countersign/core/text.h"
#include "countersign/risk/kubernetes_objects.h"

namespace cs::risk {
namespace {

struct FileSection {
  std::string old_path, new_path;
  int header_line = 0;
  std::string removed_text;  // context and removed lines: the old side
  long added = 0, context = 0, removed = 0;
  bool malformed = false;
};

// "@@ -a,b +c,d @@": the old and new line counts (a missing count is 1).
bool hunk_counts(std::string_view line, long& old_count, long& new_count) {
  auto range = [](std::string_view s, char sign, long& count) {
    auto p = s.find(sign);
    if (p == std::string_view::npos) return false;
    auto end = s.find(' ', p);
    std::string_view r = s.substr(p + 1, end == std::string_view::npos ? std::string_view::npos : end - p - 1);
    auto comma = r.find(',');
    count = 1;
    if (comma == std::string_view::npos) return !r.empty();
    auto c = r.substr(comma + 1);
    return std::from_chars(c.data(), c.data() + c.size(), count).ec == std::errc();
  };
  return range(line.substr(2), '-', old_count) && range(line.substr(2), '+', new_count);
}

std::string strip_timestamp(std::string_view header) {
  auto tab = header.find('\t');
  return std::string(text::trim(header.substr(0, tab)));
}

}  // namespace

bool looks_like_kubectl_diff(std::string_view t) {
  auto s = text::trim(t.substr(0, 4096));
  return s.starts_with("diff ") || s.starts_with("--- ");
}

std::vector<Finding> assess_kubectl_diff(std::string_view diff, std::string_view file) {
  std::vector<Finding> findings;
  std::vector<FileSection> sections;
  auto lines = text::lines(diff);
  long old_left = 0, new_left = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.starts_with("--- ") && i + 1 < lines.size() && lines[i + 1].starts_with("+++ ") &&
        old_left == 0 && new_left == 0) {
      FileSection s;
      s.old_path = strip_timestamp(line.substr(4));
      s.new_path = strip_timestamp(lines[i + 1].substr(4));
      s.header_line = static_cast<int>(i + 1);
      sections.push_back(std::move(s));
      ++i;
      continue;
    }
    if (sections.empty()) continue;  // "diff -u -N ..." lines and anything before the first file
    FileSection& s = sections.back();
    if (line.starts_with("@@ ")) {
      if (old_left != 0 || new_left != 0 || !hunk_counts(line, old_left, new_left)) s.malformed = true;
      continue;
    }
    if (old_left == 0 && new_left == 0) continue;
    char c = line.empty() ? ' ' : line[0];  // some tools drop the space of an empty context line
    std::string_view rest = line.empty() ? line : line.substr(1);
    if (c == ' ') {
      s.removed_text.append(rest).push_back('\n');
      ++s.context;
      --old_left;
      --new_left;
    } else if (c == '-') {
      s.removed_text.append(rest).push_back('\n');
      ++s.removed;
      --old_left;
    } else if (c == '+') {
      ++s.added;
      --new_left;
    } else if (c != '\\') {
      s.malformed = true;
      old_left = new_left = 0;
    }
    if (old_left < 0 || new_left < 0) {
      s.malformed = true;
      old_left = new_left = 0;
    }
  }
  if (old_left != 0 || new_left != 0) {
    if (!sections.empty()) sections.back().malformed = true;
  }
  std::string name(file);
  if (sections.empty() && !text::trim(diff).empty()) {
    findings.push_back(Finding{"unreviewable", Severity::high, "", name, "1:1",
                               "not a unified diff (no ---/+++ file headers): what kubectl would prune cannot be "
                               "known"});
    return findings;
  }
  std::vector<k8s::ManifestObject> pruned;
  for (const auto& s : sections) {
    std::string location = fmt::format("{}:1", s.header_line);
    if (s.malformed) {
      findings.push_back(Finding{"unreviewable", Severity::high, "", name, location,
                                 text::sanitize_utf8("the diff of " + s.old_path +
                                                     " is malformed (hunk line counts do not match)")});
      continue;
    }
    bool new_side_empty = s.new_path == "/dev/null" || (s.added == 0 && s.context == 0);
    if (!new_side_empty || s.removed == 0) continue;  // modified or created: see docs/risk-rules.md
    std::size_t first = findings.size(), before = pruned.size();
    k8s::read_objects(name, s.removed_text, pruned, findings);
    for (std::size_t i = first; i < findings.size(); ++i) findings[i].location = location;
    for (std::size_t i = before; i < pruned.size(); ++i) pruned[i].location = location;
  }
  std::vector<const k8s::ManifestObject*> all;
  for (const auto& o : pruned) all.push_back(&o);
  for (const auto& o : pruned) {
    try {
      k8s::assess_deleted(o, all, "is pruned (kubectl diff --prune shows it deleted)", findings);
    } catch (const std::exception& e) {
      findings.push_back(Finding{"unreviewable", Severity::high, o.key.display(), name, o.location,
                                 std::string("the pruned object cannot be read: ") + e.what()});
    }
  }
  return findings;
}

}  // namespace cs::risk
