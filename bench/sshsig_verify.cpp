// In-process SSHSIG verification speed, beside the per-call cost of `ssh-keygen -Y verify` on the
// same signature measured in the same run. Target: >= 5,000 Ed25519 verifications/s on one core.
// Keys and signatures are made by the real ssh-keygen in a temporary directory.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <sodium.h>

#include "countersign/signoff/ed25519.h"
#include "countersign/signoff/sshsig.h"

namespace {

namespace fs = std::filesystem;
using cs::signoff::kApprovalNamespace;

const std::string kStatement =
    "countersign-approval v1\nrepo github.com/example/app\n"
    "change 5f1c9e0b6a2d4c8e9f7a3b1d0c2e4f6a8b9c7d5e3f1a2b4c6d8e0f1a3b5c7d9e\n"
    "commit 0123456789abcdef0123456789abcdef01234567\napprover alice@example.com\nrole senior\n"
    "time 2026-11-25T06:00:00Z\n";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int run(const std::string& cmd) {
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A key of one type, the statement signed by ssh-keygen, and an allowed_signers file for it.
struct Fixture {
  fs::path dir;
  std::string armored;
  fs::path signers, sig, msg;

  explicit Fixture(const std::string& keygen_args) {
    std::string tmpl = (fs::temp_directory_path() / "cs-bench-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) std::abort();
    dir = tmpl;
    msg = dir / "msg";
    std::ofstream(msg) << kStatement;
    const std::string key = (dir / "id").string();
    if (run("ssh-keygen -q " + keygen_args + " -N '' -C alice@example.com -f " + key) != 0 ||
        run("ssh-keygen -q -Y sign -n countersign-approval -f " + key + " " + msg.string()) != 0) {
      std::fprintf(stderr, "ssh-keygen failed\n");
      std::exit(2);
    }
    sig = msg.string() + ".sig";
    armored = slurp(sig);
    signers = dir / "allowed_signers";
    std::ofstream(signers) << "alice@example.com " << slurp(key + ".pub");
  }
  ~Fixture() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string ssh_keygen_verify_command() const {
    return "ssh-keygen -Y verify -f " + signers.string() + " -I alice@example.com -n countersign-approval -s " +
           sig.string() + " < " + msg.string() + " > /dev/null 2>&1";
  }
};

Fixture& ed25519() {
  static Fixture f("-t ed25519");
  return f;
}

// Parse the armored text and verify: what checking one stored approval costs.
void verify_loop(benchmark::State& state, const Fixture& f) {
  for (auto _ : state) {
    auto sig = cs::signoff::sshsig_parse(f.armored);
    auto ok = sig && cs::signoff::sshsig_verify(*sig, kStatement, kApprovalNamespace);
    if (!ok) state.SkipWithError("verification failed");
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_SshsigVerifyEd25519(benchmark::State& state) { verify_loop(state, ed25519()); }
BENCHMARK(BM_SshsigVerifyEd25519);

void BM_SshsigVerifyEcdsaP256(benchmark::State& state) {
  static Fixture f("-t ecdsa -b 256");
  verify_loop(state, f);
}
BENCHMARK(BM_SshsigVerifyEcdsaP256);

void BM_SshsigVerifyRsa3072(benchmark::State& state) {
  static Fixture f("-t rsa -b 3072");
  verify_loop(state, f);
}
BENCHMARK(BM_SshsigVerifyRsa3072);

// The Ed25519 primitive alone: libsodium's verification (what a key's first signatures use),
// the tabulated key's (what every later one uses), and the cost of tabulating a key.
struct RawEd25519 {
  std::array<uint8_t, 32> pk{};
  std::array<uint8_t, 64> sig{};
  std::vector<uint8_t> msg = std::vector<uint8_t>(kStatement.begin(), kStatement.end());
  RawEd25519() {
    if (sodium_init() < 0) std::abort();
    uint8_t sk[64];
    crypto_sign_keypair(pk.data(), sk);
    crypto_sign_detached(sig.data(), nullptr, msg.data(), msg.size(), sk);
  }
};

void BM_Ed25519VerifyLibsodium(benchmark::State& state) {
  static RawEd25519 k;
  for (auto _ : state)
    if (crypto_sign_verify_detached(k.sig.data(), k.msg.data(), k.msg.size(), k.pk.data()) != 0)
      state.SkipWithError("verification failed");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Ed25519VerifyLibsodium);

void BM_Ed25519VerifyTabulated(benchmark::State& state) {
  static RawEd25519 k;
  static auto key = cs::signoff::ed25519::PrecomputedKey::make(k.pk);
  for (auto _ : state)
    if (!key->verify(k.sig, k.msg)) state.SkipWithError("verification failed");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Ed25519VerifyTabulated);

void BM_Ed25519Tabulate(benchmark::State& state) {
  static RawEd25519 k;
  for (auto _ : state) benchmark::DoNotOptimize(cs::signoff::ed25519::PrecomputedKey::make(k.pk));
}
BENCHMARK(BM_Ed25519Tabulate)->Unit(benchmark::kMicrosecond);

// The reference: one `ssh-keygen -Y verify` process per signature (wall time).
void BM_SshKeygenVerifyEd25519(benchmark::State& state) {
  const std::string cmd = ed25519().ssh_keygen_verify_command();
  for (auto _ : state)
    if (run(cmd) != 0) state.SkipWithError("ssh-keygen -Y verify failed");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SshKeygenVerifyEd25519)->Iterations(50)->UseRealTime()->Unit(benchmark::kMillisecond);

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

double children_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_CHILDREN, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// The headline figure, measured directly so the comparison is printed in one line. CPU time is
// the fair "one core" measure on a shared machine; wall time is printed too.
void print_summary() {
  using clock = std::chrono::steady_clock;
  const auto& f = ed25519();
  int n = 0;
  const auto start = clock::now();
  const double cpu0 = thread_cpu_seconds();
  while (thread_cpu_seconds() - cpu0 < 1.0) {
    for (int i = 0; i < 100; ++i) {
      auto sig = cs::signoff::sshsig_parse(f.armored);
      if (!sig || !cs::signoff::sshsig_verify(*sig, kStatement, kApprovalNamespace)) std::abort();
    }
    n += 100;
  }
  const double ours_cpu = n / (thread_cpu_seconds() - cpu0);
  const double ours_wall = n / std::chrono::duration<double>(clock::now() - start).count();

  constexpr int kCalls = 50;
  const std::string cmd = f.ssh_keygen_verify_command();
  const auto t0 = clock::now();
  const double child0 = children_cpu_seconds();
  for (int i = 0; i < kCalls; ++i)
    if (run(cmd) != 0) std::abort();
  const double call_wall = std::chrono::duration<double>(clock::now() - t0).count() / kCalls;
  const double call_cpu = (children_cpu_seconds() - child0) / kCalls;
  // The curve alone, both ways: a key's first 32 signatures go through libsodium, the rest
  // through the key's table.
  static RawEd25519 raw;
  auto per_second = [](auto&& verify) {
    int count = 0;
    const double c0 = thread_cpu_seconds();
    while (thread_cpu_seconds() - c0 < 0.5) {
      for (int i = 0; i < 100; ++i)
        if (!verify()) std::abort();
      count += 100;
    }
    return count / (thread_cpu_seconds() - c0);
  };
  const double sodium = per_second(
      [&] { return crypto_sign_verify_detached(raw.sig.data(), raw.msg.data(), raw.msg.size(), raw.pk.data()) == 0; });
  auto table = cs::signoff::ed25519::PrecomputedKey::make(raw.pk);
  const double tabulated = per_second([&] { return table->verify(raw.sig, raw.msg); });
  std::printf(
      "\nSSHSIG Ed25519 verification, parse + verify, one thread (a key that signs many statements):\n"
      "  countersign (in-process): %.0f/s by CPU time (%.1f us each), %.0f/s by wall time\n"
      "  ssh-keygen -Y verify (%d calls): %.2f ms/call wall, %.2f ms/call CPU (sh + ssh-keygen)\n"
      "  ratio (CPU): %.0fx   target >= 5000/s on one core: %s\n"
      "  the curve alone: libsodium %.0f/s (a key's first 32 signatures), tabulated key %.0f/s\n",
      ours_cpu, 1e6 / ours_cpu, ours_wall, kCalls, call_wall * 1e3, call_cpu * 1e3, ours_cpu * call_cpu,
      ours_cpu >= 5000 ? "met" : "NOT MET", sodium, tabulated);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  print_summary();
  return 0;
}
