// Every documented hook payload (tests/fixtures/guard/hooks/<agent>/) through the real binary and
// the real rule packs: exact stdout JSON and exit code per agent. Then a held command, approved
// once, passes exactly once.
#include <gtest/gtest.h>

#include "countersign/guard/guard.h"
#include "unit/guard/hook_fixtures.h"

namespace cs::test {
namespace {

RunResult hook(const TempDir& home, const std::string& agent, const std::string& payload) {
  std::string cmd = "env -u XDG_STATE_HOME -u AWS_PROFILE -u KUBECONFIG -u TF_WORKSPACE HOME=" +
                    quote(home.path().string()) + " " + quote(CS_BINARY) + " guard --agent " + quote(agent);
  return sh(cmd, home.path(), payload);
}

TEST(GuardHookBinary, AnswersEveryFixtureInTheAgentsProtocol) {
  for (const auto& fx : load_hook_fixtures()) {
    SCOPED_TRACE(fx.agent + "/" + fx.name + " (" + fx.decision() + ")");
    TempDir home;
    auto r = hook(home, fx.agent, fx.payload);
    EXPECT_TRUE(reply_matches(fx, r.exit_code, r.out, r.err));
    auto log = read_file(home.path() / ".local/state/countersign/guard.jsonl");
    EXPECT_NE(log.find("\"agent\":\"" + fx.agent + "\""), std::string::npos) << "no audit line";
  }
}

// Outside a repository there is no trusted people directory: even a validly signed approval of
// exactly this request, accepted into the state directory, releases nothing (nothing local does).
TEST(GuardHookBinary, HeldOutsideARepositoryIsNeverReleased) {
  TempDir home, keys;
  const std::string payload =
      R"({"session_id":"s","cwd":"/srv/shop","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"git push --force origin main"}})";
  auto held = hook(home, "codex", payload);
  ASSERT_EQ(held.exit_code, 2) << held.out << held.err;
  auto pos = held.err.find("held for approval: request ");
  ASSERT_NE(pos, std::string::npos) << held.err;
  auto id = held.err.substr(pos + 27, 16);
  std::string env = "env -u XDG_STATE_HOME HOME=" + quote(home.path().string()) + " " + quote(CS_BINARY);
  auto pending = sh(env + " guard pending");
  EXPECT_NE(pending.out.find(id), std::string::npos) << pending.out;
  auto key = keys.path() / "k";
  ASSERT_EQ(sh("ssh-keygen -q -t ed25519 -N '' -f " + quote(key.string())).exit_code, 0);
  auto approve = sh(env + " guard approve --key " + quote(key.string()) + " --approver carol", {}, held.err);
  ASSERT_NE(approve.exit_code, 0);  // the stderr line is not only the block
  auto block = held.err.substr(held.err.find("-----BEGIN COUNTERSIGN COMMAND REQUEST-----"));
  approve = sh(env + " guard approve --key " + quote(key.string()) + " --approver carol", {}, block);
  ASSERT_EQ(approve.exit_code, 0) << approve.err;
  ASSERT_EQ(sh(env + " guard accept", {}, approve.out).exit_code, 0);
  auto retry = hook(home, "codex", payload);
  EXPECT_EQ(retry.exit_code, 2);
  EXPECT_NE(retry.err.find("outside a git repository"), std::string::npos) << retry.err;
}

TEST(GuardHookBinary, SecretsNeverReachTheAuditLog) {
  TempDir home;
  auto r = hook(home, "claude-code",
                R"({"hook_event_name":"PreToolUse","cwd":"/srv","tool_name":"Bash","tool_input":{"command":"PGPASSWORD=hunter2 psql postgres://app:s3cret@db.prod/shop -c 'DROP TABLE orders'"}})");
  EXPECT_NE(r.out.find("\"permissionDecision\""), std::string::npos) << r.out << r.err;
  auto log = read_file(home.path() / ".local/state/countersign/guard.jsonl");
  EXPECT_EQ(log.find("hunter2"), std::string::npos) << log;
  EXPECT_EQ(log.find("s3cret"), std::string::npos) << log;
  EXPECT_NE(log.find("PGPASSWORD=***"), std::string::npos) << log;
}

TEST(GuardHookBinary, HugeAndBrokenInputIsDenied) {
  TempDir home;
  auto huge = hook(home, "claude-code", std::string(6u << 20, '['));
  EXPECT_EQ(huge.exit_code, 2);
  auto unknown = hook(home, "vim", "{}");
  EXPECT_EQ(unknown.exit_code, 2);
}

TEST(GuardDoctorCli, ProvesAnInstalledHookBlocksTheCanary) {
  TempDir home, project;
  std::string path = std::filesystem::path(CS_BINARY).parent_path().string() + ":/usr/bin:/bin";
  std::string env = "env -u XDG_STATE_HOME HOME=" + quote(home.path().string()) + " PATH=" + quote(path) + " " +
                    quote(CS_BINARY);
  for (const auto& agent : guard::hook_agents())
    ASSERT_EQ(sh(env + " install-hook " + agent, project.path()).exit_code, 0) << agent;
  // What the user does once: trust the project in Gemini and Codex, select Kiro's new agent.
  std::filesystem::create_directories(home.path() / ".gemini");
  sh("cat > .gemini/trustedFolders.json", home.path(), "{\"" + project.path().string() + "\":\"TRUST_FOLDER\"}");
  std::filesystem::create_directories(home.path() / ".codex");
  sh("cat > .codex/config.toml", home.path(), "[projects.\"" + project.path().string() + "\"]\ntrust_level = \"trusted\"\n");
  std::filesystem::create_directories(project.path() / ".kiro/settings");
  sh("echo '{\"chat.defaultAgent\":\"countersign\"}' > .kiro/settings/cli.json", project.path());
  auto r = sh(env + " guard doctor", project.path());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ok   kiro"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(home.path() / ".local/state/countersign/guard/pending"));
}

}  // namespace
}  // namespace cs::test
