// Ordered parallel work over a stream: one producer pushes blocks of items, worker threads turn
// each item into a result, and a sink receives the results in the order the items were pushed,
// a block at a time, as soon as every earlier block is done. Blocks not yet delivered are
// bounded, so memory stays flat however long the stream is (a walk over a whole history).
// Used by provenance (scan) and the gate (check), where the producer is a revision walk.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "countersign/core/error.h"

namespace cs {

template <class In, class Out>
class OrderedPipeline {
 public:
  // work(worker, item): worker is 0 for the calling thread and 1..n-1 for the others, so the
  // caller can give each its own handles.
  using Work = std::function<Result<Out>(unsigned worker, In&& item)>;
  using Sink = std::function<void(Out&&)>;
  using Push = std::function<bool(std::vector<In>&&)>;  // false once the pipeline has failed
  using Produce = std::function<Result<void>(const Push&)>;
  using Progress = std::function<void(size_t done, size_t total)>;

  OrderedPipeline(Work work, Sink sink, size_t max_pending = 16)
      : work_(std::move(work)), sink_(std::move(sink)), max_pending_(max_pending) {}

  // Runs `produce` on this thread while `workers - 1` threads work, then this thread works too
  // until everything is delivered. The first failure (the producer's, or the earliest block's)
  // stops everything and is returned; the sink may already have seen a prefix.
  Result<void> run(unsigned workers, const Produce& produce, const Progress& progress = {}) {
    inline_ = workers <= 1;
    std::vector<std::thread> pool;
    for (unsigned w = 1; w < workers; ++w) pool.emplace_back([this, w] { drain(w); });
    auto produced = produce([this](std::vector<In>&& items) { return push(std::move(items)); });
    if (!produced) fail(blocks_pushed(), produced.error());
    close();
    drain(0, progress);
    for (auto& t : pool) t.join();
    if (!error_) deliver();
    if (error_) return std::unexpected(error_->second);
    if (progress) progress(total_, total_);
    return {};
  }

 private:
  struct Block {
    std::vector<In> items;
    std::vector<Out> out;
    bool ready = false;  // done, waiting for the blocks before it to be delivered
  };

  size_t blocks_pushed() {
    std::lock_guard lock(mu_);
    return blocks_.size();
  }

  bool push(std::vector<In>&& items) {
    if (items.empty()) return !failed_;
    if (inline_) return push_and_work_here(std::move(items));
    for (;;) {
      std::unique_lock lock(mu_);
      if (failed_) return false;
      // Counts blocks not yet delivered, not just those not yet taken: one slow block must not
      // let the others pile up behind it.
      if (blocks_.size() - delivered_ < max_pending_) {
        total_ += items.size();
        blocks_.push_back({std::move(items), {}, false});
        break;
      }
      // Full: rather than wait, the producer works on the oldest block nobody has taken (a
      // producer that outruns the workers, like a walk that is already done, is a worker too).
      if (taken_ < blocks_.size()) {
        size_t index = taken_++;
        lock.unlock();
        process(0, index);
        deliver();
        continue;
      }
      room_.wait(lock, [&] { return failed_ || blocks_.size() - delivered_ < max_pending_ || taken_ < blocks_.size(); });
    }
    work_ready_.notify_one();
    return true;
  }

  // With no other thread to drain the queue, the producer does each block's work itself (were
  // it to wait for room instead, nobody would make any).
  bool push_and_work_here(std::vector<In>&& items) {
    size_t index;
    {
      std::lock_guard lock(mu_);
      if (failed_) return false;
      total_ += items.size();
      index = blocks_.size();
      blocks_.push_back({std::move(items), {}, false});
      ++taken_;
    }
    process(0, index);
    deliver();
    return !failed_;
  }

  void close() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    work_ready_.notify_all();
  }

  void drain(unsigned worker, const Progress& progress = {}) {
    for (;;) {
      size_t index;
      {
        std::unique_lock lock(mu_);
        work_ready_.wait(lock, [&] { return failed_ || taken_ < blocks_.size() || closed_; });
        if (failed_ || taken_ >= blocks_.size()) return;
        index = taken_++;
      }
      process(worker, index);
      deliver();
      if (progress && closed_) progress(done_.load(), total_);
    }
  }

  void process(unsigned worker, size_t index) {
    Block* b;
    {
      std::lock_guard lock(mu_);
      b = &blocks_[index];  // a deque: pushing more blocks keeps this valid
    }
    b->out.reserve(b->items.size());
    for (auto& item : b->items) {
      if (failed_) return;
      auto r = work_(worker, std::move(item));
      if (!r) return fail(index, r.error());
      b->out.push_back(std::move(*r));
    }
    std::vector<In>().swap(b->items);  // `= {}` would keep the capacity
    done_ += b->out.size();
    std::lock_guard lock(mu_);
    b->ready = true;
  }

  // Hands finished blocks to the sink in order and frees them, one thread at a time. The lock
  // is taken, not tried: a worker that gave up because another was delivering could leave the
  // front block ready but undelivered while the producer waits for room.
  void deliver() {
    std::lock_guard d(deliver_mu_);
    for (;;) {
      Block* b = nullptr;
      {
        std::lock_guard lock(mu_);
        if (failed_ || delivered_ >= blocks_.size() || !blocks_[delivered_].ready) return;
        b = &blocks_[delivered_];
      }
      for (auto& r : b->out) sink_(std::move(r));
      std::vector<Out>().swap(b->out);
      {
        std::lock_guard lock(mu_);
        ++delivered_;
      }
      room_.notify_one();
    }
  }

  void fail(size_t block, Error e) {
    {
      std::lock_guard lock(mu_);
      if (!error_ || block < error_->first) error_.emplace(block, std::move(e));
      failed_ = true;
    }
    work_ready_.notify_all();
    room_.notify_all();
  }

  Work work_;
  Sink sink_;
  const size_t max_pending_;
  std::mutex mu_, deliver_mu_;
  std::condition_variable work_ready_, room_;
  std::deque<Block> blocks_;
  size_t taken_ = 0, delivered_ = 0;
  bool inline_ = false;
  std::atomic<size_t> total_{0}, done_{0};
  std::atomic<bool> closed_{false}, failed_{false};
  std::optional<std::pair<size_t, Error>> error_;
};

}  // namespace cs
