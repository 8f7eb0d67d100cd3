// The signed statements: approval (DESIGN.md "Approval statement"), revocation and override, in
// one line-oriented layout. Parsing is strict — fixed field order, no unknown or repeated
// fields, no carriage returns — so that one statement has exactly one text.
#include <charconv>
#include <ctime>

#include "countersign/signoff/signoff.h"

namespace cs::signoff {
namespace {

// The first line. Approvals and overrides carry the change digest version their digests are in;
// a revocation names a statement's hash, whatever its version.
std::string header_of(StatementKind k, int version) {
  switch (k) {
    case StatementKind::approval:
      return "countersign-approval v" + std::to_string(version);
    case StatementKind::revocation: return "countersign-revocation v1";
    case StatementKind::override:
      return "countersign-override v" + std::to_string(version);
  }
  return "";
}

// A field value is one line of printable text: no control characters at all.
bool clean_value(std::string_view v) {
  if (v.empty()) return false;
  for (char c : v)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  return true;
}

struct Reader {
  std::string_view rest;
  int line = 0;

  // The next line if it is `key value`, else nullopt (and nothing consumed).
  std::optional<std::string_view> take(std::string_view key) {
    if (!rest.starts_with(key) || rest.size() <= key.size() || rest[key.size()] != ' ') return std::nullopt;
    auto nl = rest.find('\n');
    if (nl == std::string_view::npos) return std::nullopt;
    std::string_view value = rest.substr(key.size() + 1, nl - key.size() - 1);
    rest.remove_prefix(nl + 1);
    ++line;
    return value;
  }
};

std::unexpected<Error> bad(const Reader& r, std::string msg) {
  return fail(Errc::parse, "statement line " + std::to_string(r.line + 1) + ": " + msg);
}

}  // namespace

std::string_view to_string(StatementKind k) {
  switch (k) {
    case StatementKind::approval: return "approval";
    case StatementKind::revocation: return "revocation";
    case StatementKind::override: return "override";
  }
  return "statement";
}

std::string format_time(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<int64_t> parse_time(std::string_view s) {
  // Exactly YYYY-MM-DDTHH:MM:SSZ: the form render() writes.
  auto num = [&](size_t pos, size_t len, int& out) {
    auto r = std::from_chars(s.data() + pos, s.data() + pos + len, out);
    return r.ec == std::errc() && r.ptr == s.data() + pos + len;
  };
  int Y, M, D, h, m, sec;
  if (s.size() != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' ||
      !num(0, 4, Y) || !num(5, 2, M) || !num(8, 2, D) || !num(11, 2, h) || !num(14, 2, m) || !num(17, 2, sec) || M < 1 ||
      M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
    return fail(Errc::parse, "not an RFC 3339 UTC time (YYYY-MM-DDTHH:MM:SSZ): " + std::string(s));
  std::tm tm{};
  tm.tm_year = Y - 1900;
  tm.tm_mon = M - 1;
  tm.tm_mday = D;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = sec;
  return static_cast<int64_t>(timegm(&tm));
}

Result<int64_t> parse_duration(std::string_view s) {
  if (s.size() < 2) return fail(Errc::invalid_argument, "not a duration (like 30m, 4h, 7d, 2w): " + std::string(s));
  int64_t n = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size() - 1, n);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() - 1 || n <= 0 || n > 100000)
    return fail(Errc::invalid_argument, "not a duration (like 30m, 4h, 7d, 2w): " + std::string(s));
  switch (s.back()) {
    case 's': return n;
    case 'm': return n * 60;
    case 'h': return n * 3600;
    case 'd': return n * 86400;
    case 'w': return n * 7 * 86400;
  }
  return fail(Errc::invalid_argument, "not a duration (like 30m, 4h, 7d, 2w): " + std::string(s));
}

std::string render(const Statement& s) {
  std::string out = header_of(s.kind, s.kind == StatementKind::revocation ? 1 : s.version);
  out += "\nrepo " + s.repo + "\nchange " + s.change.hex() + "\n";
  if (s.kind == StatementKind::revocation) {
    out += "revokes " + (s.revokes ? s.revokes->hex() : std::string()) + "\n";
  } else {
    for (const auto& m : s.members) out += "member " + m.hex() + "\n";
    if (s.commit) out += "commit " + s.commit->hex() + "\n";
  }
  out += "approver " + s.approver + "\n";
  if (s.kind != StatementKind::revocation) out += "role " + s.role + "\n";
  if (!s.reason.empty()) out += "reason " + s.reason + "\n";
  out += "time " + format_time(s.time) + "\n";
  if (s.expires) out += "expires " + format_time(*s.expires) + "\n";
  return out;
}

Result<Statement> parse_statement(std::string_view text) {
  Statement s;
  auto first = text.find('\n');
  if (first == std::string_view::npos) return fail(Errc::parse, "statement has no header line");
  std::string_view head = text.substr(0, first);
  bool known = false;
  for (auto kind : {StatementKind::approval, StatementKind::revocation, StatementKind::override})
    for (int version : {1, 2})
      if (!known && head == header_of(kind, version)) {
        known = true;
        s.kind = kind;
        s.version = kind == StatementKind::revocation ? 1 : version;
      }
  if (!known)
    return fail(Errc::parse, "not a countersign statement (first line: " + std::string(head.substr(0, 60)) + ")");
  if (text.find('\r') != std::string_view::npos) return fail(Errc::parse, "statement contains a carriage return");
  Reader r{text.substr(first + 1), 1};

  auto required = [&](std::string_view key) -> Result<std::string_view> {
    auto v = r.take(key);
    if (!v) return bad(r, "expected `" + std::string(key) + " ...`");
    if (!clean_value(*v)) return bad(r, "empty or unprintable " + std::string(key));
    return *v;
  };
  auto digest = [&](std::string_view v) -> Result<ChangeDigest> {
    auto d = ChangeDigest::from_hex(v);
    if (!d) return bad(r, d.error().message);
    return d;
  };

  auto repo = required("repo");
  if (!repo) return std::unexpected(repo.error());
  s.repo = *repo;
  auto change = required("change");
  if (!change) return std::unexpected(change.error());
  auto cd = digest(*change);
  if (!cd) return std::unexpected(cd.error());
  s.change = *cd;
  if (s.kind == StatementKind::revocation) {
    auto v = required("revokes");
    if (!v) return std::unexpected(v.error());
    auto d = digest(*v);
    if (!d) return std::unexpected(d.error());
    s.revokes = *d;
  } else {
    while (auto m = r.take("member")) {
      auto d = digest(*m);
      if (!d) return std::unexpected(d.error());
      s.members.push_back(*d);
    }
    if (auto c = r.take("commit")) {
      auto id = git::ObjectId::from_hex(*c);
      if (!id || c->size() != 40 || *c != id->hex()) return bad(r, "commit must be a full lower-case object id");
      s.commit = *id;
    }
  }
  auto approver = required("approver");
  if (!approver) return std::unexpected(approver.error());
  s.approver = *approver;
  if (s.kind != StatementKind::revocation) {
    auto role = required("role");
    if (!role) return std::unexpected(role.error());
    s.role = *role;
  }
  if (auto reason = r.take("reason")) {
    if (!clean_value(*reason)) return bad(r, "empty or unprintable reason");
    s.reason = *reason;
  } else if (s.kind == StatementKind::override) {
    return bad(r, "an override needs `reason ...`");
  }
  auto time = required("time");
  if (!time) return std::unexpected(time.error());
  auto t = parse_time(*time);
  if (!t) return bad(r, t.error().message);
  s.time = *t;
  if (auto e = r.take("expires")) {
    auto et = parse_time(*e);
    if (!et) return bad(r, et.error().message);
    s.expires = *et;
  } else if (s.kind == StatementKind::override) {
    return bad(r, "an override needs `expires ...`");
  }
  if (!r.rest.empty()) return bad(r, "unexpected line: " + std::string(r.rest.substr(0, r.rest.find('\n')).substr(0, 60)));
  // render() is the only layout: anything else (e.g. a time with a redundant form) is refused.
  if (render(s) != text) return fail(Errc::parse, "statement is not in canonical form");
  return s;
}

}  // namespace cs::signoff
