#include "countersign/core/text.h"

#include <gtest/gtest.h>

#include "countersign/core/error.h"

namespace cs::text {

TEST(Text, JsonQuoteEscapesControlAndReplacesInvalidUtf8) {
  EXPECT_EQ(json_quote("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
  EXPECT_EQ(json_quote("caf\xE9"), "\"caf\xEF\xBF\xBD\"");
  EXPECT_EQ(json_quote("caf\xC3\xA9"), "\"caf\xC3\xA9\"");
}

TEST(Text, Utf8RejectsOverlongAndSurrogates) {
  EXPECT_TRUE(valid_utf8("plain"));
  EXPECT_FALSE(valid_utf8("\xC0\xAF"));
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));
  EXPECT_FALSE(valid_utf8("\xF0\x9F\x98"));
  EXPECT_TRUE(valid_utf8("\xF0\x9F\x98\x80"));
}

TEST(Text, CaseInsensitiveHelpers) {
  EXPECT_TRUE(iequals("Co-Authored-By", "co-authored-by"));
  EXPECT_TRUE(istarts_with("Generated-By: x", "generated-by"));
  EXPECT_EQ(trim("  x \n"), "x");
  EXPECT_EQ(split("a,b,,c", ',').size(), 4u);
}

TEST(Text, EmailsCompareWithoutCaseOrSubAddress) {
  EXPECT_EQ(email_key("Carol+CI@Example.COM"), "carol@example.com");
  EXPECT_TRUE(same_email("carol+x@example.com", "CAROL@example.com"));
  EXPECT_TRUE(same_email(" carol@example.com", "carol@example.com"));
  EXPECT_FALSE(same_email("carol@example.com", "carol@example.org"));
  EXPECT_FALSE(same_email("", ""));
  EXPECT_FALSE(same_email("+x@example.com", "x@example.com"));  // nothing before the '+': not a sub-address
  // GitHub noreply: the '+' joins id and login, and both identify the account.
  EXPECT_EQ(email_key("123+Carol@users.noreply.github.com"), "123+carol@users.noreply.github.com");
  EXPECT_FALSE(same_email("123+carol@users.noreply.github.com", "456+carol@users.noreply.github.com"));
}

TEST(Text, NamesCompareWithoutCaseOrSpacing) {
  EXPECT_TRUE(same_name("Carol  Senior", "carol senior"));
  EXPECT_TRUE(same_name(" Carol\tSenior ", "CAROL SENIOR"));
  EXPECT_FALSE(same_name("Carol", "Carol Senior"));
  EXPECT_FALSE(same_name("", ""));
}

TEST(Error, DescribeShowsPositionAndCaret) {
  Error e{Errc::parse, "unknown field", {"policy.yaml", 3, 5, "    rulez: []"}};
  EXPECT_EQ(e.describe(), "policy.yaml:3:5: unknown field\n        rulez: []\n        ^");
}

}  // namespace cs::text
