#include "countersign/risk/json_values.h"

#include "countersign/risk/json_scan.h"

namespace cs::risk::json {

std::vector<std::pair<std::string, std::string_view>> object_members(std::string_view obj) {
  std::vector<std::pair<std::string, std::string_view>> out;
  if (obj.empty() || obj.front() != '{') return out;
  const Scanner scan(obj);
  auto r = scan.members({0, obj.size()}, [&](const std::string& key, Span v) {
    out.emplace_back(key, scan.text(v));
    return true;
  });
  if (!r) out.clear();
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
    const auto dot = path.find('.');
    const std::string_view key = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
    std::optional<std::string_view> next;
    for (auto& [k, v] : object_members(cur))
      if (k == key) next = v;
    if (!next) return std::nullopt;
    cur = *next;
  }
  return cur;
}

bool is_null_or_empty(std::string_view raw) { return raw.empty() || raw == "null" || raw == "{}"; }

}  // namespace cs::risk::json
