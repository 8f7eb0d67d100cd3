// The people directory's key lines read by the key parser that verification uses, for `policy
// lint`: a line the loader's shape check lets through (bad base64, a truncated key, an unknown
// key type inside a well-formed line) is reported at its place in people.yaml.
#include "countersign/policy/policy.h"
#include "countersign/signoff/allowed_signers.h"
#include "countersign/signoff/signoff.h"

namespace cs::signoff {
namespace {

// The parser reads "<principal> <key line>"; its columns are shifted by the principal "x ".
constexpr std::string_view kPrincipal = "x ";

// Where, in people.yaml, column `column` (1-based, of the parsed text) of the key written at
// `key` falls: after the opening quote of a quoted scalar.
InputLocation place(const InputLocation& key, int column) {
  InputLocation at = key;
  if (at.line == 0 || at.column == 0) return at;
  int quote = 0;
  if (size_t(at.column - 1) < at.snippet.size()) {
    char c = at.snippet[size_t(at.column - 1)];
    quote = c == '"' || c == '\'';
  }
  int offset = column > int(kPrincipal.size()) ? column - int(kPrincipal.size()) - 1 : 0;
  at.column += quote + offset;
  return at;
}

}  // namespace

policy::Diagnostics key_diagnostics(const policy::People& people) {
  policy::Diagnostics out;
  for (const auto& person : people.people) {
    for (size_t k = 0; k < person.keys.size(); ++k) {
      const std::string& line = person.keys[k];
      InputLocation where = k < person.key_locations.size() ? person.key_locations[k] : person.where;
      if (line.find_first_of("\r\n") != std::string::npos) {
        out.items.push_back(
            {policy::Level::error,
             Error{Errc::parse, "key " + std::to_string(k + 1) + " of '" + person.id + "' is not a single line",
                   where}});
        continue;
      }
      auto parsed = parse_allowed_signers(std::string(kPrincipal) + line + "\n", "people directory");
      if (parsed) continue;
      std::string message =
          "key " + std::to_string(k + 1) + " of '" + person.id + "' is unusable: " + parsed.error().message;
      out.items.push_back({policy::Level::error,
                           Error{parsed.error().code, std::move(message), place(where, parsed.error().where.column)}});
    }
  }
  return out;
}

}  // namespace cs::signoff
