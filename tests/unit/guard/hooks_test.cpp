#include <gtest/gtest.h>

#include <algorithm>

#include "countersign/core/text.h"
#include "countersign/guard/hooks.h"
#include "unit/guard/hook_fixtures.h"

namespace cs::test {
namespace {

using guard::Decision;
using guard::HookRequest;

// A classifier fixed by the fixture: the adapters are tested apart from the rules.
guard::Classifier fixed(const std::string& decision) {
  return [decision](const std::string&, const guard::Context&) -> Result<guard::Verdict> {
    guard::Verdict v;
    v.decision = decision == "allow" ? Decision::allow : decision == "held" ? Decision::ask : Decision::deny;
    v.reason = "fixture verdict";
    v.environment = "unknown (assumed production)";
    guard::RuleMatch m;
    m.rule = "fixture.rule";
    v.matches.push_back(m);
    return v;
  };
}

guard::WriteClassifier fixed_write(const std::string& decision) {
  return [decision](const std::vector<std::string>&, const guard::Context& ctx) -> Result<guard::Verdict> {
    return fixed(decision)("", ctx);
  };
}

std::string kind_name(HookRequest::Kind k) {
  switch (k) {
    case HookRequest::Kind::shell: return "shell";
    case HookRequest::Kind::other_tool: return "other_tool";
    case HookRequest::Kind::malformed: return "malformed";
    case HookRequest::Kind::file_write: return "file_write";
    case HookRequest::Kind::unjudgeable: return "unjudgeable";
  }
  return "?";
}

// The approval request id a held reply names.
std::string request_of(const guard::HookReply& r) {
  auto text = r.out + r.err;
  auto pos = text.find("held for approval: request ");
  return pos == std::string::npos ? std::string() : text.substr(pos + 27, 16);
}

TEST(HookFixtures, EveryAgentHasFixtures) {
  auto fixtures = load_hook_fixtures();
  for (const auto& agent : guard::hook_agents()) {
    size_t n = std::count_if(fixtures.begin(), fixtures.end(), [&](const auto& f) { return f.agent == agent; });
    EXPECT_GE(n, 4u) << agent;
  }
}

TEST(HookFixtures, AdaptersReadDocumentedPayloads) {
  for (const auto& fx : load_hook_fixtures()) {
    SCOPED_TRACE(fx.agent + "/" + fx.name);
    const auto* adapter = guard::find_adapter(fx.agent);
    ASSERT_NE(adapter, nullptr);
    auto req = adapter->read(fx.payload);
    const auto& want = fx.field("read");
    EXPECT_EQ(kind_name(req.kind), want.get("kind")->text) << req.problem;
    if (req.kind == HookRequest::Kind::shell) {
      EXPECT_EQ(req.command, want.get("command")->text);
      EXPECT_EQ(req.cwd, want.get("cwd")->text);
    }
    if (req.kind == HookRequest::Kind::file_write) {
      std::vector<std::string> paths;
      for (const auto& p : want.get("paths")->items) paths.push_back(p.text);
      EXPECT_EQ(req.paths, paths);
      EXPECT_EQ(req.cwd, want.get("cwd")->text);
    }
    if (req.kind == HookRequest::Kind::malformed) {
      EXPECT_FALSE(req.problem.empty());
    }
  }
}

TEST(HookFixtures, AdaptersAnswerInTheAgentsProtocol) {
  for (const auto& fx : load_hook_fixtures()) {
    SCOPED_TRACE(fx.agent + "/" + fx.name);
    TempDir home;
    guard::HookEnvironment where{{{"HOME", home.path().string()}}, "/tmp", {}};
    auto reply = guard::run_hook_with(*guard::find_adapter(fx.agent), fx.payload, where, fixed(fx.decision()),
                                      fixed_write(fx.decision()));
    EXPECT_TRUE(reply_matches(fx, reply.exit_code, reply.out, reply.err));
  }
}

TEST(HookAdapters, AHeldCommandIsDeniedWhereTheAgentCannotAsk) {
  for (const auto* adapter : guard::all_adapters()) {
    SCOPED_TRACE(std::string(adapter->name()));
    guard::HookOutcome held{Decision::ask, "countersign: held for approval: request 0123456789abcdef", true, false, {}};
    auto reply = adapter->answer(held);
    bool says_ask = reply.out.find("\"ask\"") != std::string::npos;
    EXPECT_EQ(says_ask, adapter->supports_ask());
  }
}

TEST(HookAdapters, ClassifierFailureIsDenied) {
  TempDir home;
  guard::HookEnvironment where{{{"HOME", home.path().string()}}, "/tmp", {}, {}};
  auto broken = [](const std::string&, const guard::Context&) -> Result<guard::Verdict> {
    return fail(Errc::policy, "guard.yaml:3:1: bad rule");
  };
  const auto& claude = guard::claude_code_adapter();
  auto reply = guard::run_hook_with(claude, claude.sample_payload("ls", "/tmp"), where, broken);
  EXPECT_EQ(reply.exit_code, 2);
  EXPECT_NE(reply.err.find("bad rule"), std::string::npos);
}

TEST(HookAdapters, HostileInputIsDeniedNeverAllowed) {
  TempDir home;
  guard::HookEnvironment where{{{"HOME", home.path().string()}}, "/tmp", {}, {}};
  auto allow_all = fixed("allow");
  static constexpr char kNul[] = "{\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"l\0s\"}}";
  std::vector<std::string> hostile = {
      "",
      "null",
      "\"Bash\"",
      std::string(5u << 20, ' ') + "{}",
      std::string(100000, '[') + std::string(100000, ']'),
      "{\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"ls\xff\"}}",
      "{\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"ls\"}} trailing",
      "{\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"\\ud800\"}}",
      std::string(kNul, sizeof kNul - 1),
  };
  for (const auto* adapter : guard::all_adapters()) {
    for (const auto& payload : hostile) {
      SCOPED_TRACE(std::string(adapter->name()) + " payload of " + std::to_string(payload.size()) + " bytes");
      auto req = adapter->read(payload);
      EXPECT_EQ(req.kind, HookRequest::Kind::malformed) << req.command;
      auto reply = guard::run_hook_with(*adapter, payload, where, allow_all);
      bool blocked = reply.exit_code == 2 || reply.out.find("\"deny\"") != std::string::npos ||
                     reply.out.find("\"cancel\":true") != std::string::npos;
      EXPECT_TRUE(blocked) << reply.out << reply.err;
    }
    auto blank = adapter->read(adapter->sample_payload("  \t ", "/tmp"));
    EXPECT_EQ(blank.kind, HookRequest::Kind::malformed) << adapter->name();
  }
  auto not_object = guard::claude_code_adapter().read(R"({"tool_name":"Bash","tool_input":"rm -rf /"})");
  EXPECT_EQ(not_object.kind, HookRequest::Kind::malformed);
}

TEST(HookAdapters, CopilotToolArgsStringMustHoldAnObject) {
  const auto& copilot = guard::copilot_adapter();
  auto req = copilot.read(R"({"toolName":"bash","toolArgs":"\"rm -rf /\"","cwd":"/w"})");
  EXPECT_EQ(req.kind, HookRequest::Kind::malformed);
  req = copilot.read(R"({"toolName":"BASH","toolArgs":"{\"command\":\"ls\"}","cwd":"/w"})");
  EXPECT_EQ(req.kind, HookRequest::Kind::shell);
  EXPECT_EQ(req.command, "ls");
}

TEST(HookAdapters, KiroUseAwsQuotesValuesForTheShellParser) {
  auto req = guard::kiro_adapter().read(
      R"({"hook_event_name":"preToolUse","cwd":"/w","tool_name":"use_aws","tool_input":{"service_name":"s3api","operation_name":"DeleteObjects","parameters":{"Bucket":"my bucket; rm -rf /","Delete":{"Objects":[{"Key":"a"}]}},"region":"us-east-1"}})");
  ASSERT_EQ(req.kind, HookRequest::Kind::shell) << req.problem;
  EXPECT_EQ(req.command.rfind("aws s3api delete-objects --bucket 'my bucket; rm -rf /' --delete '{", 0), 0u) << req.command;
}

TEST(HookAttacks, GeminiDirPathIsWhereTheCommandIsJudgedAndBound) {
  TempDir home;
  guard::HookEnvironment where{{{"HOME", home.path().string()}}, "/tmp", {}};
  std::vector<std::string> judged_at;
  auto recording = [&judged_at](const std::string&, const guard::Context& ctx) -> Result<guard::Verdict> {
    judged_at.push_back(ctx.cwd);
    return fixed("held")("", ctx);
  };
  auto payload = [](std::string dir) {
    return R"({"hook_event_name":"BeforeTool","cwd":"/home/dev/shop","tool_name":"run_shell_command","tool_input":{"command":"rm -rf ./*","dir_path":)" +
           text::json_quote(dir) + "}}";
  };
  const auto& gemini = guard::gemini_adapter();
  auto here = guard::run_hook_with(gemini, payload("."), where, recording);
  auto root = guard::run_hook_with(gemini, payload("/"), where, recording);
  ASSERT_EQ(judged_at, (std::vector<std::string>{"/home/dev/shop", "/"}));
  // An approval for the project directory is a different request from the same command at /.
  ASSERT_EQ(request_of(here).size(), 16u) << here.out;
  EXPECT_NE(request_of(here), request_of(root));
  EXPECT_EQ(gemini.read(payload("../..")).cwd, "/home");
  auto relative_without_cwd = gemini.read(
      R"({"hook_event_name":"BeforeTool","tool_name":"run_shell_command","tool_input":{"command":"ls","dir_path":"sub"}})");
  EXPECT_EQ(relative_without_cwd.kind, HookRequest::Kind::malformed);
}

TEST(HookAttacks, AnApprovedWriteReleasesNoOtherWrite) {
  TempDir home;
  guard::HookEnvironment where{{{"HOME", home.path().string()}}, "/tmp", {}};
  auto write = [](std::string tool, std::string path, std::string content) {
    return R"({"hook_event_name":"PreToolUse","cwd":"/w","tool_name":)" + text::json_quote(tool) +
           R"(,"tool_input":{"file_path":)" + text::json_quote(path) + R"(,"content":)" + text::json_quote(content) +
           R"(,"old_string":"a","new_string":"b"}})";
  };
  const auto& claude = guard::claude_code_adapter();
  std::vector<std::string> ids;
  for (auto payload : {write("Write", ".claude/settings.json", "{}"), write("Write", ".claude/settings.json", "{\"x\":1}"),
                       write("Write", ".claude/settings.local.json", "{}"), write("Edit", ".claude/settings.json", "{}")}) {
    auto reply = guard::run_hook_with(claude, payload, where, fixed("allow"), fixed_write("held"));
    ids.push_back(request_of(reply));
    ASSERT_EQ(ids.back().size(), 16u) << reply.out << reply.err;
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::unique(ids.begin(), ids.end()), ids.end()) << "two different writes share an approval request";
  // Without a write classifier a write is denied, never allowed.
  auto unjudged = guard::run_hook_with(claude, write("Write", "a.txt", ""), where, fixed("allow"));
  EXPECT_EQ(unjudged.exit_code, 2);
}

TEST(HookAttacks, CodexPatchPathsAreEveryFileThePatchTouches) {
  auto paths = guard::hook::patch_paths(
      "*** Begin Patch\r\n*** Add File: a.txt\r\n+x\r\n*** Delete File: .countersign/guard.yaml\r\n*** Update File: b.txt\r\n"
      "*** Move to: ~/.codex/hooks.json\r\n*** End Patch\r\n");
  ASSERT_TRUE(paths) << paths.error().message;
  EXPECT_EQ(*paths, (std::vector<std::string>{"a.txt", ".countersign/guard.yaml", "b.txt", "~/.codex/hooks.json"}));
  EXPECT_FALSE(guard::hook::patch_paths("*** Begin Patch\n*** End Patch\n"));
  EXPECT_FALSE(guard::hook::patch_paths("*** Delete File: x\n"));
  EXPECT_FALSE(guard::hook::patch_paths("*** Begin Patch\n*** Delete File:   \n*** End Patch"));
}

TEST(HookAttacks, ClaudeBypassPermissionsNeverAsks) {
  TempDir home;
  guard::HookEnvironment where{{{"HOME", home.path().string()}}, "/tmp", {}};
  const auto& claude = guard::claude_code_adapter();
  for (std::string mode : {"default", "bypassPermissions"}) {
    auto payload = R"({"hook_event_name":"PreToolUse","cwd":"/w","permission_mode":)" + text::json_quote(mode) +
                   R"(,"tool_name":"Bash","tool_input":{"command":"terraform destroy"}})";
    auto reply = guard::run_hook_with(claude, payload, where, fixed("held"));
    bool asks = reply.out.find("\"ask\"") != std::string::npos;
    EXPECT_EQ(asks, mode == "default") << reply.out;
    if (!asks) {
      EXPECT_NE(reply.out.find("countersign guard approve"), std::string::npos) << reply.out;
    }
  }
}

}  // namespace
}  // namespace cs::test
