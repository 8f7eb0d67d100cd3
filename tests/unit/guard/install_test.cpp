#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tuple>

#include "countersign/guard/audit.h"
#include "countersign/guard/hooks.h"
#include "countersign/guard/json.h"
#include "countersign/core/text.h"
#include "support/test_support.h"

namespace cs::test {
namespace {

namespace json = guard::json;

std::string installed(const std::string& agent, const TempDir& dir) {
  auto file = guard::hook_settings_file(agent, guard::HookScope::project, dir.path().string(), "/nonexistent");
  EXPECT_TRUE(file);
  auto r = guard::install_hook(agent, *file, "/opt/countersign/bin/countersign");
  EXPECT_TRUE(r) << (r ? "" : r.error().describe());
  return *file;
}

TEST(GuardInstall, CreatesEachAgentsSettingsFile) {
  TempDir dir;
  for (const auto& agent : guard::hook_agents()) {
    SCOPED_TRACE(agent);
    auto file = installed(agent, dir);
    if (guard::find_adapter(agent)->script_hook()) {
      EXPECT_NE(read_file(file).find("/opt/countersign/bin/countersign guard --agent " + agent), std::string::npos);
      EXPECT_EQ(::access(file.c_str(), X_OK), 0);
      continue;
    }
    auto doc = json::parse(read_file(file));
    ASSERT_TRUE(doc);
    EXPECT_NE(json::write(*doc).find("/opt/countersign/bin/countersign guard --agent " + agent), std::string::npos);
  }
  auto claude = json::parse(read_file(dir.path() / ".claude/settings.json"));
  const auto& entry = claude->get("hooks")->get("PreToolUse")->items.at(0);
  EXPECT_EQ(entry.get("matcher")->text, "Bash");
  EXPECT_EQ(entry.get("hooks")->items.at(0).get("timeout")->text, "10");
  EXPECT_TRUE(std::filesystem::exists(dir.path() / ".github/hooks/countersign.json"));
  auto cursor = json::parse(read_file(dir.path() / ".cursor/hooks.json"));
  EXPECT_EQ(cursor->get("version")->text, "1");
  EXPECT_EQ(claude->get("hooks")->get("PreToolUse")->items.at(1).get("matcher")->text, "Write|Edit|MultiEdit|NotebookEdit");
  EXPECT_EQ(cursor->get("hooks")->get("beforeShellExecution")->items.at(0).get("failClosed")->kind, json::Kind::boolean);
  EXPECT_TRUE(cursor->get("hooks")->get("preToolUse")->items.at(0).get("failClosed")->boolean);
  // No agent in use: a named agent with the default tools, not the name-less default.json Kiro ignores.
  EXPECT_FALSE(std::filesystem::exists(dir.path() / ".kiro/agents/default.json"));
  auto kiro = json::parse(read_file(dir.path() / ".kiro/agents/countersign.json"));
  ASSERT_TRUE(kiro);
  EXPECT_EQ(kiro->get("name")->text, "countersign");
  EXPECT_EQ(kiro->get("tools")->items.at(0).text, "*");
  EXPECT_EQ(kiro->get("hooks")->get("preToolUse")->items.size(), 7u);
}

TEST(GuardInstall, KeepsTheUsersSettingsAndHooksAndIsIdempotent) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / ".claude");
  std::string user = R"J({
  "model": "opus",
  "permissions": {"allow": ["Bash(npm test:*)"], "deny": []},
  "hooks": {
    "PreToolUse": [
      {"matcher": "Bash", "hooks": [{"type": "command", "command": "~/bin/lint-bash", "timeout": 1.5e1}]},
      {"matcher": "Write|Edit", "hooks": [{"type": "command", "command": "prettier --check"}]}
    ],
    "PostToolUse": [{"matcher": "*", "hooks": [{"type": "command", "command": "log-tool"}]}]
  },
  "env": {"FOO": "bar"}
}
)J";
  sh("cat > .claude/settings.json", dir.path(), user);
  auto file = installed("claude-code", dir);
  auto first = read_file(file);
  auto doc = json::parse(first);
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->keys, (std::vector<std::string>{"model", "permissions", "hooks", "env"}));
  const auto* pre = doc->get("hooks")->get("PreToolUse");
  ASSERT_EQ(pre->items.size(), 4u);
  EXPECT_EQ(pre->items[0].get("hooks")->items[0].get("command")->text, "~/bin/lint-bash");
  EXPECT_EQ(pre->items[0].get("hooks")->items[0].get("timeout")->text, "1.5e1");
  EXPECT_EQ(pre->items[1].get("hooks")->items[0].get("command")->text, "prettier --check");
  EXPECT_EQ(doc->get("hooks")->get("PostToolUse")->items.size(), 1u);
  EXPECT_EQ(doc->get("env")->get("FOO")->text, "bar");

  auto again = guard::install_hook("claude-code", file, "/opt/countersign/bin/countersign");
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->changed);
  EXPECT_EQ(read_file(file), first);

  // A new location of the binary updates our entry in place instead of adding another.
  auto moved = guard::install_hook("claude-code", file, "/usr/local/bin/countersign");
  ASSERT_TRUE(moved && moved->changed);
  auto after = json::parse(read_file(file));
  EXPECT_EQ(after->get("hooks")->get("PreToolUse")->items.size(), 4u);
  EXPECT_NE(read_file(file).find("/usr/local/bin/countersign guard --agent claude-code"), std::string::npos);
  EXPECT_EQ(read_file(file).find("/opt/countersign"), std::string::npos);
}

TEST(GuardInstall, RefusesFilesItCannotParseOrMerge) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / ".cursor");
  std::string broken = "{\"version\": 1, \"hooks\": {\"beforeShellExecution\": [ // my comment\n]}}";
  sh("cat > .cursor/hooks.json", dir.path(), broken);
  auto r = guard::install_hook("cursor", (dir.path() / ".cursor/hooks.json").string(), "countersign");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("refusing"), std::string::npos);
  EXPECT_EQ(read_file(dir.path() / ".cursor/hooks.json"), broken);

  std::string odd = "{\"version\": 1, \"hooks\": {\"beforeShellExecution\": {\"command\": \"x\"}}}";
  sh("cat > .cursor/hooks.json", dir.path(), odd);
  r = guard::install_hook("cursor", (dir.path() / ".cursor/hooks.json").string(), "countersign");
  ASSERT_FALSE(r);
  EXPECT_EQ(read_file(dir.path() / ".cursor/hooks.json"), odd);
  EXPECT_FALSE(guard::install_hook("no-such-agent", (dir.path() / "x.json").string(), "countersign"));
}

TEST(GuardInstall, QuotesABinaryPathWithSpaces) {
  TempDir dir;
  auto file = (dir.path() / "hooks.json").string();
  ASSERT_TRUE(guard::install_hook("copilot", file, "/Users/Dev Person/bin/countersign"));
  auto doc = json::parse(read_file(file));
  auto command = doc->get("hooks")->get("preToolUse")->items[0].get("bash")->text;
  EXPECT_EQ(command.rfind("if [ -x '/Users/Dev Person/bin/countersign' ]; then exec '/Users/Dev Person/bin/countersign' "
                          "guard --agent copilot; fi;",
                          0),
            0u)
      << command;
}

// The hook command as installed, run through /bin/sh as the agent runs it, with PATH = `path`.
RunResult run_installed(const std::string& command, const std::string& path, const std::string& input) {
  return sh("env -i PATH=" + quote(path) + " /bin/sh -c " + quote(command), std::filesystem::temp_directory_path(), input);
}

std::string first_command(const std::string& file, const std::string& event, bool grouped) {
  auto doc = json::parse(read_file(file));
  const auto& entry = doc->get("hooks")->get(event)->items.at(0);
  const auto& hook = grouped ? entry.get("hooks")->items.at(0) : entry;
  return (hook.get("command") ? hook.get("command") : hook.get("bash"))->text;
}

TEST(GuardInstall, ATeammateWithoutCountersignIsBlockedNotLetThrough) {
  TempDir dir;
  auto payload = guard::claude_code_adapter().sample_payload("rm -rf /", "/tmp");
  for (const auto& [agent, event, grouped] :
       std::vector<std::tuple<std::string, std::string, bool>>{{"claude-code", "PreToolUse", true},
                                                               {"copilot", "preToolUse", false},
                                                               {"cursor", "beforeShellExecution", false},
                                                               {"windsurf", "pre_run_command", false}}) {
    SCOPED_TRACE(agent);
    auto file = guard::hook_settings_file(agent, guard::HookScope::project, dir.path().string(), "/nonexistent");
    ASSERT_TRUE(guard::install_hook(agent, *file, "countersign"));
    auto command = first_command(*file, event, grouped);
    EXPECT_EQ(command.find(dir.path().string()), std::string::npos) << "a machine path in committed settings";
    auto r = run_installed(command, "/usr/bin:/bin", payload);
    bool blocked = r.exit_code == 2 || r.out.find("\"deny\"") != std::string::npos;
    EXPECT_TRUE(blocked) << "exit " << r.exit_code << " " << r.out << r.err;
    EXPECT_NE((r.out + r.err).find("countersign is not installed"), std::string::npos) << r.out << r.err;
    if (agent == "copilot" || agent == "cursor") {
      EXPECT_EQ(r.exit_code, 0) << "these agents ignore a failed hook";
    }
  }
  // Where countersign is on PATH, that one runs, with the agent's arguments.
  TempDir bin;
  sh("printf '#!/bin/sh\\necho ran \"$@\"\\n' > countersign && chmod +x countersign", bin.path());
  auto file = guard::hook_settings_file("claude-code", guard::HookScope::project, dir.path().string(), "/nonexistent");
  auto r = run_installed(first_command(*file, "PreToolUse", true), bin.path().string() + ":/usr/bin:/bin", payload);
  EXPECT_EQ(r.out, "ran guard --agent claude-code\n") << r.err;
}

TEST(GuardInstall, KiroGoesIntoTheAgentInUse) {
  TempDir dir;
  auto base = dir.path().string();
  std::filesystem::create_directories(dir.path() / ".kiro/agents");
  std::filesystem::create_directories(dir.path() / ".kiro/settings");
  sh("cat > .kiro/agents/dev.json", dir.path(), R"({"name":"dev","tools":["fs_read","execute_bash"],"prompt":"hi"})");
  sh("cat > .kiro/agents/ops.json", dir.path(), R"({"name":"ops","tools":["*"]})");
  // Two agents and no default: neither is in use for sure, so a named agent of our own.
  auto file = guard::hook_settings_file("kiro", guard::HookScope::project, base, "/nonexistent");
  EXPECT_EQ(*file, base + "/.kiro/agents/countersign.json");
  auto done = guard::install_hook("kiro", *file, "countersign");
  ASSERT_TRUE(done);
  EXPECT_NE(done->note.find("kiro-cli settings chat.defaultAgent countersign"), std::string::npos) << done->note;
  // The configured default agent is the one that gets the hook, its own settings kept.
  sh("cat > .kiro/settings/cli.json", dir.path(), R"({"chat.defaultAgent":"dev"})");
  file = guard::hook_settings_file("kiro", guard::HookScope::project, base, "/nonexistent");
  EXPECT_EQ(*file, base + "/.kiro/agents/dev.json");
  done = guard::install_hook("kiro", *file, "countersign");
  ASSERT_TRUE(done);
  EXPECT_EQ(done->note, "");
  auto dev = json::parse(read_file(dir.path() / ".kiro/agents/dev.json"));
  EXPECT_EQ(dev->get("prompt")->text, "hi");
  EXPECT_EQ(dev->get("tools")->items.size(), 2u);
  EXPECT_EQ(dev->get("hooks")->get("preToolUse")->items.size(), 7u);
  // Amazon Q Developer CLI, when set up, gets its own named agent too.
  std::filesystem::create_directories(dir.path() / ".amazonq");
  auto files = guard::hook_settings_files("kiro", guard::HookScope::project, base, "/nonexistent");
  ASSERT_TRUE(files);
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ(files->at(1), base + "/.amazonq/cli-agents/countersign.json");
  ASSERT_TRUE(guard::install_hook("kiro", files->at(1), "countersign"));
  EXPECT_EQ(json::parse(read_file(files->at(1)))->get("name")->text, "countersign");
}

TEST(GuardInstall, ClineHookIsAnExecutableAndSomeoneElsesIsKept) {
  TempDir dir;
  auto file = guard::hook_settings_file("cline", guard::HookScope::project, dir.path().string(), "/nonexistent");
  EXPECT_EQ(*file, dir.path().string() + "/.clinerules/hooks/PreToolUse");
  ASSERT_TRUE(guard::install_hook("cline", *file, "countersign"));
  auto r = sh("env -i PATH=/usr/bin:/bin " + quote(*file), dir.path(),
              guard::cline_adapter().sample_payload("rm -rf /", "/tmp"));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("\"cancel\":true"), std::string::npos) << r.out << r.err;
  auto again = guard::install_hook("cline", *file, "countersign");
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->changed);
  sh("printf '#!/bin/sh\\necho mine\\n' > .clinerules/hooks/PreToolUse", dir.path());
  EXPECT_FALSE(guard::install_hook("cline", *file, "countersign"));
  EXPECT_EQ(read_file(*file), "#!/bin/sh\necho mine\n");
}

TEST(GuardAudit, ConcurrentHooksAppendWholeLines) {
  TempDir state;
  constexpr int kProcs = 6, kLines = 200;
  std::vector<pid_t> kids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = ::fork();
    if (pid == 0) {
      guard::audit::Record r;
      r.agent = "claude-code";
      r.command = std::string(900, 'a' + p);
      r.decision = "allow";
      for (int i = 0; i < kLines; ++i)
        if (!guard::audit::append(state.path().string(), r)) ::_exit(1);
      ::_exit(0);
    }
    kids.push_back(pid);
  }
  for (auto pid : kids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  auto text = read_file(state.path() / "guard.jsonl");
  int lines = 0;
  for (auto line : cs::text::lines(text)) {
    if (line.empty()) continue;
    ++lines;
    auto doc = json::parse(line);
    ASSERT_TRUE(doc) << "interleaved line: " << line.substr(0, 80);
  }
  EXPECT_EQ(lines, kProcs * kLines);
}

}  // namespace
}  // namespace cs::test
