// One element of a plan's resource_changes, read with the structural scanner: the members the
// rules need are read and checked, every other value is skipped by the block kernel. simdjson
// On-Demand read these before, but it indexes every byte of `before` and `after` and then
// walks that index again to skip them, which cost more than all the rest of the plan.
#include <simdjson.h>

#include <charconv>
#include <cstdint>
#include <string>

#include "countersign/risk/terraform_elements.h"

namespace cs::risk {
namespace {

constexpr auto kStop = json::Scanner::kStop;

class ElementParser {
 public:
  ElementParser(const json::Scanner& scan, ResourceChange& rc, std::string& bad) : scan_(scan), rc_(rc), bad_(bad) {}

  // The end of the element, 0 when it could not be read that far.
  std::size_t read(std::size_t element) {
    if (at(element) != '{') return reject("not an object"), 0;
    bool have_change = false;
    std::uint32_t seen = 0;
    auto end = scan_.members_from(element, [&](std::string_view key, std::size_t begin) -> std::size_t {
      const int bit = key == "address"            ? 1
                      : key == "type"             ? 2
                      : key == "mode"             ? 4
                      : key == "change"           ? 8
                      : key == "previous_address" ? 16
                      : key == "action_reason"    ? 32
                      : key == "index"            ? 64
                                                  : 0;
      if (bit & seen) return fail("duplicate key " + std::string(key));
      seen |= bit;
      if (key == "address") return string(key, begin, address_);
      if (key == "type") return string(key, begin, type_);
      if (key == "previous_address") return string(key, begin, previous_address_);
      if (key == "action_reason") return string(key, begin, action_reason_);
      if (key == "mode") return string(key, begin, mode_);
      if (key == "index") return count_index(begin);
      if (key == "change") {
        have_change = true;
        return change(begin);
      }
      return 0;
    });
    if (!bad_.empty()) return 0;
    if (!end) return reject(end.error().message), 0;
    if (!have_change) return reject("no change"), *end;
    if (address_.empty()) return reject("no address"), *end;
    rc_.managed = plain(mode_) != "data";
    if (!unchanged(rc_)) {  // most elements are managed no-ops, counted only: no copies for them
      assign(rc_.address, address_);
      assign(rc_.type, type_);
      assign(rc_.previous_address, previous_address_);
      assign(rc_.action_reason, action_reason_);
    }
    return *end;
  }

 private:
  char at(std::size_t pos) const { return pos < scan_.buffer().size() ? scan_.buffer()[pos] : '\0'; }

  // Records why the element is unreadable; `fail` is for the scanner's callbacks.
  bool reject(std::string why) {
    bad_ = std::move(why);
    return false;
  }
  std::size_t fail(std::string why) {
    reject(std::move(why));
    return kStop;
  }

  // A string member's text as the input has it (escaped), once it is known to unescape. The
  // scanner has already rejected control characters in it.
  std::size_t string(std::string_view key, std::size_t begin, std::string_view& raw) {
    if (at(begin) != '"') return fail(std::string(key) + " has the wrong type");
    auto v = scan_.value(begin);
    if (!v) return fail(v.error().message);
    raw = scan_.text({v->begin + 1, v->end - 1});
    if (raw.find('\\') != std::string_view::npos && !json::unescape(raw, scratch_))
      return fail(std::string(key) + " has the wrong type");
    return v->end;
  }

  // The unescaped text of a string read by string(); valid until the next call.
  std::string_view plain(std::string_view raw) {
    if (raw.find('\\') == std::string_view::npos) return raw;
    json::unescape(raw, scratch_);
    return scratch_;
  }
  void assign(std::string& out, std::string_view raw) { out.assign(plain(raw)); }

  // The raw text of any value.
  std::size_t raw(std::size_t begin, std::string_view& out, const char* what) {
    auto v = scan_.value(begin);
    if (!v) return fail(std::string("malformed ") + what + ": " + v.error().message);
    out = scan_.text(*v);
    return v->end;
  }

  // A count index is a non-negative integer in JSON's form (no leading zero, no fraction); a
  // for_each key or anything else leaves count_index empty, as before.
  std::size_t count_index(std::size_t begin) {
    auto v = scan_.value(begin);
    if (!v) return fail(v.error().message);
    const std::string_view text = scan_.text(*v);
    std::uint64_t n = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    const bool canonical = !text.empty() && (text[0] != '0' || text.size() == 1);
    if (ec == std::errc() && ptr == text.data() + text.size() && canonical) rc_.count_index = std::to_string(n);
    return v->end;
  }

  std::size_t change(std::size_t begin) {
    if (at(begin) != '{') return fail("change is not an object");
    bool have_actions = false;
    std::uint32_t seen = 0;
    auto end = scan_.members_from(begin, [&](std::string_view key, std::size_t value) -> std::size_t {
      const int bit = key == "actions"         ? 1
                      : key == "before"        ? 2
                      : key == "after"         ? 4
                      : key == "after_unknown" ? 8
                      : key == "replace_paths" ? 16
                                               : 0;
      if (bit & seen) return fail("duplicate key change." + std::string(key));
      seen |= bit;
      if (key == "actions") {
        have_actions = true;
        return actions(value);
      }
      if (key == "before") return raw(value, rc_.before, "change.before");
      if (key == "after") return raw(value, rc_.after, "change.after");
      if (key == "after_unknown") return raw(value, rc_.after_unknown, "change.after_unknown");
      if (key == "replace_paths") return replace_paths(value);
      return 0;
    });
    if (!bad_.empty()) return kStop;
    if (!end) return fail(end.error().message);
    if (!have_actions) return fail("change has no actions");
    return *end;
  }

  std::size_t actions(std::size_t begin) {
    if (at(begin) != '[') return fail("change.actions is not an array");
    std::size_t n = 0;
    auto end = scan_.elements_from(begin, [&](std::size_t, std::size_t value) -> std::size_t {
      std::string_view raw;
      const std::size_t end = string("an element of change.actions", value, raw);
      if (end == kStop) return kStop;
      const std::string_view s = plain(raw);
      ++n;
      if (s == "delete")
        rc_.del = true;
      else if (s == "create")
        rc_.create = true;
      else if (s == "update")
        rc_.update = true;
      else if (s == "forget")
        rc_.forget = true;
      else if (s != "no-op" && s != "read")
        return fail("unknown action \"" + std::string(s) + "\"");
      return end;
    });
    if (!bad_.empty()) return kStop;
    if (!end) return fail(end.error().message);
    if (n == 0) return fail("change.actions is empty");
    return *end;
  }

  // replace_paths: [["name"], ["tags", "env"], ["ingress", 0, "cidr"]] -> "name; tags.env; ingress.0.cidr"
  std::size_t replace_paths(std::size_t begin) {
    if (at(begin) != '[') return fail("malformed change.replace_paths");
    std::string& out = rc_.replace_paths;
    auto end = scan_.elements_from(begin, [&](std::size_t, std::size_t path) -> std::size_t {
      if (at(path) != '[') return fail("malformed change.replace_paths");
      if (!out.empty()) out += "; ";
      Result<std::size_t> steps = scan_.elements_from(path, [&](std::size_t i, std::size_t step) -> std::size_t {
        auto v = scan_.value(step);
        if (!v) return fail("malformed change.replace_paths");
        if (i > 0) out += '.';
        if (at(step) != '"') {
          out += scan_.text(*v);
        } else if (auto s = scan_.string(*v)) {
          out += *s;
        } else {
          return fail("malformed change.replace_paths");
        }
        return v->end;
      });
      if (!bad_.empty()) return kStop;
      if (!steps) return fail("malformed change.replace_paths");
      return *steps;
    });
    if (!bad_.empty()) return kStop;
    if (!end) return fail("malformed change.replace_paths");
    return *end;
  }

  const json::Scanner& scan_;
  ResourceChange& rc_;
  std::string& bad_;
  std::string_view address_, type_, previous_address_, action_reason_, mode_;  // as the input has them
  std::string scratch_;
};

}  // namespace

std::size_t read_resource_change(const json::Scanner& scan, std::size_t element, ResourceChange& rc, std::string& bad) {
  bad.clear();
  const std::size_t end = ElementParser(scan, rc, bad).read(element);
  if (end != 0 && bad.empty() && !simdjson::validate_utf8(scan.buffer().data() + element, end - element))
    bad = simdjson::error_message(simdjson::UTF8_ERROR);
  return end;
}

}  // namespace cs::risk
