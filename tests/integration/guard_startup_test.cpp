// The guard hook's start-up stays lean (issue 5: p50 < 2 ms per call): the binary needs no
// shared library but libc (and libm, and the loader) at start, and a hook call loads nothing
// more; the libraries it can do without are opened on first use (src/lazy/), as `risk` shows.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "support/test_support.h"

#if CS_LAZY_LIBRARIES

namespace cs::test {
namespace {

const char* kPayload =
    R"({"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Bash","cwd":"/tmp",)"
    R"("tool_input":{"command":"terraform destroy -auto-approve"}})";

// The shared objects the dynamic loader opens while running `command`, by file name.
std::set<std::string> loaded_by(const std::string& command, const std::string& input = {}) {
  TempDir home;
  auto r = sh("HOME=" + quote(home.path().string()) + " LD_DEBUG=files " + command, {}, input);
  std::set<std::string> files;
  std::istringstream err(r.err);
  for (std::string line; std::getline(err, line);) {
    auto at = line.find("file=");
    bool opened = line.find("needed by") != std::string::npos || line.find("dynamically loaded by") != std::string::npos;
    if (at != std::string::npos && opened) files.insert(line.substr(at + 5, line.find(' ', at) - at - 5));
  }
  return files;
}

TEST(GuardStartup, TheBinaryNeedsOnlyLibcAtStart) {
  auto r = sh("readelf -d " + quote(CS_BINARY));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::set<std::string> needed;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    auto open = line.find("(NEEDED)");
    if (open == std::string::npos) continue;
    auto a = line.find('[');
    needed.insert(line.substr(a + 1, line.find(']') - a - 1));
  }
  EXPECT_TRUE(needed.count("libc.so.6"));
  needed.erase("libc.so.6");
  needed.erase("libm.so.6");
  needed.erase("ld-linux-x86-64.so.2");  // the loader itself (the static unwinder's _dl_find_object)
  for (const auto& n : needed) ADD_FAILURE() << "needed at start: " << n;
}

TEST(GuardStartup, AHookCallLoadsNoLibraryAndJsonInputOpensSimdjson) {
  auto hook = loaded_by(quote(CS_BINARY) + " guard --agent claude-code", kPayload);
  for (const auto& f : hook) EXPECT_TRUE(f == "libc.so.6" || f == "libm.so.6") << "a hook call loads " << f;
  auto risk = loaded_by(quote(CS_BINARY) + " risk " +
                        quote((source_dir() / "tests/fixtures/risk/pulumi/preview-benign.json").string()));
  bool simdjson = false;
  for (const auto& f : risk) simdjson = simdjson || f.starts_with("libsimdjson.so");
  EXPECT_TRUE(simdjson) << "reading JSON opens libsimdjson";
}

}  // namespace
}  // namespace cs::test

#endif  // CS_LAZY_LIBRARIES
