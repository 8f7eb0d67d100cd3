// Inputs that are not what they look like: a Terraform state given instead of a plan, a plan
// behind a byte-order mark or with its keys sorted, and input without end.
#include <gtest/gtest.h>

#include "support/test_support.h"

namespace cs::test {
namespace {

const std::string kDelete =
    R"({"address":"aws_db_instance.main","type":"aws_db_instance","name":"main","change":{"actions":["delete"],"before":{},"after":null}})";

RunResult risk_of(const TempDir& dir, const std::string& name, const std::string& text,
                  std::vector<std::string> extra = {}) {
  sh("cat > " + quote((dir.path() / name).string()), {}, text);
  std::vector<std::string> args{"risk", (dir.path() / name).string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return countersign(args);
}

TEST(RiskInputs, TerraformStateIsNotAPlan) {
  TempDir dir;
  for (const char* state :
       {R"({"format_version":"1.0","terraform_version":"1.6.0","values":{"root_module":{"resources":[]}}})",
        R"({"values":{"root_module":{}},"terraform_version":"1.9.0","format_version":"1.0"})"}) {
    auto r = risk_of(dir, "state.json", state);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("a Terraform state"), std::string::npos) << r.err;
  }
  // A plan with no changes is still a plan.
  auto empty = risk_of(dir, "plan.json",
                       R"({"format_version":"1.2","terraform_version":"1.6.0","planned_values":{},"resource_changes":[]})");
  EXPECT_EQ(empty.exit_code, 0) << empty.out << empty.err;
}

TEST(RiskInputs, ByteOrderMarkAndKeyOrderDoNotHideTheFinding) {
  TempDir dir;
  const std::string plan = R"({"format_version":"1.2","terraform_version":"1.6.0","resource_changes":[)" + kDelete + "]}";
  auto bom = risk_of(dir, "bom.json", "\xEF\xBB\xBF" + plan);
  EXPECT_EQ(bom.exit_code, 1) << bom.out << bom.err;
  EXPECT_NE(bom.out.find("critical [stateful-delete]"), std::string::npos) << bom.out;
  // Keys sorted (jq -S): a configuration over 64 KiB comes before format_version.
  std::string big(100 * 1024, 'x');
  const std::string sorted = R"({"configuration":{"note":")" + big + R"("},"format_version":"1.2","resource_changes":[)" +
                             kDelete + R"(],"terraform_version":"1.6.0"})";
  auto r = risk_of(dir, "sorted.json", sorted);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("critical [stateful-delete]"), std::string::npos) << r.out;
}

TEST(RiskInputs, InputWithoutEndIsCapped) {
  auto r = countersign({"risk", "/dev/zero", "--max-input", "8"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("larger than the input limit of 8 MiB"), std::string::npos) << r.err;
  TempDir dir;
  auto file = risk_of(dir, "big.sql", std::string(3 << 20, ' ') + "DROP TABLE t;\n", {"--max-input", "2"});
  EXPECT_EQ(file.exit_code, 2) << file.out << file.err;
}

}  // namespace
}  // namespace cs::test
