// The scanner's 64-byte block kernels against a byte-at-a-time reference: strings, escapes and
// brackets placed across block boundaries, backslash runs, bytes past the end, and random
// inputs, for every kernel this CPU can run.
#include "countersign/risk/json_scan.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "countersign/risk/json_blocks.h"

namespace cs::test {
namespace {

using risk::json::BlockKernel;

// One past the bracket closing the container at text[open], 0 when the text ends first,
// kControlInString for a byte below 0x20 in a string before that. As in simdjson, a backslash
// escapes the next byte wherever it is: outside a string it is invalid JSON anyway, and an
// escaped quote there does not start a string.
std::size_t reference_end(const std::string& text, std::size_t open) {
  bool in_string = false, escaped = false;
  std::int64_t depth = 0;
  for (std::size_t i = open; i < text.size(); ++i) {
    const char c = text[i];
    const bool was_escaped = std::exchange(escaped, c == '\\' && !escaped);
    if (c == '"' && !was_escaped) {
      in_string = !in_string;
    } else if (in_string) {
      if (static_cast<unsigned char>(c) < 0x20) return risk::json::kControlInString;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return i + 1;
    }
  }
  return 0;
}

std::vector<BlockKernel> kernels() {
  std::vector<BlockKernel> out;
  for (auto k : {BlockKernel::portable, BlockKernel::avx2, BlockKernel::avx512})
    if (risk::json::kernel_available(k)) out.push_back(k);
  return out;
}

// Runs every kernel over `text` with 64 bytes after it that would change the answer if they
// were read as input: closing brackets and quotes.
void expect_all_kernels(const std::string& text, std::size_t open, std::size_t expected) {
  const std::string padded = text + std::string(64, '}') + std::string(64, '"');
  for (auto k : kernels()) {
    EXPECT_EQ(risk::json::container_end(k, padded.data(), text.size(), open), expected)
        << "kernel " << int(k) << " open " << open << " text " << text;
  }
}

void expect_matches_reference(const std::string& text, std::size_t open = 0) {
  expect_all_kernels(text, open, reference_end(text, open));
}

TEST(JsonBlocks, PlainContainers) {
  expect_all_kernels("{}", 0, 2);
  expect_all_kernels("[]", 0, 2);
  expect_all_kernels(R"({"a":[1,2,{"b":[]}]} trailing)", 0, 20);
  expect_all_kernels(R"(  [1, [2]] )", 2, 10);
  expect_all_kernels("{", 0, 0);
  expect_all_kernels(R"({"a":[1,2})", 0, 0);
}

TEST(JsonBlocks, BracketsInsideStringsDoNotCount) {
  expect_all_kernels(R"({"}":"]","[{":"\"}"})", 0, 20);
  expect_all_kernels(R"(["}}}}"])", 0, 8);
  expect_all_kernels(R"(["{{{{"])", 0, 8);
}

// The container closes on the last byte of a block, on the first byte of the next, and at
// every offset around the boundary, with the opening bracket not at a block start.
TEST(JsonBlocks, EndsAtEveryOffsetAroundABlockBoundary) {
  for (std::size_t lead = 0; lead < 3; ++lead) {
    for (std::size_t fill = 50; fill < 140; ++fill) {
      const std::string text = std::string(lead, ' ') + "[\"" + std::string(fill, 'x') + "\"]";
      expect_all_kernels(text, lead, text.size());
    }
  }
}

// A string that starts in one block and ends several blocks later, full of brackets.
TEST(JsonBlocks, StringAcrossBlocksHidesItsBrackets) {
  std::string body;
  for (int i = 0; i < 50; ++i) body += "}]{[";
  const std::string text = R"({"k":")" + body + R"(","v":[1]})";
  expect_all_kernels(text, 0, text.size());
}

// An escaped quote at every position around a block boundary, and backslash runs of every
// length up to 6 ending there: an odd run escapes the quote after it, an even run does not.
TEST(JsonBlocks, BackslashRunsAcrossBlockBoundaries) {
  for (std::size_t pad = 55; pad < 70; ++pad) {
    for (std::size_t run = 0; run <= 6; ++run) {
      // ["xxx\\\"]"]: with an odd run the first quote is escaped and the string goes on.
      const std::string text = "[\"" + std::string(pad, 'x') + std::string(run, '\\') + "\"]\"]";
      const std::size_t expected = run % 2 ? text.size() : pad + run + 4;
      ASSERT_EQ(reference_end(text, 0), expected) << text;
      expect_all_kernels(text, 0, expected);
    }
  }
}

// A block that is all backslashes: the escape carried into the next block depends on the
// whole run, not on the block alone.
TEST(JsonBlocks, BackslashRunLongerThanABlock) {
  for (std::size_t run = 60; run < 200; run += 1) {
    const std::string text = "[\"" + std::string(run, '\\') + "\"]\"]";
    expect_matches_reference(text);
  }
}

// A raw control character (a tab, a newline) is whitespace outside strings and forbidden
// inside them, wherever the string lies against the blocks; one after the end is not read.
TEST(JsonBlocks, ControlCharacterInsideAStringIsReported) {
  expect_all_kernels("[\t1,\n2\r]", 0, 8);
  for (std::size_t pad = 55; pad < 70; ++pad) {
    const std::string text = "[\"" + std::string(pad, 'x') + "\t\"]";
    expect_all_kernels(text, 0, risk::json::kControlInString);
    expect_all_kernels("[\"" + std::string(pad, 'x') + "\"]\"\t", 0, pad + 4);
  }
  expect_all_kernels(std::string("[\"a\x1f\"]"), 0, risk::json::kControlInString);
  expect_all_kernels(std::string("[\"a\x7f\x80\xff\"]"), 0, 8);
}

TEST(JsonBlocks, DeepNestingAndUnterminatedInput) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  expect_all_kernels(deep, 0, deep.size());
  expect_all_kernels(deep, 1, deep.size() - 1);
  expect_all_kernels(deep.substr(0, deep.size() - 1), 0, 0);
  expect_all_kernels(R"(["unterminated string ])", 0, 0);
}

// Random texts over the characters that matter, biased so that strings, escapes and deep
// containers all occur, each scanned from several opening brackets.
TEST(JsonBlocks, RandomTextsMatchTheReference) {
  std::mt19937_64 rng(20261125);
  const std::string alphabet = std::string("{}[]\"\\ax,:\t") + '\x01';
  std::discrete_distribution<int> pick({10, 8, 10, 8, 10, 5, 30, 5, 5, 5, 1, 1});
  for (int round = 0; round < 3000; ++round) {
    const std::size_t len = 1 + rng() % 600;
    std::string text;
    for (std::size_t i = 0; i < len; ++i) text += alphabet[pick(rng)];
    for (std::size_t open = 0; open < text.size(); open += 1 + rng() % 50) {
      if (text[open] != '{' && text[open] != '[') continue;
      expect_matches_reference(text, open);
      if (HasFailure()) return;
    }
  }
}

// One past the quote closing the string at text[quote], 0 when the text ends first,
// kControlInString for a byte below 0x20 in it (escaped or not).
std::size_t reference_string_end(const std::string& text, std::size_t quote) {
  for (std::size_t i = quote + 1; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20) return risk::json::kControlInString;
    if (c == '"') return i + 1;
    if (c == '\\' && ++i < text.size() && static_cast<unsigned char>(text[i]) < 0x20)
      return risk::json::kControlInString;
  }
  return 0;
}

void expect_string_end(const std::string& text, std::size_t quote = 0) {
  const std::size_t expected = reference_string_end(text, quote);
  const bool ended = expected != 0 && expected != risk::json::kControlInString;
  const bool backslash = ended && text.substr(quote + 1, expected - quote - 2).find('\\') != std::string::npos;
  const std::string padded = text + std::string(64, '"') + std::string(64, '\\');
  for (auto k : kernels()) {
    bool escapes = false;
    EXPECT_EQ(risk::json::string_end(k, padded.data(), text.size(), quote, &escapes), expected)
        << "kernel " << int(k) << " text " << text;
    if (ended) {
      EXPECT_EQ(escapes, backslash) << "kernel " << int(k) << " text " << text;
    }
  }
}

// Strings ending on each side of a block boundary, escapes and backslash runs there, a string
// longer than many blocks, control characters and an unterminated string.
TEST(JsonBlocks, StringEnds) {
  for (std::size_t fill = 55; fill < 140; ++fill) {
    expect_string_end("\"" + std::string(fill, 'x') + "\",1");
    for (std::size_t run = 1; run <= 4; ++run)
      expect_string_end("\"" + std::string(fill, 'x') + std::string(run, '\\') + "\"x\"]");
    expect_string_end("  \"" + std::string(fill, 'x') + "\t\"", 2);
    expect_string_end("\"" + std::string(fill, 'x') + "\\\x01\"");
  }
  expect_string_end("\"" + std::string(100000, 'y') + "\"");
  expect_string_end("\"unterminated");
  expect_string_end("\"ends in a backslash\\");
  expect_string_end("\"\\u00e9\\\"\"");
}

TEST(JsonBlocks, RandomStringsMatchTheReference) {
  std::mt19937_64 rng(4);
  const std::string alphabet = std::string("\"\\ax\t") + '\x1f';
  std::discrete_distribution<int> pick({4, 6, 60, 20, 1, 1});
  for (int round = 0; round < 3000; ++round) {
    std::string text = "\"";
    const std::size_t len = rng() % 300;
    for (std::size_t i = 0; i < len; ++i) text += alphabet[pick(rng)];
    expect_string_end(text);
    if (HasFailure()) return;
  }
}

TEST(JsonScanner, KeysAreUnescapedAndControlCharactersRejected) {
  const std::string text = R"({"plain":1,"esc\u0061ped\n":2})" + std::string(128, '\0');
  const risk::json::Scanner scan(std::string_view(text).substr(0, text.size() - 128));
  std::vector<std::string> keys;
  auto end = scan.members_from(0, [&](std::string_view key, std::size_t) -> std::size_t {
    keys.emplace_back(key);
    return 0;
  });
  ASSERT_TRUE(end) << end.error().message;
  EXPECT_EQ(keys, (std::vector<std::string>{"plain", "escaped\n"}));

  const std::string raw_control = std::string("{\"a\tb\":1}") + std::string(128, '\0');
  const risk::json::Scanner bad(std::string_view(raw_control).substr(0, raw_control.size() - 128));
  EXPECT_FALSE(bad.members_from(0, [](std::string_view, std::size_t) -> std::size_t { return 0; }));
}

TEST(JsonScanner, MismatchedClosingBracketIsAnError) {
  const std::string text = R"({"a":[1,2}])" + std::string(128, '\0');
  const risk::json::Scanner scan(std::string_view(text).substr(0, text.size() - 128));
  EXPECT_FALSE(scan.value(0));
}

}  // namespace
}  // namespace cs::test
