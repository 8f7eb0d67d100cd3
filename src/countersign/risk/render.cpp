// Renders findings as text, JSON ({"findings": [...], "summary": {...}}) or SARIF 2.1.0.
#include <fmt/format.h>

#include <array>
#include <map>

#include "countersign/core/text.h"
#include "countersign/risk/risk.h"

namespace cs::risk {
namespace {

using text::json_quote;

struct RuleText {
  std::string_view id, description;
};

// Short descriptions for SARIF rule metadata; docs/risk-rules.md has the full text.
constexpr std::array kRules = {
    RuleText{"env-rebuild", "Most of an environment is deleted or replaced"},
    RuleText{"stateful-delete", "A data-bearing resource is deleted"},
    RuleText{"stateful-replace", "A data-bearing resource is replaced (deleted and re-created)"},
    RuleText{"count-index-shift", "Instances of a counted resource shift index and are changed or replaced"},
    RuleText{"missing-moved", "A resource is deleted and re-created under a new address without a moved block"},
    RuleText{"protection-weakened", "A safeguard against deletion or data loss is switched off"},
    RuleText{"protected-resource", "A resource the policy lists as protected is deleted or replaced"},
    RuleText{"unreviewable", "An input cannot be parsed, so what it would do cannot be reviewed"},
    RuleText{"plan-incomplete", "The plan is incomplete: more changes follow in a later plan"},
    RuleText{"resource-delete", "A resource is deleted"},
    RuleText{"resource-replace", "A resource is replaced"},
    RuleText{"forget-orphan", "A resource leaves state but keeps running"},
};

std::string_view description(std::string_view id) {
  for (const auto& r : kRules)
    if (r.id == id) return r.description;
  return id;
}

std::string_view sarif_level(Severity s) {
  switch (s) {
    case Severity::critical:
    case Severity::high: return "error";
    case Severity::medium: return "warning";
    case Severity::low: return "note";
  }
  return "note";
}

// A relative URI reference for a file path: unreserved characters and '/' pass, the rest is
// percent-encoded.
std::string uri_of(std::string_view path) {
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') out += char(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

// "line 12" or "12:5" -> 12; else 0.
int line_of(std::string_view location) {
  if (location.starts_with("line ")) location.remove_prefix(5);
  int n = 0;
  std::size_t i = 0;
  for (; i < location.size() && std::isdigit(static_cast<unsigned char>(location[i])); ++i) n = n * 10 + (location[i] - '0');
  if (i == 0 || n <= 0 || (i < location.size() && location[i] != ':')) return 0;
  return n;
}

std::string summary_json(std::span<const Finding> findings) {
  std::array<std::size_t, 4> by{};
  for (const auto& f : findings) ++by[static_cast<std::size_t>(f.severity)];
  auto h = highest(findings);
  return fmt::format(R"({{"total":{},"critical":{},"high":{},"medium":{},"low":{},"highest":{}}})",
                     findings.size(), by[3], by[2], by[1], by[0], h ? json_quote(to_string(*h)) : "null");
}

std::string render_json(std::span<const Finding> findings) {
  std::string out = R"({"findings":[)";
  for (std::size_t i = 0; i < findings.size(); ++i) {
    const auto& f = findings[i];
    out += fmt::format(R"({}{{"rule":{},"severity":{},"resource":{},"file":{},"location":{},"message":{}}})",
                       i ? "," : "", json_quote(f.rule), json_quote(to_string(f.severity)), json_quote(f.resource),
                       json_quote(f.file), json_quote(f.location), json_quote(f.message));
  }
  out += R"(],"summary":)" + summary_json(findings) + "}\n";
  return out;
}

std::string render_sarif(std::span<const Finding> findings) {
  std::map<std::string, std::size_t> index;
  std::string rules;
  for (const auto& f : findings) {
    if (index.contains(f.rule)) continue;
    index[f.rule] = index.size();
    rules += fmt::format(R"({}{{"id":{},"shortDescription":{{"text":{}}},"helpUri":{}}})", rules.empty() ? "" : ",",
                         json_quote(f.rule), json_quote(description(f.rule)),
                         json_quote("docs/risk-rules.md#" + f.rule));
  }
  std::string results;
  for (const auto& f : findings) {
    std::string region;
    if (int line = line_of(f.location); line > 0) region = fmt::format(R"(,"region":{{"startLine":{}}})", line);
    std::string logical;
    if (!f.resource.empty())
      logical = fmt::format(R"(,"logicalLocations":[{{"fullyQualifiedName":{},"kind":"resource"}}])",
                            json_quote(f.resource));
    results += fmt::format(
        R"({}{{"ruleId":{},"ruleIndex":{},"level":"{}","message":{{"text":{}}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":{}}}{}}}{}}}],"properties":{{"severity":{},"location":{}}}}})",
        results.empty() ? "" : ",", json_quote(f.rule), index[f.rule], sarif_level(f.severity),
        json_quote(f.message), json_quote(uri_of(f.file.empty() ? "." : f.file)), region, logical,
        json_quote(to_string(f.severity)), json_quote(f.location));
  }
  return fmt::format(
      R"({{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"countersign","version":"0.1.0","informationUri":"https://github.com/countersign/countersign","rules":[{}]}}}},"results":[{}]}}]}})"
      "\n",
      rules, results);
}

std::string render_text(std::span<const Finding> findings) {
  std::string out;
  for (const auto& f : findings) {
    out += fmt::format("{}{}{}: {} [{}]", f.file, f.location.empty() ? "" : ": ", f.location,
                       to_string(f.severity), f.rule);
    if (!f.resource.empty()) out += " " + f.resource;
    out += ": " + text::sanitize_utf8(f.message) + "\n";
  }
  std::array<std::size_t, 4> by{};
  for (const auto& f : findings) ++by[static_cast<std::size_t>(f.severity)];
  out += fmt::format("{} finding{} ({} critical, {} high, {} medium, {} low)\n", findings.size(),
                     findings.size() == 1 ? "" : "s", by[3], by[2], by[1], by[0]);
  return out;
}

}  // namespace

std::optional<Format> format_from_string(std::string_view s) {
  if (s == "text") return Format::text;
  if (s == "json") return Format::json;
  if (s == "sarif") return Format::sarif;
  return std::nullopt;
}

std::string render(std::span<const Finding> findings, Format format) {
  switch (format) {
    case Format::json: return render_json(findings);
    case Format::sarif: return render_sarif(findings);
    case Format::text: return render_text(findings);
  }
  return {};
}

}  // namespace cs::risk
