// The elements of a Terraform plan's resource_changes array. A plan's size is mostly these
// elements, so when a core is idle they are read in parallel with the rest of the plan: the
// scanning thread finds each element's span and hands it over, worker threads read batches of
// them meanwhile. On a machine whose cores are all busy a second thread only competes with the
// first, and finding the spans first means reading every element twice; there the scanning
// thread reads each element where it stands. Either way finish() merges the results in
// element order.
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

// Reads the element starting at `element` into `rc`, with the reason in `bad` when it is
// malformed or not valid UTF-8. Returns one past its end, or 0 when it could not be read that
// far. The strings of an unchanged resource are left empty.
std::size_t read_resource_change(const json::Scanner& scan, std::size_t element, ResourceChange& rc, std::string& bad);

struct ElementBatch;  // a run of consecutive elements and what they were read as

class ElementReader {
 public:
  // `padded` is the whole plan with its padding; `file` names it in findings. `threads`: 0 to
  // decide from the machine (all cores when one is idle, else one), 1 to read every element on
  // the calling thread.
  ElementReader(std::string_view file, std::string_view padded, unsigned threads);
  ElementReader(const ElementReader&) = delete;
  ElementReader& operator=(const ElementReader&) = delete;
  ~ElementReader();

  // Whether elements go to workers by their spans (add) or are read in place (read).
  bool parallel() const { return threads_ > 1; }
  // The next element, in order, when parallel(). Its bytes are known to hold balanced brackets.
  void add(json::Span element);
  // Reads the next element, which starts at `begin`, on this thread; returns its end. An error
  // is an element the array cannot be read past (not balanced).
  Result<std::size_t> read(std::size_t begin);
  // Parses what is left (on this thread too), then moves every result into `set` in element
  // order: managed no-ops are counted, other changes kept, unreadable elements reported.
  void finish(ChangeSet& set);

 private:
  void submit(bool start_workers);
  void work();
  ElementBatch* next_batch();

  std::string_view file_, padded_;
  json::Scanner scan_;
  unsigned threads_;
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
