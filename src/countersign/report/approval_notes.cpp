// Renders the statements found for a commit and the reviews owed (see approval_notes.h).
#include "countersign/report/approval_notes.h"

#include <fmt/format.h>

#include "countersign/core/text.h"
#include "countersign/report/report.h"
#include "countersign/signoff/signoff.h"

namespace cs::report {
namespace {

using text::json_quote;

std::string strings(const std::vector<std::string>& v, bool json) {
  std::string out = json ? "[" : "";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? (json ? "," : ", ") : "") + (json ? json_quote(v[i]) : v[i]);
  return json ? out + "]" : out;
}

std::string time_or_null(int64_t t) { return t ? json_quote(signoff::format_time(t)) : "null"; }

}  // namespace

std::string note_line(const gate::ApprovalNote& n) {
  std::string who = n.person.empty() ? std::string("an unknown signer") : n.person;
  std::string what = n.kind + " by " + who + " (";
  if (!n.fingerprint.empty()) what += "key " + n.fingerprint + ", ";
  if (n.fingerprint.empty() && n.role.empty() && !n.time) what += n.path + ", ";
  if (!n.role.empty()) what += "role " + n.role + ", ";
  if (n.time) what += signoff::format_time(n.time) + ", ";
  if (what.ends_with(", ")) what.resize(what.size() - 2);
  what += ")";
  std::string verdict = n.counted ? (n.kind == "override" ? "counted: lets this commit through" : "counted") : n.status;
  if (!n.reason.empty()) verdict += " \u2014 " + n.reason;
  return text::sanitize_utf8(what + ": " + verdict);
}

void json_note(std::string& o, const gate::ApprovalNote& n) {
  o += "{\"kind\":" + json_quote(n.kind) + ",\"person\":" + (n.person.empty() ? "null" : json_quote(n.person)) +
       ",\"fingerprint\":" + json_quote(n.fingerprint) + ",\"role\":" + json_quote(n.role) + ",\"status\":" +
       json_quote(n.status) + ",\"reason\":" + json_quote(n.reason) + ",\"path\":" + json_quote(n.path) +
       ",\"time\":" + time_or_null(n.time) + ",\"expires\":" + (n.expires ? time_or_null(*n.expires) : "null") +
       ",\"counted\":" + (n.counted ? "true" : "false") + "}";
}

std::string review_line(const gate::PostHocReview& r) {
  std::vector<std::string> shortened;
  for (const auto& c : r.unreviewed) shortened.push_back(c.starts_with("change ") ? c : c.substr(0, 12));
  return text::sanitize_utf8(fmt::format(
      "post-hoc review owed: override by {} at {} (\"{}\"); due {}{}; needs an approval from role {} on {} commit{}: {}", r.by,
      signoff::format_time(r.time), r.reason, signoff::format_time(r.due), r.overdue ? " (OVERDUE)" : "",
      strings(r.review_roles, false), r.unreviewed.size(), r.unreviewed.size() == 1 ? "" : "s", strings(shortened, false)));
}

void json_review(std::string& o, const gate::PostHocReview& r) {
  o += "{\"by\":" + json_quote(r.by) + ",\"reason\":" + json_quote(r.reason) + ",\"time\":" + time_or_null(r.time) +
       ",\"expires\":" + time_or_null(r.expires) + ",\"due\":" + time_or_null(r.due) + ",\"overdue\":" +
       (r.overdue ? "true" : "false") + ",\"review_roles\":" + strings(r.review_roles, true) + ",\"unreviewed\":" +
       strings(r.unreviewed, true) + "}";
}

}  // namespace cs::report

namespace cs::report {
namespace {

std::string approvals_text(const gate::Decision& d) {
  std::string o = "countersign approvals " + (d.range.empty() ? std::string("(HEAD not on its upstream)") : d.range) + "\n";
  if (d.error) return o + "error: " + d.error->describe() + "\n";
  o += "trusted people directory: " + (d.trust.commit ? d.trust.ref + " (" + d.trust.source + ")" : std::string("none")) + "\n";
  for (const auto& n : d.notes) o += "note: " + n + "\n";
  for (const auto& cd : d.commits) {
    std::string state = cd.requirements.empty() ? "needs nothing"
                        : cd.satisfied()        ? "signed off"
                        : cd.overridden         ? "overridden"
                                                : "missing sign-off";
    o += fmt::format("\n{}  {}  {}\n  change {}; {}\n", cd.provenance.commit.hex().substr(0, 12),
                     provenance::to_string(cd.provenance.cls), text::sanitize_utf8(cd.subject),
                     cd.digest.empty() ? "none (a merge with no change of its own)" : cd.digest, state);
    if (cd.approvals.empty()) o += "  no approvals\n";
    for (const auto& n : cd.approvals) o += "  " + note_line(n) + "\n";
  }
  for (const auto& r : d.reviews) o += "\n" + review_line(r) + "\n";
  return o;
}

std::string approvals_json(const gate::Decision& d) {
  std::string o = "{\"range\":" + json_quote(d.range) + ",\"trusted\":{\"ref\":" + json_quote(d.trust.ref) +
                  ",\"source\":" + json_quote(d.trust.source) + ",\"commit\":" +
                  (d.trust.commit ? json_quote(d.trust.commit->hex()) : "null") + "},\"notes\":" + strings(d.notes, true) +
                  ",\"error\":" + (d.error ? json_quote(d.error->describe()) : "null") + ",\"commits\":[";
  for (size_t i = 0; i < d.commits.size(); ++i) {
    const auto& cd = d.commits[i];
    o += std::string(i ? ",\n" : "\n") + "{\"commit\":" + json_quote(cd.provenance.commit.hex()) + ",\"class\":" +
         json_quote(provenance::to_string(cd.provenance.cls)) + ",\"subject\":" + json_quote(cd.subject) +
         ",\"digest\":" + (cd.digest.empty() ? "null" : json_quote(cd.digest)) +
         ",\"needs_signoff\":" + (cd.requirements.empty() ? "false" : "true") +
         ",\"satisfied\":" + (cd.satisfied() ? "true" : "false") + ",\"overridden\":" + (cd.overridden ? "true" : "false") +
         ",\"approvals\":[";
    for (size_t j = 0; j < cd.approvals.size(); ++j) {
      if (j) o += ',';
      json_note(o, cd.approvals[j]);
    }
    o += "]}";
  }
  o += "\n],\"reviews\":[";
  for (size_t i = 0; i < d.reviews.size(); ++i) {
    if (i) o += ',';
    json_review(o, d.reviews[i]);
  }
  return o + "]}\n";
}

}  // namespace

std::string render_approvals(const gate::Decision& d, Format format) {
  return format == Format::json ? approvals_json(d) : approvals_text(d);
}

void write_approvals(std::FILE* out, const gate::Decision& d, Format format) {
  auto s = render_approvals(d, format);
  std::fwrite(s.data(), 1, s.size(), out);
  std::fflush(out);
}

}  // namespace cs::report
