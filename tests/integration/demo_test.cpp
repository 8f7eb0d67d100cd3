// `make demo` runs scripts/demo: the gate blocks the demo range, the seniors sign with real SSH
// keys, and the gate passes. This keeps the README's first command honest.
#include <gtest/gtest.h>

#include <string>

#include "support/test_support.h"

namespace cs {
namespace {

TEST(Demo, BlockedThenSignedOffThenPasses) {
  test::TempDir dir;
  const std::string script = (test::source_dir() / "scripts" / "demo").string();
  auto r = test::sh("bash '" + script + "' '" + std::string(CS_BINARY) + "'", dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto blocked = r.out.find("countersign check deployed..main: blocked");
  const auto passed = r.out.find("countersign check deployed..main: pass");
  ASSERT_NE(blocked, std::string::npos) << r.out;
  ASSERT_NE(passed, std::string::npos) << r.out;
  EXPECT_LT(blocked, passed);
  EXPECT_NE(r.out.find("3 commits: 0 missing sign-off, 3 signed off"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("excluded: bob (author, committer)"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace cs
