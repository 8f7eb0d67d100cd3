// Runs the whole labelled corpus through the guard and reports every mislabel at once.
#include <gtest/gtest.h>

#include "countersign/guard/guard.h"
#include "support/guard_corpus.h"
#include "support/test_support.h"

namespace cs::guard {

TEST(GuardCorpus, EveryCommandGetsItsLabel) {
  test::TempDir scratch;
  std::vector<std::string> errors;
  auto cases = test::guard_corpus::load(test::source_dir() / "tests/fixtures/guard", scratch.path(), errors);
  for (const auto& e : errors) ADD_FAILURE() << e;
  EXPECT_GE(cases.size(), 600u) << "the corpus must hold at least 600 labelled commands";
  Config config;
  config.project_dir = "/home/agent/project";
  auto g = Guard::load(config);
  ASSERT_TRUE(g) << g.error().describe();
  std::string report;
  int wrong = 0;
  for (const auto& c : cases) {
    Context ctx{"/home/agent/project", c.env};
    Verdict v = g->classify(c.command, ctx);
    if (to_string(v.decision) == c.expected) continue;
    ++wrong;
    report += c.file + ":" + std::to_string(c.line) + ": expected " + c.expected + ", got " +
              std::string(to_string(v.decision)) + ": " + c.command + "\n    reason: " + v.reason + "\n";
  }
  EXPECT_EQ(wrong, 0) << wrong << " of " << cases.size() << " commands mislabelled:\n" << report;
}

}  // namespace cs::guard
