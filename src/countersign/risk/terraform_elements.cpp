#include "countersign/risk/terraform_elements.h"

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

void parse_batch(ElementBatch& batch, std::string_view file, std::string_view padded) {
  ResourceChange rc;
  std::string bad;
  for (std::size_t i = 0; i < batch.spans.size(); ++i) {
    rc = ResourceChange{};
    const json::Span span = batch.spans[i];
    if (!read_resource_change(padded.substr(span.begin, span.end - span.begin), rc, bad)) {
      batch.findings.push_back(unreviewable(file, path_at(batch.first + i), bad));
    } else if (unchanged(rc)) {
      ++batch.unchanged;  // most of a plan: nothing more is kept of it
    } else {
      rc.location = path_at(batch.first + i);
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
  while (ElementBatch* batch = next_batch()) parse_batch(*batch, file_, padded_);
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
