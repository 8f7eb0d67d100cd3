// Shared value types for every stage: the error every fallible function returns, and the
// Result alias. No dependencies beyond the standard library.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace cs {

enum class Errc {
  invalid_argument,  // the caller asked for something that cannot be done
  not_found,         // a file, revision or object does not exist
  parse,             // input is malformed; `where` says where
  io,                // reading or writing failed
  git,               // libgit2 reported a failure
  crypto,            // a key, signature or digest is invalid
  policy,            // policy or people directory is unusable
  unsupported,       // a valid input we deliberately do not handle
  internal,          // a bug: an invariant did not hold
};

std::string_view to_string(Errc code);

// Where in an input file something went wrong. line and column are 1-based; 0 means unknown.
struct InputLocation {
  std::string file;
  int line = 0;
  int column = 0;
  std::string snippet;  // the offending line of input, when known
};

struct Error {
  Errc code = Errc::internal;
  std::string message;
  InputLocation where;

  // "file:line:col: message" when a location is known, else the message.
  std::string describe() const;
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(Errc code, std::string message, InputLocation where = {}) {
  return std::unexpected(Error{code, std::move(message), std::move(where)});
}

}  // namespace cs
