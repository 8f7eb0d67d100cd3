// Assessing many commits: blocks of commits go to worker threads, each with its own
// git::Repository (libgit2 handles are not shared between threads). assess_range starts the
// workers while the walk is still finding commits, so walking and assessing overlap.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "countersign/provenance/provenance.h"

namespace cs::provenance {
namespace {

using Sink = std::function<void(Provenance&&)>;

constexpr size_t kBlock = 256;

constexpr size_t kMaxPendingBlocks = 16;  // bounds memory when the walk outruns the workers

struct Block {
  std::vector<git::ObjectId> ids;
  std::vector<git::RawCommit> commits;  // already read by the walker, or empty: workers read them
  std::vector<Provenance> out;
  bool ready = false;  // assessed, waiting to be handed to the sink in order
};

// A queue of blocks fed by one producer and drained by the workers; blocks keep their order.
class Pipeline {
 public:
  Pipeline(const Assessor& assessor, const AssessOptions& options, const Sink& sink)
      : assessor_(assessor), options_(options), sink_(sink) {}

  void push(std::vector<git::ObjectId> ids, std::vector<git::RawCommit> commits = {}) {
    {
      std::unique_lock lock(mu_);
      // Counts blocks not yet delivered, not just those not yet taken: one slow block must not
      // let the others pile up behind it.
      room_.wait(lock, [&] { return failed_ || blocks_.size() - delivered_ < kMaxPendingBlocks; });
      total_ += ids.size();
      blocks_.push_back({std::move(ids), std::move(commits), {}});
    }
    cv_.notify_one();
  }
  void close() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    cv_.notify_all();
  }
  bool failed() const { return failed_; }

  void work(const git::Repository& repo, bool reports_progress) {
    while (Block* b = next()) {
      b->out.reserve(b->ids.size());
      for (size_t i = 0; i < b->ids.size(); ++i) {
        Result<git::Commit> c = i < b->commits.size() ? repo.parse(b->commits[i]) : repo.commit(b->ids[i]);
        if (!c) return fail(c.error());
        auto p = assessor_.assess(repo, *c);
        if (!p) return fail(p.error());
        b->out.push_back(std::move(*p));
      }
      b->commits = {};
      {
        std::lock_guard lock(mu_);
        b->ready = true;
      }
      deliver();
      size_t done = done_.fetch_add(b->ids.size()) + b->ids.size();
      if (reports_progress && options_.progress && closed_) options_.progress(done, total_);
    }
  }

  // Hands finished blocks to the sink in walk order and frees them, one thread at a time. The
  // lock is taken, not tried: a worker that gave up because another was delivering could leave
  // the front block ready but undelivered while the walker waits for room, and nobody would wake.
  void deliver() {
    std::lock_guard d(deliver_mu_);
    for (;;) {
      Block* b = nullptr;
      {
        std::lock_guard lock(mu_);
        if (failed_ || delivered_ >= blocks_.size() || !blocks_[delivered_].ready) return;
        b = &blocks_[delivered_];
      }
      for (auto& p : b->out) sink_(std::move(p));
      b->out = {};
      b->ids = {};
      {
        std::lock_guard lock(mu_);
        ++delivered_;
      }
      room_.notify_one();
    }
  }

  Result<void> finish() {
    if (!error_) deliver();
    if (error_) return std::unexpected(*error_);
    if (options_.progress) options_.progress(total_, total_);
    return {};
  }

  void fail(Error e) {
    std::lock_guard lock(mu_);
    if (!error_) error_ = std::move(e);
    failed_ = true;
    cv_.notify_all();
    room_.notify_all();
  }

 private:
  Block* next() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return failed_ || taken_ < blocks_.size() || closed_; });
    if (failed_ || taken_ >= blocks_.size()) return nullptr;
    return &blocks_[taken_++];  // deque: pushing more blocks keeps this pointer valid
  }

  const Assessor& assessor_;
  const AssessOptions& options_;
  const Sink& sink_;
  std::mutex mu_, deliver_mu_;
  size_t delivered_ = 0;
  std::condition_variable cv_, room_;
  std::deque<Block> blocks_;
  size_t taken_ = 0;
  std::atomic<size_t> total_{0}, done_{0};
  std::atomic<bool> closed_{false}, failed_{false};
  std::optional<Error> error_;
};

// Runs `produce` (which pushes blocks and returns) on this thread while `threads` workers drain
// the pipeline, then the caller's thread helps finish.
Result<void> run(const git::Repository& repo, const Assessor& assessor, const AssessOptions& options, const Sink& sink,
                 unsigned threads, const std::function<Result<void>(Pipeline&)>& produce) {
  Pipeline pipe(assessor, options, sink);
  std::vector<git::Repository> handles;
  for (unsigned t = 0; t < threads; ++t) {
    auto h = repo.reopen();
    if (!h) return std::unexpected(h.error());
    handles.push_back(std::move(*h));
  }
  std::vector<std::thread> pool;
  for (auto& h : handles) pool.emplace_back([&pipe, &h] { pipe.work(h, false); });
  auto produced = produce(pipe);
  if (!produced) pipe.fail(produced.error());
  pipe.close();
  pipe.work(repo, true);
  for (auto& t : pool) t.join();
  return pipe.finish();
}

Sink collect_into(std::vector<Provenance>& all) {
  return [&all](Provenance&& p) { all.push_back(std::move(p)); };
}

unsigned worker_count(const AssessOptions& options) {
  unsigned n = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  return n;
}

}  // namespace

Result<std::vector<Provenance>> assess_all(const git::Repository& repo, const std::vector<git::ObjectId>& commits,
                                           const AssessOptions& options) {
  AssessOptions opt = options;
  if (!opt.tip && !commits.empty()) opt.tip = commits.front();
  auto assessor = Assessor::create(repo, std::move(opt));
  if (!assessor) return std::unexpected(assessor.error());
  // The calling thread is one of the workers: start threads-1 more, and none for a small range.
  unsigned extra = unsigned(std::min<size_t>(worker_count(options) - 1, commits.size() / kBlock));
  // The calling thread pushes every block before it works, and pushing waits for room: with more
  // than one block, at least one worker must drain the pipeline meanwhile.
  if (extra == 0 && commits.size() > kBlock) extra = 1;
  std::vector<Provenance> all;
  all.reserve(commits.size());
  auto done = run(repo, *assessor, options, collect_into(all), extra, [&](Pipeline& pipe) -> Result<void> {
    for (size_t i = 0; i < commits.size(); i += kBlock)
      pipe.push({commits.begin() + i, commits.begin() + std::min(commits.size(), i + kBlock)});
    return {};
  });
  if (!done) return std::unexpected(done.error());
  return all;
}

Result<std::vector<Provenance>> assess_range(const git::Repository& repo, std::string_view range,
                                             const AssessOptions& options) {
  std::vector<Provenance> all;
  auto done = assess_range(repo, range, collect_into(all), options);
  if (!done) return std::unexpected(done.error());
  return all;
}

Result<void> assess_range(const git::Repository& repo, std::string_view range, const Sink& sink,
                          const AssessOptions& options) {
  // Resolve the tip first: an unknown revision fails before any thread starts.
  std::vector<git::ObjectId> first;
  auto probe = repo.walk(range, [&](const git::ObjectId& id) {
    first.push_back(id);
    return false;
  });
  if (!probe) return std::unexpected(probe.error());
  AssessOptions opt = options;
  if (!opt.tip && !first.empty()) opt.tip = first.front();
  auto assessor = Assessor::create(repo, std::move(opt));
  if (!assessor) return std::unexpected(assessor.error());
  // This thread walks, handing on each commit's stored bytes as the walk reads them, then helps
  // assess; the workers parse and assess from the first block on.
  return run(repo, *assessor, options, sink, worker_count(options), [&](Pipeline& pipe) -> Result<void> {
    std::vector<git::ObjectId> ids;
    std::vector<git::RawCommit> commits;
    auto walked = repo.walk_raw(range, [&](git::RawCommit&& c) {
      ids.push_back(c.id);
      commits.push_back(std::move(c));
      if (ids.size() == kBlock) {
        pipe.push(std::move(ids), std::move(commits));
        ids = {};
        commits = {};
      }
      return !pipe.failed();
    });
    if (!ids.empty()) pipe.push(std::move(ids), std::move(commits));
    return walked;
  });
}

}  // namespace cs::provenance

namespace cs::provenance {

std::optional<std::string> branch_of_range(const git::Repository& repo, std::string_view range) {
  if (range.empty()) return repo.head_branch();
  auto dots = range.find("..");
  if (dots == std::string_view::npos) return std::nullopt;
  std::string_view right = range.substr(dots + (range.compare(dots, 3, "...") == 0 ? 3 : 2));
  if (right.empty() || right == "HEAD") return repo.head_branch();
  for (std::string prefix : {"refs/heads/", "refs/remotes/"}) {
    std::string full = right.starts_with(prefix) ? std::string(right) : prefix + std::string(right);
    if (auto ref = repo.reference(full); ref && *ref) return full;
  }
  return std::nullopt;
}

}  // namespace cs::provenance
