// Line attestations: git-ai authorship notes (authorship/3.0.0) and Agent Trace records
// (v0.1.0), and the AI share of a commit's added lines they imply. Malformed input is an error
// value; simdjson is used through its error-code API, so nothing throws.
#include <simdjson.h>

#include <algorithm>
#include <charconv>

#include "countersign/core/text.h"
#include "countersign/provenance/detectors.h"

namespace cs::provenance {
namespace {

using Ranges = std::vector<std::pair<uint32_t, uint32_t>>;

// A parser allocates buffers sized to the largest document it has seen: keep one per thread.
simdjson::dom::parser& thread_parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

Error malformed(std::string what) { return Error{Errc::parse, std::move(what), {}}; }

// "1-4,9,12-20" into ranges.
std::optional<Ranges> parse_ranges(std::string_view spec) {
  Ranges out;
  for (auto part : text::split(spec, ',')) {
    auto dash = part.find('-');
    auto num = [](std::string_view s) -> std::optional<uint32_t> {
      uint32_t v = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc() || p != s.data() + s.size() || v == 0) return std::nullopt;
      return v;
    };
    auto lo = num(part.substr(0, dash));
    auto hi = dash == std::string_view::npos ? lo : num(part.substr(dash + 1));
    if (!lo || !hi || *hi < *lo) return std::nullopt;
    out.emplace_back(*lo, *hi);
  }
  return out;
}

std::string unquote_path(std::string_view p) {
  if (p.size() >= 2 && p.front() == '"' && p.back() == '"') return std::string(p.substr(1, p.size() - 2));
  return std::string(p);
}

std::string_view str_field(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get_string().get(v) != simdjson::SUCCESS) return {};
  return v;
}

bool in_ranges(const Ranges& r, uint32_t line) {
  for (const auto& [lo, hi] : r)
    if (line >= lo && line <= hi) return true;
  return false;
}

FileRanges& file_entry(Attestation& att, std::string path) {
  for (auto& f : att.files)
    if (f.path == path) return f;
  att.files.push_back({std::move(path), {}, {}});
  return att.files.back();
}

void add_tool(Attestation& att, std::string_view tool) {
  if (tool.empty()) return;
  if (std::find(att.tools.begin(), att.tools.end(), tool) == att.tools.end()) att.tools.emplace_back(tool);
}

}  // namespace

Result<Attestation> parse_git_ai_note(std::string_view note) {
  // The divider is a line of exactly "---".
  size_t divider = std::string_view::npos;
  for (size_t pos = 0; pos < note.size();) {
    auto nl = note.find('\n', pos);
    auto line = note.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (line == "---" || line == "---\r") {
      divider = pos;
      break;
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  if (divider == std::string_view::npos) return std::unexpected(malformed("no '---' line between attestations and metadata"));
  std::string_view attest = note.substr(0, divider);
  std::string_view meta = note.substr(note.find('\n', divider) == std::string_view::npos ? note.size() : note.find('\n', divider) + 1);

  simdjson::dom::parser& parser = thread_parser();
  simdjson::padded_string padded(meta);
  simdjson::dom::element doc;
  if (auto err = parser.parse(padded).get(doc); err) return std::unexpected(malformed(std::string("metadata is not JSON: ") + simdjson::error_message(err)));
  if (!doc.is_object()) return std::unexpected(malformed("metadata is not a JSON object"));

  Attestation att;
  std::string_view schema = str_field(doc, "schema_version");
  if (schema.empty()) return std::unexpected(malformed("metadata has no schema_version"));
  if (!schema.starts_with("authorship/3.")) {
    att.usable = false;
    att.summary = "git-ai note of schema " + std::string(schema) + ": its line ranges are not read (unknown)";
    return att;
  }

  simdjson::dom::object sessions, prompts;
  bool has_sessions = doc["sessions"].get_object().get(sessions) == simdjson::SUCCESS;
  bool has_prompts = doc["prompts"].get_object().get(prompts) == simdjson::SUCCESS;
  auto agent_of = [&](simdjson::dom::element rec) {
    simdjson::dom::element agent_id;
    if (rec["agent_id"].get(agent_id) == simdjson::SUCCESS) add_tool(att, str_field(agent_id, "tool"));
    auto human = str_field(rec, "human_author");
    if (!human.empty() && !att.human_author) att.human_author = std::string(human);
  };
  if (has_sessions)
    for (auto [k, v] : sessions) agent_of(v);
  if (has_prompts)
    for (auto [k, v] : prompts) agent_of(v);

  FileRanges* current = nullptr;
  int lineno = 0;
  for (auto line : text::lines(attest)) {
    ++lineno;
    if (line.empty()) continue;
    if (line[0] != ' ') {
      current = &file_entry(att, unquote_path(line));
      continue;
    }
    if (!current || line.size() < 3 || line[1] != ' ' || line[2] == ' ')
      return std::unexpected(malformed("attestation line " + std::to_string(lineno) + " is not '  <key> <ranges>' under a file"));
    auto rest = line.substr(2);
    auto space = rest.find(' ');
    if (space == std::string_view::npos) return std::unexpected(malformed("attestation line " + std::to_string(lineno) + " has no line ranges"));
    auto key = rest.substr(0, space);
    auto ranges = parse_ranges(text::trim(rest.substr(space + 1)));
    if (!ranges) return std::unexpected(malformed("attestation line " + std::to_string(lineno) + " has bad line ranges"));
    // The prefix routes a key (h_ human; s_ and bare legacy hashes AI), whether or not its
    // record is in the metadata.
    bool human = key.starts_with("h_");
    auto& dst = human ? current->human : current->ai;
    dst.insert(dst.end(), ranges->begin(), ranges->end());
  }
  att.summary = "git-ai authorship note (" + std::string(schema) + ")";
  return att;
}

namespace {

Result<void> read_trace_record(simdjson::dom::element rec, Attestation& att) {
  simdjson::dom::array files;
  if (!rec.is_object() || rec["files"].get_array().get(files) != simdjson::SUCCESS)
    return std::unexpected(malformed("Agent Trace record has no files array"));
  simdjson::dom::element tool;
  if (rec["tool"].get(tool) == simdjson::SUCCESS) add_tool(att, str_field(tool, "name"));
  for (auto file : files) {
    std::string_view path = str_field(file, "path");
    simdjson::dom::array convs;
    if (path.empty() || file["conversations"].get_array().get(convs) != simdjson::SUCCESS)
      return std::unexpected(malformed("Agent Trace file entry needs path and conversations"));
    auto& entry = file_entry(att, std::string(path));
    for (auto conv : convs) {
      std::string_view type = "unknown";
      simdjson::dom::element contributor;
      if (conv["contributor"].get(contributor) == simdjson::SUCCESS) type = str_field(contributor, "type");
      simdjson::dom::array ranges;
      if (conv["ranges"].get_array().get(ranges) != simdjson::SUCCESS)
        return std::unexpected(malformed("Agent Trace conversation has no ranges"));
      for (auto r : ranges) {
        int64_t lo = 0, hi = 0;
        if (r["start_line"].get_int64().get(lo) != simdjson::SUCCESS ||
            r["end_line"].get_int64().get(hi) != simdjson::SUCCESS || lo < 1 || hi < lo || hi > UINT32_MAX)
          return std::unexpected(malformed("Agent Trace range needs 1 <= start_line <= end_line"));
        std::string_view t = type;
        simdjson::dom::element over;
        if (r["contributor"].get(over) == simdjson::SUCCESS) t = str_field(over, "type");
        // "mixed" is AI output a human edited, or the reverse: AI touched it.
        if (t == "ai" || t == "mixed") entry.ai.emplace_back(uint32_t(lo), uint32_t(hi));
        else if (t == "human") entry.human.emplace_back(uint32_t(lo), uint32_t(hi));
      }
    }
  }
  return {};
}

}  // namespace

Result<Attestation> parse_agent_trace(std::string_view records) {
  Attestation att;
  simdjson::dom::parser& parser = thread_parser();
  size_t count = 0;
  simdjson::padded_string whole(records);
  simdjson::dom::element doc;
  if (parser.parse(whole).get(doc) == simdjson::SUCCESS) {  // one record, maybe pretty-printed
    if (auto r = read_trace_record(doc, att); !r) return std::unexpected(r.error());
    count = 1;
  } else {  // JSON Lines
    for (auto line : text::lines(records)) {
      if (text::trim(line).empty()) continue;
      simdjson::padded_string padded(line);
      simdjson::dom::element rec;
      if (auto err = parser.parse(padded).get(rec); err)
        return std::unexpected(malformed(std::string("Agent Trace record is not JSON: ") + simdjson::error_message(err)));
      if (auto r = read_trace_record(rec, att); !r) return std::unexpected(r.error());
      ++count;
    }
  }
  if (count == 0) return std::unexpected(malformed("no Agent Trace record"));
  att.summary = "Agent Trace record" + std::string(count > 1 ? "s" : "") + " (" + std::to_string(count) + ")";
  return att;
}

Result<LineCounts> count_attested_lines(const git::Repository& repo, const git::Commit& commit, const Attestation& att) {
  auto paths = repo.changed_paths(commit);
  if (!paths) return std::unexpected(paths.error());
  LineCounts n;
  for (const auto& cp : *paths) {
    // Regular files and symlinks only: a deletion adds nothing, a submodule has no lines.
    if (cp.kind == git::ChangeKind::deleted || cp.new_blob.is_zero() || (cp.new_mode & 0170000) == 0160000) continue;
    if (cp.path.starts_with(".agent-trace/")) continue;  // the attestation records, not code
    git::ObjectId old_blob = (cp.old_mode & 0170000) == 0160000 ? git::ObjectId{} : cp.old_blob;
    auto added = repo.added_lines(old_blob, cp.new_blob);
    if (!added) return std::unexpected(added.error());
    if (!*added) continue;  // binary
    const FileRanges* fr = nullptr;
    for (const auto& a : att.files)
      if (a.path == cp.path) fr = &a;
    n.added += (*added)->size();
    if (!fr) continue;
    for (uint32_t line : **added) {
      if (in_ranges(fr->ai, line)) ++n.ai;
      else if (in_ranges(fr->human, line)) ++n.human;
    }
  }
  return n;
}

void apply_attestation(const Registry& reg, const std::string& detector, const Attestation& att,
                       const std::optional<LineCounts>& lines, Findings& f) {
  std::vector<std::string> agent_ids;
  for (const auto& tool : att.tools) {
    const AgentSpec* s = reg.by_alias(tool);
    agent_ids.push_back(s ? s->id : text::lower(tool));
  }
  if (!att.usable) {
    f.add(std::nullopt, detector, att.summary, att.summary);
    return;
  }
  if (att.human_author) f.session_human = att.human_author;
  if (!lines) {
    // No line counts (line_share off): the record still says which agents were at work.
    bool any_ai = false;
    for (const auto& fr : att.files) any_ai |= !fr.ai.empty();
    for (const auto& id : agent_ids) f.agent(id);
    f.add(any_ai ? std::optional(Class::ai_assisted) : std::nullopt, detector,
          any_ai ? "lines attested to AI" : "no lines attested to AI", att.summary);
    return;
  }
  f.out.lines = *lines;
  f.attest_lines(*lines);
  const auto& n = *lines;
  std::string counts = std::to_string(n.ai) + " of " + std::to_string(n.added) + " added lines attested to AI, " +
                       std::to_string(n.human) + " to humans";
  if (n.ai > 0) {
    for (const auto& id : agent_ids) f.agent(id);
    f.add(n.ai == n.added ? Class::ai_authored : Class::ai_assisted, detector, counts, att.summary);
  } else if (n.added > 0 && n.human == n.added) {
    f.attest_human();
    f.add(std::nullopt, detector, "every added line attested to a known human (" + std::to_string(n.added) + ")", att.summary);
  } else {
    f.add(std::nullopt, detector, counts, att.summary);
  }
}

}  // namespace cs::provenance
