// simdjson's out-of-line functions, standing in for libsimdjson, of which Debian ships no
// static archive (the data tables its header reads are in simdjson_data.cpp). Everything else
// countersign uses of simdjson is inline in its header and reaches the library's parsers
// through the implementation object this returns, so the library is opened the first time JSON
// is parsed, not at every start: the guard hook reads its hook JSON with its own reader, and
// with libsimdjson gone from the start-up the process needs no shared libstdc++ either.
//
// When the library cannot be opened, the active implementation is one that parses nothing and
// fails every parse with UNSUPPORTED_ARCHITECTURE (what simdjson itself answers on a CPU it
// cannot run on), and the reason is printed once on stderr. The command reading JSON then
// treats the input as unreadable, as it does on such a CPU: `risk` reports it unreviewable.
#include <simdjson.h>

#include <cstdio>

#include "lazy/library.h"

#ifndef CS_SIMDJSON_SONAME
#error "CS_SIMDJSON_SONAME names the shared library to open, e.g. libsimdjson.so.14"
#endif

namespace {

using simdjson::error_code;

class Unavailable final : public simdjson::implementation {
 public:
  Unavailable() : implementation("unavailable", CS_SIMDJSON_SONAME " could not be loaded", 0) {}
  error_code create_dom_parser_implementation(size_t, size_t,
                                              std::unique_ptr<simdjson::internal::dom_parser_implementation>&)
      const noexcept override {
    return simdjson::UNSUPPORTED_ARCHITECTURE;
  }
  error_code minify(const uint8_t*, size_t, uint8_t*, size_t&) const noexcept override {
    return simdjson::UNSUPPORTED_ARCHITECTURE;
  }
  bool validate_utf8(const char*, size_t) const noexcept override { return false; }
};

using Active = simdjson::internal::atomic_ptr<const simdjson::implementation>;

Active& open_active() {
  static cs::lazy::Library library(CS_SIMDJSON_SONAME);
  using Getter = Active&();
  if (auto* active = library.get<Getter>("_ZN8simdjson25get_active_implementationEv")) return active();
  std::fprintf(stderr, "countersign: cannot parse JSON: %s\n", library.error().c_str());
  static Unavailable unavailable;
  static Active fallback(&unavailable);
  return fallback;
}

}  // namespace

namespace simdjson {

internal::atomic_ptr<const implementation>& get_active_implementation() {
  static Active& active = open_active();
  return active;
}

// Out of line in the library too (the plan reader checks strings with it): the same answer,
// through the active implementation.
bool validate_utf8(const char* buf, size_t len) noexcept { return get_active_implementation()->validate_utf8(buf, len); }

}  // namespace simdjson
