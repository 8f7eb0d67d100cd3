#include "countersign/provenance/trailers.h"

#include <gtest/gtest.h>


#include "support/test_support.h"

namespace cs::provenance {
namespace {

std::string keys_and_values(const ParsedMessage& m) {
  std::string out;
  for (const auto& t : m.trailers) out += std::string(t.key) + ": " + t.value + "\n";
  return out;
}

TEST(Trailers, LastParagraphOfKeyValueLines) {
  auto m = parse_message("Fix the parser\n\nLonger explanation.\n\nCo-authored-by: Claude <noreply@anthropic.com>\nSigned-off-by: Alice <a@x>\n");
  ASSERT_EQ(m.trailers.size(), 2u);
  EXPECT_EQ(m.trailers[0].key, "Co-authored-by");
  EXPECT_EQ(m.trailers[0].value, "Claude <noreply@anthropic.com>");
  EXPECT_EQ(m.trailers[0].text, "Co-authored-by: Claude <noreply@anthropic.com>");
  EXPECT_EQ(m.subject, "Fix the parser");
}

TEST(Trailers, KeysKeepTheirSpellingAndContinuationLinesUnfold) {
  auto m = parse_message("Subject\n\nco-AUTHORED-by: Someone\n  <someone@example.com>\nAssisted-by: Claude:claude-sonnet-4-6 [coccinelle]\n");
  ASSERT_EQ(m.trailers.size(), 2u);
  EXPECT_EQ(m.trailers[0].key, "co-AUTHORED-by");
  EXPECT_EQ(m.trailers[0].value, "Someone <someone@example.com>");
  EXPECT_EQ(m.trailers[0].text, "co-AUTHORED-by: Someone\n  <someone@example.com>");
  EXPECT_EQ(m.trailers[1].value, "Claude:claude-sonnet-4-6 [coccinelle]");
}

TEST(Trailers, TrailerLikeLinesInTheMiddleAreNotTrailers) {
  auto m = parse_message("Subject\n\nCo-authored-by: Claude <noreply@anthropic.com>\n\nThis last paragraph is prose.\n");
  EXPECT_TRUE(m.trailers.empty()) << keys_and_values(m);
}

TEST(Trailers, AParagraphMixingProseAndTrailersIsNotATrailerBlock) {
  auto m = parse_message("Subject\n\nWe discussed it.\nCo-authored-by: Claude <noreply@anthropic.com>\n");
  EXPECT_TRUE(m.trailers.empty());
}

TEST(Trailers, AGitGeneratedTrailerAllowsSomeProse) {
  auto m = parse_message("Subject\n\nprose line\nSigned-off-by: A <a@x>\nCo-authored-by: B <b@x>\n");
  EXPECT_EQ(m.trailers.size(), 2u);
}

TEST(Trailers, TheTitleIsNeverATrailer) {
  EXPECT_TRUE(parse_message("Co-authored-by: Claude <noreply@anthropic.com>\n").trailers.empty());
  EXPECT_TRUE(parse_message("Subject\nCo-authored-by: Claude <noreply@anthropic.com>\n").trailers.empty());
}

TEST(Trailers, ADividerEndsTheMessage) {
  auto forged = parse_message("Subject\n\nBody.\n---\nCo-authored-by: Claude <noreply@anthropic.com>\nAgent-Operator: Mallory <m@x>\n");
  EXPECT_TRUE(forged.trailers.empty()) << keys_and_values(forged);
  EXPECT_EQ(forged.message, "Subject\n\nBody.\n");
  auto before = parse_message("Subject\n\nKey: value\n--- \nOther: thing\n");
  EXPECT_EQ(keys_and_values(before), "Key: value\n");
}

TEST(Trailers, ATenMegabyteMessageParsesInLinearTime) {
  std::string msg = "Subject\n\n";
  while (msg.size() < 10u << 20) msg += "a line of body text that goes on for a while\n";
  msg += "\nCo-authored-by: Claude <noreply@anthropic.com>\n";
  auto m = parse_message(msg);
  ASSERT_EQ(m.trailers.size(), 1u);
  EXPECT_EQ(m.trailers[0].key, "Co-authored-by");
}

TEST(Trailers, SplitIdentity) {
  auto id = split_identity(" Claude Opus 4.7 (1M context) <noreply@anthropic.com> ");
  EXPECT_EQ(id.name, "Claude Opus 4.7 (1M context)");
  EXPECT_EQ(id.email, "noreply@anthropic.com");
  EXPECT_EQ(split_identity("just a name").name, "just a name");
  EXPECT_EQ(split_identity("just a name").email, "");
}

// The parser must agree with git itself on what the trailers are.
TEST(Trailers, AgreesWithGitInterpretTrailers) {
  const std::vector<std::string> messages = {
      "Subject\n\nBody\n\nKey: v\n  continued\nSigned-off-by: X <x@y>\n",
      "Subject\n\nBody\n\nKey: v\nprose\n",
      "Subject\n\nprose\nprose\nprose\nprose\nSigned-off-by: X <x@y>\n",
      "Subject\n\nprose\nSigned-off-by: X <x@y>\nA: 1\n",
      "Subject\n\nBody\n---\nKey: v\n",
      "Subject\n\nKey: v\n---\nOther: w\n",
      "Subject\n\nKey : spaced\nkey-2:tight\n",
      "Subject\n\nNot a key: because of spaces\n",
      "Subject\n\n# comment\nKey: v\n",
      "Subject\n\nKey: v\n\n\n",
      "Subject\n\nA: 1\n\nB: 2\n",
      "Subject\nno blank line\n\nC: 3\n",
      "Subject\n\n(cherry picked from commit abc)\nprose\nprose\n",
      "Subject\n\nBody\n\n  indented: first\nKey: v\n",
  };
  for (const auto& msg : messages) {
    auto git = test::sh("git interpret-trailers --parse", {}, msg);
    ASSERT_EQ(git.exit_code, 0) << git.err;
    EXPECT_EQ(keys_and_values(parse_message(msg)), git.out) << "message:\n" << msg;
  }
}

TEST(Trailers, LooseTrailersOutsideTheBlockWithTheirPlacement) {
  auto m = parse_message(
      "Subject\n\nProse then\nCo-authored-by: A <a@x>\nmore prose.\n\nMarker line\nCo-authored-by: B <b@x>\n"
      "Made-with: Cursor\n---\n\nCo-authored-by: C <c@x>\n  <continued>\n");
  EXPECT_TRUE(m.trailers.empty()) << keys_and_values(m);
  ASSERT_EQ(m.loose.size(), 4u);
  EXPECT_EQ(m.loose[0].value, "A <a@x>");
  EXPECT_EQ(m.loose[0].placement, Placement::in_prose);
  EXPECT_EQ(m.loose[1].value, "B <b@x>");
  EXPECT_EQ(m.loose[1].placement, Placement::below_text);
  EXPECT_EQ(m.loose[2].placement, Placement::below_text);
  EXPECT_EQ(m.loose[3].value, "C <c@x> <continued>");
  EXPECT_EQ(m.loose[3].text, "Co-authored-by: C <c@x>\n  <continued>");
  EXPECT_EQ(m.loose[3].placement, Placement::after_divider);
  EXPECT_TRUE(m.after_divider.starts_with("---\n"));
}

TEST(Trailers, TheBlockIsNotReadTwiceAndTheSubjectIsNoTrailer) {
  auto m = parse_message("Fixes: the bug\n\nCo-authored-by: A <a@x>\n");
  ASSERT_EQ(m.trailers.size(), 1u);
  EXPECT_EQ(m.trailers[0].placement, Placement::block);
  EXPECT_TRUE(m.loose.empty()) << m.loose.size();
}

}  // namespace
}  // namespace cs::provenance
