// Small readers over raw JSON values kept as views into a padded input buffer: the members of
// an object, and the value at a dotted attribute path.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cs::risk::json {

// Members of a JSON object as (key, raw value text); empty when `obj` is not an object.
std::vector<std::pair<std::string, std::string_view>> object_members(std::string_view obj);

// The raw JSON value at `path` ("a.b.c"); dots descend into objects and, through a list of
// nested blocks, into its first element.
std::optional<std::string_view> value_at(std::string_view obj, std::string_view path);

bool is_null_or_empty(std::string_view raw);

}  // namespace cs::risk::json
