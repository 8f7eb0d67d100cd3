// `countersign scan` on real repositories built with git: JSON output, exit codes, hostile input.
#include <gtest/gtest.h>
#include <simdjson.h>

#include "support/test_support.h"

namespace cs::test {
namespace {

// The scan's JSON, parsed (simdjson also rejects invalid UTF-8).
struct ScanJson {
  simdjson::dom::parser parser;
  simdjson::padded_string text;
  simdjson::dom::element doc;

  explicit ScanJson(const std::string& out) : text(out) {
    auto err = parser.parse(text).get(doc);
    EXPECT_EQ(err, simdjson::SUCCESS) << "not valid JSON: " << simdjson::error_message(err) << "\n" << out.substr(0, 2000);
  }
  simdjson::dom::array commits() { return doc["commits"].get_array().value_unsafe(); }
  size_t size() { return commits().size(); }
  std::string cls(size_t i) { return std::string(commits().at(i)["class"].get_string().value_unsafe()); }
  simdjson::dom::element commit(size_t i) { return commits().at(i).value_unsafe(); }
};

TEST(Scan, JsonPerCommitWithSummary) {
  GitRepo repo;
  repo.write("a.txt", "1\n");
  auto human = repo.commit("Plain change\n");
  repo.write("a.txt", "1\n2\n");
  auto claude = repo.commit("Fix\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n");
  repo.write("b.txt", "x\ny\n");
  auto noted = repo.commit("Noted\n", "Bob Roe", "bob@example.com");
  repo.write(".git/NOTE",
             "b.txt\n  s_c9883b05a2487d::t_9f8e7d6c5b4a32 1\n---\n{\"schema_version\":\"authorship/3.0.0\",\"base_commit_sha\":\"0\","
             "\"prompts\":{},\"sessions\":{\"s_c9883b05a2487d\":{\"agent_id\":{\"tool\":\"cursor\",\"id\":\"c\",\"model\":\"m\"}}}}\n");
  repo.git("notes --ref ai add -F .git/NOTE " + noted);

  auto r = countersign({"scan", "main", "--format", "json", "--repo", repo.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ScanJson j(r.out);
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(std::string(j.commit(0)["commit"].get_string().value_unsafe()), noted);
  EXPECT_EQ(j.cls(0), "ai_assisted");
  EXPECT_DOUBLE_EQ(j.commit(0)["ai_line_share"].get_double().value_unsafe(), 0.5);
  EXPECT_EQ(std::string(j.commit(0)["agents"].at(0).get_string().value_unsafe()), "cursor");
  EXPECT_EQ(j.cls(1), "ai_assisted");
  EXPECT_EQ(std::string(j.commit(1)["commit"].get_string().value_unsafe()), claude);
  EXPECT_EQ(std::string(j.commit(1)["operator"]["email"].get_string().value_unsafe()), "alice@example.com");
  EXPECT_TRUE(j.commit(1)["ai_line_share"].is_null());
  auto ev = j.commit(1)["evidence"].at(0);
  EXPECT_EQ(std::string(ev["detector"].get_string().value_unsafe()), "trailer");
  EXPECT_FALSE(std::string(ev["signal"].get_string().value_unsafe()).empty());
  EXPECT_EQ(std::string(ev["text"].get_string().value_unsafe()), "Co-Authored-By: Claude <noreply@anthropic.com>");
  EXPECT_EQ(j.cls(2), "unknown");
  EXPECT_EQ(std::string(j.commit(2)["commit"].get_string().value_unsafe()), human);
  EXPECT_TRUE(j.commit(2)["operator"].is_null());

  auto summary = j.doc["summary"];
  EXPECT_EQ(summary["commits"].get_uint64().value_unsafe(), 3u);
  EXPECT_EQ(summary["classes"]["ai_assisted"].get_uint64().value_unsafe(), 2u);
  EXPECT_EQ(summary["classes"]["unknown"].get_uint64().value_unsafe(), 1u);
  EXPECT_EQ(summary["classes"]["human"].get_uint64().value_unsafe(), 0u);
  EXPECT_EQ(summary["agents"]["claude-code"].get_uint64().value_unsafe(), 1u);
}

TEST(Scan, TextAndMarkdown) {
  GitRepo repo;
  repo.write("a.txt", "1\n");
  repo.commit("Fix | pipes\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>\n");
  auto text = countersign({"scan", "main", "--repo", repo.path().string()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("ai_assisted"), std::string::npos);
  EXPECT_NE(text.out.find("1 commit: 0 human, 1 ai_assisted, 0 ai_authored, 0 unknown"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("agents: cursor 1"), std::string::npos);
  EXPECT_TRUE(text.err.empty()) << "no progress bar when stderr is not a terminal: " << text.err;
  auto md = countersign({"scan", "main", "--format", "markdown", "--repo", repo.path().string()});
  ASSERT_EQ(md.exit_code, 0);
  EXPECT_NE(md.out.find("| ai_assisted | 1 |"), std::string::npos) << md.out;
  EXPECT_NE(md.out.find("Fix \\| pipes"), std::string::npos) << md.out;
}

TEST(Scan, DefaultRangeAndBranchEvidence) {
  GitRepo repo;
  repo.write("a.txt", "1\n");
  repo.commit("base\n");
  repo.git("checkout -q -b claude/fix-it");
  repo.write("a.txt", "2\n");
  repo.commit("fix\n");
  auto r = countersign({"scan", "main..claude/fix-it", "--format", "json", "--repo", repo.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ScanJson j(r.out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j.cls(0), "ai_assisted");
  EXPECT_EQ(std::string(j.commit(0)["evidence"].at(0)["detector"].get_string().value_unsafe()), "branch");
  // No upstream: the default range is all of HEAD, and HEAD's branch is the branch.
  auto d = countersign({"scan", "--format", "json", "--repo", repo.path().string()});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  ScanJson dj(d.out);
  EXPECT_EQ(dj.size(), 2u);
}

TEST(Scan, BadInputIsAnErrorWithExitTwo) {
  GitRepo repo;
  repo.write("a.txt", "1\n");
  repo.commit("base\n");
  auto unknown = countersign({"scan", "no-such-branch", "--repo", repo.path().string()});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown revision: no-such-branch"), std::string::npos) << unknown.err;
  EXPECT_TRUE(unknown.out.empty());
  auto format = countersign({"scan", "main", "--format", "xml", "--repo", repo.path().string()});
  EXPECT_EQ(format.exit_code, 2);
  EXPECT_NE(format.err.find("unknown format"), std::string::npos);
  TempDir not_a_repo;
  auto none = countersign({"scan", "--repo", not_a_repo.path().string()});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("not a git repository"), std::string::npos) << none.err;
}

TEST(Scan, EmptyRepository) {
  GitRepo repo;
  auto r = countersign({"scan", "--repo", repo.path().string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no commits"), std::string::npos) << r.err;
}

TEST(Scan, ShallowClone) {
  GitRepo origin;
  for (int i = 0; i < 4; ++i) {
    origin.write("a.txt", std::to_string(i) + "\n");
    origin.commit("change " + std::to_string(i) + "\n\nCo-authored-by: Claude <noreply@anthropic.com>\n");
  }
  TempDir dir;
  auto clone = sh("git clone -q --depth 2 file://" + quote(origin.path().string()) + " shallow", dir.path());
  ASSERT_EQ(clone.exit_code, 0) << clone.err;
  auto r = countersign({"scan", "HEAD", "--format", "json", "--repo", (dir.path() / "shallow").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ScanJson j(r.out);
  EXPECT_EQ(j.size(), 2u);
  EXPECT_EQ(j.cls(1), "ai_assisted");
}

TEST(Scan, TenMegabyteMessage) {
  GitRepo repo;
  repo.write("a.txt", "1\n");
  std::string msg = "Huge\n\n";
  while (msg.size() < 10u << 20) msg += "filler text for a very long commit message body\n";
  msg += "\nCo-authored-by: Claude <noreply@anthropic.com>\n";
  repo.commit(msg);
  auto r = countersign({"scan", "main", "--format", "json", "--repo", repo.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ScanJson j(r.out);
  EXPECT_EQ(j.cls(0), "ai_assisted");
  EXPECT_LT(r.out.size(), 100000u) << "the message itself is not copied into the report";
}

TEST(Scan, NonUtf8AuthorNamesKeepJsonValid) {
  GitRepo repo;
  repo.write("a.txt", "1\n");
  repo.commit("Caf\xe9 fix \xff\n\nCo-authored-by: Claude <noreply@anthropic.com>\n", "Jos\xe9 Mar\xed" "a", "jose@example.com");
  for (std::string format : {"json", "text", "markdown"}) {
    auto r = countersign({"scan", "main", "--format", format, "--repo", repo.path().string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    if (format == "json") {
      ScanJson j(r.out);
      EXPECT_EQ(j.cls(0), "ai_assisted");
      EXPECT_NE(std::string(j.commit(0)["operator"]["name"].get_string().value_unsafe()).find("Jos"), std::string::npos);
    }
  }
}

// Agent lines outside git's trailer block only raise (issue 16): they count, say where they
// were read, and an operator named there is not taken.
TEST(Scan, ForgedTrailersAfterDividerAndMidMessageLinesOnlyRaise) {
  GitRepo repo;
  repo.write("a.txt", "1\n");
  repo.commit("Human change\n\nGenerated-by: Claude Code\n\nprose after it.\n---\nCo-authored-by: Claude <noreply@anthropic.com>\n"
              "Agent-Operator: Mallory <mallory@example.com>\n");
  auto r = countersign({"scan", "main", "--format", "json", "--repo", repo.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ScanJson j(r.out);
  EXPECT_EQ(j.cls(0), "ai_authored") << r.out;
  EXPECT_EQ(std::string(j.commit(0)["operator"]["email"].get_string().value_unsafe()), "alice@example.com");
  EXPECT_EQ(j.commit(0)["evidence"].get_array().value_unsafe().size(), 2u) << r.out;
  EXPECT_NE(r.out.find("generated by Claude Code (in-prose: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("co-author is Claude Code (after-divider: "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("mallory@example.com"), std::string::npos) << r.out;
}

TEST(Scan, MalformedGitAiNote) {
  GitRepo repo;
  repo.write("a.txt", "1\n");
  auto id = repo.commit("base\n");
  repo.write(".git/NOTE", "a.txt\n  s_x::t_y 1-\n---\n{\"schema_version\": 3\n");
  repo.git("notes --ref ai add -F .git/NOTE " + id);
  auto r = countersign({"scan", "main", "--format", "json", "--repo", repo.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ScanJson j(r.out);
  EXPECT_EQ(j.cls(0), "unknown");
  std::string signal(j.commit(0)["evidence"].at(0)["signal"].get_string().value_unsafe());
  EXPECT_NE(signal.find("malformed note"), std::string::npos) << signal;
}

TEST(Scan, LookAlikeHumansAreNotAi) {
  GitRepo repo;
  repo.write("a.txt", "1\n");
  repo.commit("Paint\n", "Claude Monet", "claude.monet@example.com");
  repo.write("a.txt", "2\n");
  repo.commit("Hill\n\nCo-authored-by: Claude <claude@example.com>\n", "Dan Hill", "4242424+danhill@users.noreply.github.com");
  auto r = countersign({"scan", "main", "--format", "json", "--repo", repo.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ScanJson j(r.out);
  EXPECT_EQ(j.cls(0), "unknown");
  EXPECT_EQ(j.cls(1), "unknown");
  EXPECT_EQ(j.commit(0)["agents"].get_array().value_unsafe().size(), 0u);
}

}  // namespace
}  // namespace cs::test
