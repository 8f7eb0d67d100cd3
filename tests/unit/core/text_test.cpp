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

TEST(Error, DescribeShowsPositionAndCaret) {
  Error e{Errc::parse, "unknown field", {"policy.yaml", 3, 5, "    rulez: []"}};
  EXPECT_EQ(e.describe(), "policy.yaml:3:5: unknown field\n        rulez: []\n        ^");
}

}  // namespace cs::text
