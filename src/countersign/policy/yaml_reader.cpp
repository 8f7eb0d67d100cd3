#include "countersign/policy/yaml_reader.h"

#include <charconv>

#include "countersign/core/text.h"

namespace cs::policy::detail {
namespace {

// Aliases let a few lines of YAML name a billion nodes; collection stops past this many.
constexpr size_t kNodeBudget = 200000;
constexpr size_t kSnippetMax = 200;

bool plain(const YAML::Node& node) { return node.Tag() == "?"; }

}  // namespace

YamlReader::YamlReader(std::string file, std::string_view text, Diagnostics& diagnostics)
    : file_(std::move(file)), text_(text), lines_(text::lines(text)), diagnostics_(diagnostics) {}

std::optional<YAML::Node> YamlReader::parse() {
  try {
    return YAML::Load(std::string(text_));
  } catch (const YAML::Exception& e) {
    InputLocation where{file_, 0, 0, {}};
    if (!e.mark.is_null()) {
      where.line = e.mark.line + 1;
      where.column = e.mark.column + 1;
      if (e.mark.line >= 0 && static_cast<size_t>(e.mark.line) < lines_.size())
        where.snippet = text::sanitize_utf8(lines_[static_cast<size_t>(e.mark.line)].substr(0, kSnippetMax));
    }
    error_at(std::move(where), "not valid YAML: " + e.msg);
  } catch (const std::exception& e) {
    error_at({file_, 0, 0, {}}, std::string("not valid YAML: ") + e.what());
  }
  return std::nullopt;
}

InputLocation YamlReader::at(const YAML::Node& node) const {
  InputLocation where{file_, 0, 0, {}};
  if (!node.IsDefined()) return where;
  YAML::Mark m = node.Mark();
  if (m.is_null() || m.line < 0) return where;
  where.line = m.line + 1;
  where.column = m.column + 1;
  if (static_cast<size_t>(m.line) < lines_.size()) {
    std::string_view line = lines_[static_cast<size_t>(m.line)];
    where.snippet = text::sanitize_utf8(line.substr(0, kSnippetMax));
    if (static_cast<size_t>(where.column) > where.snippet.size() + 1) where.column = 0;
  }
  return where;
}

void YamlReader::error_at(InputLocation where, std::string message) {
  diagnostics_.items.push_back({Level::error, Error{Errc::policy, std::move(message), std::move(where)}});
}

void YamlReader::error(const YAML::Node& node, std::string message) { error_at(at(node), std::move(message)); }

void YamlReader::warning(const YAML::Node& node, std::string message) {
  diagnostics_.items.push_back({Level::warning, Error{Errc::policy, std::move(message), at(node)}});
}

std::string_view YamlReader::kind(const YAML::Node& node) const {
  switch (node.Type()) {
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Scalar: return plain(node) ? "a scalar" : "a quoted string";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Undefined: return "nothing";
  }
  return "something else";
}

bool YamlReader::budget(const YAML::Node& node) {
  visited_ += node.size() + 1;
  if (visited_ <= kNodeBudget) return true;
  if (!budget_reported_) {
    budget_reported_ = true;
    error(node, "too many YAML nodes (more than " + std::to_string(kNodeBudget) + ", aliases?): the rest is ignored");
  }
  return false;
}

std::optional<std::vector<Field>> YamlReader::fields(const YAML::Node& node, std::string_view what,
                                                     std::span<const std::string_view> allowed) {
  if (!node.IsMap()) {
    error(node, fmt_expected(what, "a map", node));
    return std::nullopt;
  }
  if (!budget(node)) return std::nullopt;
  std::vector<Field> out;
  for (auto it = node.begin(); it != node.end(); ++it) {
    // Copies, not references: the iterator hands out a temporary pair.
    YAML::detail::iterator_value entry = *it;
    YAML::Node key = entry.first;
    YAML::Node value = entry.second;
    if (!key.IsScalar()) {
      error(key, "keys of " + std::string(what) + " must be plain names, not " + std::string(kind(key)));
      continue;
    }
    std::string name = key.Scalar();
    bool duplicate = false;
    for (const auto& f : out)
      if (f.key == name) {
        auto first = at(f.key_node);
        error(key, "duplicate key '" + name + "' in " + std::string(what) + " (first defined on line " +
                       std::to_string(first.line) + "); YAML keeps only one, so this is ambiguous");
        duplicate = true;
        break;
      }
    if (duplicate) continue;
    bool known = false;
    for (auto a : allowed) known = known || a == name;
    if (!known) {
      std::string msg = "unknown field '" + name + "' in " + std::string(what);
      if (auto s = closest(name, allowed)) msg += " (did you mean '" + *s + "'?)";
      else {
        msg += " (allowed:";
        for (auto a : allowed) msg += " " + std::string(a);
        msg += ")";
      }
      error(key, std::move(msg));
      continue;
    }
    out.push_back({std::move(name), key, value});
  }
  return out;
}

std::optional<std::vector<YAML::Node>> YamlReader::items(const YAML::Node& node, std::string_view what) {
  if (!node.IsSequence()) {
    std::string msg = fmt_expected(what, "a list", node);
    if (node.IsScalar()) msg += " (write [" + node.Scalar() + "])";
    error(node, std::move(msg));
    return std::nullopt;
  }
  if (!budget(node)) return std::nullopt;
  std::vector<YAML::Node> out;
  out.reserve(node.size());
  for (auto it = node.begin(); it != node.end(); ++it) {
    YAML::Node item = *it;
    out.push_back(item);
  }
  return out;
}

std::optional<std::string> YamlReader::string(const YAML::Node& node, std::string_view what) {
  if (!node.IsScalar()) {
    error(node, fmt_expected(what, "a string", node));
    return std::nullopt;
  }
  const std::string& s = node.Scalar();
  if (!text::valid_utf8(s)) {
    error(node, std::string(what) + " is not valid UTF-8");
    return std::nullopt;
  }
  return s;
}

std::optional<int64_t> YamlReader::integer(const YAML::Node& node, std::string_view what, int64_t min, int64_t max) {
  if (!node.IsScalar() || !plain(node)) {
    error(node, fmt_expected(what, "an integer", node));
    return std::nullopt;
  }
  const std::string& s = node.Scalar();
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) {
    error(node, std::string(what) + " must be an integer, not '" + text::sanitize_utf8(s) + "'");
    return std::nullopt;
  }
  if (v < min || v > max) {
    error(node, std::string(what) + " must be between " + std::to_string(min) + " and " + std::to_string(max) +
                    ", not " + s);
    return std::nullopt;
  }
  return v;
}

std::optional<double> YamlReader::number(const YAML::Node& node, std::string_view what, double min, double max) {
  if (!node.IsScalar() || !plain(node)) {
    error(node, fmt_expected(what, "a number", node));
    return std::nullopt;
  }
  std::string_view s = node.Scalar();
  bool percent = s.ends_with('%');
  if (percent) s.remove_suffix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) {
    error(node, std::string(what) + " must be a number, not '" + text::sanitize_utf8(node.Scalar()) + "'");
    return std::nullopt;
  }
  if (percent) v /= 100.0;
  if (!(v >= min && v <= max)) {
    error(node, std::string(what) + " must be between " + fmt_number(min) + " and " + fmt_number(max) + ", not " +
                    node.Scalar());
    return std::nullopt;
  }
  return v;
}

std::optional<bool> YamlReader::boolean(const YAML::Node& node, std::string_view what) {
  if (node.IsScalar() && plain(node)) {
    const std::string& s = node.Scalar();
    if (s == "true" || s == "True") return true;
    if (s == "false" || s == "False") return false;
  }
  error(node, fmt_expected(what, "true or false", node));
  return std::nullopt;
}

std::optional<std::vector<std::pair<std::string, YAML::Node>>> YamlReader::strings(const YAML::Node& node,
                                                                                     std::string_view what) {
  auto list = items(node, what);
  if (!list) return std::nullopt;
  std::vector<std::pair<std::string, YAML::Node>> out;
  for (const auto& item : *list)
    if (auto s = string(item, std::string("an item of ") + std::string(what))) out.emplace_back(std::move(*s), item);
  return out;
}

std::optional<std::chrono::seconds> YamlReader::duration(const YAML::Node& node, std::string_view what) {
  auto s = string(node, what);
  if (!s) return std::nullopt;
  std::string_view v = *s;
  int64_t unit = 0;
  if (!v.empty()) switch (v.back()) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      case 'w': unit = 7 * 86400; break;
      default: break;
    }
  int64_t n = 0;
  if (unit != 0) {
    auto digits = v.substr(0, v.size() - 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc{} || end != digits.data() + digits.size() || digits.empty() || n < 0 ||
        n > int64_t(10) * 365 * 86400 / unit)
      unit = 0;
  }
  if (unit == 0) {
    error(node, std::string(what) + " must be a duration such as 90m, 4h, 7d or 2w, not '" + text::sanitize_utf8(*s) + "'");
    return std::nullopt;
  }
  return std::chrono::seconds(n * unit);
}

std::string YamlReader::fmt_expected(std::string_view what, std::string_view expected, const YAML::Node& got) const {
  return std::string(what) + " must be " + std::string(expected) + ", not " + std::string(kind(got));
}

std::string YamlReader::fmt_number(double v) {
  std::string s = std::to_string(v);
  while (s.size() > 1 && s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

}  // namespace cs::policy::detail
