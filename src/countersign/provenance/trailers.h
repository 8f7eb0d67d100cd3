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

struct Trailer {
  std::string_view key;    // as written
  std::string value;       // trimmed, continuation lines unfolded with single spaces
  std::string_view text;   // the exact lines it was read from (key line and continuations)
};

struct ParsedMessage {
  std::string_view subject;        // the first line
  std::string_view message;        // everything before the `---` divider (the whole message without one)
  std::vector<Trailer> trailers;   // in message order
};

ParsedMessage parse_message(std::string_view message);

// "Name <email>" split into its parts (trimmed); a value with no angle brackets is all name.
struct NameEmail {
  std::string_view name;
  std::string_view email;
};
NameEmail split_identity(std::string_view value);

}  // namespace cs::provenance
