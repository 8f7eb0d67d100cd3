#include "countersign/provenance/registry.h"

#include <gtest/gtest.h>

namespace cs::provenance {
namespace {

const Registry& registry() {
  static const Registry reg = [] {
    auto r = Registry::load_default();
    EXPECT_TRUE(r) << r.error().describe();
    return r ? std::move(*r) : Registry{};
  }();
  return reg;
}

std::string id_of(std::string_view name, std::string_view email) {
  const AgentSpec* s = registry().identity(name, email);
  return s ? s->id : "";
}

TEST(Registry, CoversEveryAgentTheIssueNames) {
  for (std::string id : {"claude-code", "copilot-coding-agent", "copilot-autofix", "openai-codex", "cursor", "devin",
                         "aider", "google-jules", "gemini-code-assist", "openhands", "amazon-q", "kiro", "sweep",
                         "replit-agent", "dependabot", "renovate", "github-actions"}) {
    bool found = false;
    for (const auto& s : registry().specs()) found |= s.id == id;
    EXPECT_TRUE(found) << id;
  }
}

TEST(Registry, MatchesExactEmailsCaseInsensitively) {
  EXPECT_EQ(id_of("Claude", "noreply@anthropic.com"), "claude-code");
  EXPECT_EQ(id_of("Claude Opus 4.7 (1M context)", "NoReply@Anthropic.com"), "claude-code");
  EXPECT_EQ(id_of("Cursor Agent", "cursoragent@cursor.com"), "cursor");
  EXPECT_EQ(id_of("openhands", "openhands@all-hands.dev"), "openhands");
}

TEST(Registry, MatchesGithubNoreplyOnIdAndLoginTogether) {
  EXPECT_EQ(id_of("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com"), "copilot-coding-agent");
  EXPECT_EQ(id_of("x", "158243242+devin-ai-integration[bot]@users.noreply.github.com"), "devin");
  EXPECT_EQ(id_of("x", "161369871+google-labs-jules[bot]@users.noreply.github.com"), "google-jules");
  EXPECT_EQ(id_of("x", "244629292+kiro-agent@users.noreply.github.com"), "kiro");
  // The right id with another login, or the right login with another id, is not the agent.
  EXPECT_EQ(id_of("x", "198982749+someone@users.noreply.github.com"), "");
  EXPECT_EQ(id_of("x", "1234+Copilot@users.noreply.github.com"), "");
  // 41898282 is github-actions, not Claude (a known error in third-party lists).
  EXPECT_EQ(id_of("x", "41898282+claude[bot]@users.noreply.github.com"), "");
  EXPECT_EQ(id_of("x", "41898282+github-actions[bot]@users.noreply.github.com"), "github-actions");
}

TEST(Registry, LookAlikeHumansAreNotAgents) {
  EXPECT_EQ(id_of("Claude", "claude@example.com"), "");
  EXPECT_EQ(id_of("Claude Monet", "claude.monet@example.com"), "");
  EXPECT_EQ(id_of("Dan Hill", "4242424+danhill@users.noreply.github.com"), "");
  EXPECT_EQ(id_of("Someone", "users.noreply.github.com"), "");
  EXPECT_EQ(id_of("Someone", "@users.noreply.github.com"), "");
  EXPECT_EQ(id_of("Cursor", "dev@cursor.com"), "");
}

TEST(Registry, BotsAreBotsNotAi) {
  const AgentSpec* s = registry().identity("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com");
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->bot);
  EXPECT_FALSE(registry().identity("x", "noreply@anthropic.com")->bot);
}

TEST(Registry, AliasesAndNameSuffixes) {
  ASSERT_NE(registry().by_alias("Claude"), nullptr);
  EXPECT_EQ(registry().by_alias("claude")->id, "claude-code");
  EXPECT_EQ(registry().by_alias("Cursor")->id, "cursor");
  std::string_view human;
  const AgentSpec* s = registry().by_name_suffix("Alice Doe (aider)", &human);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->id, "aider");
  EXPECT_EQ(human, "Alice Doe");
  EXPECT_EQ(registry().by_name_suffix("Alice Doe", nullptr), nullptr);
}

TEST(Registry, ExtraAgentsFromThePeopleDirectory) {
  Registry reg = registry();
  reg.add_extra({"release-bot", "Release bot", {}, {"release-bot@example.com"}});
  ASSERT_NE(reg.identity("anything", "Release-Bot@example.com"), nullptr);
  EXPECT_EQ(reg.identity("anything", "release-bot@example.com")->id, "release-bot");
}

TEST(RegistryLoading, ReportsEveryProblemWithItsPosition) {
  std::vector<Error> problems;
  auto specs = read_agent_specs(
      "version: 1\n"
      "agents:\n"
      "  - id: a\n"
      "    emial: [a@x]\n"
      "  - id: b\n"
      "    github: [{id: nope, login: b}]\n"
      "  - display: no id\n"
      "  - id: a\n",
      "agents.yaml", problems);
  Registry::compile(specs, problems);
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_EQ(problems[0].where.line, 4);
  EXPECT_EQ(problems[0].where.column, 5);
  EXPECT_NE(problems[0].message.find("did you mean 'emails'"), std::string::npos) << problems[0].message;
  EXPECT_EQ(problems[0].where.snippet, "    emial: [a@x]");
  EXPECT_EQ(problems[1].where.line, 6);
  EXPECT_NE(problems[1].message.find("positive number"), std::string::npos);
  EXPECT_EQ(problems[2].where.line, 7);
  EXPECT_NE(problems[3].message.find("duplicate agent id 'a'"), std::string::npos);
  EXPECT_EQ(problems[3].where.line, 8);
}

TEST(RegistryLoading, SyntaxErrorsArePositionedNotThrown) {
  std::vector<Error> problems;
  auto specs = read_agent_specs("version: 1\nagents: [\n  - id: x\n", "agents.yaml", problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].where.file, "agents.yaml");
  EXPECT_GT(problems[0].where.line, 0);
}

}  // namespace
}  // namespace cs::provenance
