// Severity of a risk finding, ordered: low < medium < high < critical. Shared by risk, guard
// and policy (which escalates requirements by severity).
#pragma once

#include <optional>
#include <string_view>

namespace cs {

enum class Severity { low = 0, medium = 1, high = 2, critical = 3 };

inline std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::low: return "low";
    case Severity::medium: return "medium";
    case Severity::high: return "high";
    case Severity::critical: return "critical";
  }
  return "low";
}

inline std::optional<Severity> severity_from_string(std::string_view s) {
  if (s == "low") return Severity::low;
  if (s == "medium") return Severity::medium;
  if (s == "high") return Severity::high;
  if (s == "critical") return Severity::critical;
  return std::nullopt;
}

}  // namespace cs
