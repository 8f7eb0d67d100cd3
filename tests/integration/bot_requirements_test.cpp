// A non-AI bot identity is written by the candidate's author like any other (git does not check
// it): a commit claiming to come from "GitHub Actions <actions@github.com>" must need exactly
// what the same commit with no evidence needs, never less.
#include <gtest/gtest.h>

#include "support/test_support.h"

namespace cs::test {
namespace {

const char* kPeople = R"(people:
  - { id: alice, emails: [alice@example.com], roles: [senior, policy-admin] }
  - { id: bob, emails: [bob@example.com], roles: [senior] }
)";

// `unknown.treat_as: unknown`: rules that list only the AI classes spare unknown commits, so the
// test sees whether a bot is spared anything an unknown commit is not.
const char* kPolicy = R"(version: 1
unknown:
  treat_as: unknown
rules:
  - name: unknown-needs-a-senior
    match: { provenance: [unknown] }
    require: { approvals: 1, roles: [senior] }
  - name: ai-needs-two
    match: { provenance: [ai_assisted, ai_authored] }
    require: { approvals: 2, roles: [senior] }
)";

// The "requirements":[...] array of the commit entry whose id is `id`.
std::string requirements_of(const std::string& json, const std::string& id) {
  auto at = json.find("{\"commit\":\"" + id + "\"");
  if (at == std::string::npos) return "commit not in output";
  auto start = json.find("\"requirements\":", at);
  auto end = json.find(",\"satisfied\":", start);
  if (start == std::string::npos || end == std::string::npos) return "no requirements";
  return json.substr(start, end - start);
}

TEST(BotRequirements, ForgedGithubActionsAuthorNeedsWhatUnknownNeeds) {
  GitRepo git;
  git.write(".countersign/policy.yaml", kPolicy);
  git.write(".countersign/people.yaml", kPeople);
  git.commit("Initial import");
  git.git("checkout -q -b feature");
  git.write("a.txt", "1\n");
  auto plain = git.commit("Change a\n", "Mallory", "mallory@example.com");
  git.write("b.txt", "2\n");
  auto forged = git.commit("Change b\n", "GitHub Actions", "actions@github.com");
  git.write("c.txt", "3\n");
  auto forged_app = git.commit("Change c\n", "cloudflare-workers-and-pages[bot]",
                               "73139402+cloudflare-workers-and-pages[bot]@users.noreply.github.com");
  git.write("d.txt", "4\n");
  auto forged_ai =
      git.commit("Change d\n\nCo-authored-by: Codex <noreply@openai.com>\n", "GitHub Actions", "actions@github.com");

  auto out = countersign({"check", "--repo", git.path().string(), "main..feature", "--format", "json"});
  EXPECT_EQ(out.exit_code, 1) << out.out << out.err;
  const std::string& j = out.out;
  std::string want = requirements_of(j, plain);
  EXPECT_NE(want.find("\"rule\":\"unknown-needs-a-senior\""), std::string::npos) << j;
  EXPECT_EQ(requirements_of(j, forged), want) << j;
  EXPECT_EQ(requirements_of(j, forged_app), want) << j;
  // The bot identity is reported, and the class stays unknown.
  auto bot_entry = j.substr(j.find("{\"commit\":\"" + forged + "\""), 400);
  EXPECT_NE(bot_entry.find("\"class\":\"unknown\""), std::string::npos) << bot_entry;
  EXPECT_NE(bot_entry.find("\"bot\":true"), std::string::npos) << bot_entry;
  // A bot author with an agent's co-author gets the AI rules: evidence still raises.
  EXPECT_NE(requirements_of(j, forged_ai).find("\"rule\":\"ai-needs-two\""), std::string::npos) << j;
}

}  // namespace
}  // namespace cs::test
