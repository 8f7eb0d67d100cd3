// Evasions that need a real project on disk (issue 15): task runners whose recipes live in the
// project's files, scripts run by path, deleting the project's ancestors from a project that is
// not under the home directory, and self-protection that no allow-list entry releases.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "countersign/guard/guard.h"
#include "support/test_support.h"

namespace cs::guard {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

struct Project {
  test::TempDir dir;
  fs::path root = dir.path() / "app";
  Guard guard;
  Context ctx;
  explicit Project(const std::string& guard_yaml = {}) : guard(load(root, guard_yaml)) {
    ctx.cwd = root.string();
    ctx.env = {{"HOME", (dir.path() / "home").string()}};
  }
  static Guard load(const fs::path& root, const std::string& guard_yaml) {
    fs::create_directories(root);
    Config c;
    c.project_dir = root.string();
    c.system_dir = (root / "no-system-config").string();
    // The guard.yaml given is the trusted revision's: only there can an allow-list loosen anything.
    if (!guard_yaml.empty()) {
      TrustedConfig t;
      t.revision = "refs/remotes/origin/main";
      t.guard = TrustedPolicy{"refs/remotes/origin/main:.countersign/guard.yaml", guard_yaml};
      c.trusted_config = t;
    }
    auto g = Guard::load(c);
    EXPECT_TRUE(g) << (g ? "" : g.error().describe());
    return std::move(*g);
  }
  Decision decide(const std::string& command) const { return guard.classify(command, ctx).decision; }
};

TEST(GuardRecipes, MakeTargetsRunTheirRecipesAndPrerequisites) {
  Project p;
  write(p.root / "Makefile",
        "DIR ?= /\n"
        "SAFE := build\n"
        "all: build\n"
        "build:\n"
        "\t@echo building\n"
        "clean:\n"
        "\trm -rf $(SAFE)\n"
        "nuke: clean\n"
        "\t-rm -rf $(DIR)\n"
        "wipe: nuke\n"
        "deploy: ; kubectl delete ns prod\n");
  EXPECT_EQ(p.decide("make"), Decision::allow);
  EXPECT_EQ(p.decide("make clean"), Decision::allow);
  EXPECT_EQ(p.decide("make nuke"), Decision::deny);
  EXPECT_EQ(p.decide("make wipe"), Decision::deny) << "a prerequisite's recipe runs too";
  EXPECT_EQ(p.decide("make nuke DIR=build"), Decision::allow) << "a command-line variable overrides ?=";
  EXPECT_EQ(p.decide("make -j4 -k nuke"), Decision::deny);
  EXPECT_EQ(p.decide("make -n nuke"), Decision::allow) << "a dry run runs nothing";
  EXPECT_EQ(p.decide("make missing"), Decision::allow) << "make runs nothing for a target it does not know";
  write(p.root / "sub" / "GNUmakefile", "x:\n\trm -rf ~\n");
  EXPECT_EQ(p.decide("make -C sub x"), Decision::deny);
  EXPECT_EQ(p.decide("make -f sub/GNUmakefile x"), Decision::deny);
  fs::create_directories(p.root / "dir" / "Makefile");  // not a file: cannot be read
  EXPECT_EQ(p.decide("make -C dir all"), Decision::ask);
}

TEST(GuardRecipes, PackageScriptsWithPreAndPostScripts) {
  Project p;
  write(p.root / "package.json",
        R"({"scripts": {"build": "tsc", "clean": "rm -rf dist", "prereset": "rm -rf ~", "reset": "echo reset",
            "test": "jest", "posttest": "rm -rf /", "start": "node server.js", "wipe": "rm -rf"}})");
  EXPECT_EQ(p.decide("npm run build"), Decision::allow);
  EXPECT_EQ(p.decide("npm run clean"), Decision::allow);
  EXPECT_EQ(p.decide("npm run reset"), Decision::deny) << "npm runs prereset first";
  EXPECT_EQ(p.decide("npm test"), Decision::deny) << "npm runs posttest after test";
  EXPECT_EQ(p.decide("yarn test"), Decision::deny);
  EXPECT_EQ(p.decide("pnpm run test"), Decision::deny);
  EXPECT_EQ(p.decide("npm run wipe -- /"), Decision::deny) << "arguments after -- are appended";
  EXPECT_EQ(p.decide("yarn wipe ~"), Decision::deny);
  EXPECT_EQ(p.decide("npm start"), Decision::allow);
  EXPECT_EQ(p.decide("npm run nothing-here"), Decision::allow);
  write(p.root / "package.json", "{not json");
  EXPECT_EQ(p.decide("npm run build"), Decision::ask) << "an unreadable package.json is dynamic";
}

TEST(GuardRecipes, JustRecipesWithParametersAndDependencies) {
  Project p;
  write(p.root / "justfile",
        "target := \"build\"\n"
        "\n"
        "default: fmt\n"
        "\n"
        "fmt:\n"
        "    cargo fmt\n"
        "\n"
        "clean dir=target:\n"
        "    rm -rf {{dir}}\n"
        "\n"
        "reset: clean\n"
        "    @kubectl delete ns prod\n"
        "\n"
        "py:\n"
        "    #!/usr/bin/env python3\n"
        "    import shutil; shutil.rmtree('/')\n");
  EXPECT_EQ(p.decide("just"), Decision::allow);
  EXPECT_EQ(p.decide("just clean build"), Decision::allow);
  EXPECT_EQ(p.decide("just clean /"), Decision::deny) << "the argument fills {{dir}}";
  EXPECT_EQ(p.decide("just --list"), Decision::allow);
  EXPECT_EQ(p.decide("just py"), Decision::ask) << "a shebang recipe is a script for its interpreter";
}

TEST(GuardRecipes, TaskfileTasks) {
  Project p;
  write(p.root / "Taskfile.yml",
        "version: '3'\n"
        "tasks:\n"
        "  default:\n"
        "    cmds:\n"
        "      - go build ./...\n"
        "  clean:\n"
        "    cmds:\n"
        "      - rm -rf dist\n"
        "  nuke:\n"
        "    deps: [clean]\n"
        "    cmds:\n"
        "      - cmd: rm -rf ~\n"
        "  wipe:\n"
        "    cmds:\n"
        "      - task: nuke\n"
        "  multi:\n"
        "    cmds:\n"
        "      - |\n"
        "        echo one\n"
        "        rm -rf /\n");
  EXPECT_EQ(p.decide("task"), Decision::allow);
  EXPECT_EQ(p.decide("task clean"), Decision::allow);
  EXPECT_EQ(p.decide("task nuke"), Decision::deny);
  EXPECT_EQ(p.decide("task wipe"), Decision::deny);
  EXPECT_EQ(p.decide("task multi"), Decision::deny);
  EXPECT_EQ(p.decide("task --list"), Decision::allow);
}

TEST(GuardRecipes, ScriptsRunByPath) {
  Project p;
  write(p.root / "scripts" / "deploy.sh", "#!/bin/bash\nset -e\nkubectl delete ns prod\n");
  write(p.root / "scripts" / "ok.sh", "#!/usr/bin/env bash\necho fine\n");
  write(p.root / "tool.py", "#!/usr/bin/env python3\nimport os\n");
  EXPECT_EQ(p.decide("./scripts/deploy.sh"), Decision::deny);
  EXPECT_EQ(p.decide("scripts/deploy.sh --now"), Decision::deny);
  EXPECT_EQ(p.decide("./scripts/ok.sh"), Decision::allow);
  EXPECT_EQ(p.decide("./tool.py"), Decision::allow);
  EXPECT_EQ(p.decide("./not-there.sh"), Decision::allow);
  EXPECT_EQ(p.decide("echo 'rm -rf /' > x.sh && chmod +x x.sh && ./x.sh"), Decision::deny)
      << "a script written earlier in the same command line";
}

TEST(GuardPaths, AncestorsOfTheProjectAreNeverTemporary) {
  test::TempDir dir;
  fs::path root = dir.path() / "work" / "app";
  fs::create_directories(root);
  Config c;
  c.project_dir = root.string();
  auto g = Guard::load(c);
  ASSERT_TRUE(g);
  Context ctx{root.string(), {{"HOME", "/home/agent"}}};
  // The project lies under the temporary directory, as CI checkouts and these tests do.
  EXPECT_EQ(g->classify("rm -rf ..", ctx).decision, Decision::deny);
  EXPECT_EQ(g->classify("rm -rf ../..", ctx).decision, Decision::deny);
  EXPECT_EQ(g->classify("rm -rf " + (dir.path() / "work").string(), ctx).decision, Decision::deny);
  EXPECT_EQ(g->classify("rm -rf " + dir.path().string(), ctx).decision, Decision::deny);
  EXPECT_EQ(g->classify("rm -rf " + dir.path().parent_path().string(), ctx).decision, Decision::deny);
  EXPECT_EQ(g->classify("rm -rf " + root.string(), ctx).decision, Decision::ask) << "the project itself";
  EXPECT_EQ(g->classify("rm -rf ../other", ctx).decision, Decision::allow) << "a sibling in the temporary directory";
  EXPECT_EQ(g->classify("find .. -delete", ctx).decision, Decision::deny);
  EXPECT_EQ(g->classify("rm -rf build", ctx).decision, Decision::allow);
  EXPECT_EQ(g->classify("rm -rf /tmp/unrelated-build-dir", ctx).decision, Decision::allow);
}

TEST(GuardSelfProtection, NoAllowListEntryReleasesAProtectedWrite) {
  Project p(
      "allow:\n"
      "  - command: \"*\"\n"
      "    expires: 2999-01-01\n"
      "    reason: everything\n");
  EXPECT_EQ(p.decide("git reset --hard HEAD~1"), Decision::allow) << "the allow-list is in force";
  Verdict v = p.guard.classify("echo '{}' > ~/.claude/settings.json", p.ctx);
  EXPECT_EQ(v.decision, Decision::ask);
  ASSERT_FALSE(v.matches.empty());
  EXPECT_EQ(v.matches[0].rule, "guard.self.agent-settings");
  EXPECT_EQ(v.matches[0].severity, Severity::critical);
  EXPECT_EQ(p.decide("rm .claude/settings.json"), Decision::ask);
  EXPECT_EQ(p.decide("git push origin :refs/countersign/approvals"), Decision::ask);
}

TEST(GuardSelfProtection, GlobsAndDestinationDirectoriesAreResolvedOnDisk) {
  Project p;
  write(p.root / ".claude" / "settings.json", "{}");
  fs::create_directories(p.root / "out");
  EXPECT_EQ(p.decide("sed -i s/a/b/ .claude/*.json"), Decision::ask);
  EXPECT_EQ(p.decide("cp /tmp/settings.json .claude"), Decision::ask) << "a destination directory: dir/basename";
  EXPECT_EQ(p.decide("cp /tmp/notes.txt .claude"), Decision::allow);
  EXPECT_EQ(p.decide("cp .claude/settings.json out"), Decision::allow);
  fs::create_symlink(p.root / ".claude" / "settings.json", p.root / "link.json");
  EXPECT_EQ(p.decide("echo x > link.json"), Decision::ask) << "a link to a settings file is the settings file";
}

}  // namespace
}  // namespace cs::guard
