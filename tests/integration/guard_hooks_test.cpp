// The agent-hook commands run as the agents run them: the real binary, payloads on stdin, state
// under a temporary HOME.
#include <gtest/gtest.h>

#include "countersign/guard/json.h"
#include "support/test_support.h"

namespace cs::test {
namespace {

namespace json = guard::json;

// Runs countersign with HOME (and so the state directory) in `home`, in directory `cwd`.
RunResult run_in(const TempDir& home, const std::vector<std::string>& args, const std::filesystem::path& cwd,
                 const std::string& input = {}) {
  std::string cmd = "env -u XDG_STATE_HOME HOME=" + quote(home.path().string()) + " " + quote(CS_BINARY);
  for (const auto& a : args) cmd += " " + quote(a);
  return sh(cmd, cwd, input);
}

TEST(GuardInstallHookCli, MergesIntoExistingSettingsIdempotently) {
  TempDir home, project;
  std::filesystem::create_directories(project.path() / ".gemini");
  sh("cat > .gemini/settings.json", project.path(),
     R"({"theme":"GitHub","hooks":{"BeforeTool":[{"matcher":"write_file","hooks":[{"name":"fmt","type":"command","command":"fmt-check","timeout":2000}]}]}})");
  auto first = run_in(home, {"install-hook", "gemini", "--project"}, project.path());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("installed in"), std::string::npos);
  auto text = read_file(project.path() / ".gemini/settings.json");
  auto second = run_in(home, {"install-hook", "gemini"}, project.path());
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("already installed"), std::string::npos);
  EXPECT_EQ(read_file(project.path() / ".gemini/settings.json"), text);
  auto doc = json::parse(text);
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->get("theme")->text, "GitHub");
  const auto* before = doc->get("hooks")->get("BeforeTool");
  ASSERT_EQ(before->items.size(), 2u);
  EXPECT_EQ(before->items[0].get("hooks")->items[0].get("command")->text, "fmt-check");
  EXPECT_EQ(before->items[1].get("matcher")->text, "run_shell_command");
  EXPECT_EQ(before->items[1].get("hooks")->items[0].get("command")->text, std::string(CS_BINARY) + " guard --agent gemini");
}

TEST(GuardInstallHookCli, UserScopeWritesUnderHome) {
  TempDir home, project;
  auto r = run_in(home, {"install-hook", "copilot", "--user"}, project.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(home.path() / ".copilot/hooks/countersign.json"));
  EXPECT_FALSE(std::filesystem::exists(project.path() / ".github"));
}

TEST(GuardInstallHookCli, RefusesAFileItCannotParse) {
  TempDir home, project;
  std::filesystem::create_directories(project.path() / ".codex");
  sh("printf '{\"hooks\": {' > .codex/hooks.json", project.path());
  auto r = run_in(home, {"install-hook", "codex"}, project.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("refusing to change"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(project.path() / ".codex/hooks.json"), "{\"hooks\": {");
  EXPECT_EQ(run_in(home, {"install-hook", "vim"}, project.path()).exit_code, 2);
}

TEST(GuardDoctorCli, FailsWhenTheHookDoesNotBlock) {
  TempDir home, project;
  // A hook whose command is not countersign at all: it allows everything.
  ASSERT_EQ(run_in(home, {"install-hook", "kiro", "--binary", "/bin/true"}, project.path()).exit_code, 0);
  auto r = run_in(home, {"guard", "doctor"}, project.path());
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("FAIL kiro"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("did NOT block the canary"), std::string::npos) << r.out;
}

TEST(GuardDoctorCli, SaysWhenNothingIsInstalled) {
  TempDir home, project;
  auto r = run_in(home, {"guard", "doctor"}, project.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("no countersign hook is installed"), std::string::npos) << r.out;
}

TEST(GuardApproveCli, ApprovesOnlyRequestBlocks) {
  TempDir home, project;
  auto r = run_in(home, {"guard", "approve", "0123456789abcdef"}, project.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("request block"), std::string::npos) << r.err;
  EXPECT_EQ(run_in(home, {"guard", "approve", "0123456789abcdef", "--ttl", "soon"}, project.path()).exit_code, 2);
  auto file = run_in(home, {"guard", "approve", (project.path() / "missing").string()}, project.path());
  EXPECT_EQ(file.exit_code, 2);
  auto accept =
      run_in(home,
             {"guard", "accept",
              "-----BEGIN COUNTERSIGN COMMAND APPROVAL-----\nAAAA\n-----END COUNTERSIGN COMMAND APPROVAL-----"},
             project.path());
  EXPECT_EQ(accept.exit_code, 2);
}

}  // namespace
}  // namespace cs::test
