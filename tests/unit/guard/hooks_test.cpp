#include <gtest/gtest.h>

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

std::string kind_name(HookRequest::Kind k) {
  switch (k) {
    case HookRequest::Kind::shell: return "shell";
    case HookRequest::Kind::other_tool: return "other_tool";
    case HookRequest::Kind::malformed: return "malformed";
  }
  return "?";
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
    if (req.kind == HookRequest::Kind::malformed) {
      EXPECT_FALSE(req.problem.empty());
    }
  }
}

TEST(HookFixtures, AdaptersAnswerInTheAgentsProtocol) {
  for (const auto& fx : load_hook_fixtures()) {
    SCOPED_TRACE(fx.agent + "/" + fx.name);
    TempDir home;
    guard::HookEnvironment where{{{"HOME", home.path().string()}}, "/tmp", {}, {}};
    auto reply = guard::run_hook_with(*guard::find_adapter(fx.agent), fx.payload, where, fixed(fx.decision()));
    EXPECT_TRUE(reply_matches(fx, reply.exit_code, reply.out, reply.err));
  }
}

TEST(HookAdapters, AHeldCommandIsDeniedWhereTheAgentCannotAsk) {
  for (const auto* adapter : guard::all_adapters()) {
    SCOPED_TRACE(std::string(adapter->name()));
    guard::HookOutcome held{Decision::ask, "countersign: held for approval: request 0123456789abcdef", true, false};
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
      bool blocked = reply.exit_code == 2 || reply.out.find("\"deny\"") != std::string::npos;
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

}  // namespace
}  // namespace cs::test
