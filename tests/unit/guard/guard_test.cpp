// The Guard API: AWS API calls, context files, the policy's environments, the user's
// allow-list and pack loading diagnostics.
#include "countersign/guard/guard.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "countersign/guard/config_sources.h"
#include "support/test_support.h"

namespace cs::guard {
namespace {

Guard load(const std::string& project = {}, std::optional<std::string> trusted_policy = std::nullopt) {
  Config c;
  c.project_dir = project;
  if (trusted_policy) c.trusted_policy = TrustedPolicy{"main:.countersign/policy.yaml", *trusted_policy};
  auto g = Guard::load(c);
  EXPECT_TRUE(g) << (g ? "" : g.error().describe());
  return std::move(*g);
}

void write(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

TEST(Guard, AwsApiCallsAreJudgedLikeTheCli) {
  Guard g = load();
  Context ctx{"/home/agent/project", {{"HOME", "/home/agent"}}};
  AwsCall call{"cloudformation", "DeleteStack", {{"StackName", "app"}}, "eu-west-1", "prod"};
  EXPECT_EQ(aws_call_argv(call), (std::vector<std::string>{"aws", "cloudformation", "delete-stack", "--stack-name",
                                                           "app", "--region", "eu-west-1", "--profile", "prod"}));
  Verdict v = g.classify_aws(call, ctx);
  EXPECT_EQ(v.decision, Decision::deny);
  ASSERT_FALSE(v.matches.empty());
  EXPECT_EQ(v.matches[0].rule, "aws.cloudformation.delete-stack");
  EXPECT_EQ(v.environment, "prod");

  call.profile = "dev";
  EXPECT_EQ(g.classify_aws(call, ctx).decision, Decision::ask);
  AwsCall describe{"ec2", "DescribeInstances", {}, "us-east-1", "prod"};
  EXPECT_EQ(g.classify_aws(describe, ctx).decision, Decision::allow);
  AwsCall rds{"rds", "DeleteDBInstance", {{"DBInstanceIdentifier", "main"}, {"SkipFinalSnapshot", "true"}}, "", "prod"};
  EXPECT_EQ(aws_call_argv(rds)[2], "delete-db-instance");
  EXPECT_EQ(aws_call_argv(rds)[3], "--db-instance-identifier");
  EXPECT_EQ(aws_call_argv(rds)[5], "--skip-final-snapshot");
  EXPECT_EQ(g.classify_aws(rds, ctx).decision, Decision::deny);
  AwsCall dns{"route53", "ChangeResourceRecordSets",
              {{"HostedZoneId", "Z1"}, {"ChangeBatch", R"({"Changes":[{"Action":"DELETE"}]})"}}, "", "prod"};
  EXPECT_EQ(g.classify_aws(dns, ctx).decision, Decision::deny);
}

TEST(Guard, VerdictCarriesTheParse) {
  Guard g = load();
  Verdict v = g.classify("echo 'rm -rf /' && ls", Context{"/p", {}});
  EXPECT_EQ(v.decision, Decision::allow);
  ASSERT_EQ(v.commands.size(), 3u);
  EXPECT_TRUE(v.commands[0].executed);
  EXPECT_FALSE(v.commands[1].executed);
  EXPECT_EQ(v.commands[1].argv[0], "rm -rf /");
}

TEST(Guard, ContextComesFromKubeconfigAndTerraformWorkspaceFiles) {
  test::TempDir dir;
  Guard g = load();
  auto kube = dir.path() / "kube" / "config";
  write(kube, "apiVersion: v1\ncurrent-context: \"eks-prod-eu\"\ncontexts: []\n");
  Context ctx{dir.path().string(), {{"HOME", "/home/agent"}, {"KUBECONFIG", kube.string()}}};
  Verdict v = g.classify("kubectl delete namespace payments", ctx);
  EXPECT_EQ(v.decision, Decision::deny);
  EXPECT_EQ(v.environment, "eks-prod-eu");
  write(kube, "current-context: kind-dev\n");
  EXPECT_EQ(g.classify("kubectl delete namespace payments", ctx).decision, Decision::ask);
  EXPECT_EQ(g.classify("kubectl --context prod delete namespace payments", ctx).decision, Decision::deny);

  write(dir.path() / ".terraform" / "environment", "staging\n");
  v = g.classify("terraform destroy", ctx);
  EXPECT_EQ(v.decision, Decision::ask);
  EXPECT_EQ(v.environment, "staging");
  write(dir.path() / "infra" / ".terraform" / "environment", "prod");
  EXPECT_EQ(g.classify("terraform -chdir=infra destroy", ctx).decision, Decision::deny);
  ctx.env["TF_WORKSPACE"] = "dev";
  EXPECT_EQ(g.classify("terraform -chdir=infra destroy", ctx).decision, Decision::ask);
}

// The trusted revision's policy (the gate's rule) decides; see WorkTreePolicyOnlyAddsProduction.
TEST(Guard, PolicyEnvironmentsDecideWhatIsProduction) {
  test::TempDir dir;
  Guard g = load(dir.path().string(),
                 "environments:\n  production: [blue, green]\n  non_production: [\"scratch-*\"]\n  default: non-production\n");
  Context ctx{dir.path().string(), {{"AWS_PROFILE", "blue"}}};
  EXPECT_EQ(g.classify("aws rds delete-db-instance --db-instance-identifier x", ctx).decision, Decision::deny);
  ctx.env["AWS_PROFILE"] = "scratch-42";
  EXPECT_EQ(g.classify("aws rds delete-db-instance --db-instance-identifier x", ctx).decision, Decision::ask);
  ctx.env.erase("AWS_PROFILE");  // unknown, and the policy says unknown is non-production
  EXPECT_EQ(g.classify("aws rds delete-db-instance --db-instance-identifier x", ctx).decision, Decision::ask);
  ctx.env["AWS_PROFILE"] = "prod";  // "prod" is no longer a production name under this policy
  EXPECT_EQ(g.classify("aws rds delete-db-instance --db-instance-identifier x", ctx).decision, Decision::ask);
}

TEST(Guard, PolicyDefaultEnvironmentIsANameAsInPolicyYaml) {
  test::TempDir dir;
  Guard g = load(dir.path().string(), "environments:\n  production: [prod]\n  default: staging\n");
  Context ctx{dir.path().string(), {}};
  // unknown environment: the policy's default, staging, is not production
  EXPECT_EQ(g.classify("aws rds delete-db-instance --db-instance-identifier x", ctx).decision, Decision::ask);
  ctx.env["AWS_PROFILE"] = "prod";
  EXPECT_EQ(g.classify("aws rds delete-db-instance --db-instance-identifier x", ctx).decision, Decision::deny);
  ctx.env["AWS_PROFILE"] = "qa-eu";  // found, and not listed as production
  EXPECT_EQ(g.classify("aws rds delete-db-instance --db-instance-identifier x", ctx).decision, Decision::ask);
  write(dir.path() / ".countersign" / "policy.yaml", "environments:\n  production: [prod]\n  default: prod\n");
  Guard strict = load(dir.path().string());
  ctx.env.erase("AWS_PROFILE");
  EXPECT_EQ(strict.classify("aws rds delete-db-instance --db-instance-identifier x", ctx).decision, Decision::deny);
}

// The work tree's policy.yaml, which the agent edits, can only add production names.
TEST(Guard, WorkTreePolicyOnlyAddsProduction) {
  test::TempDir dir;
  write(dir.path() / ".countersign" / "policy.yaml",
        "environments:\n  production: [qa]\n  non_production: [prod, \"*\"]\n  default: non-production\n");
  Guard g = load(dir.path().string(), "environments:\n  production: [prod]\n");
  const std::string del = "aws rds delete-db-instance --db-instance-identifier x";
  Context ctx{dir.path().string(), {{"AWS_PROFILE", "prod"}}};
  EXPECT_EQ(g.classify(del, ctx).decision, Decision::deny);
  ctx.env["AWS_PROFILE"] = "qa";  // added by the work tree
  EXPECT_EQ(g.classify(del, ctx).decision, Decision::deny);
  ctx.env.erase("AWS_PROFILE");  // unknown stays production: the work tree cannot make it otherwise
  EXPECT_EQ(g.classify(del, ctx).decision, Decision::deny);
  Guard builtin = load(dir.path().string());  // no trusted policy: the built-in names, plus the work tree's
  ctx.env["AWS_PROFILE"] = "production";
  EXPECT_EQ(builtin.classify(del, ctx).decision, Decision::deny);
  ctx.env["AWS_PROFILE"] = "qa";
  EXPECT_EQ(builtin.classify(del, ctx).decision, Decision::deny);
}

// The allow-list of the trusted revision's guard.yaml (the work tree's is ignored: see below).
TEST(Guard, UserAllowListEntriesExpire) {
  test::TempDir dir;
  Config c;
  c.project_dir = dir.path().string();
  c.system_dir.clear();
  c.trusted_config = TrustedConfig{"refs/heads/main",
                                   std::nullopt,
                                   TrustedPolicy{"refs/heads/main:.countersign/guard.yaml",
                                                 "allow:\n"
                                                 "  - command: \"terraform destroy -target=module.scratch*\"\n"
                                                 "    rule: terraform.destroy\n"
                                                 "    expires: 2999-01-01\n"
                                                 "    reason: scratch module\n"
                                                 "  - command: \"git reset --hard*\"\n"
                                                 "    expires: 2001-01-01\n"},
                                   {},
                                   {}};
  auto loaded = Guard::load(c);
  ASSERT_TRUE(loaded) << loaded.error().describe();
  Guard g = std::move(*loaded);
  Context ctx{dir.path().string(), {{"TF_WORKSPACE", "prod"}}};
  EXPECT_EQ(g.classify("terraform destroy -target=module.scratch_a", ctx).decision, Decision::allow);
  EXPECT_EQ(g.classify("terraform destroy -target=module.db", ctx).decision, Decision::deny);
  EXPECT_EQ(g.classify("git reset --hard HEAD~1", ctx).decision, Decision::ask);
  ASSERT_EQ(g.warnings().size(), 1u);
  EXPECT_NE(g.warnings()[0].message.find("expired"), std::string::npos);
  EXPECT_EQ(g.warnings()[0].where.line, 7);
}

// The system directory (/etc/countersign) is the administrator's: its allow entries, disabled packs
// and environments count; the same entries in the work tree do not.
TEST(Guard, SystemDirectoryLoosensAndTheWorkTreeDoesNot) {
  test::TempDir project, etc;
  const std::string allow =
      "allow:\n  - command: \"kubectl delete ns prod\"\n    expires: 2999-01-01\n    reason: decommissioned\n";
  write(project.path() / ".countersign" / "guard.yaml", allow + "disable: [terraform]\n");
  write(project.path() / ".countersign" / "policy.yaml", "environments:\n  production: [qa]\n");
  Config c;
  c.project_dir = project.path().string();
  c.system_dir = etc.path().string();
  Context ctx{project.path().string(), {{"TF_WORKSPACE", "prod"}}};
  auto worktree_only = Guard::load(c);
  ASSERT_TRUE(worktree_only) << worktree_only.error().describe();
  EXPECT_NE(worktree_only->classify("kubectl delete ns prod", ctx).decision, Decision::allow);
  EXPECT_NE(worktree_only->classify("terraform destroy", ctx).decision, Decision::allow);
  ASSERT_EQ(worktree_only->warnings().size(), 2u);
  EXPECT_NE(worktree_only->warnings()[0].message.find("ignored"), std::string::npos);

  write(etc.path() / "guard.yaml", allow + "disable: [terraform]\n");
  write(etc.path() / "policy.yaml", "environments:\n  production: [live-eu]\n");
  auto with_system = Guard::load(c);
  ASSERT_TRUE(with_system) << with_system.error().describe();
  EXPECT_EQ(with_system->classify("kubectl delete ns prod", ctx).decision, Decision::allow);
  EXPECT_EQ(with_system->classify("terraform destroy", ctx).decision, Decision::allow);
  EXPECT_TRUE(with_system->warnings().empty());  // the work tree says only what the system says
  // The system's environments replace the built-in names; the work tree still adds qa.
  const std::string del = "kubectl --context staging delete deployment web";
  EXPECT_EQ(with_system->classify("kubectl --context staging delete deployment web", ctx).decision, Decision::allow);
  EXPECT_NE(with_system->classify("kubectl --context qa delete deployment web", ctx).decision, Decision::allow);
  EXPECT_NE(with_system->classify("kubectl --context live-eu delete deployment web", ctx).decision, Decision::allow);
  std::string text = with_system->explain(del, ctx);
  EXPECT_NE(text.find(etc.path().string() + "/guard.yaml: 0 pack(s), 1 allow entry, 1 disabled pack(s) (honoured)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("environments from: " + etc.path().string() + "/policy.yaml (the system configuration)"),
            std::string::npos)
      << text;

  // A malformed system file fails the load, as a malformed trusted one does.
  write(etc.path() / "guard.yaml", "allow: [\n");
  EXPECT_FALSE(Guard::load(c));
}

// A file of the system directory that this (non-root) account owns or can write is no more trusted
// than the work tree.
TEST(Guard, SystemFilesTheAccountCanWriteAreRefused) {
  test::TempDir etc;
  write(etc.path() / "guard.yaml", "allow: []\n");
  std::string why;
  bool trusted = system_file_trusted((etc.path() / "guard.yaml").string(), why);
  if (::geteuid() == 0) {
    EXPECT_TRUE(trusted);  // root can write anything: no less privileged account to fear
  } else {
    EXPECT_FALSE(trusted);
    EXPECT_NE(why.find("this account"), std::string::npos) << why;
  }
  EXPECT_FALSE(system_file_trusted((etc.path() / "absent.yaml").string(), why));
}

TEST(Guard, UserPacksAddRulesAndBadOnesAreReportedWithPositions) {
  test::TempDir dir;
  write(dir.path() / ".countersign" / "guard.yaml",
        "packs:\n"
        "  - pack: deployctl\n"
        "    commands: [deployctl]\n"
        "    rules:\n"
        "      - id: deployctl.nuke\n"
        "        severity: critical\n"
        "        when: {args: [nuke]}\n"
        "        explanation: Deletes the environment.\n"
        "        alternative: Ask the platform team.\n");
  Guard g = load(dir.path().string());
  EXPECT_EQ(g.classify("deployctl nuke", Context{dir.path().string(), {}}).decision, Decision::deny);
  EXPECT_EQ(g.classify("deployctl status", Context{dir.path().string(), {}}).decision, Decision::allow);

  write(dir.path() / ".countersign" / "guard.yaml",
        "packs:\n"
        "  - pack: deployctl\n"
        "    commands: [deployctl]\n"
        "    rules:\n"
        "      - id: other.nuke\n"
        "        severity: extreme\n"
        "        when: {argz: [nuke]}\n"
        "        explanation: x\n"
        "allow:\n"
        "  - command: x\n");
  Config c;
  c.project_dir = dir.path().string();
  auto bad = Guard::load(c);
  ASSERT_FALSE(bad);
  const std::string msg = bad.error().message;
  EXPECT_NE(msg.find("guard.yaml:5:"), std::string::npos) << msg;   // id without the pack prefix
  EXPECT_NE(msg.find("must start with the pack name"), std::string::npos) << msg;
  EXPECT_NE(msg.find("guard.yaml:6:"), std::string::npos) << msg;   // severity
  EXPECT_NE(msg.find("unknown condition key 'argz'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("needs a safer alternative"), std::string::npos) << msg;
  EXPECT_NE(msg.find("needs an expiry date"), std::string::npos) << msg;

  write(dir.path() / ".countersign" / "guard.yaml", "packs: [\n  {pack: x\n");
  bad = Guard::load(c);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("guard.yaml:"), std::string::npos);
}

TEST(Guard, MalformedInputIsNeverAllowed) {
  Guard g = load();
  for (const char* cmd : {"echo 'unterminated", "ls \"x", "echo $(ls", "( ls", "cat <<EOF\nbody", "echo `ls"}) {
    Verdict v = g.classify(cmd, Context{"/p", {}});
    EXPECT_NE(v.decision, Decision::allow) << cmd;
    EXPECT_TRUE(v.malformed) << cmd;
  }
  EXPECT_EQ(g.classify("echo 'rm -rf /", Context{"/p", {}}).decision, Decision::ask);
  EXPECT_EQ(g.classify("rm -rf / 'x", Context{"/p", {}}).decision, Decision::deny);
}

}  // namespace
}  // namespace cs::guard
