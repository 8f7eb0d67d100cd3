#include "countersign/risk/terraform_elements.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <system_error>
#include <utility>

#include "countersign/risk/input_buffer.h"
#include "countersign/risk/json_values.h"

namespace cs::risk {
namespace {

namespace od = simdjson::ondemand;

struct ElementError {
  std::string what;
};

std::string path_at(std::size_t i) {
  return "resource_changes[" + std::to_string(i) + "]";
}

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
    if (s == "delete")
      rc.del = true;
    else if (s == "create")
      rc.create = true;
    else if (s == "update")
      rc.update = true;
    else if (s == "forget")
      rc.forget = true;
    else if (s != "no-op" && s != "read")
      return bad = "unknown action \"" + std::string(s) + "\"", false;
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
    const int bit = key == "actions"         ? 1
                    : key == "before"        ? 2
                    : key == "after"         ? 4
                    : key == "after_unknown" ? 8
                    : key == "replace_paths" ? 16
                                             : 0;
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

bool read_element(od::parser& parser, std::string_view padded, json::Span span, ResourceChange& rc, std::string& bad) {
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
    const int bit = key == "address"            ? 1
                    : key == "type"             ? 2
                    : key == "mode"             ? 4
                    : key == "change"           ? 8
                    : key == "previous_address" ? 16
                    : key == "action_reason"    ? 32
                    : key == "index"            ? 64
                                                : 0;
    if (bit & seen) return bad = "duplicate key " + std::string(key), false;
    seen |= bit;
    bool ok = true;
    if (key == "address")
      ok = read_string(field.value(), rc.address);
    else if (key == "type")
      ok = read_string(field.value(), rc.type);
    else if (key == "previous_address")
      ok = read_string(field.value(), rc.previous_address);
    else if (key == "action_reason")
      ok = read_string(field.value(), rc.action_reason);
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

}  // namespace

struct ElementBatch {
  std::size_t first = 0;  // index of its first element in resource_changes
  std::vector<json::Span> spans;
  std::vector<ResourceChange> changes;
  std::vector<Finding> findings;
  std::size_t unchanged = 0;
};

namespace {

// Large enough that handing a batch over costs nothing against parsing it, small enough that
// the worker starts soon after the scanner reaches resource_changes.
constexpr std::size_t kBatch = 256;

void parse_batch(ElementBatch& batch, od::parser& parser, std::string_view file, std::string_view padded) {
  ResourceChange rc;
  std::string bad;
  for (std::size_t i = 0; i < batch.spans.size(); ++i) {
    rc = ResourceChange{};
    rc.location = path_at(batch.first + i);
    bad.clear();
    if (!read_element(parser, padded, batch.spans[i], rc, bad)) {
      batch.findings.push_back(unreviewable(file, rc.location, bad));
    } else if (rc.managed && !rc.del && !rc.create && !rc.update && !rc.forget) {
      ++batch.unchanged;
    } else {
      if (rc.del && !rc.before.empty()) {
        if (auto id = json::value_at(rc.before, "id"); id && id->size() >= 2 && id->front() == '"')
          rc.cloud_id = id->substr(1, id->size() - 2);
      }
      batch.changes.push_back(std::move(rc));
    }
  }
  batch.spans = {};
}

}  // namespace

ElementReader::ElementReader(std::string_view file, std::string_view padded)
    : file_(file), padded_(padded), filling_(std::make_unique<ElementBatch>()) {}

ElementReader::~ElementReader() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  ready_.notify_all();
  for (auto& t : workers_) t.join();
}

void ElementReader::add(json::Span element) {
  filling_->spans.push_back(element);
  ++added_;
  if (filling_->spans.size() == kBatch) submit(true);
}

// Queues the batch being filled. The workers start with the first full batch, so that a small
// plan is read on the calling thread alone.
void ElementReader::submit(bool start_workers) {
  if (filling_->spans.empty()) return;
  auto next = std::make_unique<ElementBatch>();
  next->first = added_;
  {
    std::lock_guard lock(mutex_);
    batches_.push_back(std::exchange(filling_, std::move(next)));
  }
  ready_.notify_one();
  if (!start_workers || !workers_.empty()) return;
  const unsigned threads = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
  for (unsigned t = 1; t < threads; ++t) {
    try {
      workers_.emplace_back([this] { work(); });
    } catch (const std::system_error&) {
      break;  // fewer workers; finish() parses whatever they do not
    }
  }
}

ElementBatch* ElementReader::next_batch() {
  std::unique_lock lock(mutex_);
  ready_.wait(lock, [&] { return next_ < batches_.size() || closed_; });
  return next_ < batches_.size() ? batches_[next_++].get() : nullptr;
}

void ElementReader::work() {
  od::parser parser;
  while (ElementBatch* batch = next_batch()) parse_batch(*batch, parser, file_, padded_);
}

void ElementReader::finish(ChangeSet& set) {
  submit(false);
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  ready_.notify_all();
  work();
  for (auto& t : workers_) t.join();
  workers_.clear();
  for (auto& batch : batches_) {
    std::move(batch->findings.begin(), batch->findings.end(), std::back_inserter(set.findings));
    std::move(batch->changes.begin(), batch->changes.end(), std::back_inserter(set.changes));
    set.unchanged += batch->unchanged;
  }
  batches_.clear();
}

}  // namespace cs::risk
