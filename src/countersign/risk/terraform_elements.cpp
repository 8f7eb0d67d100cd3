#include "countersign/risk/terraform_elements.h"

#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <system_error>
#include <utility>

#include "countersign/risk/json_values.h"

namespace cs::risk {
namespace {

std::string path_at(std::size_t i) {
  return "resource_changes[" + std::to_string(i) + "]";
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

// Files what element `index` was read as.
void keep(ElementBatch& batch, std::size_t index, std::string_view file, ResourceChange& rc, const std::string& bad) {
  if (!bad.empty()) {
    batch.findings.push_back(unreviewable(file, path_at(index), bad));
  } else if (unchanged(rc)) {
    ++batch.unchanged;  // most of a plan: nothing more is kept of it
  } else {
    rc.location = path_at(index);
    if (rc.del && !rc.before.empty()) {
      if (auto id = json::value_at(rc.before, "id"); id && id->size() >= 2 && id->front() == '"')
        rc.cloud_id = id->substr(1, id->size() - 2);
    }
    batch.changes.push_back(std::move(rc));
  }
}

void parse_batch(ElementBatch& batch, const json::Scanner& scan, std::string_view file) {
  ResourceChange rc;
  std::string bad;
  for (std::size_t i = 0; i < batch.spans.size(); ++i) {
    rc = ResourceChange{};
    const json::Span span = batch.spans[i];
    const std::size_t end = read_resource_change(scan, span.begin, rc, bad);
    if (end != 0 && end != span.end && bad.empty()) bad = "its members end before its brackets do";
    keep(batch, batch.first + i, file, rc, bad);
  }
  batch.spans = {};
}

// A second thread pays only on an idle core: on a busy machine it competes with the scanning
// thread, which must then find every element's span before a worker reads the element.
unsigned choose_threads(unsigned asked) {
  if (asked > 0) return asked;
  const unsigned cores = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
  double load = 0;
  if (cores > 1 && ::getloadavg(&load, 1) == 1 && load > cores - 1) return 1;
  return cores;
}

}  // namespace

ElementReader::ElementReader(std::string_view file, std::string_view padded, unsigned threads)
    : file_(file),
      padded_(padded),
      scan_(padded),
      threads_(choose_threads(threads)),
      filling_(std::make_unique<ElementBatch>()) {}

ElementReader::~ElementReader() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  ready_.notify_all();
  for (auto& t : workers_) t.join();
}

Result<std::size_t> ElementReader::read(std::size_t begin) {
  ResourceChange rc;
  std::string bad;
  std::size_t end = read_resource_change(scan_, begin, rc, bad);
  if (end == 0) {  // unreadable before its end: its brackets tell where the next one starts
    auto v = scan_.value(begin);
    if (!v) return std::unexpected(v.error());
    end = v->end;
  }
  keep(*filling_, added_++, file_, rc, bad);
  return end;
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
  for (unsigned t = 1; t < threads_; ++t) {
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
  while (ElementBatch* batch = next_batch()) parse_batch(*batch, scan_, file_);
}

void ElementReader::finish(ChangeSet& set) {
  if (!parallel()) {
    std::lock_guard lock(mutex_);
    batches_.push_back(std::exchange(filling_, std::make_unique<ElementBatch>()));
    next_ = batches_.size();  // read already
  }
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
