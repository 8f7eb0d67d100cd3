// The detectors end to end through the Assessor, on real commits made with git.
#include <gtest/gtest.h>

#include <algorithm>

#include "countersign/provenance/provenance.h"
#include "support/test_support.h"

namespace cs::provenance {
namespace {

struct Assessed {
  Provenance p;
  bool has_agent(std::string_view id) const { return std::find(p.agents.begin(), p.agents.end(), id) != p.agents.end(); }
  bool has_evidence(std::string_view detector) const {
    for (const auto& e : p.evidence)
      if (e.detector == detector) return true;
    return false;
  }
  std::string describe() const {
    std::string s = std::string(to_string(p.cls)) + "\n";
    for (const auto& e : p.evidence) s += e.detector + " | " + e.signal + " | " + e.text + "\n";
    return s;
  }
};

Assessed assess(test::GitRepo& repo, const std::string& id, AssessOptions options = {}) {
  auto r = git::Repository::open(repo.path().string());
  EXPECT_TRUE(r);
  auto a = Assessor::create(*r, std::move(options));
  EXPECT_TRUE(a) << a.error().describe();
  auto c = r->commit(*git::ObjectId::from_hex(id));
  EXPECT_TRUE(c);
  auto p = a->assess(*r, *c);
  EXPECT_TRUE(p) << p.error().describe();
  return {std::move(*p)};
}

Assessed commit_and_assess(const std::string& message, const std::string& name = "Alice Doe",
                           const std::string& email = "alice@example.com") {
  test::GitRepo repo;
  repo.write("f.txt", "x\n");
  auto id = repo.commit(message, name, email);
  return assess(repo, id);
}

TEST(Assessor, NoEvidenceIsUnknownNeverHuman) {
  auto a = commit_and_assess("Fix a bug\n\nPlain human words.\n");
  EXPECT_EQ(a.p.cls, Class::unknown);
  EXPECT_TRUE(a.p.agents.empty());
  EXPECT_FALSE(a.p.operator_email);
  EXPECT_FALSE(a.p.ai_line_share);
}

TEST(Assessor, ClaudeCoAuthorMakesItAssistedAndTheAuthorTheOperator) {
  auto a = commit_and_assess("Fix\n\nBody.\n\nCo-Authored-By: Claude Opus 4.7 (1M context) <noreply@anthropic.com>\n");
  EXPECT_EQ(a.p.cls, Class::ai_assisted) << a.describe();
  EXPECT_TRUE(a.has_agent("claude-code"));
  EXPECT_EQ(a.p.operator_email, "alice@example.com");
  EXPECT_EQ(a.p.operator_name, "Alice Doe");
  ASSERT_FALSE(a.p.evidence.empty());
  EXPECT_EQ(a.p.evidence[0].detector, "trailer");
  EXPECT_EQ(a.p.evidence[0].text, "Co-Authored-By: Claude Opus 4.7 (1M context) <noreply@anthropic.com>");
}

TEST(Assessor, TrailerKeysAreCaseInsensitive) {
  auto a = commit_and_assess("Fix\n\nco-authored-by: Cursor Agent <cursoragent@cursor.com>\n");
  EXPECT_EQ(a.p.cls, Class::ai_assisted);
  EXPECT_TRUE(a.has_agent("cursor"));
}

TEST(Assessor, HumanCoAuthorIsNoEvidence) {
  auto a = commit_and_assess("Fix\n\nCo-authored-by: Claude Monet <claude.monet@example.com>\nCo-authored-by: Claude <claude@example.com>\n");
  EXPECT_EQ(a.p.cls, Class::unknown) << a.describe();
  EXPECT_TRUE(a.p.agents.empty());
}

TEST(Assessor, AssistedByKernelForm) {
  auto a = commit_and_assess("Fix\n\nAssisted-by: Claude:claude-sonnet-4-6 [coccinelle] [sparse]\nSigned-off-by: Alice Doe <alice@example.com>\n");
  EXPECT_EQ(a.p.cls, Class::ai_assisted);
  EXPECT_TRUE(a.has_agent("claude-code"));
  auto b = commit_and_assess("Fix\n\nAssisted-by: Frobnicator:frob-2\n");
  EXPECT_EQ(b.p.cls, Class::ai_assisted);
  EXPECT_TRUE(b.has_agent("frobnicator"));
}

TEST(Assessor, GeneratedByIsAuthored) {
  auto a = commit_and_assess("Add tests\n\nGenerated-by: Claude Code\n");
  EXPECT_EQ(a.p.cls, Class::ai_authored);
  EXPECT_TRUE(a.has_agent("claude-code"));
  EXPECT_EQ(a.p.operator_email, "alice@example.com");
}

TEST(Assessor, ToolTrailers) {
  auto cursor = commit_and_assess("Fix\n\nMade-with: Cursor\n");
  EXPECT_EQ(cursor.p.cls, Class::ai_assisted);
  EXPECT_TRUE(cursor.has_agent("cursor"));
  auto session = commit_and_assess("Fix\n\nClaude-Session: https://claude.ai/code/session_abc\n");
  EXPECT_EQ(session.p.cls, Class::ai_assisted);
  EXPECT_TRUE(session.has_agent("claude-code"));
  auto replit = commit_and_assess("Fix\n\nReplit-Commit-Author: Agent\nReplit-Commit-Session-Id: 123\n");
  EXPECT_EQ(replit.p.cls, Class::ai_authored);
  EXPECT_TRUE(replit.has_agent("replit-agent"));
  auto assistant = commit_and_assess("Fix\n\nReplit-Commit-Author: Assistant\n");
  EXPECT_EQ(assistant.p.cls, Class::ai_assisted);
  auto not_cursor = commit_and_assess("Fix\n\nMade-with: love\n");
  EXPECT_EQ(not_cursor.p.cls, Class::unknown);
}

TEST(Assessor, AgentOperatorTrailerNamesTheOperator) {
  auto a = commit_and_assess("Fix\n\nGenerated-by: Devin\nAgent-Operator: Bob Roe <bob@example.com>\n", "devin-ai-integration[bot]",
                             "158243242+devin-ai-integration[bot]@users.noreply.github.com");
  EXPECT_EQ(a.p.cls, Class::ai_authored);
  // The trailer adds Bob; the human who committed the agent's work stays an operator, and first.
  EXPECT_EQ(a.p.operator_email, "committer@example.com");
  ASSERT_EQ(a.p.operators.size(), 2u);
  EXPECT_EQ(a.p.operators[1].email, "bob@example.com");
  EXPECT_EQ(a.p.operators[1].name, "Bob Roe");
  EXPECT_EQ(a.p.operators[1].source, "Agent-Operator trailer");
}

TEST(Assessor, AgentOperatorTrailerNeverReplacesTheHumanAuthor) {
  auto a = commit_and_assess(
      "Fix\n\nCo-Authored-By: Claude <noreply@anthropic.com>\nAgent-Operator: Bob Roe <bob@example.com>\n");
  EXPECT_EQ(a.p.cls, Class::ai_assisted);
  EXPECT_EQ(a.p.operator_email, "alice@example.com");
  ASSERT_EQ(a.p.operators.size(), 2u);
  EXPECT_EQ(a.p.operators[0].source, "author");
  EXPECT_EQ(a.p.operators[1].email, "bob@example.com");
}

// The Copilot coding agent and Devin name the human who assigned the task as co-author.
TEST(Assessor, HumanCoAuthorOfAnAgentAuthoredCommitIsAnOperator) {
  for (auto [name, email] : std::vector<std::pair<std::string, std::string>>{
           {"copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com"},
           {"devin-ai-integration[bot]", "158243242+devin-ai-integration[bot]@users.noreply.github.com"}}) {
    auto a = commit_and_assess("Task\n\nCo-authored-by: Carol Senior <carol@example.com>\n", name, email);
    EXPECT_EQ(a.p.cls, Class::ai_authored) << name;
    bool assigner = std::any_of(a.p.operators.begin(), a.p.operators.end(), [](const Operator& o) {
      return o.email == "carol@example.com" && o.source == "co-author of the agent's commit";
    });
    EXPECT_TRUE(assigner) << name;
  }
  // A human co-author of a human's commit is not an operator: no agent wrote it.
  auto human = commit_and_assess("Pair\n\nCo-authored-by: Carol Senior <carol@example.com>\n");
  EXPECT_TRUE(human.p.operators.empty());
}

TEST(Assessor, BodyMarkers) {
  auto claude = commit_and_assess("Fix\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n");
  EXPECT_EQ(claude.p.cls, Class::ai_assisted);
  EXPECT_TRUE(claude.has_agent("claude-code"));
  EXPECT_EQ(claude.p.evidence[0].text, "🤖 Generated with [Claude Code](https://claude.com/claude-code)");
  auto devin = commit_and_assess("Fix\n\nGenerated with [Devin](https://devin.ai)\n");
  EXPECT_TRUE(devin.has_agent("devin"));
}

TEST(Assessor, AiderSuffixAndSubjectPrefix) {
  auto suffix = commit_and_assess("Refactor\n", "Alice Doe (aider)", "alice@example.com");
  EXPECT_EQ(suffix.p.cls, Class::ai_authored);
  EXPECT_TRUE(suffix.has_agent("aider"));
  EXPECT_EQ(suffix.p.operator_name, "Alice Doe");
  EXPECT_EQ(suffix.p.operator_email, "alice@example.com");
  auto prefix = commit_and_assess("aider: refactor the parser\n");
  EXPECT_EQ(prefix.p.cls, Class::ai_authored);
  EXPECT_TRUE(prefix.has_agent("aider"));
}

TEST(Assessor, AgentAuthorsAreAuthored) {
  for (auto [name, email, id] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com", "copilot-coding-agent"},
           {"Cursor Agent", "cursoragent@cursor.com", "cursor"},
           {"google-labs-jules[bot]", "161369871+google-labs-jules[bot]@users.noreply.github.com", "google-jules"},
           {"chatgpt-codex-connector[bot]", "199175422+chatgpt-codex-connector[bot]@users.noreply.github.com", "openai-codex"}}) {
    auto a = commit_and_assess("Work\n", name, email);
    EXPECT_EQ(a.p.cls, Class::ai_authored) << name;
    EXPECT_TRUE(a.has_agent(id)) << name;
    EXPECT_EQ(a.p.evidence[0].detector, "identity");
    // The test repository's committer is a human: they committed the agent's work.
    EXPECT_EQ(a.p.operator_email, "committer@example.com");
  }
}

TEST(Assessor, BotsAreNeitherAiNorHuman) {
  auto a = commit_and_assess("Bump lib from 1 to 2\n", "dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com");
  EXPECT_EQ(a.p.cls, Class::unknown);
  EXPECT_TRUE(a.p.bot);
  EXPECT_TRUE(a.p.agents.empty());
  EXPECT_TRUE(a.has_evidence("identity"));
}

TEST(Assessor, LookAlikeHumansStayUnknown) {
  for (auto [name, email] : std::vector<std::pair<std::string, std::string>>{
           {"Claude Monet", "claude.monet@example.com"},
           {"Claude", "claude@example.com"},
           {"Dan Hill", "4242424+danhill@users.noreply.github.com"},
           {"claude", "12345+claude@users.noreply.github.com"}}) {
    auto a = commit_and_assess("Paint\n", name, email);
    EXPECT_EQ(a.p.cls, Class::unknown) << name;
    EXPECT_TRUE(a.p.agents.empty()) << name;
  }
}

// Git reads no trailers after a `---` line, but an agent's co-author there (a final trailer
// block under a Markdown rule) is still evidence; an operator named there is not taken.
TEST(Assessor, AgentTrailersAfterADividerRaiseButNameNoOperator) {
  auto a = commit_and_assess("Fix\n\nBody.\n---\nCo-authored-by: Claude <noreply@anthropic.com>\nAgent-Operator: Mallory <m@example.com>\n");
  EXPECT_EQ(a.p.cls, Class::ai_assisted) << a.describe();
  ASSERT_FALSE(a.p.evidence.empty());
  EXPECT_NE(a.p.evidence[0].signal.find("(after-divider: "), std::string::npos) << a.describe();
  EXPECT_EQ(a.p.operator_email, "alice@example.com");
  for (const auto& o : a.p.operators) EXPECT_NE(o.email, "m@example.com");
}

TEST(Assessor, AgentTrailerLinesMidMessageAreEvidenceOfTheirKind) {
  auto a = commit_and_assess("Fix\n\nGenerated-by: Claude Code\n\nWe then rewrote it by hand.\n");
  EXPECT_EQ(a.p.cls, Class::ai_authored) << a.describe();
  ASSERT_EQ(a.p.evidence.size(), 1u);
  EXPECT_NE(a.p.evidence[0].signal.find("(in-prose: outside the trailer block, in a paragraph with prose)"),
            std::string::npos)
      << a.describe();
  // Outside the trailer block an agent the registry does not know is not guessed at.
  auto unknown = commit_and_assess("Fix\n\nAssisted-by: my colleague\n\nThanks.\n");
  EXPECT_EQ(unknown.p.cls, Class::unknown) << unknown.describe();
}

TEST(Assessor, BranchNames) {
  test::GitRepo repo;
  repo.write("f.txt", "x\n");
  auto id = repo.commit("Fix\n");
  AssessOptions opt;
  opt.branch = "refs/heads/claude/fix-parser";
  auto a = assess(repo, id, opt);
  EXPECT_EQ(a.p.cls, Class::ai_assisted);
  EXPECT_TRUE(a.has_agent("claude-code"));
  EXPECT_TRUE(a.has_evidence("branch"));
  opt.branch = "refs/heads/claudette/work";
  EXPECT_EQ(assess(repo, id, opt).p.cls, Class::unknown);
  opt.branch = "refs/remotes/origin/codex/task";
  EXPECT_TRUE(assess(repo, id, opt).has_agent("openai-codex"));
}

TEST(Assessor, ExtraAgentsAndIsAgent) {
  test::GitRepo repo;
  repo.write("f.txt", "x\n");
  auto id = repo.commit("Release\n", "Release Bot", "release-bot@example.com");
  AssessOptions opt;
  opt.extra_agents.push_back({"release-bot", "Release bot", {}, {"release-bot@example.com"}});
  auto a = assess(repo, id, opt);
  EXPECT_EQ(a.p.cls, Class::ai_authored);
  EXPECT_TRUE(a.has_agent("release-bot"));

  auto r = git::Repository::open(repo.path().string());
  auto assessor = Assessor::create(*r, opt);
  ASSERT_TRUE(assessor);
  EXPECT_TRUE(assessor->is_agent("x", "release-bot@example.com"));
  EXPECT_TRUE(assessor->is_agent("Claude", "noreply@anthropic.com"));
  EXPECT_FALSE(assessor->is_agent("Claude", "claude@example.com"));
}

TEST(Assessor, AssessAllMatchesOneByOneOnSeveralThreads) {
  test::GitRepo repo;
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) {  // a real git commit per iteration is slow: keep it small
    repo.write("f.txt", std::to_string(i) + "\n");
    std::string msg = "change " + std::to_string(i) + "\n";
    if (i % 3 == 0) msg += "\nCo-authored-by: Claude <noreply@anthropic.com>\n";
    ids.push_back(repo.commit(msg));
  }
  auto r = git::Repository::open(repo.path().string());
  auto range = r->commits_in("main");
  ASSERT_TRUE(range);
  // Repeat the range to get several blocks of work across the threads.
  std::vector<git::ObjectId> many;
  for (int k = 0; k < 200; ++k) many.insert(many.end(), range->begin(), range->end());
  AssessOptions opt;
  opt.threads = 2;
  size_t last_progress = 0;
  opt.progress = [&](size_t done, size_t total) {
    EXPECT_EQ(total, many.size());
    last_progress = done;
  };
  auto all = assess_all(*r, many, opt);
  ASSERT_TRUE(all) << all.error().describe();
  ASSERT_EQ(all->size(), many.size());
  EXPECT_EQ(last_progress, many.size());
  auto one = Assessor::create(*r);
  for (size_t i = 0; i < many.size(); ++i) {
    ASSERT_EQ((*all)[i].commit, many[i]);
    auto c = r->commit(many[i]);
    EXPECT_EQ((*all)[i].cls, one->assess(*r, *c)->cls);
  }
}

}  // namespace
}  // namespace cs::provenance
