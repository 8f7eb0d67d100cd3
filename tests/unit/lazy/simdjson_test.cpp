// The simdjson stand-in (src/lazy/simdjson.cpp, simdjson_data.cpp): libsimdjson is not loaded
// at start, is loaded by the first parse, which then parses as the library does; the data tables
// the header reads are the library's own; without the library a parse fails with
// UNSUPPORTED_ARCHITECTURE and says why on stderr.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <stdlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/test_support.h"

#if CS_LAZY_LIBRARIES

namespace cs::test {
namespace {

constexpr const char* kLibrary = CS_SIMDJSON_SONAME;

bool loaded() {
  void* handle = ::dlopen(kLibrary, RTLD_NOLOAD | RTLD_LAZY);
  if (handle) ::dlclose(handle);
  return handle != nullptr;
}

// Parses {"plan": [1, 2, 3]} and returns the sum of the array, or the error's message.
std::string parse_sample() {
  simdjson::ondemand::parser parser;
  simdjson::padded_string json(std::string(R"({"plan": [1, 2, 3]})"));
  simdjson::ondemand::document doc;
  if (auto e = parser.iterate(json).get(doc)) return simdjson::error_message(e);
  simdjson::ondemand::array plan;
  if (auto e = doc["plan"].get_array().get(plan)) return simdjson::error_message(e);
  std::int64_t sum = 0;
  for (auto item : plan) {
    std::int64_t n = 0;
    if (auto e = item.get_int64().get(n)) return simdjson::error_message(e);
    sum += n;
  }
  return std::to_string(sum);
}

TEST(LazySimdjson, TheLibraryIsLoadedByTheFirstParseNotAtStart) {
  EXPECT_FALSE(loaded()) << kLibrary << " is loaded before any parse";
  EXPECT_EQ(parse_sample(), "6");
  EXPECT_TRUE(loaded());
  EXPECT_NE(simdjson::get_active_implementation()->name(), "unavailable");
}

TEST(LazySimdjson, TheDataTablesAreTheLibrarysOwn) {
  void* library = ::dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(library, nullptr) << ::dlerror();
  using simdjson::internal::error_code_info;
  auto* codes = static_cast<const error_code_info*>(::dlsym(library, "_ZN8simdjson8internal11error_codesE"));
  auto* table = static_cast<const bool*>(::dlsym(library, "_ZN8simdjson8internal24structural_or_whitespaceE"));
  auto* negated =
      static_cast<const bool*>(::dlsym(library, "_ZN8simdjson8internal32structural_or_whitespace_negatedE"));
  ASSERT_TRUE(codes && table && negated) << "the library no longer defines the tables";
  ASSERT_NE(codes, simdjson::internal::error_codes) << "these are the library's, not this binary's";
  for (int i = 0; i < simdjson::NUM_ERROR_CODES; ++i) {
    EXPECT_EQ(codes[i].code, simdjson::internal::error_codes[i].code) << i;
    EXPECT_STREQ(codes[i].message, simdjson::internal::error_codes[i].message) << i;
  }
  EXPECT_EQ(std::memcmp(table, simdjson::internal::structural_or_whitespace, 256), 0);
  EXPECT_EQ(std::memcmp(negated, simdjson::internal::structural_or_whitespace_negated, 256), 0);
  ::dlclose(library);
}

// Run by the next test in a child process whose loader finds a broken libsimdjson.
TEST(LazySimdjson, ChildWithoutTheLibrary) {
  if (!::getenv("CS_SIMDJSON_CHILD")) GTEST_SKIP() << "run by WithoutTheLibraryEveryParseFailsSayingWhy";
  std::printf("parse: %s\n", parse_sample().c_str());
  std::printf("parse again: %s\n", parse_sample().c_str());
}

TEST(LazySimdjson, WithoutTheLibraryEveryParseFailsSayingWhy) {
  TempDir dir;
  std::ofstream(dir.path() / kLibrary) << "not a shared library\n";
  auto self = std::filesystem::read_symlink("/proc/self/exe");
  auto run = sh("CS_SIMDJSON_CHILD=1 LD_LIBRARY_PATH=" + quote(dir.path().string()) + " " +
                      quote(self.string()) + " --gtest_filter=LazySimdjson.ChildWithoutTheLibrary");
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  const std::string unsupported = simdjson::error_message(simdjson::UNSUPPORTED_ARCHITECTURE);
  EXPECT_NE(run.out.find("parse: " + unsupported), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("parse again: " + unsupported), std::string::npos) << run.out;
  // The reason, once.
  const std::string why = "countersign: cannot parse JSON: " + std::string(kLibrary) + " could not be loaded: ";
  auto first = run.err.find(why);
  EXPECT_NE(first, std::string::npos) << run.err;
  EXPECT_EQ(run.err.find(why, first + 1), std::string::npos) << run.err;
}

}  // namespace
}  // namespace cs::test

#endif  // CS_LAZY_LIBRARIES
