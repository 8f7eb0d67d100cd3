// git-ai notes and Agent Trace records: parsing, and the AI share of added lines on real
// commits with notes written by `git notes`.
#include <gtest/gtest.h>

#include "countersign/provenance/detectors.h"
#include "countersign/provenance/provenance.h"
#include "support/test_support.h"

namespace cs::provenance {
namespace {

std::string git_ai_note(const std::string& attestations, const std::string& schema = "authorship/3.0.0") {
  return attestations + "---\n{\n  \"schema_version\": \"" + schema +
         "\",\n  \"base_commit_sha\": \"0000000000000000000000000000000000000000\",\n  \"prompts\": {},\n"
         "  \"humans\": {\"h_31dce776f88375\": {\"author\": \"Alice Doe <alice@example.com>\"}},\n"
         "  \"sessions\": {\"s_c9883b05a2487d\": {\"agent_id\": {\"tool\": \"claude\", \"id\": \"conv_1\", \"model\": \"m\"},"
         " \"human_author\": \"alice@example.com\"}}\n}\n";
}

TEST(GitAiNote, ParsesAttestationsAndMetadata) {
  auto att = parse_git_ai_note(git_ai_note(
      "src/main.rs\n  s_c9883b05a2487d::t_9f8e7d6c5b4a32 1-10,15-20\n  h_31dce776f88375 25-30\n\"src/my file.rs\"\n  abcd1234abcd1234 3\n"));
  ASSERT_TRUE(att) << att.error().message;
  ASSERT_EQ(att->files.size(), 2u);
  EXPECT_EQ(att->files[0].path, "src/main.rs");
  ASSERT_EQ(att->files[0].ai.size(), 2u);
  EXPECT_EQ(att->files[0].ai[1], std::make_pair(15u, 20u));
  ASSERT_EQ(att->files[0].human.size(), 1u);
  EXPECT_EQ(att->files[1].path, "src/my file.rs");
  EXPECT_EQ(att->files[1].ai[0], std::make_pair(3u, 3u));
  ASSERT_EQ(att->tools.size(), 1u);
  EXPECT_EQ(att->tools[0], "claude");
  EXPECT_EQ(att->human_author, "alice@example.com");
  EXPECT_TRUE(att->usable);
}

TEST(GitAiNote, OlderSchemaIsReadAsUnknown) {
  auto att = parse_git_ai_note(git_ai_note("a.txt\n  abcd1234abcd1234 1-3\n", "authorship/2.1.0"));
  ASSERT_TRUE(att);
  EXPECT_FALSE(att->usable);
}

TEST(GitAiNote, MalformedNotesAreErrorsNotCrashes) {
  for (std::string bad : {std::string("a.txt\n  s_1::t_2 1-3\n"),                       // no divider
                          std::string("a.txt\n  s_1::t_2 1-3\n---\n{not json"),          // bad JSON
                          std::string("a.txt\n  s_1::t_2 1-3\n---\n[1,2]\n"),            // not an object
                          std::string("a.txt\n  s_1::t_2 1-3\n---\n{}\n"),               // no schema
                          git_ai_note("a.txt\n  s_1::t_2 9-3\n"),                        // reversed range
                          git_ai_note("a.txt\n  s_1::t_2 0\n"),                          // line 0
                          git_ai_note("a.txt\n  s_1::t_2 x-y\n"),                        // not numbers
                          git_ai_note("  s_1::t_2 1\n"),                                 // no file
                          git_ai_note("a.txt\n  s_1::t_2\n"),                            // no ranges
                          std::string("\xff\xfe\x00garbage", 10)}) {
    auto att = parse_git_ai_note(bad);
    EXPECT_FALSE(att) << bad;
  }
}

TEST(AgentTrace, ParsesOneRecordOrJsonLines) {
  const std::string rec =
      R"({"version":"0.1.0","id":"550e8400-e29b-41d4-a716-446655440000","timestamp":"2026-01-25T10:00:00Z",)"
      R"("tool":{"name":"cursor"},"files":[{"path":"a.txt","conversations":[{"contributor":{"type":"ai"},)"
      R"("ranges":[{"start_line":1,"end_line":2},{"start_line":4,"end_line":4,"contributor":{"type":"human"}}]}]}]})";
  auto one = parse_agent_trace(rec);
  ASSERT_TRUE(one) << one.error().message;
  ASSERT_EQ(one->files.size(), 1u);
  EXPECT_EQ(one->files[0].ai.size(), 1u);
  EXPECT_EQ(one->files[0].human.size(), 1u);
  EXPECT_EQ(one->tools[0], "cursor");
  auto lines = parse_agent_trace(rec + "\n" + rec + "\n");
  ASSERT_TRUE(lines);
  EXPECT_EQ(lines->files[0].ai.size(), 2u);
  EXPECT_FALSE(parse_agent_trace("{\"files\": 3}"));
  EXPECT_FALSE(parse_agent_trace(rec + "\n{oops\n"));
  EXPECT_FALSE(parse_agent_trace(""));
  EXPECT_FALSE(parse_agent_trace(R"({"files":[{"path":"a","conversations":[{"ranges":[{"start_line":5,"end_line":2}]}]}]})"));
}

struct NotedRepo {
  test::GitRepo repo;
  std::string id;
  // A commit adding 4 lines to a.txt (lines 2-5) on top of one line.
  NotedRepo() {
    repo.write("a.txt", "one\n");
    repo.commit("base\n");
    repo.write("a.txt", "one\ntwo\nthree\nfour\nfive\n");
    id = repo.commit("more lines\n");
  }
  void note(const std::string& ref, const std::string& text) {
    repo.write(".git/CS_NOTE", text);
    repo.git("notes --ref " + ref + " add -f -F .git/CS_NOTE " + id);
  }
  Provenance assess(AssessOptions options = {}) {
    auto r = git::Repository::open(repo.path().string());
    auto a = Assessor::create(*r, std::move(options));
    EXPECT_TRUE(a) << a.error().describe();
    auto p = a->assess(*r, *r->commit(*git::ObjectId::from_hex(id)));
    EXPECT_TRUE(p);
    return *p;
  }
};

TEST(GitAiNote, ShareOfAddedLinesDecidesAssistedOrAuthored) {
  NotedRepo r;
  r.note("ai", git_ai_note("a.txt\n  s_c9883b05a2487d::t_9f8e7d6c5b4a32 2-3\n"));
  auto p = r.assess();
  EXPECT_EQ(p.cls, Class::ai_assisted);
  ASSERT_TRUE(p.ai_line_share);
  EXPECT_DOUBLE_EQ(*p.ai_line_share, 0.5);
  ASSERT_TRUE(p.lines);
  EXPECT_EQ(p.lines->added, 4u);
  EXPECT_EQ(p.lines->ai, 2u);
  ASSERT_EQ(p.agents.size(), 1u);
  EXPECT_EQ(p.agents[0], "claude-code");

  r.note("ai", git_ai_note("a.txt\n  s_c9883b05a2487d::t_9f8e7d6c5b4a32 1-5\n"));
  p = r.assess();
  EXPECT_EQ(p.cls, Class::ai_authored);
  EXPECT_DOUBLE_EQ(*p.ai_line_share, 1.0);
}

TEST(GitAiNote, EveryLineAttestedHumanIsHuman) {
  NotedRepo r;
  r.note("ai", git_ai_note("a.txt\n  h_31dce776f88375 2-5\n"));
  auto p = r.assess();
  EXPECT_EQ(p.cls, Class::human);
  EXPECT_DOUBLE_EQ(*p.ai_line_share, 0.0);
}

TEST(GitAiNote, LinesWithNoKeyAreUnknownNotHuman) {
  NotedRepo r;
  r.note("ai", git_ai_note("a.txt\n  h_31dce776f88375 2-3\n"));
  auto p = r.assess();
  EXPECT_EQ(p.cls, Class::unknown);
  EXPECT_EQ(p.lines->human, 2u);
}

TEST(GitAiNote, OldSchemaNoteLeavesTheCommitUnknown) {
  NotedRepo r;
  r.note("ai", git_ai_note("a.txt\n  h_31dce776f88375 2-5\n", "authorship/2.0.0"));
  auto p = r.assess();
  EXPECT_EQ(p.cls, Class::unknown);
  EXPECT_FALSE(p.ai_line_share);
}

TEST(GitAiNote, MalformedNoteIsEvidenceNotAFailure) {
  NotedRepo r;
  r.note("ai", "this is not a git-ai note\n");
  auto p = r.assess();
  EXPECT_EQ(p.cls, Class::unknown);
  ASSERT_EQ(p.evidence.size(), 1u);
  EXPECT_EQ(p.evidence[0].detector, "git-ai");
  EXPECT_NE(p.evidence[0].signal.find("malformed"), std::string::npos);
}

TEST(AgentTrace, NoteOnAgentTraceRef) {
  NotedRepo r;
  r.note("agent-trace", R"({"version":"0.1.0","id":"x","timestamp":"t","tool":{"name":"cursor"},"files":[{"path":"a.txt",)"
                        R"("conversations":[{"contributor":{"type":"ai"},"ranges":[{"start_line":2,"end_line":5}]}]}]})");
  auto p = r.assess();
  EXPECT_EQ(p.cls, Class::ai_authored);
  EXPECT_DOUBLE_EQ(*p.ai_line_share, 1.0);
  ASSERT_EQ(p.agents.size(), 1u);
  EXPECT_EQ(p.agents[0], "cursor");
}

TEST(AgentTrace, RecordsACommitAddsToTracesJsonl) {
  test::GitRepo repo;
  const std::string rec1 =
      R"({"version":"0.1.0","id":"1","timestamp":"t","tool":{"name":"claude-code"},"files":[{"path":"a.txt",)"
      R"("conversations":[{"contributor":{"type":"ai"},"ranges":[{"start_line":1,"end_line":2}]}]}]})";
  const std::string rec2 =
      R"({"version":"0.1.0","id":"2","timestamp":"t","files":[{"path":"b.txt",)"
      R"("conversations":[{"contributor":{"type":"human"},"ranges":[{"start_line":1,"end_line":1}]}]}]})";
  repo.write("a.txt", "one\ntwo\n");
  repo.write(".agent-trace/traces.jsonl", rec1 + "\n");
  auto first = repo.commit("agent lines\n");
  repo.write("b.txt", "mine\n");
  repo.write(".agent-trace/traces.jsonl", rec1 + "\n" + rec2 + "\n");
  auto second = repo.commit("human line\n");
  repo.write("c.txt", "untracked\n");
  auto third = repo.commit("no record\n");

  auto r = git::Repository::open(repo.path().string());
  auto all = assess_range(*r, "main");
  ASSERT_TRUE(all) << all.error().describe();
  ASSERT_EQ(all->size(), 3u);
  // Newest first: third, second, first.
  EXPECT_EQ((*all)[0].commit.hex(), third);
  EXPECT_EQ((*all)[0].cls, Class::unknown);
  EXPECT_EQ((*all)[1].commit.hex(), second);
  // Its only added line of code is attested human; the trace file's own lines are not code.
  EXPECT_EQ((*all)[1].cls, Class::human);
  EXPECT_EQ((*all)[2].commit.hex(), first);
  EXPECT_EQ((*all)[2].cls, Class::ai_authored);
  ASSERT_TRUE((*all)[2].lines);
  EXPECT_EQ((*all)[2].lines->added, 2u);
  EXPECT_EQ((*all)[2].lines->ai, 2u);
  ASSERT_EQ((*all)[2].agents.size(), 1u);
  EXPECT_EQ((*all)[2].agents[0], "claude-code");
}

// Where a class came from, and what trusted sources alone say: the floor the policy keeps.
AssessOptions trusting(std::vector<std::string> sources) {
  AssessOptions o;
  o.trusted_sources = std::move(sources);
  return o;
}

TEST(TrustedEvidence, NothingIsTrustedByDefault) {
  NotedRepo r;
  r.note("ai", git_ai_note("a.txt\n  h_31dce776f88375 2-5\n"));
  auto p = r.assess();
  EXPECT_EQ(p.cls, Class::human);
  EXPECT_EQ(p.class_source, "refs/notes/ai");
  EXPECT_EQ(p.share_source, "refs/notes/ai");
  ASSERT_EQ(p.evidence.size(), 1u);
  EXPECT_EQ(p.evidence[0].source, "refs/notes/ai");
  EXPECT_EQ(p.trusted_cls, Class::unknown);
  EXPECT_FALSE(p.trusted_ai_line_share);
}

TEST(TrustedEvidence, ATrustedNotesRefDecidesTheFloor) {
  NotedRepo r;
  r.note("ai", git_ai_note("a.txt\n  h_31dce776f88375 2-5\n"));
  auto p = r.assess(trusting({"refs/notes/ai"}));
  EXPECT_EQ(p.trusted_cls, Class::human);
  ASSERT_TRUE(p.trusted_ai_line_share);
  EXPECT_DOUBLE_EQ(*p.trusted_ai_line_share, 0.0);
  // Another ref's trust says nothing about this one.
  p = r.assess(trusting({"refs/notes/agent-trace"}));
  EXPECT_EQ(p.trusted_cls, Class::unknown);
  r.note("ai", git_ai_note("a.txt\n  s_c9883b05a2487d::t_9f8e7d6c5b4a32 2\n  h_31dce776f88375 3-5\n"));
  p = r.assess(trusting({"refs/notes/ai"}));
  EXPECT_EQ(p.trusted_cls, Class::ai_assisted);
  EXPECT_DOUBLE_EQ(*p.trusted_ai_line_share, 0.25);
}

TEST(TrustedEvidence, SourcesTheAuthorWritesAreNeverTrusted) {
  test::GitRepo repo;
  repo.write("a.txt", "one\n");
  repo.write(".agent-trace/traces.jsonl",
             R"({"version":"0.1.0","id":"1","timestamp":"t","files":[{"path":"a.txt",)"
             R"("conversations":[{"contributor":{"type":"human"},"ranges":[{"start_line":1,"end_line":1}]}]}]})"
             "\n");
  auto id = repo.commit("mine\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n");
  auto r = git::Repository::open(repo.path().string());
  AssessOptions o = trusting({".agent-trace/traces.jsonl", "trailer", "identity", "marker", "branch"});
  auto a = Assessor::create(*r, o);
  ASSERT_TRUE(a);
  auto p = a->assess(*r, *r->commit(*git::ObjectId::from_hex(id)));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->cls, Class::ai_assisted);  // the trailer raises over the human record
  EXPECT_EQ(p->class_source, "trailer");
  EXPECT_EQ(p->share_source, ".agent-trace/traces.jsonl");
  EXPECT_EQ(p->trusted_cls, Class::unknown);
  EXPECT_FALSE(p->trusted_ai_line_share);
  EXPECT_FALSE(can_be_trusted(".agent-trace/traces.jsonl"));
  EXPECT_TRUE(can_be_trusted("refs/notes/ai"));
}

TEST(AssessRange, UnknownRevisionAndEmptyRepositoryFail) {
  test::GitRepo empty;
  auto r = git::Repository::open(empty.path().string());
  EXPECT_FALSE(assess_range(*r, ""));
  test::GitRepo repo;
  repo.write("a.txt", "1\n");
  repo.commit("one\n");
  auto r2 = git::Repository::open(repo.path().string());
  auto bad = assess_range(*r2, "nope..main");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("unknown revision"), std::string::npos);
}

}  // namespace
}  // namespace cs::provenance
