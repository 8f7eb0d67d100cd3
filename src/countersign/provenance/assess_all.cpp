// assess_all: a range split across threads. Each worker has its own git::Repository (libgit2
// handles are not shared between threads) and takes blocks of commits from a shared counter, so
// that a few expensive commits (notes that need a diff) do not leave a core idle.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "countersign/provenance/provenance.h"

namespace cs::provenance {
namespace {

constexpr size_t kBlock = 512;

}  // namespace

Result<std::vector<Provenance>> assess_all(const git::Repository& repo, const std::vector<git::ObjectId>& commits,
                                           const AssessOptions& options) {
  auto assessor = Assessor::create(repo, options);
  if (!assessor) return std::unexpected(assessor.error());

  std::vector<Provenance> out(commits.size());
  unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = unsigned(std::min<size_t>(threads, (commits.size() + kBlock - 1) / kBlock));
  threads = std::max(1u, threads);

  std::atomic<size_t> next{0}, done{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::optional<Error> first_error;
  auto fail_with = [&](Error e) {
    std::lock_guard lock(error_mutex);
    if (!first_error) first_error = std::move(e);
    failed = true;
  };

  auto work = [&](const git::Repository& r, bool reports_progress) {
    while (!failed) {
      size_t begin = next.fetch_add(kBlock);
      if (begin >= commits.size()) return;
      size_t end = std::min(commits.size(), begin + kBlock);
      for (size_t i = begin; i < end; ++i) {
        auto c = r.commit(commits[i]);
        if (!c) return fail_with(c.error());
        auto p = assessor->assess(r, *c);
        if (!p) return fail_with(p.error());
        out[i] = std::move(*p);
      }
      size_t d = done.fetch_add(end - begin) + (end - begin);
      if (reports_progress && options.progress) options.progress(d, commits.size());
    }
  };

  std::vector<git::Repository> handles;
  for (unsigned t = 1; t < threads; ++t) {
    auto h = repo.reopen();
    if (!h) return std::unexpected(h.error());
    handles.push_back(std::move(*h));
  }
  std::vector<std::thread> pool;
  for (auto& h : handles) pool.emplace_back([&work, &h] { work(h, false); });
  work(repo, true);
  for (auto& t : pool) t.join();
  if (first_error) return std::unexpected(*first_error);
  if (options.progress) options.progress(commits.size(), commits.size());
  return out;
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
