#include "countersign/core/error.h"

namespace cs {

std::string_view to_string(Errc code) {
  switch (code) {
    case Errc::invalid_argument: return "invalid argument";
    case Errc::not_found: return "not found";
    case Errc::parse: return "parse error";
    case Errc::io: return "i/o error";
    case Errc::git: return "git error";
    case Errc::crypto: return "crypto error";
    case Errc::policy: return "policy error";
    case Errc::unsupported: return "unsupported";
    case Errc::internal: return "internal error";
  }
  return "error";
}

std::string Error::describe() const {
  std::string out;
  if (!where.file.empty()) {
    out += where.file;
    if (where.line > 0) {
      out += ':' + std::to_string(where.line);
      if (where.column > 0) out += ':' + std::to_string(where.column);
    }
    out += ": ";
  }
  out += message;
  if (!where.snippet.empty()) {
    out += "\n    " + where.snippet;
    if (where.column > 0) out += "\n    " + std::string(static_cast<size_t>(where.column - 1), ' ') + '^';
  }
  return out;
}

}  // namespace cs
