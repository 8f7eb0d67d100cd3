// Reads `terraform show -json` plans (format_version 0.1 to 1.x). The scanner walks the top
// level and prior_state; each resource_changes element is parsed on its own with simdjson
// On-Demand (batches of elements on every core), so memory stays at the size of the file
// whatever the size of the plan.
#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "countersign/risk/change_model.h"
#include "countersign/risk/input_buffer.h"
#include "countersign/risk/json_scan.h"
#include "countersign/risk/json_values.h"

namespace cs::risk {
namespace {

namespace od = simdjson::ondemand;

struct ElementError {
  std::string what;
};

std::string path_at(std::size_t i) { return "resource_changes[" + std::to_string(i) + "]"; }

// Reads a string value into `out`; false on a wrong type.
bool read_string(od::value v, std::string& out) {
  std::string_view s;
  if (v.get_string().get(s)) return false;
  out.assign(s);
  return true;
}

// replace_paths: [["name"], ["tags", "env"], ["ingress", 0, "cidr"]] -> "name; tags.env; ingress.0.cidr"
bool read_replace_paths(od::value v, std::string& out) {
  od::array paths;
  if (v.get_array().get(paths)) return false;
  for (auto p : paths) {
    od::array steps;
    if (p.get_array().get(steps)) return false;
    if (!out.empty()) out += "; ";
    bool first = true;
    for (auto s : steps) {
      od::value step;
      if (s.get(step)) return false;
      if (!first) out += '.';
      first = false;
      std::string_view str;
      if (!step.get_string().get(str)) {
        out.append(str);
      } else {
        std::string_view tok = step.raw_json_token();
        while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\n')) tok.remove_suffix(1);
        out.append(tok);
      }
    }
  }
  return true;
}

bool read_actions(od::value v, ResourceChange& rc, std::string& bad) {
  od::array actions;
  if (v.get_array().get(actions)) return bad = "change.actions is not an array", false;
  std::size_t n = 0;
  for (auto a : actions) {
    std::string_view s;
    if (a.get_string().get(s)) return bad = "change.actions holds a non-string", false;
    ++n;
    if (s == "delete") rc.del = true;
    else if (s == "create") rc.create = true;
    else if (s == "update") rc.update = true;
    else if (s == "forget") rc.forget = true;
    else if (s != "no-op" && s != "read") return bad = "unknown action \"" + std::string(s) + "\"", false;
  }
  if (n == 0) return bad = "change.actions is empty", false;
  return true;
}

bool raw(od::value v, std::string_view& out) {
  return !simdjson::to_json_string(v).get(out);
}

bool read_change(od::value v, ResourceChange& rc, std::string& bad) {
  od::object change;
  if (v.get_object().get(change)) return bad = "change is not an object", false;
  bool have_actions = false;
  std::uint32_t seen = 0;
  for (auto f : change) {
    od::field field;
    std::string_view key;
    if (std::move(f).get(field) || field.unescaped_key().get(key)) return bad = "malformed change", false;
    const int bit = key == "actions" ? 1 : key == "before" ? 2 : key == "after" ? 4 : key == "after_unknown" ? 8
                  : key == "replace_paths" ? 16 : 0;
    if (bit & seen) return bad = "duplicate key change." + std::string(key), false;
    seen |= bit;
    if (key == "actions") {
      if (!read_actions(field.value(), rc, bad)) return false;
      have_actions = true;
    } else if (key == "before") {
      if (!raw(field.value(), rc.before)) return bad = "malformed change.before", false;
    } else if (key == "after") {
      if (!raw(field.value(), rc.after)) return bad = "malformed change.after", false;
    } else if (key == "after_unknown") {
      if (!raw(field.value(), rc.after_unknown)) return bad = "malformed change.after_unknown", false;
    } else if (key == "replace_paths") {
      if (!read_replace_paths(field.value(), rc.replace_paths)) return bad = "malformed change.replace_paths", false;
    }
  }
  if (!have_actions) return bad = "change has no actions", false;
  return true;
}

bool read_element(od::parser& parser, std::string_view padded, json::Span span, ResourceChange& rc,
                  std::string& bad) {
  const std::size_t allocated = padded.size() - span.begin + kPadding;
  od::document doc;
  if (auto e = parser.iterate(padded.data() + span.begin, span.end - span.begin, allocated).get(doc))
    return bad = simdjson::error_message(e), false;
  od::object obj;
  if (doc.get_object().get(obj)) return bad = "not an object", false;
  bool have_change = false;
  std::uint32_t seen = 0;
  for (auto f : obj) {
    od::field field;
    std::string_view key;
    if (std::move(f).get(field) || field.unescaped_key().get(key)) return bad = "malformed member", false;
    const int bit = key == "address" ? 1 : key == "type" ? 2 : key == "mode" ? 4 : key == "change" ? 8
                  : key == "previous_address" ? 16 : key == "action_reason" ? 32 : key == "index" ? 64 : 0;
    if (bit & seen) return bad = "duplicate key " + std::string(key), false;
    seen |= bit;
    bool ok = true;
    if (key == "address") ok = read_string(field.value(), rc.address);
    else if (key == "type") ok = read_string(field.value(), rc.type);
    else if (key == "previous_address") ok = read_string(field.value(), rc.previous_address);
    else if (key == "action_reason") ok = read_string(field.value(), rc.action_reason);
    else if (key == "mode") {
      std::string mode;
      ok = read_string(field.value(), mode);
      rc.managed = mode != "data";
    } else if (key == "index") {
      od::value idx = field.value();
      std::uint64_t n;
      if (!idx.get_uint64().get(n)) rc.count_index = std::to_string(n);
    } else if (key == "change") {
      if (!read_change(field.value(), rc, bad)) return false;
      have_change = true;
    }
    if (!ok) return bad = std::string(key) + " has the wrong type", false;
  }
  if (!have_change) return bad = "no change", false;
  if (rc.address.empty()) return bad = "no address", false;
  return true;
}

// Reads resource_changes elements in batches: the scanner finds each element's span (one fast
// pass), then the batch's elements are parsed with simdjson on every core, and merged in order.
// A batch bounds the memory held for elements that turn out to be no-ops.
class ElementReader {
 public:
  ElementReader(std::string_view file, std::string_view padded, ChangeSet& set) : file_(file), padded_(padded), set_(set) {
    threads_ = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
    parsers_.resize(threads_);
  }
  void add(json::Span span) {
    spans_.push_back(span);
    if (spans_.size() == kBatch) flush();
  }
  void flush() {
    const std::size_t n = spans_.size();
    if (n == 0) return;
    slots_.assign(n, Slot{});
    std::atomic<std::size_t> next{0};
    auto work = [&](od::parser& parser) {
      for (;;) {
        const std::size_t b = next.fetch_add(kChunk);
        if (b >= n) return;
        for (std::size_t i = b; i < std::min(n, b + kChunk); ++i) read(parser, i);
      }
    };
    const unsigned threads = n >= 2 * kChunk ? threads_ : 1;
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back([&work, this, t] { work(parsers_[t]); });
    work(parsers_[0]);
    for (auto& t : pool) t.join();
    for (auto& slot : slots_) {
      if (!slot.ok) set_.findings.push_back(unreviewable(file_, slot.rc.location, slot.bad));
      else if (slot.rc.managed && !slot.rc.del && !slot.rc.create && !slot.rc.update && !slot.rc.forget) ++set_.unchanged;
      else set_.changes.push_back(std::move(slot.rc));
    }
    first_ += n;
    spans_.clear();
  }

 private:
  static constexpr std::size_t kBatch = 4096, kChunk = 64;
  struct Slot {
    ResourceChange rc;
    std::string bad;
    bool ok = false;
  };
  void read(od::parser& parser, std::size_t i) {
    Slot& slot = slots_[i];
    slot.rc.location = path_at(first_ + i);
    slot.ok = read_element(parser, padded_, spans_[i], slot.rc, slot.bad);
    ResourceChange& rc = slot.rc;
    if (slot.ok && rc.del && !rc.before.empty()) {
      if (auto id = json::value_at(rc.before, "id"); id && id->size() >= 2 && id->front() == '"')
        rc.cloud_id = id->substr(1, id->size() - 2);
    }
  }
  std::string_view file_, padded_;
  ChangeSet& set_;
  unsigned threads_ = 1;
  std::vector<od::parser> parsers_;
  std::vector<json::Span> spans_;
  std::vector<Slot> slots_;
  std::size_t first_ = 0;
};

// Counts the managed resources of a module (prior_state.values.root_module) and its
// children; returns the end of the module object.
Result<std::size_t> count_module(const json::Scanner& scan, std::size_t module, std::size_t& count, int depth) {
  if (depth > 64) return fail(Errc::parse, "modules nested too deeply");
  Result<std::size_t> inner = 0;
  constexpr auto stop = json::Scanner::kStop;
  auto r = scan.members_from(module, [&](const std::string& key, std::size_t begin) -> std::size_t {
    if (key == "resources") {
      inner = scan.elements_from(begin, [&](std::size_t, std::size_t res_begin) -> std::size_t {
        auto res = scan.value(res_begin);
        if (!res) return inner = std::unexpected(res.error()), stop;
        bool data = false;
        auto m = scan.members(*res, [&](const std::string& k, json::Span mv) {
          if (k != "mode") return true;
          data = scan.text(mv) == "\"data\"";
          return false;
        });
        if (!m) return inner = std::unexpected(m.error()), stop;
        if (!data) ++count;
        return res->end;
      });
      return inner ? *inner : stop;
    }
    if (key == "child_modules") {
      inner = scan.elements_from(begin, [&](std::size_t, std::size_t child) -> std::size_t {
        inner = count_module(scan, child, count, depth + 1);
        return inner ? *inner : stop;
      });
      return inner ? *inner : stop;
    }
    return 0;
  });
  if (!inner) return inner;
  return r;
}

// Returns the end of prior_state.
Result<std::size_t> count_prior(const json::Scanner& scan, std::size_t prior, std::size_t& count) {
  Result<std::size_t> inner = 0;
  constexpr auto stop = json::Scanner::kStop;
  auto r = scan.members_from(prior, [&](const std::string& key, std::size_t begin) -> std::size_t {
    if (key != "values") return 0;
    inner = scan.members_from(begin, [&](const std::string& k, std::size_t m) -> std::size_t {
      if (k != "root_module") return 0;
      inner = count_module(scan, m, count, 0);
      return inner ? *inner : stop;
    });
    return inner ? *inner : stop;
  });
  if (!inner) return inner;
  return r;
}

}  // namespace

ChangeSet read_terraform_plan(std::string_view file, std::string_view padded) {
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
  bool errored = false, incomplete = false, have_format = false;
  std::uint32_t seen = 0;
  std::string problem, problem_at = "$";
  constexpr auto stop = json::Scanner::kStop;
  auto top = scan.members_from(first, [&](const std::string& key, std::size_t begin) -> std::size_t {
    const int bit = key == "format_version" ? 1 : key == "resource_changes" ? 2 : key == "prior_state" ? 4
                  : key == "errored" ? 8 : key == "complete" ? 16 : 0;
    if (bit == 0) return 0;
    if (bit & seen) return problem = "duplicate key \"" + key + "\"", stop;
    seen |= bit;
    problem_at = key;
    if (key == "resource_changes" && padded[begin] == '[') {
      ElementReader reader(file, padded, set);
      auto end = scan.elements_from(begin, [&](std::size_t, std::size_t el_begin) -> std::size_t {
        auto el = scan.value(el_begin);
        if (!el) return problem = el.error().message, stop;
        reader.add(*el);
        return el->end;
      });
      reader.flush();
      if (!problem.empty()) return stop;
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
      return problem = key + " has the wrong type", stop;
    }
    return v->end;
  });
  if (top && problem.empty() && scan.skip_ws(*top) != padded.size()) problem = "trailing content after the plan";
  if (top && problem.empty()) problem_at = "$";
  if (!top && problem.empty()) problem = top.error().message, problem_at = "$";
  if (!problem.empty()) {
    set.findings.push_back(unreviewable(file, problem_at, problem));
    return set;
  }
  if (!have_format) {
    set.findings.push_back(unreviewable(file, "format_version", "no format_version: not a plan from `terraform show -json`"));
    return set;
  }
  const std::string major = format_version.substr(0, format_version.find('.'));
  if (major != "0" && major != "1") {
    set.findings.push_back(unreviewable(file, "format_version",
                                        "unknown plan format_version " + format_version + " (this version reads 0.x and 1.x)"));
    return set;
  }
  if (errored) {
    set.findings.push_back(unreviewable(file, "errored",
                                        "the plan is marked errored: Terraform failed while planning, so it does not "
                                        "show everything the apply would do"));
  }
  if (incomplete) {
    set.findings.push_back(Finding{"plan-incomplete", Severity::medium, "", std::string(file), "complete",
                                   "the plan is marked incomplete (deferred changes): another plan and apply will "
                                   "follow, and its changes are not reviewed here"});
  }
  return set;
}

}  // namespace cs::risk
