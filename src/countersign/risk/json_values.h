// Small readers over raw JSON values kept as views into a padded input buffer: the members of
// an object, and the value at a dotted attribute path.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cs::risk::json {

// Members of a JSON object as (key, raw value text), in input order.
using Members = std::vector<std::pair<std::string, std::string_view>>;

// Members of a JSON object; empty when `obj` is not an object.
Members object_members(std::string_view obj);
// Calls `member(key, raw value)` for each member without keeping them; false when `obj` is not
// an object or is malformed (after calls for the members before the fault).
bool visit_members(std::string_view obj, const std::function<void(std::string_view, std::string_view)>& member);

// The raw JSON value at `path` ("a.b.c"); dots descend into objects and, through a list of
// nested blocks, into its first element. A duplicated key reads as its last value.
std::optional<std::string_view> value_at(std::string_view obj, std::string_view path);
// The same from an object's members already read, for rules that look up many paths in one
// object: the object is then walked once, not once per path.
std::optional<std::string_view> value_at(const Members& members, std::string_view path);

bool is_null_or_empty(std::string_view raw);

// Asks for the first 2 KiB of a value that is about to be walked, for rules that walk one
// value after another across a plan too large to stay in cache.
inline void read_ahead(std::string_view raw) {
  for (std::size_t i = 0; i < raw.size() && i < 2048; i += 64) __builtin_prefetch(raw.data() + i);
}

}  // namespace cs::risk::json
