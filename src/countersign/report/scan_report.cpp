// Renders `countersign scan`: one entry per commit and a summary (counts per class and agent,
// AI share of attested lines). JSON field names are a contract (docs/formats.md).
#include <fmt/format.h>
#include <unistd.h>

#include <map>

#include "countersign/core/text.h"
#include "countersign/report/commit_json.h"
#include "countersign/report/report.h"

namespace cs::report {
namespace {

using provenance::Class;
using provenance::Provenance;

// Appends to a buffer and hands it to `out` whenever it grows past a few hundred KB.
class Sink {
 public:
  explicit Sink(std::FILE* out) : out_(out) {}
  ~Sink() { flush(); }
  std::string& buf() { return buf_; }
  void maybe_flush() {
    if (out_ && buf_.size() > (256u << 10)) flush();
  }
  void flush() {
    if (out_ && !buf_.empty()) std::fwrite(buf_.data(), 1, buf_.size(), out_);
    if (out_) buf_.clear();
  }
  std::string take() { return std::move(buf_); }

 private:
  std::FILE* out_;
  std::string buf_;
};

struct Summary {
  size_t commits = 0, bots = 0;
  std::map<Class, size_t> classes;
  std::map<std::string, size_t> agents;
  std::map<std::string, size_t> human_sources;  // where `human` classes came from
  uint64_t added = 0, ai = 0, human = 0, with_lines = 0;
};

std::string share(double v) {
  auto s = fmt::format("{:.4f}", v);
  while (s.size() > 3 && s.back() == '0') s.pop_back();
  return s;
}

std::string percent(double v) { return fmt::format("{:.0f}%", v * 100); }

}  // namespace

// Shared with the check report (commit_json.h): a commit's provenance fields as a JSON object.
void json_commit(std::string& o, const Provenance& p) {
  using text::json_quote;
  o += "{\"commit\":\"";
  o += p.commit.hex();
  o += "\",\"class\":\"";
  o += provenance::to_string(p.cls);
  o += "\",\"agents\":[";
  for (size_t i = 0; i < p.agents.size(); ++i) {
    if (i) o += ',';
    o += json_quote(p.agents[i]);
  }
  o += "],\"ai_line_share\":";
  o += p.ai_line_share ? share(*p.ai_line_share) : "null";
  o += ",\"class_source\":";
  o += p.class_source.empty() ? "null" : json_quote(p.class_source);
  o += ",\"share_source\":";
  o += p.share_source.empty() ? "null" : json_quote(p.share_source);
  o += ",\"operator\":";
  if (p.operator_name || p.operator_email) {
    o += "{\"name\":";
    o += p.operator_name ? json_quote(*p.operator_name) : "null";
    o += ",\"email\":";
    o += p.operator_email ? json_quote(*p.operator_email) : "null";
    o += '}';
  } else {
    o += "null";
  }
  o += ",\"bot\":";
  o += p.bot ? "true" : "false";
  o += ",\"author\":{\"name\":";
  text::append_json_quoted(o, p.author_name);
  o += ",\"email\":";
  text::append_json_quoted(o, p.author_email);
  o += "},\"subject\":";
  text::append_json_quoted(o, p.subject);
  o += ",\"lines\":";
  if (p.lines) o += fmt::format("{{\"added\":{},\"ai\":{},\"human\":{}}}", p.lines->added, p.lines->ai, p.lines->human);
  else o += "null";
  o += ",\"evidence\":[";
  for (size_t i = 0; i < p.evidence.size(); ++i) {
    const auto& e = p.evidence[i];
    if (i) o += ',';
    o += "{\"detector\":";
    text::append_json_quoted(o, e.detector);
    o += ",\"signal\":";
    text::append_json_quoted(o, e.signal);
    o += ",\"text\":";
    text::append_json_quoted(o, e.text);
    o += ",\"source\":";
    text::append_json_quoted(o, e.source);
    o += '}';
  }
  o += "]}";
}

namespace {

std::string agents_of(const Provenance& p) {
  std::string a;
  for (const auto& id : p.agents) a += (a.empty() ? "" : ",") + id;
  return a.empty() ? "-" : a;
}

void summary_json(std::string& o, const Summary& s) {
  o += "\n],\"summary\":{";
  o += fmt::format("\"commits\":{},\"classes\":{{", s.commits);
  bool first = true;
  for (auto& [c, n] : s.classes) {
    o += fmt::format("{}\"{}\":{}", first ? "" : ",", provenance::to_string(c), n);
    first = false;
  }
  o += "},\"agents\":{";
  first = true;
  for (auto& [a, n] : s.agents) {
    o += fmt::format("{}{}:{}", first ? "" : ",", text::json_quote(a), n);
    first = false;
  }
  o += fmt::format("}},\"bots\":{},\"lines\":{{\"commits\":{},\"added\":{},\"ai\":{},\"human\":{}}},\"ai_line_share\":{}}}}}\n",
                   s.bots, s.with_lines, s.added, s.ai, s.human, s.added ? share(double(s.ai) / double(s.added)) : "null");
}

// scan reads no policy, so it cannot tell whether a `human` class will count: it says where each
// came from and what the gate does with it.
std::string class_cell(const Provenance& p) {
  return std::string(provenance::to_string(p.cls)) + (p.cls == Class::human ? "*" : "");
}

std::string human_footnote(const Summary& s) {
  std::string o = "* human per";
  bool first = true;
  for (auto& [src, n] : s.human_sources) {
    o += fmt::format("{} {} ({})", first ? "" : ",", src.empty() ? "?" : src, n);
    first = false;
  }
  return o +
         ": check gives these the requirements of unknown unless the trusted policy lists the source under "
         "provenance.trusted (only " +
         std::string(provenance::kGitAiNotes) + " and " + std::string(provenance::kAgentTraceNotes) + " can be)";
}

void summary_text(std::string& o, const Summary& s) {
  o += fmt::format("\n{} commit{}: ", s.commits, s.commits == 1 ? "" : "s");
  bool first = true;
  for (auto& [c, n] : s.classes) {
    o += fmt::format("{}{} {}", first ? "" : ", ", n, provenance::to_string(c));
    first = false;
  }
  if (s.bots) o += fmt::format(" ({} by bots)", s.bots);
  o += '\n';
  if (!s.agents.empty()) {
    o += "agents:";
    for (auto& [a, n] : s.agents) o += fmt::format(" {} {}", a, n);
    o += '\n';
  }
  if (!s.human_sources.empty()) o += human_footnote(s) + "\n";
  if (s.added)
    o += fmt::format("AI share of attested lines: {} ({} of {} added lines in {} commits with attestations)\n",
                     percent(double(s.ai) / double(s.added)), s.ai, s.added, s.with_lines);
  else
    o += "AI share of lines: unknown (no commit carries a git-ai note or Agent Trace record)\n";
}

std::string md_cell(std::string_view s) {
  std::string out;
  for (char c : text::sanitize_utf8(s)) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out;
}

constexpr size_t kMaxMarkdownRows = 500;  // a pull-request comment has a size limit

}  // namespace

// Text and JSON are written as the commits arrive, so a scan of a long history holds one
// block of results at a time; markdown puts the summary first and keeps at most its table rows.
struct ScanWriter::Impl {
  Impl(std::FILE* out, std::string range, Format format) : sink(out), range(std::move(range)), format(format) {
    for (Class c : {Class::human, Class::ai_assisted, Class::ai_authored, Class::unknown}) summary.classes[c] = 0;
  }
  Sink sink;
  std::string range;
  Format format;
  Summary summary;
  std::string md_rows;
  bool finished = false;

  void count(const Provenance& p) {
    Summary& s = summary;
    ++s.commits;
    ++s.classes[p.cls];
    if (p.cls == Class::human) ++s.human_sources[p.class_source];
    if (p.bot) ++s.bots;
    for (const auto& a : p.agents) ++s.agents[a];
    if (p.lines) {
      ++s.with_lines;
      s.added += p.lines->added;
      s.ai += p.lines->ai;
      s.human += p.lines->human;
    }
  }

  void add(const Provenance& p) {
    auto& o = sink.buf();
    switch (format) {
      case Format::json:
        if (summary.commits == 0) o += "{\"range\":" + text::json_quote(range) + ",\"commits\":[";
        o += summary.commits ? ",\n" : "\n";
        json_commit(o, p);
        break;
      case Format::text:
        o += fmt::format("{}  {:<11}  {:<20}  {:>4}  {}\n", p.commit.hex().substr(0, 12), class_cell(p), agents_of(p),
                         p.ai_line_share ? percent(*p.ai_line_share) : "-", text::sanitize_utf8(p.subject));
        break;
      case Format::markdown:
        if (summary.commits < kMaxMarkdownRows)
          md_rows += fmt::format("| `{}` | {} | {} | {} | {} |\n", p.commit.hex().substr(0, 12),
                                 p.cls == Class::human ? std::string("human\\*") : class_cell(p), md_cell(agents_of(p)),
                                 p.ai_line_share ? percent(*p.ai_line_share) : "-", md_cell(p.subject));
        break;
    }
    count(p);
    sink.maybe_flush();
  }

  void finish() {
    if (finished) return;
    finished = true;
    auto& o = sink.buf();
    const Summary& s = summary;
    switch (format) {
      case Format::json:
        if (s.commits == 0) o += "{\"range\":" + text::json_quote(range) + ",\"commits\":[";
        summary_json(o, s);
        break;
      case Format::text:
        summary_text(o, s);
        break;
      case Format::markdown:
        o += "### countersign scan\n\n| class | commits |\n|---|---|\n";
        for (auto& [c, n] : s.classes) o += fmt::format("| {} | {} |\n", provenance::to_string(c), n);
        if (!s.agents.empty()) {
          o += "\n| agent | commits |\n|---|---|\n";
          for (auto& [a, n] : s.agents) o += fmt::format("| {} | {} |\n", md_cell(a), n);
        }
        if (s.added)
          o += fmt::format("\nAI share of attested lines: **{}** ({} of {})\n", percent(double(s.ai) / double(s.added)), s.ai, s.added);
        o += "\n| commit | class | agents | AI lines | subject |\n|---|---|---|---|---|\n";
        o += md_rows;
        if (s.commits > kMaxMarkdownRows) o += fmt::format("\n…and {} more commits.\n", s.commits - kMaxMarkdownRows);
        if (!s.human_sources.empty()) o += "\n" + md_cell(human_footnote(s)) + "\n";
        break;
    }
  }
};

ScanWriter::ScanWriter(std::FILE* out, std::string range, Format format)
    : impl_(std::make_unique<Impl>(out, std::move(range), format)) {}
ScanWriter::~ScanWriter() = default;
void ScanWriter::add(const provenance::Provenance& p) { impl_->add(p); }
void ScanWriter::finish() {
  impl_->finish();
  impl_->sink.flush();
}
std::string ScanWriter::take() {
  impl_->finish();
  return impl_->sink.take();
}

void write_scan(std::FILE* out, const ScanInput& input, Format format) {
  ScanWriter w(out, input.range, format);
  if (input.commits)
    for (const auto& p : *input.commits) w.add(p);
  w.finish();
  std::fflush(out);
}

std::string render_scan(const ScanInput& input, Format format) {
  ScanWriter w(nullptr, input.range, format);
  if (input.commits)
    for (const auto& p : *input.commits) w.add(p);
  return w.take();
}

std::function<void(size_t, size_t)> terminal_progress(std::string label, size_t min_total) {
  if (!isatty(STDERR_FILENO)) return {};
  return [label = std::move(label), min_total, last = size_t(-1)](size_t done, size_t total) mutable {
    if (total < min_total) return;
    size_t pct = total ? done * 100 / total : 100;
    if (pct == last) return;
    last = pct;
    constexpr size_t kWidth = 30;
    std::string bar(pct * kWidth / 100, '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "\r%s [%s] %3zu%% (%zu/%zu)%s", label.c_str(), bar.c_str(), pct, done, total, done >= total ? "\n" : "");
    std::fflush(stderr);
  };
}

}  // namespace cs::report
