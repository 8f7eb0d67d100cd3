// Report renders what the pipeline decided for people and tools: text for terminals, JSON for
// scripts (field names are stable), markdown for pull-request comments. Renderers only format;
// they never decide anything.
#pragma once

#include <cstddef>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "countersign/gate/gate.h"
#include "countersign/provenance/provenance.h"

namespace cs::report {

enum class Format { text, json, markdown };
inline std::optional<Format> format_from_string(std::string_view s) {
  if (s == "text") return Format::text;
  if (s == "json") return Format::json;
  if (s == "markdown") return Format::markdown;
  return std::nullopt;
}

// ---- countersign scan: provenance of every commit of a range ----

struct ScanInput {
  std::string range;                                 // as the user gave it ("" = HEAD's upstream..HEAD)
  const std::vector<provenance::Provenance>* commits = nullptr;  // newest first
};

// Renders the scan report one commit at a time, in the order given (newest first): text and
// JSON go to `out` as they are rendered, so a long history is never held in memory. With a
// null `out` the report is kept for take().
class ScanWriter {
 public:
  ScanWriter(std::FILE* out, std::string range, Format format);
  ScanWriter(const ScanWriter&) = delete;
  ScanWriter& operator=(const ScanWriter&) = delete;
  ~ScanWriter();
  void add(const provenance::Provenance& commit);
  void finish();       // the summary; flushes `out`
  std::string take();  // finish() and return the report (when `out` is null)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes the scan report to `out` as it is rendered (a large range is never held twice).
void write_scan(std::FILE* out, const ScanInput& input, Format format);
// The same report as a string (tests, the server).
std::string render_scan(const ScanInput& input, Format format);

// ---- countersign check: the gate's decision ----

// Writes the decision: per commit what it needs, who could give it, who gave it. Markdown is a
// pull-request comment (bounded in size); JSON is the contract in docs/formats.md.
void write_check(std::FILE* out, const gate::Decision& decision, Format format);
std::string render_check(const gate::Decision& decision, Format format);

// ---- countersign approvals: every statement binding each commit of a range ----

// Per commit, each approval or override with its status (valid, bad signature, unknown key, key
// expired, wrong namespace, wrong repository, stale: content changed, approver not eligible, ...)
// and why it does not count. The decision comes from gate::check with Request::list_approvals.
void write_approvals(std::FILE* out, const gate::Decision& decision, Format format);
std::string render_approvals(const gate::Decision& decision, Format format);

// A progress callback that draws a bar on stderr when stderr is a terminal and the work has at
// least `min_total` items; an empty function otherwise.
std::function<void(size_t done, size_t total)> terminal_progress(std::string label, size_t min_total = 20000);

}  // namespace cs::report
