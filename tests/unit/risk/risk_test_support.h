// Helpers for the risk tests: assess a fixture and look findings up by rule.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "countersign/risk/risk.h"
#include "support/test_support.h"

namespace cs::test {

inline std::string risk_fixture(const std::string& rel) {
  return (source_dir() / "tests/fixtures/risk" / rel).string();
}

inline std::vector<risk::Finding> assess_fixture(const std::string& rel, const risk::Config& config = {}) {
  auto r = risk::assess_path(risk_fixture(rel), config);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().describe());
  return r ? risk::apply_policy(std::move(*r), config) : std::vector<risk::Finding>{};
}

inline std::vector<risk::Finding> with_rule(const std::vector<risk::Finding>& fs, const std::string& rule) {
  std::vector<risk::Finding> out;
  std::copy_if(fs.begin(), fs.end(), std::back_inserter(out), [&](const risk::Finding& f) { return f.rule == rule; });
  return out;
}

inline std::string dump(const std::vector<risk::Finding>& fs) {
  return risk::render(fs, risk::Format::text);
}

}  // namespace cs::test
