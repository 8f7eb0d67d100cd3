// The command request as it travels from the agent's machine to a senior's: one armored block of
// length-prefixed fields. Everything read here is hostile input (pasted, forwarded, edited), so the
// reader accepts exactly what request_block writes and nothing else, and recomputes the binding.
#include <cstdint>

// command_binding() uses SHA256_Init/Update/Final, deprecated since OpenSSL 3.0 (see there why).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "countersign/guard/guard.h"

namespace cs::guard {
namespace {

constexpr std::string_view kRequestLabel = "COUNTERSIGN COMMAND REQUEST";
constexpr std::string_view kRequestMagic = "countersign-command-request v1\n";
constexpr size_t kMaxCommands = 256;
constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string hex(const unsigned char* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}

void add_field(std::string& out, std::string_view tag, std::string_view value) {
  out += tag;
  out += ' ';
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += '\n';
}

std::string base64_encode(std::string_view in) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8 | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kBase64[(v >> s) & 63];
  }
  if (size_t rest = in.size() - i; rest > 0) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16 | (rest == 2 ? uint32_t(uint8_t(in[i + 1])) << 8 : 0);
    out += kBase64[(v >> 18) & 63];
    out += kBase64[(v >> 12) & 63];
    out += rest == 2 ? kBase64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Canonical base64 only: a multiple of 4 characters, padding only at the end, and unused bits
// zero, so that one payload has exactly one text (re-encoding gives the input back).
Result<std::string> base64_decode(std::string_view in) {
  if (in.empty() || in.size() % 4 != 0) return fail(Errc::parse, "the block's base64 is truncated");
  std::string out;
  for (size_t i = 0; i < in.size(); i += 4) {
    bool last = i + 4 == in.size();
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = in[i + size_t(k)];
      if (c == '=' && last && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0 || (v[k] = base64_value(c)) < 0)
        return fail(Errc::parse, "the block holds characters that are not base64");
    }
    uint32_t n = uint32_t(v[0]) << 18 | uint32_t(v[1]) << 12 | uint32_t(v[2]) << 6 | uint32_t(v[3]);
    out += char(n >> 16);
    if (pad < 2) out += char((n >> 8) & 255);
    if (pad < 1) out += char(n & 255);
  }
  if (base64_encode(out) != in) return fail(Errc::parse, "the block's base64 is not in canonical form");
  return out;
}

// Reads "tag <decimal length>:<value>\n" fields in order; no leading zeros, nothing skipped.
class FieldReader {
 public:
  explicit FieldReader(std::string_view text) : rest_(text) {}
  Result<std::string> field(std::string_view tag) {
    auto bad = [&] { return fail(Errc::parse, "the request is malformed at its field '" + std::string(tag) + "'"); };
    if (!rest_.starts_with(tag) || rest_.size() <= tag.size() || rest_[tag.size()] != ' ') return bad();
    rest_.remove_prefix(tag.size() + 1);
    size_t len = 0, digits = 0;
    while (digits < rest_.size() && rest_[digits] >= '0' && rest_[digits] <= '9') {
      if (digits == 6 || (digits == 1 && rest_[0] == '0')) return bad();
      len = len * 10 + size_t(rest_[digits] - '0');
      ++digits;
    }
    if (digits == 0 || digits >= rest_.size() || rest_[digits] != ':') return bad();
    rest_.remove_prefix(digits + 1);
    if (rest_.size() < len + 1 || rest_[len] != '\n') return bad();
    std::string value(rest_.substr(0, len));
    rest_.remove_prefix(len + 1);
    return value;
  }
  Result<size_t> count(std::string_view tag, size_t max) {
    auto v = field(tag);
    if (!v) return std::unexpected(v.error());
    if (v->empty() || v->size() > 4 || (v->size() > 1 && (*v)[0] == '0') ||
        v->find_first_not_of("0123456789") != std::string::npos || std::stoul(*v) > max)
      return fail(Errc::parse, "the request's " + std::string(tag) + " count is malformed");
    return size_t(std::stoul(*v));
  }
  bool done() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

bool lower_hex(std::string_view s, size_t n) {
  return s.size() == n && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::string_view trim_space(std::string_view s) {
  constexpr std::string_view ws = " \t\r\n";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

std::string request_text(const CommandRequest& r) {
  std::string out(kRequestMagic);
  add_field(out, "id", r.id);
  add_field(out, "binding", r.binding);
  add_field(out, "command", r.command);
  add_field(out, "cwd", r.cwd);
  add_field(out, "environment", r.environment);
  add_field(out, "agent", r.agent);
  add_field(out, "operator", r.operator_);
  add_field(out, "created", r.created);
  add_field(out, "commands", std::to_string(r.argv.size()));
  for (const auto& cmd : r.argv) {
    add_field(out, "argc", std::to_string(cmd.size()));
    for (const auto& arg : cmd) add_field(out, "arg", arg);
  }
  return out;
}

}  // namespace

std::string command_binding(const std::vector<std::vector<std::string>>& argv, std::string_view cwd,
                            std::string_view environment) {
  std::string canon = "countersign-guard-request v1\n";
  for (const auto& cmd : argv) {
    add_field(canon, "command", std::to_string(cmd.size()));
    for (const auto& arg : cmd) add_field(canon, "arg", arg);
  }
  add_field(canon, "cwd", cwd);
  add_field(canon, "environment", environment);
  // OpenSSL's SHA-256 itself, not EVP_Digest: OpenSSL 3's EVP first loads its configuration,
  // error strings and provider name maps, 0.75 ms of CPU in a hook process that holds a
  // command, more than all the rest of the call.
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, canon.data(), canon.size());
  SHA256_Final(digest, &ctx);
  return hex(digest, sizeof digest);
}

std::string armor(std::string_view label, std::string_view payload) {
  std::string b64 = base64_encode(payload);
  std::string out = "-----BEGIN " + std::string(label) + "-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  return out + "-----END " + std::string(label) + "-----\n";
}

Result<std::string> dearmor(std::string_view label, std::string_view text, size_t max_payload) {
  const std::string what = "a " + std::string(label) + " block";
  // Base64 of the largest payload, its line ends and the armor lines, with room for CRLF.
  if (text.size() > (max_payload / 3 + 1) * 4 * 66 / 64 + 4 * label.size() + 1024)
    return fail(Errc::parse, what + " may hold at most " + std::to_string(max_payload) + " bytes");
  const std::string begin = "-----BEGIN " + std::string(label) + "-----";
  const std::string end = "-----END " + std::string(label) + "-----";
  std::string_view body = trim_space(text);
  if (!body.starts_with(begin))
    return fail(Errc::parse, "expected " + what + " starting with " + begin + ", and nothing before it");
  if (!body.ends_with(end)) return fail(Errc::parse, what + " must end with " + end + ", and nothing after it");
  body = body.substr(begin.size(), body.size() - begin.size() - end.size());
  std::string b64;
  bool short_line = false;
  size_t pos = 0;
  // Lines of exactly 64 characters, the last one 1..64; LF or CRLF; nothing else.
  if (!body.starts_with("\n") && !body.starts_with("\r\n")) return fail(Errc::parse, what + " is malformed");
  while (pos < body.size()) {
    if (body[pos] == '\r') ++pos;
    if (pos >= body.size() || body[pos] != '\n') return fail(Errc::parse, what + " is malformed");
    ++pos;
    if (pos == body.size()) break;
    size_t eol = body.find('\n', pos);
    if (eol == std::string_view::npos) return fail(Errc::parse, what + " is malformed");
    size_t stop = eol > pos && body[eol - 1] == '\r' ? eol - 1 : eol;
    std::string_view line = body.substr(pos, stop - pos);
    if (short_line || line.empty() || line.size() > 64) return fail(Errc::parse, what + " has malformed base64 lines");
    short_line = line.size() < 64;
    b64 += line;
    pos = stop;
  }
  if (b64.empty()) return fail(Errc::parse, what + " is empty");
  if (b64.size() > (max_payload / 3 + 1) * 4)
    return fail(Errc::parse, what + " may hold at most " + std::to_string(max_payload) + " bytes");
  auto payload = base64_decode(b64);
  if (!payload) return fail(Errc::parse, what + ": " + payload.error().message);
  if (payload->size() > max_payload)
    return fail(Errc::parse, what + " may hold at most " + std::to_string(max_payload) + " bytes");
  return payload;
}

Result<std::string> request_block(const CommandRequest& request) {
  std::string text = request_text(request);
  if (text.size() > kMaxBlockPayload || request.argv.size() > kMaxCommands)
    return fail(Errc::invalid_argument, "the command is too long to be forwarded for approval (" +
                                            std::to_string(text.size()) + " bytes; at most " +
                                            std::to_string(kMaxBlockPayload) + ")");
  return armor(kRequestLabel, text);
}

Result<CommandRequest> parse_request_block(std::string_view text) {
  auto payload = dearmor(kRequestLabel, text);
  if (!payload) return std::unexpected(payload.error());
  std::string_view p = *payload;
  if (!p.starts_with(kRequestMagic)) return fail(Errc::parse, "not a countersign-command-request v1");
  FieldReader in(p.substr(kRequestMagic.size()));
  CommandRequest r;
  for (auto [tag, out] : {std::pair<std::string_view, std::string*>{"id", &r.id},
                          {"binding", &r.binding},
                          {"command", &r.command},
                          {"cwd", &r.cwd},
                          {"environment", &r.environment},
                          {"agent", &r.agent},
                          {"operator", &r.operator_},
                          {"created", &r.created}}) {
    auto v = in.field(tag);
    if (!v) return std::unexpected(v.error());
    *out = std::move(*v);
  }
  auto commands = in.count("commands", kMaxCommands);
  if (!commands) return std::unexpected(commands.error());
  for (size_t c = 0; c < *commands; ++c) {
    auto argc = in.count("argc", kMaxBlockPayload);
    if (!argc) return std::unexpected(argc.error());
    std::vector<std::string> cmd;
    for (size_t a = 0; a < *argc; ++a) {
      auto arg = in.field("arg");
      if (!arg) return std::unexpected(arg.error());
      cmd.push_back(std::move(*arg));
    }
    r.argv.push_back(std::move(cmd));
  }
  if (!in.done()) return fail(Errc::parse, "the request has data after its last field");
  if (r.argv.empty()) return fail(Errc::parse, "the request names no command");
  if (!lower_hex(r.binding, 64) || r.id != r.binding.substr(0, 16))
    return fail(Errc::parse, "the request's id and binding are malformed");
  if (command_binding(r.argv, r.cwd, r.environment) != r.binding)
    return fail(Errc::parse, "the request's binding is not that of its command, directory and environment");
  if (request_text(r) != p) return fail(Errc::parse, "the request is not in canonical form");
  return r;
}

}  // namespace cs::guard
