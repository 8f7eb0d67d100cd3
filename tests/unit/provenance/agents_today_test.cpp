// The agents that sign commits today (issue 16), on commits made with git in exactly the shapes
// seen in public histories; agent evidence outside git's trailer block; non-AI bots.
#include <gtest/gtest.h>

#include <algorithm>

#include "countersign/provenance/provenance.h"
#include "support/test_support.h"

namespace cs::provenance {
namespace {

Provenance assess_commit(const std::string& message, const std::string& name = "Alice Doe",
                         const std::string& email = "alice@example.com") {
  test::GitRepo repo;
  repo.write("f.txt", "x\n");
  auto id = repo.commit(message, name, email);
  auto r = git::Repository::open(repo.path().string());
  EXPECT_TRUE(r);
  auto a = Assessor::create(*r);
  EXPECT_TRUE(a) << a.error().describe();
  auto c = r->commit(*git::ObjectId::from_hex(id));
  EXPECT_TRUE(c);
  auto p = a->assess(*r, *c);
  EXPECT_TRUE(p) << p.error().describe();
  return p ? std::move(*p) : Provenance{};
}

std::string describe(const Provenance& p) {
  std::string s = std::string(to_string(p.cls)) + "\n";
  for (const auto& e : p.evidence) s += e.detector + " | " + e.signal + " | " + e.text + "\n";
  return s;
}

bool has_agent(const Provenance& p, std::string_view id) {
  return std::find(p.agents.begin(), p.agents.end(), id) != p.agents.end();
}

struct Shape {
  std::string what, message, name, email, agent;
  Class cls;
};

TEST(AgentsToday, CommitsShapedLikeTheRealOnes) {
  const std::string alice = "Alice Doe", alice_email = "alice@example.com";
  std::vector<Shape> shapes = {
      {"Copilot CLI author", "Add retry to the uploader\n", "Copilot", "223556219+Copilot@users.noreply.github.com",
       "copilot-cli", Class::ai_authored},
      {"Copilot CLI author named Copilot App", "Fix flaky test\n", "Copilot App",
       "223556219+Copilot@users.noreply.github.com", "copilot-cli", Class::ai_authored},
      {"Copilot CLI co-author and session",
       "Refactor config loading\n\nCo-authored-by: Copilot <223556219+Copilot@users.noreply.github.com>\n"
       "Copilot-Session: 5b0c2f9e-1d2a-4c33-9a8e-7f6d5c4b3a21\n",
       alice, alice_email, "copilot-cli", Class::ai_assisted},
      {"Copilot CLI session trailer alone", "Tidy\n\nCopilot-Session: 5b0c2f9e-1d2a-4c33-9a8e-7f6d5c4b3a21\n", alice,
       alice_email, "copilot-cli", Class::ai_assisted},
      {"VS Code Copilot co-author", "Update README\n\nCo-authored-by: Copilot <copilot@github.com>\n", alice,
       alice_email, "copilot-vscode", Class::ai_assisted},
      {"aider trailer since 2025",
       "feat: Add --watch-files flag\n\nCo-authored-by: aider (anthropic/claude-sonnet-4-20250514) "
       "<aider@aider.chat>\n",
       alice, alice_email, "aider", Class::ai_assisted},
      {"aider noreply@aider.dev", "fix: handle empty repo\n\nCo-authored-by: aider (gpt-5) <noreply@aider.dev>\n",
       alice, alice_email, "aider", Class::ai_assisted},
      {"Claude GitHub App author", "Fix typo in docs\n\nCo-authored-by: Alice Doe <alice@example.com>\n", "claude[bot]",
       "209825114+claude[bot]@users.noreply.github.com", "claude-github-app", Class::ai_authored},
      {"Codex co-author at noreply@openai.com", "Speed up the scanner\n\nCo-authored-by: Codex <noreply@openai.com>\n",
       alice, alice_email, "openai-codex", Class::ai_assisted},
      {"GPT model co-author at noreply@openai.com", "Port to v2\n\nCo-authored-by: GPT-5 <noreply@openai.com>\n", alice,
       alice_email, "openai-codex", Class::ai_assisted},
      {"Firebender co-author", "Add dark mode\n\nCo-authored-by: Firebender <help@firebender.com>\n", alice,
       alice_email, "firebender", Class::ai_assisted},
      {"Firebender marker", "Add dark mode\n\nGenerated with [Firebender](https://firebender.com)\n", alice,
       alice_email, "firebender", Class::ai_assisted},
      // The app's login identifies it on its own (the registry holds no id for it).
      {"Factory Droid author", "Implement pagination\n", "factory-droid[bot]",
       "138933559+factory-droid[bot]@users.noreply.github.com", "factory-droid", Class::ai_authored},
      {"Warp Oz co-author", "Fix lint\n\nCo-Authored-By: Oz <oz-agent@warp.dev>\n", alice, alice_email, "warp-oz",
       Class::ai_assisted},
      {"Warp agent co-author", "Fix lint\n\nCo-Authored-By: Warp <agent@warp.dev>\n", alice, alice_email, "warp-oz",
       Class::ai_assisted},
      {"Sisyphus co-author", "Wire up metrics\n\nCo-authored-by: Sisyphus <clio-agent@sisyphuslabs.ai>\n", alice,
       alice_email, "sisyphus", Class::ai_assisted},
      {"Gitar author", "Fix CI failure\n", "Gitar", "noreply@gitar.ai", "gitar", Class::ai_authored},
  };
  for (const auto& s : shapes) {
    auto p = assess_commit(s.message, s.name, s.email);
    EXPECT_EQ(p.cls, s.cls) << s.what << "\n" << describe(p);
    EXPECT_TRUE(has_agent(p, s.agent)) << s.what << "\n" << describe(p);
    EXPECT_FALSE(p.bot) << s.what;
  }
}

// Look-alikes of the new identities are not agents: the noreply ids with another login, a
// human at the vendors' domains, a human named Copilot.
TEST(AgentsToday, LookAlikesStayUnknown) {
  for (auto [name, email] :
       std::vector<std::pair<std::string, std::string>>{{"Copilot", "223556219+someone@users.noreply.github.com"},
                                                        {"claude", "209825114+claude@users.noreply.github.com"},
                                                        {"Copilot", "copilot@example.com"},
                                                        {"Dev", "dev@openai.com"},
                                                        {"Support", "support@firebender.com"},
                                                        {"Sam", "sam@warp.dev"}}) {
    auto p = assess_commit("Change\n", name, email);
    EXPECT_EQ(p.cls, Class::unknown) << name << " <" << email << ">\n" << describe(p);
    EXPECT_TRUE(p.agents.empty()) << email;
  }
}

TEST(AgentsToday, NonAiBotsAreBotsNeitherAiNorHuman) {
  for (auto [name, email] : std::vector<std::pair<std::string, std::string>>{
           {"GitHub Actions", "actions@github.com"},
           // The app's login identifies it on its own (the registry holds no id for it).
           {"cloudflare-workers-and-pages[bot]", "73139402+cloudflare-workers-and-pages[bot]@users.noreply.github.com"},
           {"github-actions[bot]", "github-actions[bot]@users.noreply.github.com"}}) {
    auto p = assess_commit("chore: update generated files\n", name, email);
    EXPECT_EQ(p.cls, Class::unknown) << name << "\n" << describe(p);
    EXPECT_TRUE(p.bot) << name;
    EXPECT_TRUE(p.agents.empty()) << name;
  }
}

// A bot author never hides agent evidence: a forged "GitHub Actions" author with an agent's
// co-author is still AI-assisted.
TEST(AgentsToday, BotAuthorDoesNotMaskAgentEvidence) {
  auto p = assess_commit("Update\n\nCo-authored-by: Claude <noreply@anthropic.com>\n", "GitHub Actions",
                         "actions@github.com");
  EXPECT_EQ(p.cls, Class::ai_assisted) << describe(p);
  EXPECT_TRUE(p.bot);
  EXPECT_TRUE(has_agent(p, "claude-code"));
}

struct Outside {
  std::string what, message, placement;
};

// Agent evidence outside git's trailer block, and the kind of place it was found in.
TEST(AgentsToday, AgentEvidenceOutsideTheTrailerBlockSaysWhere) {
  std::vector<Outside> cases = {
      {"co-author in a paragraph with prose",
       "Fix the parser\n\nPaired on this with\nCo-authored-by: Claude <noreply@anthropic.com>\nand it went well.\n",
       "in-prose"},
      {"marker line just above the trailers",
       "Fix the parser\n\nBody.\n\n\xf0\x9f\xa4\x96 Generated with [Devin](https://devin.ai)\nCo-Authored-By: Copilot "
       "<copilot@github.com>\n",
       "below-text"},
      {"final trailer block after a Markdown rule",
       "Fix the parser\n\n## Summary\n\nBody.\n\n---\n\nCo-authored-by: Copilot <copilot@github.com>\n",
       "after-divider"},
  };
  for (const auto& c : cases) {
    auto p = assess_commit(c.message);
    EXPECT_EQ(p.cls, Class::ai_assisted) << c.what << "\n" << describe(p);
    auto e =
        std::find_if(p.evidence.begin(), p.evidence.end(), [](const Evidence& e) { return e.detector == "trailer"; });
    ASSERT_NE(e, p.evidence.end()) << c.what << "\n" << describe(p);
    EXPECT_NE(e->signal.find("(" + c.placement + ": "), std::string::npos) << c.what << "\n" << describe(p);
    EXPECT_NE(e->text.find("Co-"), std::string::npos) << c.what;
    EXPECT_EQ(p.operator_email, "alice@example.com") << c.what;
  }
  // The same co-author in git's trailer block needs no explanation.
  auto block = assess_commit("Fix\n\nCo-authored-by: Copilot <copilot@github.com>\n");
  ASSERT_FALSE(block.evidence.empty());
  EXPECT_EQ(block.evidence[0].signal, "co-author is GitHub Copilot in VS Code");
}

// Outside the trailer block, only what names a registered agent counts: a human co-author there
// is no operator and no evidence, a bot is not AI, prose with a colon is nothing.
TEST(AgentsToday, OutsideTheTrailerBlockOnlyRegisteredAgentsCount) {
  auto p = assess_commit(
      "Fix\n\nCo-authored-by: Carol Senior <carol@example.com>\nwas here.\n\nNote: this is prose.\n\n---\n\n"
      "Co-authored-by: dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>\n",
      "copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com");
  EXPECT_EQ(p.cls, Class::ai_authored) << describe(p);
  EXPECT_EQ(p.evidence.size(), 1u) << describe(p);
  for (const auto& o : p.operators) EXPECT_NE(o.email, "carol@example.com");
}

}  // namespace
}  // namespace cs::provenance
