// Small text utilities shared by every stage: case folding, trimming, splitting, UTF-8
// validation and JSON string escaping. No allocations where a view will do.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cs::text {

std::string_view trim(std::string_view s);
std::string lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);
std::vector<std::string_view> split(std::string_view s, char sep);
std::vector<std::string_view> lines(std::string_view s);  // splits on \n, drops a trailing \r

// True when s is well-formed UTF-8.
bool valid_utf8(std::string_view s);
// Replaces each invalid UTF-8 sequence with U+FFFD, so the output is always valid.
std::string sanitize_utf8(std::string_view s);
// A JSON string literal, quotes included. Invalid UTF-8 is replaced, never passed through.
std::string json_quote(std::string_view s);
// The same, appended to `out` (no temporary string per field in a large report).
void append_json_quoted(std::string& out, std::string_view s);

// An email address as it identifies a person: lower case, with a sub-address dropped
// ("Bob+ci@Example.com" is "bob@example.com"). GitHub's noreply addresses
// ("<id>+<login>@users.noreply.github.com") are kept whole: there the '+' joins id and login.
std::string email_key(std::string_view email);
// Both non-empty and the same address by email_key.
bool same_email(std::string_view a, std::string_view b);
// Display names as people are listed: case and runs of whitespace do not matter. Empty matches
// nothing.
bool same_name(std::string_view a, std::string_view b);
// What same_name compares: lower case, trimmed, each run of blanks one space.
std::string name_key(std::string_view name);

// `*` (any run of characters, '/' included) and `?` (any one character) over the whole of
// `text`; every other character matches itself. Linear in practice: it backtracks only to the
// last '*'. The one wildcard matcher for command words, refs and allowed_signers principals.
bool wildcard_match(std::string_view pattern, std::string_view text);

}  // namespace cs::text
