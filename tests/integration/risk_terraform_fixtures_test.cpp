// Regenerates the Terraform plan fixtures with the real terraform binary (generate.sh in
// tests/fixtures/risk/terraform/) and checks that each fresh plan yields the same findings as
// the committed one: the committed JSON is what Terraform writes today. Skipped, with a
// message, where no terraform is on PATH.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "countersign/risk/risk.h"
#include "support/test_support.h"

namespace cs::test {
namespace {

std::multiset<std::string> rules_of(const std::string& path) {
  auto r = risk::assess_path(path, {});
  EXPECT_TRUE(r) << path;
  std::multiset<std::string> out;
  if (r)
    for (const auto& f : *r) out.insert(f.rule + " " + f.resource);
  return out;
}

TEST(RiskTerraformFixtures, RegeneratedPlansMatchCommittedOnes) {
  if (sh("command -v terraform").exit_code != 0) GTEST_SKIP() << "terraform is not on PATH: fixtures not regenerated";
  const auto dir = source_dir() / "tests/fixtures/risk/terraform";
  TempDir out;
  auto gen = sh(quote((dir / "generate.sh").string()) + " " + quote(out.path().string()));
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  int cases = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_directory()) continue;
    const auto name = entry.path().filename().string();
    const auto fresh = out.path() / name / "plan.json";
    ASSERT_TRUE(std::filesystem::exists(fresh)) << name;
    EXPECT_EQ(rules_of(fresh.string()), rules_of((entry.path() / "plan.json").string())) << name;
    ++cases;
  }
  EXPECT_GE(cases, 10);
}

}  // namespace
}  // namespace cs::test
