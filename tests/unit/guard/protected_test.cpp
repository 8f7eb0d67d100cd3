#include "countersign/guard/protected.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

namespace cs::guard {
namespace {

Context at(std::string cwd) {
  Context c;
  c.cwd = std::move(cwd);
  c.env["HOME"] = "/home/agent";
  return c;
}

TEST(ProtectedPath, AgentSettingsUserAndProject) {
  auto ctx = at("/work/app");
  for (const char* p : {"~/.claude/settings.json", "/home/agent/.claude/settings.local.json", ".claude/settings.json",
                        "./.codex/hooks.json", "/home/agent/.gemini/settings.json", ".cursor/hooks.json",
                        ".github/hooks/countersign.json", "/home/agent/.kiro/agents/dev.json",
                        ".amazonq/cli-agents/a.json", ".windsurf/hooks.json", ".clinerules/hooks/PreToolUse",
                        ".factory/hooks.json", "/etc/claude-code/managed-settings.json"}) {
    auto hit = protected_path(p, ctx, "/work/app");
    ASSERT_TRUE(hit) << p;
    EXPECT_EQ(hit->rule, "guard.self.agent-settings") << p;
  }
}

TEST(ProtectedPath, CountersignOwnFilesAndRefs) {
  auto ctx = at("/work/app/src");
  EXPECT_EQ(protected_path("../.countersign/guard.yaml", ctx, "/work/app")->rule, "guard.self.countersign-config");
  EXPECT_EQ(protected_path("/etc/countersign/guard.yaml", ctx, "/work/app")->rule, "guard.self.countersign-config");
  EXPECT_EQ(protected_path("~/.local/state/countersign/guard/approved/x", ctx, "/work/app")->rule,
            "guard.self.countersign-state");
  EXPECT_EQ(protected_path("/work/app/.git/refs/countersign/approvals", ctx, "/work/app")->rule,
            "guard.self.approvals-ref");
  ctx.env["XDG_STATE_HOME"] = "/var/st";
  EXPECT_EQ(protected_path("/var/st/countersign/x", ctx, "/work/app")->rule, "guard.self.countersign-state");
}

TEST(ProtectedPath, AncestorsAreProtectedOrdinaryFilesAreNot) {
  auto ctx = at("/work/app");
  EXPECT_TRUE(protected_path("/home/agent/.claude", ctx, "/work/app"));
  EXPECT_TRUE(protected_path("/work/app/.countersign", ctx, "/work/app"));
  EXPECT_TRUE(protected_path("/work/app/.claude/../.countersign/policy.yaml", ctx, "/work/app"));
  EXPECT_FALSE(protected_path("src/main.cpp", ctx, "/work/app"));
  EXPECT_FALSE(protected_path("/home/agent/.claude/projects/x.jsonl", ctx, "/work/app"));
  EXPECT_FALSE(protected_path(".countersignx/a", ctx, "/work/app"));
  EXPECT_FALSE(protected_path("/tmp/settings.json", ctx, "/work/app"));
}

TEST(ProtectedPath, SymlinkToSettingsIsTheSettings) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("cs-protected-" + std::to_string(::getpid()));
  fs::create_directories(dir / "home/.claude");
  fs::create_directories(dir / "proj");
  {
    std::FILE* f = std::fopen((dir / "home/.claude/settings.json").c_str(), "w");
    std::fclose(f);
  }
  fs::create_symlink(dir / "home/.claude/settings.json", dir / "proj/notes.json");
  Context ctx;
  ctx.cwd = (dir / "proj").string();
  ctx.env["HOME"] = (dir / "home").string();
  auto hit = protected_path("notes.json", ctx, ctx.cwd);
  fs::remove_all(dir);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->rule, "guard.self.agent-settings");
}

}  // namespace
}  // namespace cs::guard
