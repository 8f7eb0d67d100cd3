// Reads `terraform show -json` plans (format_version 0.1 to 1.x). The scanner walks the top
// level and prior_state in one pass; the resource_changes elements are read one by one, by
// worker threads while the scan goes on when a core is idle (terraform_elements.h), so memory
// stays at the size of the file whatever the size of the plan.
#include <cstdint>
#include <optional>
#include <string>

#include "countersign/risk/change_model.h"
#include "countersign/risk/json_scan.h"
#include "countersign/risk/terraform_elements.h"

namespace cs::risk {
namespace {

constexpr auto kStop = json::Scanner::kStop;
using Skip = std::optional<Result<std::size_t>>;  // std::nullopt: let the scanner skip the value

// Walks the members of the object at `obj`: `read(key, begin)` returns std::nullopt to skip a
// value, or the end of the value it read. An error inside stops the walk and is what is
// returned; the scanner's own walk only sees a stop.
template <class Read>
Result<std::size_t> read_members(const json::Scanner& scan, std::size_t obj, Read read) {
  Result<std::size_t> inner = 0;
  auto end = scan.members_from(obj, [&](std::string_view key, std::size_t begin) -> std::size_t {
    Skip r = read(key, begin);
    if (!r) return 0;
    inner = std::move(*r);
    return inner ? *inner : kStop;
  });
  if (!inner) return inner;
  return end;
}

// The same over the elements of the array at `array`; `read(begin)` reads each one.
template <class Read>
Result<std::size_t> read_elements(const json::Scanner& scan, std::size_t array, Read read) {
  Result<std::size_t> inner = 0;
  auto end = scan.elements_from(array, [&](std::size_t, std::size_t begin) -> std::size_t {
    inner = read(begin);
    return inner ? *inner : kStop;
  });
  if (!inner) return inner;
  return end;
}

// Counts the managed resources (mode other than "data") of a prior_state resources array in
// one pass: each resource's members are walked and skipped, never scanned twice.
Result<std::size_t> count_resources(const json::Scanner& scan, std::size_t array, std::size_t& count) {
  return read_elements(scan, array, [&](std::size_t resource) -> Result<std::size_t> {
    bool data = false, have_mode = false;
    auto end = read_members(scan, resource, [&](std::string_view key, std::size_t value) -> Skip {
      if (key != "mode" || have_mode) return std::nullopt;
      auto mode = scan.value(value);
      if (!mode) return std::unexpected(mode.error());
      have_mode = true;
      data = scan.text(*mode) == "\"data\"";
      return mode->end;
    });
    if (end && !data) ++count;
    return end;
  });
}

// Counts the managed resources of a module (prior_state.values.root_module) and its
// children; returns the end of the module object.
Result<std::size_t> count_module(const json::Scanner& scan, std::size_t module, std::size_t& count, int depth) {
  if (depth > 64) return fail(Errc::parse, "modules nested too deeply");
  return read_members(scan, module, [&](std::string_view key, std::size_t begin) -> Skip {
    if (key == "resources") return count_resources(scan, begin, count);
    if (key == "child_modules")
      return read_elements(scan, begin, [&](std::size_t child) { return count_module(scan, child, count, depth + 1); });
    return std::nullopt;
  });
}

// Returns the end of prior_state.
Result<std::size_t> count_prior(const json::Scanner& scan, std::size_t prior, std::size_t& count) {
  return read_members(scan, prior, [&](std::string_view key, std::size_t values) -> Skip {
    if (key != "values") return std::nullopt;
    return read_members(scan, values, [&](std::string_view k, std::size_t module) -> Skip {
      if (k != "root_module") return std::nullopt;
      return count_module(scan, module, count, 0);
    });
  });
}

// Reads the resource_changes array at `array` through `reader`; returns the array's end.
Result<std::size_t> read_resource_changes(const json::Scanner& scan, std::size_t array, ElementReader& reader) {
  return read_elements(scan, array, [&](std::size_t element) -> Result<std::size_t> {
    if (!reader.parallel()) return reader.read(element);
    auto span = scan.value(element);
    if (!span) return std::unexpected(span.error());
    reader.add(*span);
    return span->end;
  });
}

// What the plan says of itself: a format this reader knows, errored, incomplete.
void report_header(ChangeSet& set, const std::string& format_version, bool errored, bool incomplete) {
  const std::string major = format_version.substr(0, format_version.find('.'));
  if (major != "0" && major != "1") {
    set.findings.push_back(
        unreviewable(set.file, "format_version",
                     "unknown plan format_version " + format_version + " (this version reads 0.x and 1.x)"));
    return;
  }
  if (errored) {
    set.findings.push_back(unreviewable(set.file, "errored",
                                        "the plan is marked errored: Terraform failed while planning, so it does not "
                                        "show everything the apply would do"));
  }
  if (incomplete) {
    set.findings.push_back(Finding{"plan-incomplete", Severity::medium, "", set.file, "complete",
                                   "the plan is marked incomplete (deferred changes): another plan and apply will "
                                   "follow, and its changes are not reviewed here"});
  }
}

}  // namespace

ChangeSet read_terraform_plan(std::string_view file, std::string_view padded, unsigned threads) {
  ChangeSet set;
  set.file = file;
  set.format = "Terraform plan";
  const json::Scanner scan(padded);
  const std::size_t first = scan.skip_ws(0);
  if (first >= padded.size() || padded[first] != '{') {
    set.findings.push_back(unreviewable(file, "$", "the plan is not a JSON object"));
    return set;
  }

  std::string format_version;
  bool errored = false, incomplete = false, have_format = false, has_values = false, has_planned = false;
  std::uint32_t seen = 0;
  std::string problem, problem_at = "$";
  constexpr auto stop = kStop;
  ElementReader reader(file, padded, threads);
  auto top = scan.members_from(first, [&](std::string_view key, std::size_t begin) -> std::size_t {
    if (key == "values") has_values = true;
    if (key == "planned_values") has_planned = true;
    const int bit = key == "format_version"     ? 1
                    : key == "resource_changes" ? 2
                    : key == "prior_state"      ? 4
                    : key == "errored"          ? 8
                    : key == "complete"         ? 16
                                                : 0;
    if (bit == 0) return 0;
    if (bit & seen) return problem = "duplicate key \"" + std::string(key) + "\"", stop;
    seen |= bit;
    problem_at = key;
    if (key == "resource_changes" && padded[begin] == '[') {
      auto end = read_resource_changes(scan, begin, reader);
      if (!end) return problem = end.error().message, stop;
      return *end;
    }
    if (key == "prior_state" && padded[begin] == '{') {
      std::size_t count = 0;
      auto end = count_prior(scan, begin, count);
      if (!end) return problem = end.error().message, stop;
      set.has_prior = true;
      set.prior_count = count;
      return *end;
    }
    auto v = scan.value(begin);
    if (!v) return problem = v.error().message, stop;
    const std::string_view text = scan.text(*v);
    if (key == "format_version") {
      auto s = scan.string(*v);
      if (!s) return problem = "format_version is not a string", stop;
      format_version = *s;
      have_format = true;
    } else if (key == "errored") {
      if (text != "true" && text != "false") return problem = "errored is not a boolean", stop;
      errored = text == "true";
    } else if (key == "complete") {
      if (text != "true" && text != "false") return problem = "complete is not a boolean", stop;
      incomplete = text == "false";
    } else if (text != "null") {
      return problem = std::string(key) + " has the wrong type", stop;
    }
    return v->end;
  });
  reader.finish(set);
  if (top && problem.empty() && scan.skip_ws(*top) != padded.size()) problem = "trailing content after the plan";
  if (top && problem.empty()) problem_at = "$";
  if (!top && problem.empty()) problem = top.error().message, problem_at = "$";
  if (!problem.empty()) {
    set.findings.push_back(unreviewable(file, problem_at, problem));
    return set;
  }
  if (have_format && has_values && !has_planned && !(seen & 2)) {
    set.wrong_document =
        "a Terraform state (`terraform show -json` without a plan file), not a plan: it says what exists, not what "
        "the change does; give `terraform show -json PLANFILE`";
    return set;
  }
  if (!have_format) {
    set.findings.push_back(
        unreviewable(file, "format_version", "no format_version: not a plan from `terraform show -json`"));
    return set;
  }
  report_header(set, format_version, errored, incomplete);
  return set;
}

}  // namespace cs::risk
