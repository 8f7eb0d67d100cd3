#include <gtest/gtest.h>

#include "countersign/guard/json.h"

namespace cs::guard::json {
namespace {

TEST(GuardJson, KeepsKeyOrderAndNumberText) {
  auto v = parse(R"({"z":1.50,"a":[true,false,null],"m":{"k":"v\u00e9\ud83d\ude00"},"n":-0.0e+3})");
  ASSERT_TRUE(v) << v.error().describe();
  EXPECT_EQ(v->keys, (std::vector<std::string>{"z", "a", "m", "n"}));
  EXPECT_EQ(v->get("z")->text, "1.50");
  EXPECT_EQ(v->get("m")->get("k")->text, "v\xc3\xa9\xf0\x9f\x98\x80");
  auto again = parse(write(*v));
  ASSERT_TRUE(again);
  EXPECT_EQ(write(*again), write(*v));
  EXPECT_NE(write(*v).find("-0.0e+3"), std::string::npos);
}

TEST(GuardJson, RejectsWhatRfc8259Rejects) {
  for (std::string bad : {"", "{", "{\"a\":1,}", "[1,]", "01", "1.", "-", "+1", "'a'", "{\"a\" 1}", "\"\t\"",
                          "\"\\x\"", "\"\\ud800\"", "\"\\udc00\"", "\"\xc3\x28\"", "nul", "{} {}", "{\"a\":1,\"a\":2}"}) {
    EXPECT_FALSE(parse(bad)) << bad;
  }
}

TEST(GuardJson, ErrorsSayWhere) {
  auto v = parse("{\n  \"a\": tru\n}");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().where.line, 2);
  EXPECT_EQ(v.error().where.column, 8);
}

TEST(GuardJson, LimitsDepthAndSize) {
  EXPECT_FALSE(parse(std::string(66, '[') + std::string(66, ']')));
  EXPECT_TRUE(parse(std::string(60, '[') + std::string(60, ']')));
  EXPECT_FALSE(parse("[1]", Limits{2, 64}));
}

TEST(GuardJson, SetReplacesOrAppends) {
  auto v = Value::object_of();
  v.set("a", Value::number_of(1));
  v.set("b", Value::string_of("x"));
  v.set("a", Value::number_of(2));
  EXPECT_EQ(write(v), "{\n  \"a\": 2,\n  \"b\": \"x\"\n}\n");
}

}  // namespace
}  // namespace cs::guard::json
