// File operations the hook state needs: private directories, atomic replacement, and reading
// with a size limit. Private to the guard stage.
#pragma once

#include <string>
#include <string_view>

#include "countersign/core/error.h"

namespace cs::guard::files {

// mkdir -p with mode 0700 for every directory it creates.
Result<void> make_private_dirs(const std::string& dir);
// Writes `contents` to a temporary file beside `path` and renames it over `path`.
Result<void> write_atomically(const std::string& path, std::string_view contents, unsigned mode = 0644);
// The whole file, or not_found / io errors; refuses files larger than `max_bytes`.
Result<std::string> read(const std::string& path, size_t max_bytes = 4u << 20);
// RFC 3339 UTC, second precision.
std::string rfc3339(long long unix_seconds);
long long now();

}  // namespace cs::guard::files
