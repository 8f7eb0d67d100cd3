// The guard reads environments the way the gate reads policy: from the trusted revision (the branch
// changes go into). The work tree the agent edits can only add production names, never take one
// away: an agent that rewrites .countersign/policy.yaml to call staging non-production is still held.
#include <gtest/gtest.h>

#include "support/test_support.h"

namespace cs::test {
namespace {

bool has(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

struct GuardRepo {
  GitRepo g;
  TempDir home;
  GuardRepo() {
    g.write(".countersign/policy.yaml", "version: 1\nenvironments:\n  production: [prod, staging]\nrules: []\n");
    g.write("README", "x\n");
    g.commit("trusted policy", "Carol", "carol@example.com");
    g.git("checkout -q -b feature");
  }
  void work_tree_policy(const std::string& environments) {
    g.write(".countersign/policy.yaml", "version: 1\nenvironments:\n" + environments + "rules: []\n");
  }
  RunResult explain(const std::string& command) { return countersign({"explain", command}, g.path()); }
  RunResult hook(const std::string& command) {
    std::string payload = R"({"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Bash","cwd":")" +
                          g.path().string() + R"(","tool_input":{"command":")" + command + R"("}})";
    return sh("env -u XDG_STATE_HOME HOME=" + quote(home.path().string()) + " " + quote(CS_BINARY) +
                  " guard --agent claude-code",
              g.path(), payload);
  }
};

TEST(GuardTrust, WorkTreePolicyOnlyAddsProduction) {
  GuardRepo t;
  const std::string staging = "kubectl --context staging delete deployment web";
  // The agent drops staging from production in the work tree (edited, or committed on its branch).
  t.work_tree_policy("  production: [prod]\n");
  auto e = t.explain(staging);
  EXPECT_TRUE(has(e.out, "environment: staging (production)")) << e.out;
  EXPECT_TRUE(has(e.out, "decision: ask")) << e.out;
  EXPECT_TRUE(has(e.out, "environments from: refs/heads/main:.countersign/policy.yaml (the trusted revision)")) << e.out;
  auto held = t.hook(staging);
  EXPECT_EQ(held.exit_code, 0) << held.err;
  EXPECT_TRUE(has(held.out, "\"permissionDecision\":\"ask\"") || has(held.out, "\"permissionDecision\":\"deny\""))
      << held.out;
  t.g.commit("staging is not production", "Dev", "dev@example.com");
  EXPECT_TRUE(has(t.explain(staging).out, "decision: ask"));
  // Every name listed as production, or an empty list, or a default that is not production.
  t.work_tree_policy("  production: []\n");
  EXPECT_TRUE(has(t.explain(staging).out, "decision: ask"));
  t.work_tree_policy("  production: [prod]\n  default: staging\n");
  EXPECT_TRUE(has(t.explain(staging).out, "decision: ask"));
  // The work tree may add a production name: held too.
  t.work_tree_policy("  production: [qa]\n");
  auto qa = t.explain("kubectl --context qa delete deployment web");
  EXPECT_TRUE(has(qa.out, "environment: qa (production)")) << qa.out;
  EXPECT_TRUE(has(qa.out, "decision: ask")) << qa.out;
}

// Without a trusted revision (no repository, no main branch), the built-in production names hold
// and the work tree still only adds.
TEST(GuardTrust, WithoutATrustedRevisionTheWorkTreeStillOnlyAdds) {
  TempDir dir;
  sh("mkdir -p .countersign && printf 'version: 1\\nenvironments:\\n  production: [qa]\\nrules: []\\n' > "
     ".countersign/policy.yaml",
     dir.path());
  auto e = countersign({"explain", "kubectl --context prod delete deployment web", "--project", dir.path().string()},
                       dir.path());
  EXPECT_TRUE(has(e.out, "environment: prod (production)")) << e.out;
  EXPECT_TRUE(has(e.out, "decision: ask")) << e.out;
}

}  // namespace
}  // namespace cs::test
