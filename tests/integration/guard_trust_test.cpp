// The guard reads environments the way the gate reads policy: from the trusted revision (the branch
// changes go into). The work tree the agent edits can only add production names, never take one
// away: an agent that rewrites .countersign/policy.yaml to call staging non-production is still held.
#include <gtest/gtest.h>

#include <filesystem>

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
  // Commits `text` at `path` on main, the branch changes go into, and goes back to feature (which
  // does not have it).
  void on_trusted_branch(const std::string& path, const std::string& text) {
    g.git("checkout -q main");
    g.write(path, text);
    g.commit("trusted " + path, "Carol", "carol@example.com");
    g.git("checkout -q feature");
  }
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

constexpr const char* kDeleteProdNs = "kubectl delete ns prod";
const std::string kAllowDeleteProdNs =
    "allow:\n  - command: \"kubectl delete ns prod\"\n    expires: 2999-01-01\n    reason: the agent says so\n";

bool hook_holds(const RunResult& hook) {
  return has(hook.out, "\"permissionDecision\":\"ask\"") || has(hook.out, "\"permissionDecision\":\"deny\"");
}

bool held(const RunResult& explained) {
  return has(explained.out, "decision: ask") || has(explained.out, "decision: deny");
}

// The agent allow-lists the command it wants to run in the work tree's guard.yaml.
TEST(GuardTrust, WorkTreeAllowListIsIgnored) {
  GuardRepo t;
  t.g.write(".countersign/guard.yaml", kAllowDeleteProdNs);
  auto e = t.explain(kDeleteProdNs);
  EXPECT_EQ(e.exit_code, 0) << e.err;
  EXPECT_TRUE(held(e)) << e.out;
  EXPECT_TRUE(has(e.out, "allow entry 'kubectl delete ns prod' ignored")) << e.out;
  EXPECT_TRUE(has(e.out, "allow entries count only from refs/heads/main:.countersign/guard.yaml")) << e.out;
  auto hook = t.hook(kDeleteProdNs);
  EXPECT_TRUE(hook_holds(hook)) << hook.out;
  EXPECT_TRUE(has(hook.out, "kubectl.delete.namespace")) << hook.out;
}

// ... or disables the pack that holds it.
TEST(GuardTrust, WorkTreeDisabledPackIsIgnored) {
  GuardRepo t;
  t.g.write(".countersign/guard.yaml", "disable: [kubectl]\n");
  auto e = t.explain(kDeleteProdNs);
  EXPECT_TRUE(held(e)) << e.out;
  EXPECT_TRUE(has(e.out, "disabling pack 'kubectl' ignored")) << e.out;
  EXPECT_TRUE(hook_holds(t.hook(kDeleteProdNs)));
}

// ... or renames prod non-production in the work tree's policy.yaml.
TEST(GuardTrust, WorkTreeEnvironmentsCannotMakeProdNonProduction) {
  GuardRepo t;
  t.work_tree_policy("  production: [nothing-here]\n  non_production: [prod, \"*\"]\n  default: non-production\n");
  const std::string del = "kubectl --context prod delete ns web";
  auto e = t.explain(del);
  EXPECT_TRUE(has(e.out, "environment: prod (production)")) << e.out;
  EXPECT_TRUE(held(e)) << e.out;
  EXPECT_TRUE(hook_holds(t.hook(del)));
}

// Committing it on the agent's own branch (and pushing nothing) does not make it trusted.
TEST(GuardTrust, GuardFileCommittedOnTheAgentsBranchIsIgnored) {
  GuardRepo t;
  t.g.write(".countersign/guard.yaml", kAllowDeleteProdNs + "disable: [kubectl]\n");
  t.g.commit("allow what I need", "Dev", "dev@example.com");
  auto e = t.explain(kDeleteProdNs);
  EXPECT_TRUE(held(e)) << e.out;
  EXPECT_TRUE(has(e.out, "ignored")) << e.out;
  EXPECT_TRUE(hook_holds(t.hook(kDeleteProdNs)));
}

// The same entry on the branch changes go into is the team's decision: honoured, and explain says
// where it came from. A pack disabled there is off.
TEST(GuardTrust, TrustedBranchAllowListAndDisabledPacksAreHonoured) {
  GuardRepo t;
  t.on_trusted_branch(".countersign/guard.yaml", kAllowDeleteProdNs);
  EXPECT_FALSE(std::filesystem::exists(t.g.path() / ".countersign/guard.yaml"));
  auto e = t.explain(kDeleteProdNs);
  EXPECT_TRUE(has(e.out, "decision: allow")) << e.out;
  EXPECT_TRUE(
      has(e.out, "refs/heads/main:.countersign/guard.yaml: 0 pack(s), 1 allow entry, 0 disabled pack(s) (honoured)"))
      << e.out;
  EXPECT_TRUE(has(e.out, "trusted revision: refs/heads/main (read with countersign's ref and object reader)")) << e.out;
  auto allowed = t.hook(kDeleteProdNs);  // Claude Code: an allowed command gets no output
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
  EXPECT_FALSE(has(allowed.out, "permissionDecision")) << allowed.out;
  // Other namespaces stay held.
  EXPECT_TRUE(held(t.explain("kubectl delete ns payments")));

  t.on_trusted_branch(".countersign/guard.yaml", "disable: [kubectl]\n");
  EXPECT_TRUE(has(t.explain("kubectl delete ns payments").out, "decision: allow"));
}

// A trusted pack holds even when the agent deletes or empties the work tree's copy.
TEST(GuardTrust, TrustedPacksHoldWhateverTheWorkTreeSays) {
  GuardRepo t;
  t.on_trusted_branch(".countersign/guard.yaml",
                      "packs:\n  - pack: deployctl\n    commands: [deployctl]\n    rules:\n"
                      "      - id: deployctl.nuke\n        severity: critical\n        when: {args: [nuke]}\n"
                      "        explanation: Deletes the environment.\n        alternative: Ask the platform team.\n");
  t.g.write(".countersign/guard.yaml", "packs: []\n");
  auto e = t.explain("deployctl nuke");
  EXPECT_TRUE(has(e.out, "deployctl.nuke")) << e.out;
  EXPECT_TRUE(held(e)) << e.out;
}

// A trusted file that does not load fails closed: every command is refused with the reason, and
// nothing falls back to the work tree or the built-in names.
TEST(GuardTrust, MalformedTrustedFilesFailClosed) {
  GuardRepo t;
  t.on_trusted_branch(".countersign/guard.yaml", "allow: [\n");
  auto e = t.explain("ls");
  EXPECT_EQ(e.exit_code, 2) << e.out;
  EXPECT_TRUE(has(e.err, "refs/heads/main:.countersign/guard.yaml")) << e.err;
  auto hook = t.hook("ls");  // Claude Code: exit 2 blocks the tool call and shows stderr
  EXPECT_EQ(hook.exit_code, 2) << hook.out;
  EXPECT_TRUE(has(hook.err, "denied")) << hook.err;
  EXPECT_TRUE(has(hook.err, "refs/heads/main:.countersign/guard.yaml")) << hook.err;

  GuardRepo p;
  p.on_trusted_branch(".countersign/policy.yaml", "version: 1\nenvironments:\n  production: {prod: 1}\nrules: []\n");
  auto pe = p.explain("kubectl --context staging delete deployment web");
  EXPECT_EQ(pe.exit_code, 2) << pe.out;
  EXPECT_TRUE(has(pe.err, "refs/heads/main:.countersign/policy.yaml")) << pe.err;
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
