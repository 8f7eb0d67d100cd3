// Commit text in the encoding its `encoding` header names (private to git/): git writes names
// and messages in i18n.commitEncoding and records it; countersign reads them as UTF-8.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "countersign/git/git.h"

namespace cs::git::detail {

// `bytes` in `encoding` as UTF-8; nullopt when iconv does not know the encoding or the bytes
// are not valid in it (git then shows the bytes unchanged, and so does countersign).
std::optional<std::string> to_utf8(std::string_view bytes, const std::string& encoding);

// Re-encodes the names, emails and message of a commit whose `encoding` header names an
// encoding other than UTF-8 (git's is_encoding_utf8: "UTF-8" or "utf8", any case); empty: none.
void decode_commit_text(Commit& commit, const std::string& encoding);

}  // namespace cs::git::detail
