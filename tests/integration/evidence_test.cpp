// Evidence inside the candidate can only raise what is required (issue 11, section 2). An
// agent that wants its change through drops its AI trailer and writes its own provenance: an
// Agent Trace file in the commit, a git-ai or Agent Trace note (anyone can push notes refs),
// trailers and markers that name a class the policy treats more leniently than `unknown`. Each
// must end blocked with the reason; only a source the trusted policy names as trusted lowers.
#include <gtest/gtest.h>

#include "support/test_support.h"

namespace cs::test {
namespace {

const char* kPeople = R"(people:
  - id: alice
    emails: [alice@example.com]
    roles: [senior, policy-admin]
  - id: bob
    emails: [bob@example.com]
    roles: [senior]
)";

// What most teams write: AI and unknown commits need a senior, human ones nothing.
const char* kPolicy = R"(version: 1
rules:
  - name: ai-changes-need-a-senior
    match: { provenance: [ai_assisted, ai_authored, unknown] }
    require: { approvals: 1, roles: [senior] }
)";

// The attacker's work: three lines, "typed by a human".
const char* kCode = "total = price * qty\ntotal -= discount\nreturn total\n";

bool has(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

std::string git_ai_note(const std::string& attestations) {
  return attestations +
         "---\n{\"schema_version\":\"authorship/"
         "3.0.0\",\"base_commit_sha\":\"0000000000000000000000000000000000000000\","
         "\"prompts\":{},\"humans\":{\"h_31dce776f88375\":{\"author\":\"Carol Poe <carol@example.com>\"}},"
         "\"sessions\":{\"s_c9883b05a2487d\":{\"agent_id\":{\"tool\":\"claude\",\"id\":\"conv_1\",\"model\":\"m\"},"
         "\"human_author\":\"carol@example.com\"}}}\n";
}

std::string agent_trace(const std::string& path, const std::string& type, int from, int to) {
  return R"({"version":"0.1.0","id":"550e8400-e29b-41d4-a716-446655440000","timestamp":"2026-01-25T10:00:00Z",)"
         R"("files":[{"path":")" +
         path + R"(","conversations":[{"contributor":{"type":")" + type + R"("},"ranges":[{"start_line":)" +
         std::to_string(from) + R"(,"end_line":)" + std::to_string(to) + "}]}]}]}\n";
}

// main holds the trusted policy; `feature` is the candidate, authored by carol (no role).
struct Repo {
  GitRepo git;
  explicit Repo(const std::string& policy = kPolicy) {
    git.write(".countersign/policy.yaml", policy);
    git.write(".countersign/people.yaml", kPeople);
    git.write("README", "hello\n");
    git.commit("Initial import");
    git.git("checkout -q -b feature");
  }
  std::string commit(const std::string& message = "Fix the cost calculator\n") {
    git.write("src/cost.py", kCode);
    return git.commit(message, "Carol Poe", "carol@example.com");
  }
  void note(const std::string& ref, const std::string& id, const std::string& text) {
    git.write(".git/CS_NOTE", text);
    git.git("notes --ref " + ref + " add -f -F .git/CS_NOTE " + id);
  }
  RunResult check(std::vector<std::string> args = {}) {
    args.insert(args.begin(), {"check", "main..feature", "--trusted-ref", "main", "--repo", git.path().string()});
    return countersign(args);
  }
};

// What every bypass must show: blocked, the claimed class, and why it did not count.
void expect_blocked_by_baseline(Repo& r, const std::string& claimed, const std::string& source) {
  auto text = r.check();
  EXPECT_EQ(text.exit_code, 1) << text.out << text.err;
  EXPECT_TRUE(
      has(text.out, claimed + " (claimed by " + source + ", not trusted: at least the requirements of unknown apply)"))
      << text.out;
  EXPECT_TRUE(has(text.out, "[missing] ai-changes-need-a-senior")) << text.out;
  EXPECT_TRUE(has(text.out, "because: provenance unknown; the commit's own evidence claims class " + claimed +
                                " (from " + source + ")"))
      << text.out;
  EXPECT_TRUE(has(text.out, "that source is not trusted by the policy (provenance.trusted)")) << text.out;
  auto json = r.check({"--format", "json"});
  EXPECT_EQ(json.exit_code, 1) << json.out;
  EXPECT_TRUE(has(json.out, "\"class\":\"" + claimed + "\"")) << json.out;
  EXPECT_TRUE(has(json.out, "\"class_source\":\"" + source + "\"")) << json.out;
  EXPECT_TRUE(has(json.out, "\"trusted_class\":\"unknown\",\"trusted_ai_line_share\":null")) << json.out;
  EXPECT_TRUE(has(json.out, "\"met\":false,\"baseline\":true}")) << json.out;
  auto md = r.check({"--format", "markdown"});
  EXPECT_EQ(md.exit_code, 1);
  EXPECT_TRUE(has(md.out, "| " + claimed + " (claimed by " + source)) << md.out;
}

TEST(Evidence, AgentTraceFileClaimingEveryLineHumanIsBlocked) {
  Repo r;
  r.git.write(".agent-trace/traces.jsonl", agent_trace("src/cost.py", "human", 1, 3));
  r.commit();
  expect_blocked_by_baseline(r, "human", ".agent-trace/traces.jsonl");
}

TEST(Evidence, AgentTraceFileAddedBesideAnEarlierHumanOneIsBlocked) {
  // The file grows record by record; the commit's own records are the ones it adds.
  Repo r;
  r.git.write("src/old.py", "x = 1\n");
  r.git.write(".agent-trace/traces.jsonl", agent_trace("src/old.py", "human", 1, 1));
  r.git.commit("Earlier change", "Bob Roe", "bob@example.com");
  r.git.write(".agent-trace/traces.jsonl",
              agent_trace("src/old.py", "human", 1, 1) + agent_trace("src/cost.py", "human", 1, 3));
  r.commit();
  auto json = r.check({"--format", "json"});
  EXPECT_EQ(json.exit_code, 1) << json.out;
  EXPECT_TRUE(has(json.out, "\"summary\":{\"commits\":2,\"missing_signoff\":2")) << json.out;
}

TEST(Evidence, AgentTraceNoteClaimingEveryLineHumanIsBlocked) {
  Repo r;
  auto id = r.commit();
  r.note("agent-trace", id, agent_trace("src/cost.py", "human", 1, 3));
  expect_blocked_by_baseline(r, "human", "refs/notes/agent-trace");
}

TEST(Evidence, GitAiNoteClaimingHumanAuthorshipIsBlocked) {
  Repo r;
  auto id = r.commit();
  r.note("ai", id, git_ai_note("src/cost.py\n  h_31dce776f88375 1-3\n"));
  expect_blocked_by_baseline(r, "human", "refs/notes/ai");
  auto json = r.check({"--format", "json"});
  EXPECT_TRUE(has(json.out, "\"ai_line_share\":0.0,")) << json.out;  // the claimed 0% AI
}

// "Substantially assisted" by share: a note giving a low AI share must not take a commit under
// the threshold unless the note comes from a trusted source.
const char* kSharePolicy = R"(version: 1
rules:
  - name: substantially-assisted
    match: { min_ai_share: 0.5 }
    require: { approvals: 1, roles: [senior] }
)";

TEST(Evidence, GitAiNoteGivingALowShareUnderMinAiShareIsBlocked) {
  Repo r(kSharePolicy);
  auto id = r.commit(std::string("Fix\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n"));
  r.note("ai", id, git_ai_note("src/cost.py\n  s_c9883b05a2487d::t_1 1\n  h_31dce776f88375 2-3\n"));
  auto text = r.check();
  EXPECT_EQ(text.exit_code, 1) << text.out << text.err;
  EXPECT_TRUE(has(text.out, "[missing] substantially-assisted")) << text.out;
  EXPECT_TRUE(has(text.out, "AI share unknown (counts as above 50%)")) << text.out;
  EXPECT_TRUE(has(text.out, "AI share 33% (from refs/notes/ai)")) << text.out;
  auto json = r.check({"--format", "json"});
  EXPECT_TRUE(has(json.out, "\"share_source\":\"refs/notes/ai\"")) << json.out;
  EXPECT_TRUE(has(json.out, "\"baseline\":true")) << json.out;
}

TEST(Evidence, AgentTraceFileGivingALowShareIsBlocked) {
  Repo r(kSharePolicy);
  r.git.write(".agent-trace/traces.jsonl",
              agent_trace("src/cost.py", "ai", 1, 1) + agent_trace("src/cost.py", "human", 2, 3));
  r.commit();
  auto text = r.check();
  EXPECT_EQ(text.exit_code, 1) << text.out << text.err;
  EXPECT_TRUE(has(text.out, "AI share 33% (from .agent-trace/traces.jsonl)")) << text.out;
}

// A policy that treats declared AI help more leniently than a commit nobody can attribute: the
// candidate's author can write any trailer, marker or branch name that yields such a class.
const char* kLenientPolicy = R"(version: 1
unknown: { treat_as: unknown }
rules:
  - name: unattributed-needs-a-senior
    match: { provenance: [unknown, ai_authored] }
    require: { approvals: 1, roles: [senior] }
)";

struct LowerThanUnknown {
  const char* name;
  const char* message;
  const char* branch;  // the candidate's branch name
  const char* source;  // what the report names
};

void PrintTo(const LowerThanUnknown& v, std::ostream* os) {
  *os << v.name;
}

class EvidenceBelowUnknown : public ::testing::TestWithParam<LowerThanUnknown> {};

TEST_P(EvidenceBelowUnknown, IsBlockedWithTheRequirementsOfUnknown) {
  const auto& v = GetParam();
  Repo r(kLenientPolicy);
  if (std::string(v.branch) != "feature") r.git.git(std::string("branch -q -m feature ") + v.branch);
  r.commit(v.message);
  auto text = countersign(
      {"check", std::string("main..") + v.branch, "--trusted-ref", "main", "--repo", r.git.path().string()});
  EXPECT_EQ(text.exit_code, 1) << text.out << text.err;
  EXPECT_TRUE(has(text.out, std::string("ai_assisted (claimed by ") + v.source +
                                ", not trusted: at least the requirements of unknown apply)"))
      << text.out;
  EXPECT_TRUE(has(text.out, "[missing] unattributed-needs-a-senior")) << text.out;
  EXPECT_TRUE(has(text.out, "never lowers requirements below those of unknown (a commit with no evidence)"))
      << text.out;
}

INSTANTIATE_TEST_SUITE_P(
    Variants, EvidenceBelowUnknown,
    ::testing::Values(
        LowerThanUnknown{"CoAuthorTrailer", "Fix\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n", "feature",
                         "trailer"},
        LowerThanUnknown{"AssistedByTrailer", "Fix\n\nAssisted-by: Claude:claude-sonnet-4-6\n", "feature", "trailer"},
        LowerThanUnknown{"ToolTrailer", "Fix\n\nClaude-Session: 1234\n", "feature", "trailer"},
        LowerThanUnknown{"BodyMarker", "Fix\n\n\xF0\x9F\xA4\x96 Generated with [Claude Code](https://claude.com)\n",
                         "feature", "marker"},
        LowerThanUnknown{"BranchName", "Fix\n", "claude/fix-costs", "branch"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Evidence, CommitterIdentityBelowUnknownIsBlocked) {
  Repo r(kLenientPolicy);
  r.git.write("src/cost.py", kCode);
  r.git.git("add -A");
  r.git.git(
      "-c user.name=Claude -c user.email=noreply@anthropic.com commit -q --author 'Carol Poe <carol@example.com>' -m "
      "Fix");
  auto text = r.check();
  EXPECT_EQ(text.exit_code, 1) << text.out << text.err;
  EXPECT_TRUE(has(text.out, "ai_assisted (claimed by identity, not trusted")) << text.out;
}

// ---- a source the trusted policy names may lower; nothing else does ----

const char* kTrustGitAi = R"(version: 1
provenance:
  trusted: [refs/notes/ai]     # only CI writes it: the server rejects pushes to refs/notes/ai
rules:
  - name: ai-changes-need-a-senior
    match: { provenance: [ai_assisted, ai_authored, unknown] }
    require: { approvals: 1, roles: [senior] }
  - name: substantially-assisted
    match: { min_ai_share: 0.5 }
    require: { approvals: 1, roles: [senior] }
)";

TEST(Evidence, TrustedNotesRefMayLower) {
  Repo r(kTrustGitAi);
  auto id = r.commit();
  r.note("ai", id, git_ai_note("src/cost.py\n  h_31dce776f88375 1-3\n"));
  auto text = r.check();
  EXPECT_EQ(text.exit_code, 0) << text.out << text.err;
  EXPECT_TRUE(has(text.out, "human (from refs/notes/ai, trusted)")) << text.out;
  EXPECT_TRUE(has(text.out, "needs nothing")) << text.out;
  EXPECT_TRUE(has(text.out, "note: provenance evidence from refs/notes/ai is trusted (provenance.trusted)"))
      << text.out;
  auto json = r.check({"--format", "json"});
  EXPECT_TRUE(has(json.out, "\"trusted_class\":\"human\",\"trusted_ai_line_share\":0.0,")) << json.out;
}

TEST(Evidence, TrustedNotesRefMayGiveALowShare) {
  Repo r(kTrustGitAi);
  auto id = r.commit("Fix\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n");
  r.note("ai", id, git_ai_note("src/cost.py\n  s_c9883b05a2487d::t_1 1\n  h_31dce776f88375 2-3\n"));
  auto json = r.check({"--format", "json"});
  EXPECT_EQ(json.exit_code, 1) << json.out;  // still AI-assisted: one senior
  EXPECT_TRUE(has(json.out, "{\"rule\":\"ai-changes-need-a-senior\"")) << json.out;
  EXPECT_FALSE(has(json.out, "{\"rule\":\"substantially-assisted\"")) << json.out;
  EXPECT_TRUE(has(json.out, "\"trusted_ai_line_share\":0.3333")) << json.out;
}

TEST(Evidence, TrustingOneNotesRefTrustsNoOtherSource) {
  Repo r(kTrustGitAi);
  r.git.write(".agent-trace/traces.jsonl", agent_trace("src/cost.py", "human", 1, 3));
  r.commit();
  expect_blocked_by_baseline(r, "human", ".agent-trace/traces.jsonl");
  Repo n(kTrustGitAi);
  auto id = n.commit();
  n.note("agent-trace", id, agent_trace("src/cost.py", "human", 1, 3));
  expect_blocked_by_baseline(n, "human", "refs/notes/agent-trace");
}

TEST(Evidence, CandidateCannotTrustItsOwnEvidence) {
  // The candidate's own policy naming its evidence trusted changes nothing: policy is read from main.
  Repo r;
  r.git.write(".countersign/policy.yaml", kTrustGitAi);
  r.git.commit("Trust the notes", "Carol Poe", "carol@example.com");
  auto id = r.commit();
  r.note("ai", id, git_ai_note("src/cost.py\n  h_31dce776f88375 1-3\n"));
  auto text = r.check();
  EXPECT_EQ(text.exit_code, 1) << text.out;
  EXPECT_TRUE(has(text.out, "human (claimed by refs/notes/ai, not trusted")) << text.out;
}

TEST(Evidence, PolicyCannotTrustSourcesTheAuthorWrites) {
  for (const char* source :
       {".agent-trace/traces.jsonl", "trailer", "marker", "branch", "identity", "refs/notes/commits"}) {
    Repo r(std::string("version: 1\nprovenance:\n  trusted: [\"") + source + "\"]\nrules: []\n");
    r.commit();
    auto out = r.check();
    EXPECT_EQ(out.exit_code, 2) << source << "\n" << out.out;
    EXPECT_TRUE(has(out.out, std::string("provenance.trusted: '") + source + "' cannot be trusted")) << out.out;
  }
}

// ---- evidence that raises still raises ----

TEST(Evidence, UntrustedEvidenceStillRaises) {
  Repo r(R"(version: 1
unknown: { treat_as: unknown }
rules:
  - name: unattributed
    match: { provenance: [unknown] }
    require: { approvals: 1, roles: [senior] }
  - name: ai-authored-needs-two
    match: { provenance: [ai_authored] }
    require: { approvals: 2, roles: [senior] }
)");
  r.git.write(".agent-trace/traces.jsonl", agent_trace("src/cost.py", "ai", 1, 3));
  r.commit();
  auto json = r.check({"--format", "json"});
  EXPECT_EQ(json.exit_code, 1) << json.out;
  EXPECT_TRUE(has(json.out, "\"class\":\"ai_authored\"")) << json.out;
  EXPECT_TRUE(has(json.out, "{\"rule\":\"ai-authored-needs-two\",\"approvals\":2")) << json.out;
  EXPECT_TRUE(has(json.out, "{\"rule\":\"unattributed\",\"approvals\":1")) << json.out;  // and never less than unknown
}

TEST(Evidence, TrustedHumanNoteCannotMaskUntrustedAiEvidence) {
  Repo r(kTrustGitAi);
  auto id = r.commit("Fix\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n");
  r.note("ai", id, git_ai_note("src/cost.py\n  h_31dce776f88375 1-3\n"));
  auto text = r.check();
  EXPECT_EQ(text.exit_code, 1) << text.out;
  EXPECT_TRUE(has(text.out, "[missing] ai-changes-need-a-senior")) << text.out;
  EXPECT_TRUE(has(text.out, "because: provenance ai_assisted")) << text.out;
}

// ---- scan shows the claimed class and where it came from ----

TEST(Evidence, ScanMarksWhereAHumanClassCameFrom) {
  Repo r;
  r.git.write(".agent-trace/traces.jsonl", agent_trace("src/cost.py", "human", 1, 3));
  r.commit();
  auto json = countersign({"scan", "main..feature", "--format", "json", "--repo", r.git.path().string()});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_TRUE(has(json.out, "\"class\":\"human\"")) << json.out;
  EXPECT_TRUE(has(json.out, "\"class_source\":\".agent-trace/traces.jsonl\"")) << json.out;
  EXPECT_TRUE(has(json.out, "\"source\":\".agent-trace/traces.jsonl\"")) << json.out;
  auto text = countersign({"scan", "main..feature", "--repo", r.git.path().string()});
  EXPECT_TRUE(has(text.out, "human*")) << text.out;
  EXPECT_TRUE(
      has(text.out, "* human per .agent-trace/traces.jsonl (1): check gives these the requirements of unknown unless"))
      << text.out;
}

}  // namespace
}  // namespace cs::test
