// Hook fixtures (tests/fixtures/guard/hooks/<agent>/*.json): a documented payload, what the
// adapter must read from it, the decision expected, and the exact reply expected (exit code,
// stdout JSON, stderr). Shared by the unit test (adapters with a fixed verdict) and the
// integration test (the real binary and classifier).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "countersign/guard/json.h"
#include "support/test_support.h"

namespace cs::test {

struct HookFixture {
  std::string agent;
  std::string name;
  guard::json::Value doc;
  std::string payload;  // the exact stdin

  const guard::json::Value& field(std::string_view key) const { return *doc.get(key); }
  std::string decision() const { return doc.get("decision")->text; }
};

inline std::vector<HookFixture> load_hook_fixtures() {
  std::vector<HookFixture> out;
  auto root = source_dir() / "tests/fixtures/guard/hooks";
  for (const auto& agent_dir : std::filesystem::directory_iterator(root)) {
    for (const auto& f : std::filesystem::directory_iterator(agent_dir.path())) {
      HookFixture fx;
      fx.agent = agent_dir.path().filename().string();
      fx.name = f.path().stem().string();
      auto doc = guard::json::parse(read_file(f.path()));
      if (!doc) {
        ADD_FAILURE() << f.path() << ": " << doc.error().describe();
        continue;
      }
      fx.doc = std::move(*doc);
      if (const auto* raw = fx.doc.get("payload_raw")) fx.payload = raw->text;
      else fx.payload = guard::json::write(*fx.doc.get("payload"));
      out.push_back(std::move(fx));
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.agent + a.name < b.agent + b.name; });
  return out;
}

// Strings in `expected` starting with "~" match any actual string containing the rest; objects
// must have exactly the expected keys (an agent may reject unknown fields).
inline ::testing::AssertionResult json_matches(const guard::json::Value& expected, const guard::json::Value& actual,
                                                const std::string& path = "$") {
  using guard::json::Kind;
  if (expected.kind != actual.kind) return ::testing::AssertionFailure() << path << ": different JSON types";
  switch (expected.kind) {
    case Kind::string:
      if (expected.text.starts_with("~")) {
        if (actual.text.find(expected.text.substr(1)) == std::string::npos)
          return ::testing::AssertionFailure() << path << ": \"" << actual.text << "\" lacks \"" << expected.text.substr(1) << "\"";
      } else if (expected.text != actual.text) {
        return ::testing::AssertionFailure() << path << ": \"" << actual.text << "\" != \"" << expected.text << "\"";
      }
      return ::testing::AssertionSuccess();
    case Kind::object:
      if (expected.keys != actual.keys)
        return ::testing::AssertionFailure() << path << ": keys differ (" << guard::json::write(actual) << ")";
      for (size_t i = 0; i < expected.keys.size(); ++i)
        if (auto r = json_matches(expected.items[i], actual.items[i], path + "." + expected.keys[i]); !r) return r;
      return ::testing::AssertionSuccess();
    default:
      if (guard::json::write(expected) != guard::json::write(actual))
        return ::testing::AssertionFailure() << path << ": " << guard::json::write(actual);
      return ::testing::AssertionSuccess();
  }
}

// Checks a reply against the fixture's "expect": exit code, stdout (null: empty), stderr pattern.
inline ::testing::AssertionResult reply_matches(const HookFixture& fx, int exit_code, const std::string& out,
                                                 const std::string& err) {
  const auto& expect = fx.field("expect");
  int want_exit = std::stoi(expect.get("exit")->text);
  if (exit_code != want_exit)
    return ::testing::AssertionFailure() << "exit " << exit_code << " != " << want_exit << "; stdout " << out
                                         << "; stderr " << err;
  const auto* want_out = expect.get("stdout");
  if (!want_out || want_out->kind == guard::json::Kind::null) {
    if (!out.empty()) return ::testing::AssertionFailure() << "stdout should be empty, is: " << out;
  } else {
    if (out.empty() || out.back() != '\n' || out.find('\n') != out.size() - 1)
      return ::testing::AssertionFailure() << "stdout must be one JSON line: " << out;
    auto actual = guard::json::parse(out);
    if (!actual) return ::testing::AssertionFailure() << "stdout is not JSON: " << out;
    if (auto r = json_matches(*want_out, *actual); !r) return r;
  }
  if (const auto* want_err = expect.get("stderr")) {
    if (err.find(want_err->text.substr(1)) == std::string::npos)
      return ::testing::AssertionFailure() << "stderr lacks \"" << want_err->text.substr(1) << "\": " << err;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace cs::test
