#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

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
  auto kiro = json::parse(read_file(dir.path() / ".kiro/agents/default.json"));
  EXPECT_EQ(kiro->get("hooks")->get("preToolUse")->items.size(), 2u);
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
  ASSERT_EQ(pre->items.size(), 3u);
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
  EXPECT_EQ(after->get("hooks")->get("PreToolUse")->items.size(), 3u);
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
  EXPECT_EQ(doc->get("hooks")->get("preToolUse")->items[0].get("bash")->text,
            "'/Users/Dev Person/bin/countersign' guard --agent copilot");
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
