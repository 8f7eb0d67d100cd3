#include "countersign/risk/json_values.h"

#include "countersign/risk/json_scan.h"

namespace cs::risk::json {
namespace {

std::optional<std::string_view> last_value(const Members& members, std::string_view key) {
  std::optional<std::string_view> found;
  for (const auto& [k, v] : members)
    if (k == key) found = v;
  return found;
}

// Splits "a.b.c" into "a" and "b.c".
std::pair<std::string_view, std::string_view> first_step(std::string_view path) {
  const auto dot = path.find('.');
  if (dot == std::string_view::npos) return {path, {}};
  return {path.substr(0, dot), path.substr(dot + 1)};
}

}  // namespace

bool visit_members(std::string_view obj, const std::function<void(std::string_view, std::string_view)>& member) {
  if (obj.empty() || obj.front() != '{') return false;
  const Scanner scan(obj);
  auto r = scan.members({0, obj.size()}, [&](std::string_view key, Span v) {
    member(key, scan.text(v));
    return true;
  });
  return r.has_value();
}

Members object_members(std::string_view obj) {
  Members out;
  out.reserve(16);
  if (!visit_members(obj, [&](std::string_view key, std::string_view value) { out.emplace_back(key, value); }))
    out.clear();
  return out;
}

std::optional<std::string_view> value_at(std::string_view obj, std::string_view path) {
  std::string_view cur = obj;
  while (!path.empty()) {
    while (!cur.empty() && cur.front() == '[') {  // a list of nested blocks: its first element
      const Scanner scan(cur);
      std::optional<std::string_view> first;
      auto r = scan.elements({0, cur.size()}, [&](std::size_t, Span v) {
        first = scan.text(v);
        return false;
      });
      if (!r || !first) return std::nullopt;
      cur = *first;
    }
    const auto [key, rest] = first_step(path);
    path = rest;
    const auto next = last_value(object_members(cur), key);
    if (!next) return std::nullopt;
    cur = *next;
  }
  return cur;
}

std::optional<std::string_view> value_at(const Members& members, std::string_view path) {
  const auto [key, rest] = first_step(path);
  const auto next = last_value(members, key);
  if (!next || rest.empty()) return next;
  return value_at(*next, rest);
}

bool is_null_or_empty(std::string_view raw) {
  return raw.empty() || raw == "null" || raw == "{}";
}

}  // namespace cs::risk::json
