// Renders `countersign check`: the verdict, where the policy came from, and per commit what it
// needs and who could give it. JSON field names are a contract (docs/formats.md).
#include <fmt/format.h>

#include <algorithm>

#include "countersign/core/text.h"
#include "countersign/report/approval_notes.h"
#include "countersign/report/commit_json.h"
#include "countersign/report/report.h"

namespace cs::report {
namespace {

using text::json_quote;

class Out {
 public:
  explicit Out(std::FILE* f) : f_(f) {}
  ~Out() { flush(); }
  std::string& s() { return buf_; }
  void maybe_flush() {
    if (f_ && buf_.size() > (256u << 10)) flush();
  }
  void flush() {
    if (f_ && !buf_.empty()) std::fwrite(buf_.data(), 1, buf_.size(), f_);
    if (f_) buf_.clear();
  }
  std::string take() { return std::move(buf_); }

 private:
  std::FILE* f_;
  std::string buf_;
};

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += sep;
    out += i;
  }
  return out;
}

std::string json_strings(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + json_quote(items[i]);
  return out + "]";
}

// "needs 1 approval from role senior — eligible: alice, bob; excluded: carol (operator)"
std::string needs_line(const gate::RequirementStatus& r) {
  const auto& q = r.requirement;
  std::string s = fmt::format("needs {} approval{} from role{} {}", q.approvals, q.approvals == 1 ? "" : "s",
                              q.roles.size() == 1 ? "" : "s", join(q.roles, " or "));
  s += " \u2014 eligible: " + (r.eligible.empty() ? std::string("nobody") : join(r.eligible, ", "));
  if (!r.excluded.empty()) {
    s += "; excluded: ";
    for (size_t i = 0; i < r.excluded.size(); ++i)
      s += (i ? ", " : "") + r.excluded[i].person + " (" + r.excluded[i].why + ")";
  }
  if (!r.satisfied_by.empty()) s += "; approved by: " + join(r.satisfied_by, ", ");
  return s;
}

// As scan writes ai_line_share: four decimals, trailing zeros dropped ("0.0", "0.3333").
std::string share_json(double v) {
  auto s = fmt::format("{:.4f}", v);
  while (s.size() > 3 && s.back() == '0') s.pop_back();
  return s;
}

bool lowered(const gate::CommitDecision& cd) {
  return std::any_of(cd.requirements.begin(), cd.requirements.end(),
                     [](const gate::RequirementStatus& r) { return r.requirement.baseline; });
}

// The class, and where it came from when that matters: a claim the policy did not count because
// its source is not trusted (what it would have lowered is required anyway), or a trusted source.
std::string class_label(const gate::CommitDecision& cd) {
  const auto& p = cd.provenance;
  std::string cls(provenance::to_string(p.cls));
  if (lowered(cd)) {
    std::string src;
    if (p.cls != p.trusted_cls && !p.class_source.empty()) src = p.class_source;
    if (p.ai_line_share && p.ai_line_share != p.trusted_ai_line_share && !p.share_source.empty() &&
        p.share_source != src)
      src += (src.empty() ? "" : ", ") + p.share_source;
    return cls + " (claimed by " + (src.empty() ? std::string("untrusted evidence") : src) +
           ", not trusted: at least the requirements of " + std::string(provenance::to_string(p.trusted_cls)) +
           " apply)";
  }
  if (p.cls != provenance::Class::unknown && p.cls == p.trusted_cls && provenance::can_be_trusted(p.class_source))
    return cls + " (from " + p.class_source + ", trusted)";
  return cls;
}

struct Counts {
  size_t commits = 0, blocked = 0, satisfied = 0, nothing = 0, overridden = 0;
};

Counts count(const gate::Decision& d) {
  Counts c;
  for (const auto& cd : d.commits) {
    ++c.commits;
    if (!cd.authorship_problem.empty()) ++c.blocked;
    else if (cd.requirements.empty()) ++c.nothing;
    else if (cd.satisfied()) ++c.satisfied;
    else if (cd.overridden) ++c.overridden;
    else ++c.blocked;
  }
  return c;
}

std::string trust_line(const gate::Decision& d) {
  const auto& t = d.trust;
  if (!t.commit) return "policy: built-in default (no trusted revision)";
  return fmt::format("policy: {} at {} ({}){}", t.default_policy ? "built-in default" : ".countersign/policy.yaml", t.ref,
                     t.source, t.people_present ? "" : "; no people directory");
}

// Whether the commit's requirements ask for more than one role, so that counting one person in
// several of them is a question the policy answers.
bool several_roles(const gate::CommitDecision& cd) {
  for (const auto& r : cd.requirements)
    if (r.requirement.roles != cd.requirements.front().requirement.roles) return true;
  return false;
}

std::string roles_line(const gate::Decision& d) {
  return d.one_person_many_roles
             ? "one person may meet several roles' requirements here (policy approvals.one_person_many_roles: true)"
             : "one person meets one role's requirements here, not several (policy approvals.one_person_many_roles: "
               "false)";
}

void text_report(Out& out, const gate::Decision& d) {
  auto& o = out.s();
  o += fmt::format("countersign check {}: {}\n", d.range.empty() ? "(HEAD's commits not in the trusted revision)" : d.range,
                   gate::to_string(d.verdict));
  if (d.error) {
    if (d.trust.commit) o += trust_line(d) + "\n";
    o += "error: " + d.error->describe() + "\n";
    if (!d.diagnostics.items.empty()) o += d.diagnostics.format();
    return;
  }
  o += trust_line(d) + "; environment: " + d.environment + "\n";
  for (const auto& n : d.notes) o += "note: " + n + "\n";
  if (!d.diagnostics.items.empty()) o += d.diagnostics.format();
  for (const auto& cd : d.commits) {
    const auto& p = cd.provenance;
    std::string agents = p.agents.empty() ? "" : " (" + join(p.agents, ", ") + ")";
    o += fmt::format("\n{}  {}{}  {}\n", p.commit.hex().substr(0, 12), class_label(cd), agents,
                     text::sanitize_utf8(cd.subject));
    if (!cd.authorship_problem.empty()) o += "  [blocked] " + cd.authorship_problem + "\n";
    else if (cd.requirements.empty()) o += "  needs nothing\n";
    for (const auto& r : cd.requirements)
      o += fmt::format("  [{}] {}: {}\n      because: {}\n", r.met() ? "ok" : "missing", r.requirement.rule, needs_line(r),
                       r.requirement.reason);
    if (several_roles(cd)) o += "  " + roles_line(d) + "\n";
    for (const auto& f : cd.findings)
      o += fmt::format("  risk: {} {} {} ({}{}{})\n      {}\n", to_string(f.severity), f.rule, text::sanitize_utf8(f.resource),
                       text::sanitize_utf8(f.file), f.location.empty() ? "" : " at ", text::sanitize_utf8(f.location),
                       text::sanitize_utf8(f.message));
    for (const auto& n : cd.approvals) o += "  " + note_line(n) + "\n";
    if (cd.overridden) o += "  overridden: let through by a break-glass override; a post-hoc review is owed\n";
    out.maybe_flush();
  }
  Counts c = count(d);
  o += fmt::format("\n{} commit{}: {} missing sign-off, {} signed off, {} overridden, {} need nothing\n", c.commits,
                   c.commits == 1 ? "" : "s", c.blocked, c.satisfied, c.overridden, c.nothing);
  for (const auto& r : d.reviews) o += review_line(r) + "\n";
}

void json_error(std::string& o, const Error& e) {
  o += "{\"code\":" + json_quote(to_string(e.code)) + ",\"message\":" + json_quote(e.message);
  if (!e.where.file.empty())
    o += fmt::format(",\"file\":{},\"line\":{},\"column\":{}", json_quote(e.where.file), e.where.line, e.where.column);
  o += "}";
}

void json_requirement(std::string& o, const gate::RequirementStatus& r) {
  const auto& q = r.requirement;
  o += "{\"rule\":" + json_quote(q.rule) + fmt::format(",\"approvals\":{}", q.approvals) + ",\"roles\":" + json_strings(q.roles);
  o += ",\"exclude\":" + json_strings([&] {
    std::vector<std::string> v;
    if (q.exclude.author) v.push_back("author");
    if (q.exclude.committer) v.push_back("committer");
    if (q.exclude.operator_) v.push_back("operator");
    return v;
  }());
  o += ",\"reason\":" + json_quote(q.reason) + ",\"eligible\":" + json_strings(r.eligible) + ",\"excluded\":[";
  for (size_t i = 0; i < r.excluded.size(); ++i)
    o += std::string(i ? "," : "") + "{\"person\":" + json_quote(r.excluded[i].person) + ",\"why\":" + json_quote(r.excluded[i].why) + "}";
  o += "],\"satisfied_by\":" + json_strings(r.satisfied_by) + ",\"met\":" + (r.met() ? "true" : "false") +
       ",\"baseline\":" + (q.baseline ? "true" : "false") + "}";
}

void json_report(Out& out, const gate::Decision& d) {
  auto& o = out.s();
  o += "{\"verdict\":" + json_quote(gate::to_string(d.verdict)) + ",\"range\":" + json_quote(d.range);
  o += ",\"environment\":" + json_quote(d.environment);
  o += ",\"trusted\":{\"ref\":" + json_quote(d.trust.ref) + ",\"source\":" + json_quote(d.trust.source) + ",\"commit\":" +
       (d.trust.commit ? json_quote(d.trust.commit->hex()) : "null") + ",\"default_policy\":" +
       (d.trust.default_policy || !d.trust.commit ? "true" : "false") + ",\"people\":" + (d.trust.people_present ? "true" : "false") + "}";
  o += std::string(",\"one_person_many_roles\":") + (d.one_person_many_roles ? "true" : "false");
  o += ",\"notes\":" + json_strings(d.notes) + ",\"error\":";
  if (d.error) json_error(o, *d.error);
  else o += "null";
  o += ",\"diagnostics\":[";
  for (size_t i = 0; i < d.diagnostics.items.size(); ++i) {
    const auto& item = d.diagnostics.items[i];
    o += std::string(i ? "," : "") + "{\"level\":" + json_quote(policy::to_string(item.level)) + ",\"message\":" +
         json_quote(item.error.message) + fmt::format(",\"file\":{},\"line\":{},\"column\":{}", json_quote(item.error.where.file),
                                                      item.error.where.line, item.error.where.column) +
         ",\"snippet\":" + json_quote(item.error.where.snippet) + "}";
  }
  o += "],\"commits\":[";
  for (size_t i = 0; i < d.commits.size(); ++i) {
    const auto& cd = d.commits[i];
    o += i ? ",\n" : "\n";
    json_commit(o, cd.provenance);
    o.pop_back();  // reopen the commit object to add what the gate decided
    const auto& p = cd.provenance;
    o += ",\"trusted_class\":" + json_quote(provenance::to_string(p.trusted_cls)) + ",\"trusted_ai_line_share\":" +
         (p.trusted_ai_line_share ? share_json(*p.trusted_ai_line_share) : std::string("null"));
    o += ",\"findings\":[";
    for (size_t j = 0; j < cd.findings.size(); ++j) {
      const auto& f = cd.findings[j];
      o += std::string(j ? "," : "") + "{\"rule\":" + json_quote(f.rule) + ",\"severity\":" + json_quote(to_string(f.severity)) +
           ",\"resource\":" + json_quote(f.resource) + ",\"file\":" + json_quote(f.file) + ",\"location\":" + json_quote(f.location) +
           ",\"message\":" + json_quote(f.message) + "}";
    }
    o += "],\"requirements\":[";
    for (size_t j = 0; j < cd.requirements.size(); ++j) {
      if (j) o += ',';
      json_requirement(o, cd.requirements[j]);
    }
    o += std::string("],\"satisfied\":") + (cd.satisfied() ? "true" : "false") +
         ",\"overridden\":" + (cd.overridden ? "true" : "false") + ",\"authorship_problem\":" +
         (cd.authorship_problem.empty() ? std::string("null") : json_quote(cd.authorship_problem)) +
         ",\"digest\":" + (cd.digest.empty() ? std::string("null") : json_quote(cd.digest)) + ",\"approvals\":[";
    for (size_t j = 0; j < cd.approvals.size(); ++j) {
      if (j) o += ',';
      json_note(o, cd.approvals[j]);
    }
    o += "]}";
    out.maybe_flush();
  }
  Counts c = count(d);
  o += "\n],\"reviews\":[";
  for (size_t i = 0; i < d.reviews.size(); ++i) {
    if (i) o += ',';
    json_review(o, d.reviews[i]);
  }
  o += fmt::format("],\"summary\":{{\"commits\":{},\"missing_signoff\":{},\"signed_off\":{},\"need_nothing\":{},\"overridden\":{}}}}}\n",
                   c.commits, c.blocked, c.satisfied, c.nothing, c.overridden);
}

std::string md_cell(std::string_view s) {
  std::string out;
  for (char ch : text::sanitize_utf8(s)) {
    if (ch == '|') out += "\\|";
    else if (ch == '\n' || ch == '\r') out += ' ';
    else if (ch == '<') out += "&lt;";
    else out += ch;
  }
  return out;
}

// Risk findings at medium or above (low ones are in the text and JSON reports), worst first.
void markdown_findings(Out& out, const gate::Decision& d) {
  constexpr size_t kMaxRows = 100;
  auto& o = out.s();
  size_t rows = 0, total = 0;
  for (int sev = int(Severity::critical); sev >= int(Severity::medium); --sev)
    for (const auto& cd : d.commits)
      for (const auto& f : cd.findings) {
        if (int(f.severity) != sev) continue;
        if (total++ == 0) o += "\n#### Risk findings\n\n| commit | severity | rule | resource | where | why |\n|---|---|---|---|---|---|\n";
        if (rows >= kMaxRows) continue;
        ++rows;
        o += fmt::format("| `{}` | {} | `{}` | {} | {} | {} |\n", cd.provenance.commit.hex().substr(0, 10), to_string(f.severity),
                         md_cell(f.rule), md_cell(f.resource), md_cell(f.file + (f.location.empty() ? "" : " " + f.location)),
                         md_cell(f.message));
      }
  if (total > rows) o += fmt::format("\n\u2026and {} more findings (run `countersign check --format json` for all).\n", total - rows);
}

// Statements that bind a commit but did not count, each with why: a reviewer reading "0/1" on a
// pull request sees that an approval exists and what is wrong with it (stale, unknown key, ...).
void markdown_uncounted(Out& out, const gate::Decision& d) {
  constexpr size_t kMaxRows = 100;
  auto& o = out.s();
  size_t rows = 0, total = 0;
  for (const auto& cd : d.commits)
    for (const auto& n : cd.approvals) {
      if (n.counted || (n.status == "valid" && n.reason.empty())) continue;
      if (total++ == 0) o += "\n#### Approvals that do not count\n\n| commit | statement | status | why |\n|---|---|---|---|\n";
      if (rows >= kMaxRows) continue;
      ++rows;
      std::string who = n.kind + " by " + (n.person.empty() ? std::string("an unknown signer") : n.person);
      if (!n.fingerprint.empty()) who += " (key " + n.fingerprint + ")";
      o += fmt::format("| `{}` | {} | {} | {} |\n", cd.provenance.commit.hex().substr(0, 10), md_cell(who), md_cell(n.status),
                       md_cell(n.reason.empty() ? "-" : n.reason));
    }
  if (total > rows)
    o += fmt::format("\n\u2026and {} more (run `countersign approvals` for all).\n", total - rows);
}

void markdown_report(Out& out, const gate::Decision& d) {
  constexpr size_t kMaxRows = 300;  // a pull-request comment has a size limit
  auto& o = out.s();
  const char* mark = d.verdict == gate::Verdict::pass      ? "\u2705"
                     : d.verdict == gate::Verdict::blocked ? "\u26d4"
                                                           : "\u26a0\ufe0f";
  o += fmt::format("### {} countersign: **{}**\n\n", mark, gate::to_string(d.verdict));
  if (d.error) {
    o += "The gate could not decide, so it blocks (fail closed):\n\n```\n" + d.error->describe() + "\n";
    if (!d.diagnostics.items.empty()) o += d.diagnostics.format();
    o += "```\n";
    return;
  }
  Counts c = count(d);
  o += fmt::format("{} commit{}: **{} missing sign-off**, {} signed off, {} need nothing. {}; environment `{}`.\n",
                   c.commits, c.commits == 1 ? "" : "s", c.blocked, c.satisfied, c.nothing, md_cell(trust_line(d)),
                   md_cell(d.environment));
  for (const auto& n : d.notes) o += "\n> **Note:** " + md_cell(n) + "\n";
  for (const auto& r : d.reviews) o += "\n> **Break glass:** " + md_cell(review_line(r)) + "\n";
  if (std::any_of(d.commits.begin(), d.commits.end(), several_roles))
    o += "\n> **Roles:** " + md_cell(roles_line(d)) + "\n";
  for (const auto& cd : d.commits)
    if (!cd.authorship_problem.empty())
      o += fmt::format("\n> **Blocked:** `{}` {}\n", cd.provenance.commit.hex().substr(0, 10), md_cell(cd.authorship_problem));
  if (c.blocked + c.satisfied + c.overridden == 0) return markdown_findings(out, d);
  o += "\n| commit | provenance | requirement | status | eligible | excluded |\n|---|---|---|---|---|---|\n";
  size_t rows = 0, total = 0;
  for (const auto& cd : d.commits) {
    for (const auto& r : cd.requirements) {
      if (total++ >= kMaxRows) continue;
      ++rows;
      std::string excluded;
      for (const auto& e : r.excluded) excluded += (excluded.empty() ? "" : ", ") + e.person + " (" + e.why + ")";
      const auto& q = r.requirement;
      o += fmt::format("| `{}` {} | {} | {} \u00d7 {} (`{}`) | {} | {} | {} |\n", cd.provenance.commit.hex().substr(0, 10),
                       md_cell(cd.subject.substr(0, 60)), md_cell(class_label(cd)), q.approvals,
                       md_cell(join(q.roles, " or ")), md_cell(q.rule),
                       r.met()         ? "\u2705 " + md_cell(join(r.satisfied_by, ", "))
                       : cd.overridden ? fmt::format("\u26a0\ufe0f overridden {}/{}", r.satisfied_by.size(), q.approvals)
                                       : fmt::format("\u274c {}/{}", r.satisfied_by.size(), q.approvals),
                       md_cell(r.eligible.empty() ? "nobody" : join(r.eligible, ", ")), md_cell(excluded.empty() ? "-" : excluded));
    }
    out.maybe_flush();
  }
  if (total > rows) o += fmt::format("\n\u2026and {} more requirements (run `countersign check` for all).\n", total - rows);
  markdown_uncounted(out, d);
  markdown_findings(out, d);
}

void render(Out& out, const gate::Decision& d, Format f) {
  switch (f) {
    case Format::json: return json_report(out, d);
    case Format::text: return text_report(out, d);
    case Format::markdown: return markdown_report(out, d);
  }
}

}  // namespace

void write_check(std::FILE* out, const gate::Decision& decision, Format format) {
  Out o(out);
  render(o, decision, format);
  o.flush();
  std::fflush(out);
}

std::string render_check(const gate::Decision& decision, Format format) {
  Out o(nullptr);
  render(o, decision, format);
  return o.take();
}

}  // namespace cs::report
