#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <thread>

#include "countersign/guard/held.h"
#include "countersign/guard/hooks.h"
#include "support/test_support.h"

namespace cs::test {
namespace {

using guard::Decision;

struct HeldFixture : ::testing::Test {
  TempDir home;
  std::map<std::string, std::string> env{{"HOME", home.path().string()}};

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

  guard::HookReply run(const guard::HookAdapter& adapter, const std::string& cwd = "/srv/shop") {
    return guard::run_hook_with(adapter, adapter.sample_payload("terraform destroy -auto-approve", cwd),
                                guard::HookEnvironment{env, "/", {}, {}}, classify);
  }

  std::string request_id_in(const std::string& text) {
    auto pos = text.find("held for approval: request ");
    EXPECT_NE(pos, std::string::npos) << text;
    return pos == std::string::npos ? "" : text.substr(pos + 27, 16);
  }
};

TEST_F(HeldFixture, ApproveLetsExactlyOneRetryPass) {
  const auto& codex = guard::codex_adapter();
  auto first = run(codex);
  EXPECT_EQ(first.exit_code, 2);
  auto id = request_id_in(first.out);
  ASSERT_TRUE(guard::held::valid_request_id(id)) << id;

  auto pending = guard::pending_requests(env);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].id, id);
  EXPECT_EQ((*pending)[0].cwd, "/srv/shop");
  EXPECT_FALSE((*pending)[0].approved);

  auto grant = guard::approve_request(id, "carol", 600, env);
  ASSERT_TRUE(grant) << grant.error().describe();
  EXPECT_EQ(grant->approver, "carol");
  struct stat st {};
  ASSERT_EQ(::stat((home.path() / ".local/state/countersign/guard-approval.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto retry = run(codex);
  EXPECT_EQ(retry.exit_code, 0) << retry.err;
  EXPECT_EQ(retry.out, "");
  auto again = run(codex);
  EXPECT_EQ(again.exit_code, 2) << "a second retry must be held again";
  EXPECT_EQ(request_id_in(again.out), id);
}

TEST_F(HeldFixture, ApprovalBindsCwdAndDoesNotLeakToAnotherCommand) {
  const auto& claude = guard::claude_code_adapter();
  auto first = run(claude, "/srv/shop");
  EXPECT_NE(first.out.find("\"ask\""), std::string::npos);
  auto id = request_id_in(first.out);
  ASSERT_TRUE(guard::approve_request(id, "carol", 600, env));
  auto elsewhere = run(claude, "/srv/other");
  EXPECT_NE(elsewhere.out.find("\"ask\""), std::string::npos) << "approval must not cover another cwd";
  EXPECT_NE(request_id_in(elsewhere.out), id);
  auto here = run(claude, "/srv/shop");
  EXPECT_EQ(here.out, "") << here.out;
}

TEST_F(HeldFixture, BindingCoversArgvCwdAndEnvironment) {
  using guard::held::binding;
  auto base = binding({{"terraform", "destroy"}}, "/w", "prod");
  // SHA-256 of "countersign-guard-request v1\ncommand 1:2\narg 9:terraform\narg 7:destroy\n"
  // "cwd 2:/w\nenvironment 4:prod\n": request ids stored by earlier versions stay valid.
  EXPECT_EQ(base, "ed754968958688eaeb430033085e55549b8df11bb6eef6b86af572aa4edfdd5f");
  EXPECT_EQ(base, binding({{"terraform", "destroy"}}, "/w", "prod"));
  EXPECT_NE(base, binding({{"terraform", "destroy", "-target=x"}}, "/w", "prod"));
  EXPECT_NE(base, binding({{"terraform destroy"}}, "/w", "prod"));
  EXPECT_NE(base, binding({{"terraform"}, {"destroy"}}, "/w", "prod"));
  EXPECT_NE(base, binding({{"terraform", "destroy"}}, "/w2", "prod"));
  EXPECT_NE(base, binding({{"terraform", "destroy"}}, "/w", "staging"));
}

TEST_F(HeldFixture, ExpiredOrTamperedApprovalsDoNotPass) {
  const auto& kiro = guard::kiro_adapter();
  auto id = request_id_in(run(kiro).err);
  ASSERT_TRUE(guard::approve_request(id, "carol", 600, env));
  auto token = home.path() / ".local/state/countersign/guard/approved" / (id + ".token");
  auto text = read_file(token);
  auto pos = text.find("approver carol");
  ASSERT_NE(pos, std::string::npos);
  text.replace(pos, 14, "approver mallo");
  sh("cat > " + quote(token.string()), {}, text);
  auto tampered = run(kiro);
  EXPECT_EQ(tampered.exit_code, 2);
  EXPECT_NE(tampered.err.find("does not verify"), std::string::npos) << tampered.err;

  auto binding = guard::pending_requests(env)->at(0).binding;
  ASSERT_TRUE(guard::approve_request(id, "carol", 1, env));
  auto consumed = guard::held::consume_approval((home.path() / ".local/state/countersign").string(), id, binding,
                                                 4102444800);  // the year 2100: long expired
  ASSERT_TRUE(consumed);
  EXPECT_FALSE(*consumed);
  EXPECT_EQ(run(kiro).exit_code, 2);
}

TEST_F(HeldFixture, ConcurrentRetriesConsumeOneApprovalOnce) {
  auto id = request_id_in(run(guard::gemini_adapter()).out);
  ASSERT_TRUE(guard::approve_request(id, "carol", 600, env));
  std::atomic<int> passed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      if (run(guard::gemini_adapter()).out.empty()) ++passed;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(passed.load(), 1);
}

TEST_F(HeldFixture, ApproveRejectsUnknownAndMalformedIds) {
  EXPECT_FALSE(guard::approve_request("../../etc/passwd", "carol", 600, env));
  EXPECT_FALSE(guard::approve_request("0123456789abcdef", "carol", 600, env));
  auto id = request_id_in(run(guard::codex_adapter()).out);
  EXPECT_FALSE(guard::approve_request(id, "carol", 0, env));
  EXPECT_FALSE(guard::approve_request(id, "", 600, env));
}

TEST_F(HeldFixture, AnAgentCannotApproveItself) {
  const auto& claude = guard::claude_code_adapter();
  auto reply = guard::run_hook_with(claude, claude.sample_payload("countersign guard approve 0123456789abcdef", "/w"),
                                    guard::HookEnvironment{env, "/", {}, {}}, classify);
  EXPECT_NE(reply.out.find("\"deny\""), std::string::npos) << reply.out;
}

TEST_F(HeldFixture, StateHonoursXdgStateHome) {
  TempDir state;
  env["XDG_STATE_HOME"] = state.path().string();
  run(guard::codex_adapter());
  EXPECT_TRUE(std::filesystem::exists(state.path() / "countersign/guard.jsonl"));
  EXPECT_FALSE(std::filesystem::exists(home.path() / ".local/state/countersign/guard.jsonl"));
}

}  // namespace
}  // namespace cs::test
