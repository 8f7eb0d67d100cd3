// assess_range's streaming form: results reach the sink in walk order, across many blocks and
// threads, and the scan writer renders the stream exactly as it renders the whole vector.
#include <gtest/gtest.h>

#include <string>

#include "countersign/provenance/provenance.h"
#include "countersign/report/report.h"
#include "support/test_support.h"

namespace cs::provenance {
namespace {

// A linear history of `n` commits, written with git fast-import (fast enough for thousands).
void make_history(const test::GitRepo& repo, int n) {
  std::string in;
  for (int i = 1; i <= n; ++i) {
    std::string msg = "change " + std::to_string(i) + "\n";
    if (i % 3 == 0) msg += "\nCo-authored-by: Claude <noreply@anthropic.com>\n";
    std::string body = std::to_string(i) + "\n";
    in += "commit refs/heads/main\nmark :" + std::to_string(i) + "\n";
    in += "author Dev <dev@example.com> " + std::to_string(1700000000 + i) + " +0000\n";
    in += "committer Dev <dev@example.com> " + std::to_string(1700000000 + i) + " +0000\n";
    in += "data " + std::to_string(msg.size()) + "\n" + msg;
    if (i > 1) in += "from :" + std::to_string(i - 1) + "\n";
    in += "M 100644 inline f" + std::to_string(i % 7) + ".txt\ndata " + std::to_string(body.size()) + "\n" + body + "\n";
  }
  auto r = test::sh("git fast-import --quiet", repo.path(), in);
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

TEST(AssessStream, DeliversEveryCommitInWalkOrder) {
  test::GitRepo repo;
  make_history(repo, 1500);  // six blocks, so several threads finish out of order
  auto r = git::Repository::open(repo.path().string());
  ASSERT_TRUE(r);
  auto order = r->commits_in("main");
  ASSERT_TRUE(order);
  ASSERT_EQ(order->size(), 1500u);

  std::vector<Provenance> streamed;
  AssessOptions opt;
  opt.threads = 3;
  auto done = assess_range(*r, "main", [&](Provenance&& p) { streamed.push_back(std::move(p)); }, opt);
  ASSERT_TRUE(done) << done.error().describe();
  ASSERT_EQ(streamed.size(), order->size());
  for (size_t i = 0; i < streamed.size(); ++i) ASSERT_EQ(streamed[i].commit, (*order)[i]) << i;
  size_t assisted = 0;
  for (const auto& p : streamed) assisted += p.cls == Class::ai_assisted;
  EXPECT_EQ(assisted, 500u);

  // The streaming writer and the whole-vector renderer agree, in every format.
  for (auto f : {report::Format::json, report::Format::text, report::Format::markdown}) {
    report::ScanWriter w(nullptr, "main", f);
    for (const auto& p : streamed) w.add(p);
    EXPECT_EQ(w.take(), report::render_scan({"main", &streamed}, f));
  }
}

TEST(AssessStream, OneThreadOverManyBlocksFinishes) {
  test::GitRepo repo;
  make_history(repo, 300);
  auto r = git::Repository::open(repo.path().string());
  auto order = r->commits_in("main");
  ASSERT_TRUE(order);
  // More blocks than the pipeline holds, with one thread asked for: the push must not wait for
  // room that nobody makes.
  std::vector<git::ObjectId> many;
  for (int k = 0; k < 20; ++k) many.insert(many.end(), order->begin(), order->end());
  AssessOptions opt;
  opt.threads = 1;
  auto all = assess_all(*r, many, opt);
  ASSERT_TRUE(all) << all.error().describe();
  ASSERT_EQ(all->size(), many.size());
  for (size_t i = 0; i < many.size(); ++i) ASSERT_EQ((*all)[i].commit, many[i]) << i;
}

TEST(AssessStream, UnknownRevisionReachesNoSink) {
  test::GitRepo repo;
  make_history(repo, 10);
  auto r = git::Repository::open(repo.path().string());
  size_t calls = 0;
  auto done = assess_range(*r, "nope..main", [&](Provenance&&) { ++calls; });
  EXPECT_FALSE(done);
  EXPECT_EQ(calls, 0u);
}

TEST(ScanWriter, EmptyRangeIsAValidReport) {
  report::ScanWriter w(nullptr, "a..a", report::Format::json);
  auto out = w.take();
  EXPECT_NE(out.find("\"commits\":[\n]"), std::string::npos) << out;
  EXPECT_NE(out.find("\"summary\":{\"commits\":0"), std::string::npos) << out;
}

}  // namespace
}  // namespace cs::provenance
