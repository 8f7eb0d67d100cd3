// A small, strict JSON document model for hook payloads and agents' settings files: parsing
// rejects anything RFC 8259 does not allow (and duplicate keys, which agents and we could read
// differently), objects keep their key order and numbers keep their text, so that a settings
// file we merge into is written back as the user wrote it, only with our entry added.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "countersign/core/error.h"

namespace cs::guard::json {

enum class Kind { null, boolean, number, string, array, object };

struct Value {
  Kind kind = Kind::null;
  bool boolean = false;
  std::string text;                // a string's value, or a number's lexeme
  std::vector<Value> items;        // array elements, or object values
  std::vector<std::string> keys;   // object keys, parallel to items

  static Value string_of(std::string_view s);
  static Value number_of(long long n);
  static Value object_of();
  static Value array_of();
  static Value boolean_of(bool b);

  bool is_object() const { return kind == Kind::object; }
  bool is_array() const { return kind == Kind::array; }
  bool is_string() const { return kind == Kind::string; }

  // The member named `key` of an object, or null when absent or when this is not an object.
  const Value* get(std::string_view key) const;
  Value* get(std::string_view key);
  // Replaces the member `key`, or appends it when absent. This must be an object.
  Value& set(std::string_view key, Value v);
};

struct Limits {
  size_t max_bytes = 4u << 20;
  int max_depth = 64;
};

Result<Value> parse(std::string_view text, Limits limits = {});
// Two-space indented text with a final newline; strings go through cs::text::json_quote.
std::string write(const Value& v);

}  // namespace cs::guard::json
