#include <gtest/gtest.h>

#include "support/test_support.h"

namespace cs::test {

TEST(Cli, VersionListsEmbeddedData) {
  auto r = countersign({"version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("countersign 0.1.0"), std::string::npos);
  EXPECT_NE(r.out.find("agents.yaml"), std::string::npos);
}

TEST(Cli, UnknownSubcommandIsAnError) {
  auto r = countersign({"no-such-command"});
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace cs::test
