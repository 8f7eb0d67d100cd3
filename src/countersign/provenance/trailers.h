// Commit message trailers, parsed the way git interpret-trailers finds them: the message ends at
// a `---` divider line; the trailer block is the last paragraph after the title, and only when
// it consists of trailers (or, with a git-generated trailer such as Signed-off-by, at least a
// quarter of it); keys are [A-Za-z0-9-]+, compared case-insensitively; lines starting with
// whitespace continue the previous trailer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cs::provenance {

// Where in the message a trailer-shaped line was found.
enum class Placement {
  block,          // git's trailer block
  below_text,     // the last paragraph, under a line that is not a trailer (a marker line just
                  // above the trailers keeps git from seeing a trailer block)
  in_prose,       // a paragraph that also holds prose
  after_divider,  // after the `---` line that ends the message for git (a Markdown rule)
};
std::string_view to_string(Placement p);  // "trailer-block", "below-text", "in-prose", "after-divider"

struct Trailer {
  std::string_view key;    // as written
  std::string value;       // trimmed, continuation lines unfolded with single spaces
  std::string_view text;   // the exact lines it was read from (key line and continuations)
  Placement placement = Placement::block;
};

struct ParsedMessage {
  std::string_view subject;        // the first line
  std::string_view message;        // everything before the `---` divider (the whole message without one)
  std::string_view after_divider;  // the `---` line and what follows it (empty without one)
  std::vector<Trailer> trailers;   // git's trailer block, in message order
  // Lines after the first that look like trailers (`Key: value` at the start of a line) but are
  // outside git's trailer block, in message order. Agent evidence there still counts.
  std::vector<Trailer> loose;
};

ParsedMessage parse_message(std::string_view message);

// "Name <email>" split into its parts (trimmed); a value with no angle brackets is all name.
struct NameEmail {
  std::string_view name;
  std::string_view email;
};
NameEmail split_identity(std::string_view value);

}  // namespace cs::provenance
