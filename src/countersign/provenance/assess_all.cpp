// Assessing many commits: blocks of commits go to worker threads (core/pipeline.h), each with its
// own git::Repository (libgit2 handles are not shared between threads), and come back in order.
// assess_range starts the workers while the walk is still finding commits, so walking and
// assessing overlap.
#include <algorithm>

#include "countersign/core/pipeline.h"
#include "countersign/provenance/provenance.h"

namespace cs::provenance {
namespace {

using Sink = std::function<void(Provenance&&)>;

constexpr size_t kBlock = 256;

// A commit to assess: its id alone, or the bytes a walk has already read.
struct Item {
  git::ObjectId id;
  std::optional<git::RawCommit> raw;
};

Sink collect_into(std::vector<Provenance>& all) {
  return [&all](Provenance&& p) { all.push_back(std::move(p)); };
}

unsigned worker_count(const AssessOptions& options) {
  return options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
}

// Runs `produce` while `workers` assess, each with its own handle (the first is `repo`).
Result<void> run(const git::Repository& repo, const Assessor& assessor, const AssessOptions& options, const Sink& sink,
                 unsigned workers, const OrderedPipeline<Item, Provenance>::Produce& produce) {
  std::vector<git::Repository> handles;
  for (unsigned t = 1; t < workers; ++t) {
    auto h = repo.reopen();
    if (!h) return std::unexpected(h.error());
    handles.push_back(std::move(*h));
  }
  OrderedPipeline<Item, Provenance> pipe(
      [&](unsigned worker, Item&& item) -> Result<Provenance> {
        const git::Repository& r = worker == 0 ? repo : handles[worker - 1];
        auto c = item.raw ? r.parse(*item.raw) : r.commit(item.id);
        if (!c) return std::unexpected(c.error());
        return assessor.assess(r, *c);
      },
      sink);
  return pipe.run(workers, produce, options.progress);
}

}  // namespace

Result<std::vector<Provenance>> assess_all(const git::Repository& repo, const std::vector<git::ObjectId>& commits,
                                           const AssessOptions& options) {
  AssessOptions opt = options;
  if (!opt.tip && !commits.empty()) opt.tip = commits.front();
  auto assessor = Assessor::create(repo, std::move(opt));
  if (!assessor) return std::unexpected(assessor.error());
  // No more workers than blocks: a small range is assessed on this thread alone.
  unsigned workers = unsigned(std::clamp<size_t>((commits.size() + kBlock - 1) / kBlock, 1, worker_count(options)));
  std::vector<Provenance> all;
  all.reserve(commits.size());
  auto done = run(repo, *assessor, options, collect_into(all), workers, [&](const auto& push) -> Result<void> {
    for (size_t i = 0; i < commits.size(); i += kBlock) {
      std::vector<Item> block;
      for (size_t j = i; j < std::min(commits.size(), i + kBlock); ++j) block.push_back({commits[j], std::nullopt});
      if (!push(std::move(block))) break;
    }
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
  // Resolve the tips first: an unknown revision fails before any thread starts.
  auto start = repo.range_start(range);
  if (!start) return std::unexpected(start.error());
  AssessOptions opt = options;
  if (!opt.tip && !start->empty()) opt.tip = start->front();
  auto assessor = Assessor::create(repo, std::move(opt));
  if (!assessor) return std::unexpected(assessor.error());
  // This thread walks, handing on each commit's stored bytes as the walk reads them, then helps
  // assess; the workers parse and assess from the first block on.
  return run(repo, *assessor, options, sink, worker_count(options), [&](const auto& push) -> Result<void> {
    std::vector<Item> block;
    bool open = true;
    auto walked = repo.walk_raw(range, [&](git::RawCommit&& c) {
      block.push_back({c.id, std::move(c)});
      if (block.size() == kBlock) {
        open = push(std::move(block));
        block = {};
      }
      return open;
    });
    if (open && !block.empty()) push(std::move(block));
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
