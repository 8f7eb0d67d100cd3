// One resource_changes element read by the scanner-based reader (terraform_elements.h), and
// whole plans whose elements hide something the reader must not let through.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "countersign/risk/terraform_elements.h"
#include "risk_test_support.h"

namespace cs::test {
namespace {

struct Read {
  std::unique_ptr<std::string> padded;  // the element with padding after it, as a plan has; rc views it
  bool ok = false;
  std::size_t end = 0;
  risk::ResourceChange rc;
  std::string bad;
};

// The element is read after a few bytes of something else, as it stands in a plan.
Read read(const std::string& element) {
  Read r;
  r.padded = std::make_unique<std::string>("[ " + element + std::string(128, '\0'));
  const risk::json::Scanner scan(std::string_view(*r.padded).substr(0, element.size() + 2));
  r.end = risk::read_resource_change(scan, 2, r.rc, r.bad);
  r.ok = r.bad.empty();
  return r;
}

TEST(TerraformElement, ReadsWhatTheRulesNeed) {
  auto r = read(R"({"address":"module.a.aws_db_instance.main[3]","mode":"managed","type":"aws_db_instance",)"
                R"("index":3,"previous_address":"aws_db_instance.old","action_reason":"replace_because_tainted",)"
                R"("provider_name":"registry.terraform.io/hashicorp/aws","change":{"actions":["delete","create"],)"
                R"("before":{"id":"db-1","tags":{"a":"}"}},"after":null,"after_unknown":{"id":true},)"
                R"("replace_paths":[["name"],["tags","env"],["ingress",0,"cidr"]]}})");
  ASSERT_TRUE(r.ok) << r.bad;
  EXPECT_EQ(r.end, r.padded->size() - 128);
  EXPECT_EQ(r.rc.address, "module.a.aws_db_instance.main[3]");
  EXPECT_EQ(r.rc.type, "aws_db_instance");
  EXPECT_TRUE(r.rc.managed);
  EXPECT_EQ(r.rc.count_index, "3");
  EXPECT_EQ(r.rc.previous_address, "aws_db_instance.old");
  EXPECT_EQ(r.rc.action_reason, "replace_because_tainted");
  EXPECT_TRUE(r.rc.del && r.rc.create && !r.rc.update && !r.rc.forget);
  EXPECT_EQ(r.rc.before, R"({"id":"db-1","tags":{"a":"}"}})");
  EXPECT_EQ(r.rc.after, "null");
  EXPECT_EQ(r.rc.after_unknown, R"({"id":true})");
  EXPECT_EQ(r.rc.replace_paths, "name; tags.env; ingress.0.cidr");
}

TEST(TerraformElement, StringsAreUnescapedAndDataSourcesAreNotManaged) {
  auto r = read(R"({"address":"data.x.y[\"k\u00e9y\"]","mode":"data","type":"x",)"
                R"("change":{"actions":["read"]}})");
  ASSERT_TRUE(r.ok) << r.bad;
  EXPECT_EQ(r.rc.address, "data.x.y[\"k\xc3\xa9y\"]");
  EXPECT_FALSE(r.rc.managed);
}

// Only a JSON non-negative integer is a count index; a for_each key, a fraction, a sign or a
// leading zero is not (and is no error either).
TEST(TerraformElement, CountIndexIsACanonicalInteger) {
  const std::string head = R"({"address":"a.b","type":"t","change":{"actions":["update"]},"index":)";
  EXPECT_EQ(read(head + "0}").rc.count_index, "0");
  EXPECT_EQ(read(head + "18446744073709551615}").rc.count_index, "18446744073709551615");
  for (const char* index : {R"("k")", "1.0", "-1", "01", "1e2", "18446744073709551616", "null", "{}"}) {
    auto r = read(head + index + "}");
    EXPECT_TRUE(r.ok) << index << ": " << r.bad;
    EXPECT_EQ(r.rc.count_index, "") << index;
  }
}

TEST(TerraformElement, MalformedElementsSayWhy) {
  const std::string change = R"("change":{"actions":["delete"]})";
  for (const std::string& element : std::vector<std::string>{
           R"([])", R"("x")", R"({"address":"a.b"})", R"({"type":"t",)" + change + "}",
           R"({"address":"a.b","address":"c.d",)" + change + "}", R"({"address":["a"],)" + change + "}",
           R"({"address":"a.b","change":{"actions":["delete"],"before":{},"before":{}}})",
           R"({"address":"a.b","change":{"actions":["delete"],"replace_paths":"name"}})",
           R"({"address":"a.b","change":{"actions":["delete"],"replace_paths":[["a",]]}})",
           R"({"address":"a\x.b",)" + change + "}", R"({"address":"a.b" )" + change + "}",
           R"({"address":"a.)" + std::string("\xc3\x28") + R"(",)" + change + "}"}) {
    auto r = read(element);
    EXPECT_FALSE(r.ok) << element;
    EXPECT_FALSE(r.bad.empty()) << element;
  }
}

// Inside a plan: invalid UTF-8 or a raw control character anywhere in an element, even in a
// value no rule reads, makes the plan unreviewable, as simdjson's validation did.
TEST(TerraformElement, InvalidTextInSkippedValuesIsUnreviewable) {
  auto plan = [](const std::string& provider) {
    return R"({"format_version":"1.2","resource_changes":[{"address":"a.b","type":"t","provider_name":")" + provider +
           R"(","change":{"actions":["delete"],"before":{"note":"x"}}}],"errored":false})";
  };
  auto ok = risk::assess_file("p.json", plan("aws"), {});
  ASSERT_TRUE(ok);
  EXPECT_TRUE(with_rule(*ok, "unreviewable").empty()) << dump(*ok);
  for (const std::string& bad :
       {std::string("a\tb"), std::string("a\x01"), std::string("\xff\xfe"), std::string("\xed\xa0\x80")}) {
    auto r = risk::assess_file("p.json", plan(bad), {});
    ASSERT_TRUE(r);
    EXPECT_FALSE(with_rule(*r, "unreviewable").empty()) << dump(*r);
  }
}

// The elements are read either by workers from spans the scanning thread finds, or in place
// on one thread (a busy machine); both must read every kind of element the same way, in order,
// across batch boundaries.
TEST(TerraformElement, BothWaysOfReadingAgree) {
  const std::vector<std::string> kinds = {
      R"({"address":"aws_instance.r[N]","mode":"managed","type":"aws_instance","index":N,)"
      R"("change":{"actions":["no-op"],"before":{"id":"i"},"after":{"id":"i"}}})",
      R"({"address":"aws_db_instance.d[N]","mode":"managed","type":"aws_db_instance","index":N,)"
      R"("change":{"actions":["delete"],"before":{"id":"db-N","deletion_protection":true},"after":null}})",
      R"({"address":"aws_s3_bucket.b[N]","type":"aws_s3_bucket","index":N,"change":{"actions":["update"],)"
      R"("before":{"force_destroy":false},"after":{"force_destroy":true},"after_unknown":{}}})",
      R"({"address":"x.y[N]","type":"t","change":{"actions":[NaN]}})",
      R"({"address":"x.y[N]","address":"x.z","type":"t","change":{"actions":["delete"]}})",
      R"({"address":"x.)" + std::string("\xff") + R"(N","type":"t","change":{"actions":["delete"]}})",
      R"(["not an object N"])",
      R"({"address":"x.y[N]","type":"t","change":{"actions":["delete"]},"mode":7})",
      R"({"address":"data.x.y[N]","mode":"data","type":"x","change":{"actions":["read"]}})",
  };
  std::string rc = "[";
  for (std::size_t i = 0; i < 1500; ++i) {
    std::string e = kinds[(i * 7 + i / 13) % kinds.size()];
    for (auto at = e.find('N'); at != std::string::npos; at = e.find('N', at + 1)) {
      if (e.compare(at, 3, "NaN") == 0) {
        at += 2;
        continue;
      }
      e.replace(at, 1, std::to_string(i));
    }
    if (i) rc += ',';
    rc += e;
  }
  rc += "]";
  const std::string plan = R"({"format_version":"1.2","resource_changes":)" + rc +
                           R"(,"prior_state":{"values":{"root_module":{"resources":[]}}},"errored":false})";
  std::string first;
  for (unsigned threads : {1u, 2u, 3u, 8u}) {
    risk::Config config;
    config.plan_threads = threads;
    auto r = risk::assess_file("p.json", plan, config);
    ASSERT_TRUE(r) << r.error().describe();
    const std::string text = dump(*r);
    EXPECT_GT(with_rule(*r, "unreviewable").size(), 500u);
    EXPECT_GT(with_rule(*r, "stateful-delete").size(), 100u);
    EXPECT_GT(with_rule(*r, "protection-weakened").size(), 100u);
    if (first.empty()) first = text;
    EXPECT_EQ(text, first) << threads << " threads";
  }
}

}  // namespace
}  // namespace cs::test
