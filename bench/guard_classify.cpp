// In-process guard classification over the labelled corpus (tests/fixtures/guard): the median
// and p99 latency of Guard::classify per command, beside the 20 µs target, and the cost of
// Guard::load (paid once per hook process) from the compiled packs beside the YAML ones.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "../tests/support/guard_corpus.h"
#include "countersign/guard/guard.h"

namespace {

using cs::guard::Guard;

struct Fixture {
  std::vector<cs::test::guard_corpus::Case> cases;
  std::vector<cs::guard::Context> contexts;
  std::filesystem::path scratch;
};

// The corpus beside this source: __FILE__ may be relative to the build directory (ccache
// base_dir), so the executable's own place in <source>/build/<preset>/bench/ is tried too.
std::filesystem::path corpus_dir() {
  const auto rel = std::filesystem::path("tests/fixtures/guard");
  auto from_source = std::filesystem::path(__FILE__).parent_path().parent_path() / rel;
  if (std::filesystem::is_directory(from_source)) return from_source;
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return exe.parent_path().parent_path().parent_path().parent_path() / rel;
}

Fixture& fixture() {
  static Fixture f = [] {
    Fixture x;
    x.scratch = std::filesystem::temp_directory_path() / "cs-bench-guard";
    std::filesystem::create_directories(x.scratch);
    std::vector<std::string> errors;
    auto dir = corpus_dir();
    x.cases = cs::test::guard_corpus::load(dir, x.scratch, errors);
    for (const auto& c : x.cases) x.contexts.push_back({"/home/agent/project", c.env});
    return x;
  }();
  return f;
}

// Thread CPU time in microseconds: the machine is shared, wall time is inflated by other load.
double cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e6 + double(ts.tv_nsec) / 1e3;
}

double percentile(std::vector<double>& v, int pct) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, v.size() * std::size_t(pct) / 100)];
}

Guard load_guard(bool compiled = true) {
  cs::guard::Config config;
  config.project_dir = "/home/agent/project";
  config.compiled_packs = compiled;
  auto g = Guard::load(config);
  if (!g) {
    std::fprintf(stderr, "%s\n", g.error().describe().c_str());
    std::abort();
  }
  return std::move(*g);
}

void BM_GuardLoad(benchmark::State& state) {
  for (auto _ : state) {
    Guard g = load_guard();
    benchmark::DoNotOptimize(g.rule_count());
  }
}
BENCHMARK(BM_GuardLoad)->Unit(benchmark::kMicrosecond);

// The same packs parsed from their YAML, as every hook process did before they were compiled
// at build time (and as a pack overridden through $COUNTERSIGN_DATA_DIR still is).
void BM_GuardLoadFromYaml(benchmark::State& state) {
  for (auto _ : state) {
    Guard g = load_guard(false);
    benchmark::DoNotOptimize(g.rule_count());
  }
}
BENCHMARK(BM_GuardLoadFromYaml)->Unit(benchmark::kMicrosecond);

void BM_GuardClassifyCorpus(benchmark::State& state) {
  Fixture& f = fixture();
  Guard g = load_guard();
  std::size_t i = 0;
  for (auto _ : state) {
    auto v = g.classify(f.cases[i].command, f.contexts[i]);
    benchmark::DoNotOptimize(v.decision);
    i = (i + 1) % f.cases.size();
  }
  // Per-command latencies, 20 rounds over the corpus: median and p99, CPU and wall time.
  std::vector<double> cpu, wall;
  for (int round = 0; round < 20; ++round) {
    for (std::size_t k = 0; k < f.cases.size(); ++k) {
      double c0 = cpu_us();
      auto t0 = std::chrono::steady_clock::now();
      auto v = g.classify(f.cases[k].command, f.contexts[k]);
      auto t1 = std::chrono::steady_clock::now();
      double c1 = cpu_us();
      benchmark::DoNotOptimize(v.decision);
      cpu.push_back(c1 - c0);
      wall.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
  }
  double median = percentile(cpu, 50), p99 = percentile(cpu, 99);
  double wall_median = percentile(wall, 50), wall_p99 = percentile(wall, 99);
  state.counters["median_us"] = median;
  state.counters["p99_us"] = p99;
  state.counters["commands"] = double(f.cases.size());
  static bool printed = false;
  if (!printed) {
    printed = true;
    std::printf("guard classify over %zu corpus commands (CPU time): median %.2f us, p99 %.2f us "
                "(target: median < 20 us); wall: median %.2f us, p99 %.2f us\n",
                f.cases.size(), median, p99, wall_median, wall_p99);
  }
}
BENCHMARK(BM_GuardClassifyCorpus)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
