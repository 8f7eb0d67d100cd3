// The agent-hook commands run as the agents run them: the real binary, payloads on stdin, state
// under a temporary HOME.
#include <gtest/gtest.h>

#include "countersign/core/text.h"
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
  EXPECT_EQ(before->items[0].get("hooks")->items[0].get("command")->text, "fmt-check");
  ASSERT_EQ(before->items.size(), 3u);
  EXPECT_EQ(before->items[1].get("matcher")->text, "run_shell_command");
  EXPECT_EQ(before->items[2].get("matcher")->text, "write_file|replace");
  // Committed project settings run countersign from PATH, never this machine's path.
  auto command = before->items[1].get("hooks")->items[0].get("command")->text;
  EXPECT_NE(command.find("exec countersign guard --agent gemini;"), std::string::npos) << command;
  EXPECT_EQ(command.find(CS_BINARY), std::string::npos) << command;
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
  std::filesystem::create_directories(project.path() / ".kiro/settings");
  sh("echo '{\"chat.defaultAgent\":\"countersign\"}' > .kiro/settings/cli.json", project.path());
  // A hook whose command is not countersign at all: it allows everything.
  ASSERT_EQ(run_in(home, {"install-hook", "kiro", "--binary", "/bin/true"}, project.path()).exit_code, 0);
  auto r = run_in(home, {"guard", "doctor"}, project.path());
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("FAIL kiro"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("did NOT block the canary"), std::string::npos) << r.out;
}

// Runs doctor with countersign on PATH (as a teammate who installed it has).
RunResult doctor_with_path(const TempDir& home, const std::filesystem::path& project, bool on_path) {
  std::string dir = std::filesystem::path(CS_BINARY).parent_path().string();
  std::string cmd = "env -u XDG_STATE_HOME HOME=" + quote(home.path().string()) +
                    " PATH=" + quote((on_path ? dir + ":" : std::string()) + "/usr/bin:/bin") + " " + quote(CS_BINARY) +
                    " guard doctor";
  return sh(cmd, project);
}

TEST(GuardDoctorCli, NeverSaysOkForAHookThatWillNotRun) {
  TempDir home, project;
  for (std::string agent : {"gemini", "codex", "cline"})
    ASSERT_EQ(run_in(home, {"install-hook", agent}, project.path()).exit_code, 0);
  // What install-hook kiro used to write: a name-less default.json, an agent nobody runs.
  std::filesystem::create_directories(project.path() / ".kiro/agents");
  sh("cat > .kiro/agents/default.json", project.path(),
     R"({"hooks":{"preToolUse":[{"matcher":"execute_bash","command":"countersign guard --agent kiro"}]}})");
  sh("chmod -x .clinerules/hooks/PreToolUse", project.path());
  auto r = doctor_with_path(home, project.path(), true);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  for (std::string agent : {"gemini", "codex", "cline", "kiro"}) {
    EXPECT_NE(r.out.find("FAIL " + agent), std::string::npos) << agent << "\n" << r.out;
    EXPECT_EQ(r.out.find("ok   " + agent), std::string::npos) << agent << "\n" << r.out;
  }
  EXPECT_NE(r.out.find("trustedFolders.json"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("config.toml"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no \"name\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not executable"), std::string::npos) << r.out;

  // Once the agents trust the project (and the script may run), the same hooks pass.
  std::filesystem::create_directories(home.path() / ".gemini");
  sh("cat > .gemini/trustedFolders.json", home.path(), "{" + text::json_quote(project.path().string()) + ":\"TRUST_FOLDER\"}");
  std::filesystem::create_directories(home.path() / ".codex");
  sh("cat > .codex/config.toml", home.path(),
     "[projects." + text::json_quote(project.path().string()) + "]\ntrust_level = \"trusted\"\n");
  sh("chmod +x .clinerules/hooks/PreToolUse && rm .kiro/agents/default.json", project.path());
  r = doctor_with_path(home, project.path(), true);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  for (std::string agent : {"gemini", "codex", "cline"}) EXPECT_NE(r.out.find("ok   " + agent), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fails open"), std::string::npos) << r.out;
}

TEST(GuardDoctorCli, SaysPlainlyWhenCountersignIsMissingOrTheCommandIsThisMachinesPath) {
  TempDir home, project;
  ASSERT_EQ(run_in(home, {"install-hook", "claude-code"}, project.path()).exit_code, 0);
  auto r = doctor_with_path(home, project.path(), false);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("FAIL claude-code"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("did NOT run countersign"), std::string::npos) << r.out;
  // An old install: the absolute path of one machine in committed settings.
  ASSERT_EQ(run_in(home, {"install-hook", "droid", "--binary", CS_BINARY}, project.path()).exit_code, 0);
  auto text = read_file(project.path() / ".factory/hooks.json");
  auto doc = json::parse(text);
  auto& hook = doc->get("hooks")->get("PreToolUse")->items.at(0).get("hooks")->items.at(0);
  hook.set("command", json::Value::string_of(std::string(CS_BINARY) + " guard --agent droid"));
  sh("cat > .factory/hooks.json", project.path(), json::write(*doc));
  r = doctor_with_path(home, project.path(), true);
  EXPECT_NE(r.out.find("FAIL droid"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("a teammate without it runs everything unguarded"), std::string::npos) << r.out;
}

TEST(GuardHookBinary, FileToolWritesToGuardFilesAreHeld) {
  TempDir home, project;
  std::string settings = (home.path() / ".claude/settings.json").string();
  auto claude = run_in(home, {"guard", "--agent", "claude-code"}, project.path(),
                       R"({"hook_event_name":"PreToolUse","cwd":)" + text::json_quote(project.path().string()) +
                           R"(,"tool_name":"Write","tool_input":{"file_path":)" + text::json_quote(settings) +
                           R"(,"content":"no hooks"}})");
  EXPECT_NE(claude.out.find("\"ask\""), std::string::npos) << claude.out << claude.err;
  EXPECT_NE(claude.out.find("guard.self.agent-settings"), std::string::npos) << claude.out;
  auto codex = run_in(home, {"guard", "--agent", "codex"}, project.path(),
                      R"({"hook_event_name":"PreToolUse","cwd":)" + text::json_quote(project.path().string()) +
                          R"(,"tool_name":"apply_patch","tool_input":{"command":"*** Begin Patch\n*** Delete File: .countersign/guard.yaml\n*** End Patch\n"}})");
  EXPECT_EQ(codex.exit_code, 2) << codex.out;
  EXPECT_NE(codex.err.find("guard.self.countersign-config"), std::string::npos) << codex.err;
  auto source = run_in(home, {"guard", "--agent", "codex"}, project.path(),
                       R"({"hook_event_name":"PreToolUse","cwd":)" + text::json_quote(project.path().string()) +
                           R"(,"tool_name":"apply_patch","tool_input":{"command":"*** Begin Patch\n*** Add File: src/a.py\n+x\n*** End Patch\n"}})");
  EXPECT_EQ(source.exit_code, 0) << source.err;
  EXPECT_EQ(source.out, "");
}

TEST(GuardHookBinary, GeminiApprovalForTheProjectDoesNotReleaseTheSameCommandAtRoot) {
  TempDir home, project;
  auto payload = [&](const std::string& dir) {
    return R"({"hook_event_name":"BeforeTool","cwd":)" + text::json_quote(project.path().string()) +
           R"(,"tool_name":"run_shell_command","tool_input":{"command":"git push --force origin main","dir_path":)" +
           text::json_quote(dir) + "}}";
  };
  auto request_of = [](const RunResult& r) {
    auto pos = r.out.find("held for approval: request ");
    return pos == std::string::npos ? std::string() : r.out.substr(pos + 27, 16);
  };
  auto held = run_in(home, {"guard", "--agent", "gemini"}, project.path(), payload("."));
  auto id = request_of(held);
  ASSERT_EQ(id.size(), 16u) << held.out << held.err;
  // The same command where Gemini will really run it (dir_path "/") is another request: an
  // approval of the one in the project cannot release it.
  auto at_root = run_in(home, {"guard", "--agent", "gemini"}, project.path(), payload("/"));
  EXPECT_NE(at_root.out.find("\"deny\""), std::string::npos) << at_root.out;
  auto root_id = request_of(at_root);
  ASSERT_EQ(root_id.size(), 16u) << at_root.out;
  EXPECT_NE(root_id, id);
  EXPECT_EQ(request_of(run_in(home, {"guard", "--agent", "gemini"}, project.path(), payload("."))), id)
      << "the same command in the same directory is the same request";
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
