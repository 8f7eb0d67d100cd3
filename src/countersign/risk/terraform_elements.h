// The elements of a Terraform plan's resource_changes array, read while the scanner walks the
// rest of the plan: the scanning thread hands over each element's span, worker threads read
// batches of them meanwhile, and finish() merges the results in element order. A plan's size
// is mostly these elements, so both cores work on them.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "countersign/risk/change_model.h"
#include "countersign/risk/json_scan.h"

namespace cs::risk {

// A managed resource that the plan leaves as it is: most of a plan, counted and not kept.
inline bool unchanged(const ResourceChange& rc) {
  return rc.managed && !rc.del && !rc.create && !rc.update && !rc.forget;
}

// Reads one element (its text, with readable padding after it as json::Scanner needs) into
// `rc`; false with the reason in `bad` when it is malformed or not valid UTF-8. The strings of
// an unchanged resource are left empty.
bool read_resource_change(std::string_view element, ResourceChange& rc, std::string& bad);

struct ElementBatch;  // a run of consecutive elements and what they were read as

class ElementReader {
 public:
  // `padded` is the whole plan with its padding; `file` names it in findings.
  ElementReader(std::string_view file, std::string_view padded);
  ElementReader(const ElementReader&) = delete;
  ElementReader& operator=(const ElementReader&) = delete;
  ~ElementReader();

  // The next element, in order. Its bytes are known to hold balanced brackets.
  void add(json::Span element);
  // Parses what is left (on this thread too), then moves every result into `set` in element
  // order: managed no-ops are counted, other changes kept, unreadable elements reported.
  void finish(ChangeSet& set);

 private:
  void submit(bool start_workers);
  void work();
  ElementBatch* next_batch();

  std::string_view file_, padded_;
  std::unique_ptr<ElementBatch> filling_;
  std::size_t added_ = 0;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<std::unique_ptr<ElementBatch>> batches_;  // in element order
  std::size_t next_ = 0;                                // the first batch no thread has taken
  bool closed_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace cs::risk
