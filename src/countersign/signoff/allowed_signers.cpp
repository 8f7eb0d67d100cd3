#include "countersign/signoff/allowed_signers.h"

#include <fmt/format.h>

#include <ctime>

#include "countersign/core/text.h"
#include "countersign/signoff/ssh_crypto.h"

namespace cs::signoff {
namespace {


bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// One line being read, with the column of the cursor for error messages.
class LineCursor {
 public:
  LineCursor(std::string_view line) : line_(line) {}
  void skip_space() {
    while (pos_ < line_.size() && is_space(line_[pos_])) ++pos_;
  }
  void seek(std::size_t pos) { pos_ = pos; }
  bool at_end() const { return pos_ >= line_.size(); }
  std::size_t pos() const { return pos_; }
  char peek() const { return at_end() ? '\0' : line_[pos_]; }
  // A token ending at whitespace; double-quoted sections may contain whitespace.
  Result<std::string_view> token() {
    const std::size_t start = pos_;
    bool quoted = false;
    while (pos_ < line_.size() && (quoted || !is_space(line_[pos_]))) {
      if (line_[pos_] == '"') quoted = !quoted;
      ++pos_;
    }
    if (quoted) return fail(Errc::parse, "unterminated double quote");
    return line_.substr(start, pos_ - start);
  }
  std::string_view rest() const { return line_.substr(std::min(pos_, line_.size())); }

 private:
  std::string_view line_;
  std::size_t pos_ = 0;
};

struct Options {
  std::optional<std::string> namespaces;
  std::optional<std::int64_t> valid_after, valid_before;
};

// Parses `name="value"` options as sshsigopt_parse does; `offset` locates errors.
Result<Options> parse_options(std::string_view text, std::size_t& error_at) {
  Options opts;
  std::size_t i = 0;
  while (i < text.size()) {
    error_at = i;
    const std::size_t eq = text.find_first_of("=,", i);
    const std::string name = text::lower(text.substr(i, eq == std::string_view::npos ? text.size() - i : eq - i));
    if (name == "cert-authority")
      return fail(Errc::unsupported, "cert-authority (SSH certificates) is not supported: list each person's own key");
    if (name != "namespaces" && name != "valid-after" && name != "valid-before")
      return fail(Errc::parse, fmt::format("unknown option \"{}\"", name));
    if (eq == std::string_view::npos || text[eq] != '=')
      return fail(Errc::parse, fmt::format("option {} needs a value: {}=\"...\"", name, name));
    i = eq + 1;
    error_at = i;
    if (i >= text.size() || text[i] != '"')
      return fail(Errc::parse, fmt::format("the value of {} must be in double quotes", name));
    const std::size_t close = text.find('"', i + 1);
    if (close == std::string_view::npos) return fail(Errc::parse, "unterminated double quote");
    const std::string_view value = text.substr(i + 1, close - i - 1);
    if (name == "namespaces") {
      if (opts.namespaces) return fail(Errc::parse, "multiple namespaces options");
      opts.namespaces = std::string(value);
    } else {
      auto& slot = name == "valid-after" ? opts.valid_after : opts.valid_before;
      if (slot) return fail(Errc::parse, fmt::format("multiple {} options", name));
      auto t = parse_signer_time(value);
      if (!t) return fail(Errc::parse, fmt::format("invalid {} time: {}", name, t.error().message));
      slot = *t;
    }
    i = close + 1;
    if (i == text.size()) break;
    if (text[i] != ',') {
      error_at = i;
      return fail(Errc::parse, "options must be separated by commas");
    }
    if (++i == text.size()) return fail(Errc::parse, "unexpected end of options after ','");
  }
  if (opts.valid_after && opts.valid_before && *opts.valid_before <= *opts.valid_after)
    return fail(Errc::parse, "valid-before is not after valid-after");
  return opts;
}

Result<AllowedSigner> parse_line(std::string_view line, std::size_t& column) {
  LineCursor c(line);
  c.skip_space();
  column = c.pos();
  auto principals = c.token();
  if (!principals) return std::unexpected(principals.error());
  std::string_view p = *principals;
  if (p.size() >= 2 && p.front() == '"' && p.back() == '"') p = p.substr(1, p.size() - 2);
  if (p.empty()) return fail(Errc::parse, "empty principals");
  c.skip_space();
  if (c.at_end()) return fail(Errc::parse, "missing key after the principals");

  AllowedSigner entry;
  entry.principals = std::string(p);
  const std::size_t token_start = c.pos();
  auto next = c.token();
  if (!next) return std::unexpected(next.error());
  if (!known_key_type(*next)) {
    std::size_t at = 0;
    auto opts = parse_options(*next, at);
    if (!opts) {
      column = token_start + at;
      return std::unexpected(opts.error());
    }
    entry.namespaces = std::move(opts->namespaces);
    entry.valid_after = opts->valid_after;
    entry.valid_before = opts->valid_before;
    c.skip_space();
    if (c.at_end()) {
      column = c.pos();
      return fail(Errc::parse, "missing key after the options");
    }
  } else {
    c.seek(token_start);  // no options: the token was the key type
  }
  column = c.pos();
  auto key = parse_public_key(c.rest());
  if (!key) return std::unexpected(key.error());
  entry.key = std::move(*key);
  return entry;
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

std::string format_time(std::int64_t t) {
  std::time_t tt = std::time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

int match_pattern_list(std::string_view subject, std::string_view patterns) {
  bool positive = false;
  for (std::string_view pattern : text::split(patterns, ',')) {
    const bool negated = pattern.starts_with('!');
    if (negated) pattern.remove_prefix(1);
    if (text::wildcard_match(pattern, subject)) {
      if (negated) return -1;
      positive = true;
    }
  }
  return positive ? 1 : 0;
}

Result<std::int64_t> parse_signer_time(std::string_view s) {
  bool utc = false;
  if (s.size() > 1 && (s.back() == 'Z' || s.back() == 'z')) {
    utc = true;
    s.remove_suffix(1);
  } else if (s.size() > 3 && text::iequals(s.substr(s.size() - 3), "UTC")) {
    utc = true;
    s.remove_suffix(3);
  }
  if (s.size() != 8 && s.size() != 12 && s.size() != 14)
    return fail(Errc::parse, "expected YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, optionally followed by Z");
  for (char ch : s)
    if (ch < '0' || ch > '9') return fail(Errc::parse, "a time has only digits before its Z");
  auto num = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n && i < s.size(); ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  std::tm tm{};
  const int year = num(0, 4), month = num(4, 2), day = num(6, 2);
  const int hour = s.size() >= 12 ? num(8, 2) : 0, minute = s.size() >= 12 ? num(10, 2) : 0;
  const int second = s.size() == 14 ? num(12, 2) : 0;
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 60)
    return fail(Errc::parse, "date or time out of range");
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  tm.tm_isdst = -1;
  const std::time_t t = utc ? timegm(&tm) : std::mktime(&tm);
  if (t == std::time_t(-1)) return fail(Errc::parse, "time cannot be represented");
  return std::int64_t(t);
}

bool AllowedSigner::matches_principal(std::string_view principal) const {
  return match_pattern_list(principal, principals) == 1;
}

std::string_view to_string(SignerStatus status) {
  switch (status) {
    case SignerStatus::allowed: return "allowed";
    case SignerStatus::unknown_principal: return "unknown principal";
    case SignerStatus::unknown_key: return "unknown key";
    case SignerStatus::wrong_namespace: return "wrong namespace";
    case SignerStatus::not_yet_valid: return "key not yet valid";
    case SignerStatus::expired: return "key expired";
  }
  return "unknown";
}

SignerDecision AllowedSigners::check(const PublicKey& key, std::string_view principal, std::string_view sig_namespace,
                                     std::int64_t time) const {
  SignerDecision best{SignerStatus::unknown_principal,
                      fmt::format("principal \"{}\" is not listed in allowed_signers", principal), nullptr};
  auto consider = [&](SignerStatus status, std::string reason, const AllowedSigner& e) {
    // Later statuses in the enum are closer to an allowed key; keep the closest.
    if (best.entry == nullptr || int(status) > int(best.status)) best = {status, std::move(reason), &e};
  };
  for (const auto& e : entries) {
    if (!e.matches_principal(principal)) continue;
    if (!(e.key == key)) {
      consider(SignerStatus::unknown_key,
               fmt::format("key {} is not listed for principal \"{}\"", key.fingerprint(), principal), e);
      continue;
    }
    if (e.namespaces && match_pattern_list(sig_namespace, *e.namespaces) != 1) {
      consider(SignerStatus::wrong_namespace,
               fmt::format("{}:{}: key is not permitted in namespace \"{}\"", e.where.file, e.where.line, sig_namespace),
               e);
      continue;
    }
    if (e.valid_after && time < *e.valid_after) {
      consider(SignerStatus::not_yet_valid,
               fmt::format("{}:{}: key is not valid before {}", e.where.file, e.where.line, format_time(*e.valid_after)),
               e);
      continue;
    }
    if (e.valid_before && time > *e.valid_before) {
      consider(SignerStatus::expired,
               fmt::format("{}:{}: key expired at {}", e.where.file, e.where.line, format_time(*e.valid_before)), e);
      continue;
    }
    return {SignerStatus::allowed, "", &e};
  }
  return best;
}

std::vector<const AllowedSigner*> AllowedSigners::entries_for(const PublicKey& key) const {
  std::vector<const AllowedSigner*> out;
  for (const auto& e : entries)
    if (e.key == key) out.push_back(&e);
  return out;
}

AllowedSignersParse read_allowed_signers(std::string_view text, std::string_view filename) {
  AllowedSignersParse result;
  int number = 0;
  for (std::string_view line : text::lines(text)) {
    ++number;
    const std::string_view trimmed = text::trim(line);
    if (trimmed.empty() || trimmed.front() == '#') continue;
    std::size_t column = 0;
    auto entry = parse_line(line, column);
    InputLocation where{std::string(filename), number, int(column) + 1, std::string(line)};
    if (!entry) {
      result.errors.push_back(Error{entry.error().code, entry.error().message, std::move(where)});
      continue;
    }
    where.column = 1;
    entry->where = std::move(where);
    result.signers.entries.push_back(std::move(*entry));
  }
  return result;
}

Result<AllowedSigners> parse_allowed_signers(std::string_view text, std::string_view filename) {
  auto parsed = read_allowed_signers(text, filename);
  if (!parsed.errors.empty()) return std::unexpected(std::move(parsed.errors.front()));
  return std::move(parsed.signers);
}

}  // namespace cs::signoff
