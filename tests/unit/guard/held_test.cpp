// Held commands in the hook: the request block every held answer carries, and the mechanics of
// release (the verdict on signatures is signoff's, tested in tests/unit/signoff/command_approval_test.cpp
// and end to end in tests/integration/guard_release_test.cpp). Here the trusted check is a stand-in
// that counts its calls, so that what the hook does around it can be seen.
#include "countersign/guard/held.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <thread>

#include "countersign/guard/hooks.h"
#include "support/test_support.h"

namespace cs::test {
namespace {

using guard::Decision;

constexpr const char* kKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

struct HeldFixture : ::testing::Test {
  TempDir home;
  std::map<std::string, std::string> env{{"HOME", home.path().string()}};
  std::atomic<int> checks{0};
  bool release = true;

  // Holds every terraform destroy; allows everything else.
  static Result<guard::Verdict> classify(const std::string& command, const guard::Context&) {
    guard::Verdict v;
    v.environment = "unknown (assumed production)";
    v.decision = command.find("terraform destroy") != std::string::npos ? Decision::ask : Decision::allow;
    if (v.decision == Decision::ask) {
      v.reason = "terraform destroy deletes every resource";
      guard::RuleMatch m;
      m.rule = "terraform.destroy";
      m.command = command;
      v.matches.push_back(m);
      guard::SimpleCommand c;
      c.argv = {"terraform", "destroy", "-auto-approve"};
      v.commands.push_back(c);
    }
    return v;
  }

  guard::HookEnvironment where() {
    guard::HookEnvironment w{env, "/", {}};
    w.release_command = [this](const std::string&, const guard::CommandRequest& r, const std::vector<std::string>& a,
                               const guard::ApprovalUsed& used) {
      ++checks;
      guard::CommandRelease out;
      out.released = release && !a.empty() && a[0].find(r.id) != std::string::npos && !used(kKey);
      if (out.released)
        out.approvers = {"carol"}, out.uses = {kKey};
      else
        out.reason = "stand-in refuses";
      return out;
    };
    return w;
  }

  guard::HookReply run(const guard::HookAdapter& adapter, const std::string& cwd = "/srv/shop",
                       const std::string& command = "terraform destroy -auto-approve") {
    return guard::run_hook_with(adapter, adapter.sample_payload(command, cwd), where(), classify);
  }

  std::string request_id_in(const std::string& text) {
    auto pos = text.find("held for approval: request ");
    EXPECT_NE(pos, std::string::npos) << text;
    return pos == std::string::npos ? "" : text.substr(pos + 27, 16);
  }
  std::filesystem::path state() const { return home.path() / ".local/state/countersign"; }
  void accept(const std::string& id) { ASSERT_TRUE(guard::accept_approval(id, "approval for " + id + "\n", env)); }
};

TEST_F(HeldFixture, EveryHeldAnswerCarriesTheRequestBlockAndSaysOnlyASeniorReleasesIt) {
  auto held = run(guard::codex_adapter());
  EXPECT_EQ(held.exit_code, 2);
  EXPECT_NE(held.err.find("Only a senior's signed approval releases it"), std::string::npos) << held.err;
  EXPECT_NE(held.err.find("Approving held commands"), std::string::npos) << held.err;
  auto begin = held.err.find("-----BEGIN COUNTERSIGN COMMAND REQUEST-----");
  auto end = held.err.find("-----END COUNTERSIGN COMMAND REQUEST-----");
  ASSERT_NE(begin, std::string::npos) << held.err;
  ASSERT_NE(end, std::string::npos);
  auto request = guard::parse_request_block(held.err.substr(begin, end + 41 - begin));
  ASSERT_TRUE(request) << request.error().describe();
  EXPECT_EQ(request->id, request_id_in(held.err));
  EXPECT_EQ(request->cwd, "/srv/shop");
  EXPECT_EQ(request->agent, "codex");
  EXPECT_EQ(request->command, "terraform destroy -auto-approve");
  ASSERT_EQ(request->argv.size(), 1u);
  EXPECT_EQ(request->argv[0], (std::vector<std::string>{"terraform", "destroy", "-auto-approve"}));
  EXPECT_EQ(request->binding, guard::command_binding(request->argv, "/srv/shop", "unknown (assumed production)"));
  EXPECT_FALSE(request->operator_.empty());
  auto pending = guard::pending_requests(env);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_TRUE(guard::parse_request_block((*pending)[0].block));
  EXPECT_EQ(checks, 0);  // nothing waiting: the trusted check is never asked
}

TEST_F(HeldFixture, AnAcceptedApprovalThatTheCheckReleasesPassesOnceThenTheCommandIsHeldAgain) {
  const auto id = request_id_in(run(guard::codex_adapter()).err);
  accept(id);
  EXPECT_EQ((*guard::pending_requests(env))[0].approvals, 1u);
  auto retry = run(guard::codex_adapter());
  EXPECT_EQ(retry.exit_code, 0) << retry.err;
  EXPECT_EQ(checks, 1);
  auto again = run(guard::codex_adapter());
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_EQ(request_id_in(again.err), id);
  EXPECT_TRUE(std::filesystem::exists(state() / "guard/used" / kKey));
  // Pasting the same approval again is a replay: the check hears that its key was used.
  accept(id);
  auto replay = run(guard::codex_adapter());
  EXPECT_EQ(replay.exit_code, 2);
  EXPECT_NE(replay.err.find("stand-in refuses"), std::string::npos) << replay.err;
  auto log = read_file(state() / "guard.jsonl");
  EXPECT_NE(log.find("\"approved_by\":\"carol\""), std::string::npos) << log;
}

TEST_F(HeldFixture, WhatTheCheckRefusesIsHeldWithItsReason) {
  release = false;
  const auto id = request_id_in(run(guard::codex_adapter()).err);
  accept(id);
  auto retry = run(guard::codex_adapter());
  EXPECT_EQ(retry.exit_code, 2);
  EXPECT_NE(retry.err.find("Not released: the approvals do not release it: stand-in refuses"), std::string::npos)
      << retry.err;
  // Without a check (no shell to provide one), nothing is ever released.
  release = true;
  auto w = where();
  w.release_command = nullptr;
  const auto& codex = guard::codex_adapter();
  auto unchecked =
      guard::run_hook_with(codex, codex.sample_payload("terraform destroy -auto-approve", "/srv/shop"), w, classify);
  EXPECT_EQ(unchecked.exit_code, 2);
  EXPECT_NE(unchecked.err.find("cannot be verified"), std::string::npos) << unchecked.err;
}

TEST_F(HeldFixture, AnApprovalForOneRequestIsNeverShownToAnother) {
  const auto id = request_id_in(run(guard::codex_adapter(), "/srv/shop").err);
  accept(id);
  auto elsewhere = run(guard::codex_adapter(), "/srv/other");
  EXPECT_EQ(elsewhere.exit_code, 2);
  EXPECT_NE(request_id_in(elsewhere.err), id);
  EXPECT_EQ(checks, 0);
  auto allowed = run(guard::codex_adapter(), "/srv/shop", "ls -la");
  EXPECT_EQ(allowed.exit_code, 0);
  EXPECT_EQ(checks, 0);
}

TEST_F(HeldFixture, ApprovalsReachedThroughASymlinkAreRefused) {
  const auto id = request_id_in(run(guard::codex_adapter()).err);
  TempDir elsewhere;
  std::filesystem::create_directories(elsewhere.path() / id);
  sh("echo 'approval for " + id + "' > " + quote((elsewhere.path() / id / "x.approval").string()));
  std::filesystem::create_directory_symlink(elsewhere.path(), state() / "guard/approved");
  auto retry = run(guard::codex_adapter());
  EXPECT_EQ(retry.exit_code, 2);
  EXPECT_NE(retry.err.find("symlink"), std::string::npos) << retry.err;
  EXPECT_EQ(checks, 0);
  std::filesystem::remove(state() / "guard/approved");
  // A symlinked approval file inside a real directory, and a used/ that is a symlink.
  std::filesystem::create_directories(state() / "guard/approved" / id);
  std::filesystem::create_symlink(elsewhere.path() / id / "x.approval", state() / "guard/approved" / id / "y.approval");
  EXPECT_EQ(run(guard::codex_adapter()).exit_code, 2);
  EXPECT_EQ(checks, 0);
  std::filesystem::remove(state() / "guard/approved" / id / "y.approval");
  accept(id);
  std::filesystem::create_directory_symlink(elsewhere.path(), state() / "guard/used");
  auto linked_used = run(guard::codex_adapter());
  EXPECT_EQ(linked_used.exit_code, 2) << linked_used.err;
  EXPECT_FALSE(std::filesystem::exists(elsewhere.path() / kKey));
}

TEST_F(HeldFixture, ConcurrentRetriesUseOneApprovalOnce) {
  const auto id = request_id_in(run(guard::codex_adapter()).err);
  accept(id);
  std::atomic<int> passed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      if (run(guard::codex_adapter()).exit_code == 0) ++passed;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(passed.load(), 1);
}

TEST_F(HeldFixture, ConsumeIsExclusiveAndRefusesMalformedKeys) {
  ASSERT_TRUE(guard::accept_approval("0123456789abcdef", "x\n", env));
  auto first = guard::held::consume(state().string(), "0123456789abcdef", {kKey});
  ASSERT_TRUE(first);
  EXPECT_TRUE(*first);
  auto second = guard::held::consume(state().string(), "0123456789abcdef", {kKey});
  ASSERT_TRUE(second);
  EXPECT_FALSE(*second);
  EXPECT_TRUE(guard::held::used(state().string(), kKey));
  EXPECT_FALSE(guard::held::consume(state().string(), "0123456789abcdef", {"../../x"}));
  EXPECT_FALSE(guard::accept_approval("../../etc/passwd", "x", env));
}

TEST_F(HeldFixture, AnAgentCannotApproveItself) {
  const auto& claude = guard::claude_code_adapter();
  auto reply = guard::run_hook_with(claude, claude.sample_payload("countersign guard approve 0123456789abcdef", "/w"),
                                    where(), classify);
  EXPECT_NE(reply.out.find("\"deny\""), std::string::npos) << reply.out;
}

TEST_F(HeldFixture, StateHonoursXdgStateHome) {
  TempDir other;
  env["XDG_STATE_HOME"] = other.path().string();
  run(guard::codex_adapter());
  EXPECT_TRUE(std::filesystem::exists(other.path() / "countersign/guard.jsonl"));
  EXPECT_FALSE(std::filesystem::exists(home.path() / ".local/state/countersign/guard.jsonl"));
}

// ---- The request block: hostile input, read strictly -----------------------------------------

guard::CommandRequest sample_request() {
  guard::CommandRequest r;
  r.argv = {{"kubectl", "--context", "prod", "delete", "deployment", "web"}};
  r.cwd = "/srv/shop";
  r.environment = "prod";
  r.binding = guard::command_binding(r.argv, r.cwd, r.environment);
  r.id = r.binding.substr(0, 16);
  r.command = "kubectl --context prod delete deployment web";
  r.agent = "claude-code";
  r.operator_ = "dev";
  r.created = "2026-12-08T03:00:00Z";
  return r;
}

TEST(RequestBlock, RoundTripsAndIsShort) {
  auto block = guard::request_block(sample_request());
  ASSERT_TRUE(block);
  EXPECT_LT(block->size(), 800u);
  EXPECT_TRUE(block->starts_with("-----BEGIN COUNTERSIGN COMMAND REQUEST-----\n"));
  auto back = guard::parse_request_block("\n  " + *block + "\n\n");
  ASSERT_TRUE(back) << back.error().describe();
  EXPECT_EQ(back->argv, sample_request().argv);
  EXPECT_EQ(back->binding, sample_request().binding);
  EXPECT_EQ(back->operator_, "dev");
  std::string crlf;
  for (char c : *block) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  EXPECT_TRUE(guard::parse_request_block(crlf));
}

TEST(RequestBlock, RefusesAnythingButExactlyOneCanonicalBlock) {
  auto r = sample_request();
  const std::string block = *guard::request_block(r);
  EXPECT_FALSE(guard::parse_request_block(block + "trailing junk"));
  EXPECT_FALSE(guard::parse_request_block("note: " + block));
  EXPECT_FALSE(guard::parse_request_block(block + block));
  EXPECT_FALSE(guard::parse_request_block(""));
  EXPECT_FALSE(guard::parse_request_block(
      "-----BEGIN COUNTERSIGN COMMAND REQUEST-----\n-----END COUNTERSIGN COMMAND REQUEST-----"));
  // Every single flipped character of the body either fails to parse or changes nothing it binds.
  size_t body = block.find('\n') + 1, stop = block.find("-----END");
  for (size_t i = body; i < stop; ++i) {
    if (block[i] == '\n') continue;
    std::string t = block;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    auto parsed = guard::parse_request_block(t);
    if (parsed) {  // only what the approval does not bind may differ (who forwarded it, when)
      EXPECT_TRUE(parsed->argv == r.argv && parsed->cwd == r.cwd && parsed->environment == r.environment &&
                  parsed->binding == r.binding && parsed->id == r.id)
          << "flipped at " << i;
    }
  }
  // Rewrapped lines, a missing end, an oversized block, random bytes: refused, never a crash.
  std::string rewrapped = block;
  rewrapped.erase(rewrapped.find('\n', body + 10), 1);
  EXPECT_FALSE(guard::parse_request_block(rewrapped));
  EXPECT_FALSE(guard::parse_request_block(block.substr(0, stop)));
  EXPECT_FALSE(guard::parse_request_block(std::string(1 << 20, 'A')));
  std::string noise;
  for (int i = 0; i < 4096; ++i) noise += char((i * 7919) & 255);
  EXPECT_FALSE(guard::parse_request_block(noise));
  EXPECT_FALSE(guard::parse_request_block(guard::armor("COUNTERSIGN COMMAND REQUEST", noise)));
}

TEST(RequestBlock, ABindingThatIsNotTheCommandsIsRefused) {
  auto r = sample_request();
  // A forged request showing a harmless command under the dangerous one's id and binding.
  auto forged = r;
  forged.argv = {{"ls"}};
  forged.command = "ls";
  EXPECT_FALSE(guard::parse_request_block(
      guard::armor("COUNTERSIGN COMMAND REQUEST",
                   guard::dearmor("COUNTERSIGN COMMAND REQUEST", *guard::request_block(forged)).value())));
  auto other_dir = r;
  other_dir.cwd = "/srv/other";
  EXPECT_FALSE(guard::parse_request_block(*guard::request_block(other_dir)));
  auto other_env = r;
  other_env.environment = "staging";
  EXPECT_FALSE(guard::parse_request_block(*guard::request_block(other_env)));
  auto other_id = r;
  other_id.id = "0123456789abcdef";
  EXPECT_FALSE(guard::parse_request_block(*guard::request_block(other_id)));
}

TEST(RequestBlock, TooLongACommandSaysSo) {
  auto r = sample_request();
  r.argv = {{"echo", std::string(20000, 'x')}};
  r.binding = guard::command_binding(r.argv, r.cwd, r.environment);
  r.id = r.binding.substr(0, 16);
  auto block = guard::request_block(r);
  ASSERT_FALSE(block);
  EXPECT_NE(block.error().message.find("too long"), std::string::npos);
}

TEST(Binding, CoversArgvCwdAndEnvironmentAndIsLengthPrefixed) {
  auto b = guard::command_binding({{"rm", "-rf", "x"}}, "/a", "prod");
  EXPECT_EQ(b.size(), 64u);
  EXPECT_NE(b, guard::command_binding({{"rm", "-rf", "y"}}, "/a", "prod"));
  EXPECT_NE(b, guard::command_binding({{"rm", "-rf", "x"}}, "/b", "prod"));
  EXPECT_NE(b, guard::command_binding({{"rm", "-rf", "x"}}, "/a", "dev"));
  EXPECT_NE(guard::command_binding({{"a b"}}, "/", ""), guard::command_binding({{"a", "b"}}, "/", ""));
  EXPECT_NE(guard::command_binding({{"a"}, {"b"}}, "/", ""), guard::command_binding({{"a", "b"}}, "/", ""));
  EXPECT_EQ(b, guard::command_binding({{"rm", "-rf", "x"}}, "/a", "prod"));
}

}  // namespace
}  // namespace cs::test
