// Approvals are local signed tokens: HMAC-SHA256 under a per-user key created 0600 in the state
// directory. A token names the request id and the full binding, the approver and an expiry; a
// retry consumes it by renaming it out of approved/, which succeeds for exactly one process.
#include "countersign/guard/held.h"

#include <fcntl.h>
// held::binding() uses SHA256_Init/Update/Final, deprecated since OpenSSL 3.0 (see there why).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <filesystem>

#include "countersign/core/text.h"
#include "countersign/guard/files.h"
#include "countersign/guard/json.h"

namespace cs::guard {
namespace {

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

std::string guard_dir(const std::string& state) { return state + "/guard"; }
std::string pending_path(const std::string& state, std::string_view id) {
  return guard_dir(state) + "/pending/" + std::string(id) + ".json";
}
std::string approved_path(const std::string& state, std::string_view id) {
  return guard_dir(state) + "/approved/" + std::string(id) + ".token";
}
std::string key_path(const std::string& state) { return state + "/guard-approval.key"; }

// The per-user approval key: 32 random bytes, hex, in a 0600 file owned by this user.
Result<std::string> approval_key(const std::string& state, bool create) {
  auto path = key_path(state);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT && create) {
    if (auto made = files::make_private_dirs(state); !made) return std::unexpected(made.error());
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof raw) != 1) return fail(Errc::crypto, "cannot generate an approval key");
    std::string key = hex(raw, sizeof raw);
    int w = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (w >= 0) {
      bool ok = ::write(w, key.data(), key.size()) == ssize_t(key.size());
      ::close(w);
      if (!ok) return fail(Errc::io, "cannot write " + path);
    }
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  }
  if (fd < 0) return fail(errno == ENOENT ? Errc::not_found : Errc::io, "cannot open approval key " + path);
  struct stat st {};
  ::fstat(fd, &st);
  char buf[128];
  ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if ((st.st_mode & 077) != 0 || st.st_uid != ::getuid())
    return fail(Errc::crypto, "approval key " + path + " must be owned by you and mode 0600");
  if (n != 64) return fail(Errc::crypto, "approval key " + path + " is malformed");
  return std::string(buf, size_t(n));
}

std::string mac(std::string_view key, std::string_view body) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  HMAC(EVP_sha256(), key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(body.data()), body.size(),
       out, &len);
  return hex(out, len);
}

std::string token_body(std::string_view id, std::string_view binding, std::string_view approver, long long issued,
                       long long expires) {
  std::string body = "countersign-guard-approval v1\n";
  body += "id " + std::string(id) + "\n";
  body += "binding " + std::string(binding) + "\n";
  body += "approver " + text::sanitize_utf8(approver) + "\n";
  body += "issued " + std::to_string(issued) + "\n";
  body += "expires " + std::to_string(expires) + "\n";
  return body;
}

struct Token {
  std::string id, binding, approver, mac;
  long long issued = 0, expires = 0;
};

std::optional<Token> parse_token(std::string_view text) {
  Token t;
  auto all = text::lines(text);
  if (all.empty() || all[0] != "countersign-guard-approval v1") return std::nullopt;
  for (size_t i = 1; i < all.size(); ++i) {
    auto line = all[i];
    auto sp = line.find(' ');
    if (sp == std::string_view::npos) continue;
    auto key = line.substr(0, sp);
    std::string value(line.substr(sp + 1));
    try {
      if (key == "id") t.id = value;
      else if (key == "binding") t.binding = value;
      else if (key == "approver") t.approver = value;
      else if (key == "issued") t.issued = std::stoll(value);
      else if (key == "expires") t.expires = std::stoll(value);
      else if (key == "mac") t.mac = value;
    } catch (...) {
      return std::nullopt;
    }
  }
  return t;
}

bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

namespace held {

std::string binding(const std::vector<std::vector<std::string>>& argv, std::string_view cwd,
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

std::string request_id(std::string_view b) { return std::string(b.substr(0, 16)); }

bool valid_request_id(std::string_view id) {
  if (id.size() != 16) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

Result<void> record_pending(const std::string& state, const HeldRequest& r) {
  auto path = pending_path(state, r.id);
  if (::access(path.c_str(), F_OK) == 0) return {};
  if (auto made = files::make_private_dirs(guard_dir(state) + "/pending"); !made) return made;
  auto doc = json::Value::object_of();
  doc.set("id", json::Value::string_of(r.id));
  doc.set("binding", json::Value::string_of(r.binding));
  doc.set("agent", json::Value::string_of(r.agent));
  doc.set("command", json::Value::string_of(r.command));
  doc.set("cwd", json::Value::string_of(r.cwd));
  doc.set("environment", json::Value::string_of(r.environment));
  doc.set("created", json::Value::string_of(r.created));
  auto rules = json::Value::array_of();
  for (const auto& rule : r.rules) rules.items.push_back(json::Value::string_of(rule));
  doc.set("rules", std::move(rules));
  return files::write_atomically(path, json::write(doc), 0600);
}

Result<std::optional<std::string>> consume_approval(const std::string& state, std::string_view id,
                                                    std::string_view binding, long long now) {
  auto path = approved_path(state, id);
  auto text = files::read(path, 4096);
  if (!text) {
    if (text.error().code == Errc::not_found) return std::optional<std::string>{};
    return std::unexpected(text.error());
  }
  auto token = parse_token(*text);
  auto key = approval_key(state, false);
  if (!key) return std::unexpected(key.error());
  if (!token || !same(token->mac, mac(*key, token_body(token->id, token->binding, token->approver, token->issued,
                                                        token->expires))))
    return fail(Errc::crypto, "approval token " + path + " does not verify");
  if (token->id != id || !same(token->binding, binding) || now > token->expires) {
    if (now > token->expires) ::unlink(path.c_str());  // expired: the command is held again
    return std::optional<std::string>{};
  }
  auto used_dir = guard_dir(state) + "/used";
  if (auto made = files::make_private_dirs(used_dir); !made) return std::unexpected(made.error());
  auto used = used_dir + "/" + std::string(id) + "." + std::to_string(now) + "." + std::to_string(::getpid()) + ".token";
  if (::rename(path.c_str(), used.c_str()) != 0) return std::optional<std::string>{};  // another retry won
  ::unlink(pending_path(state, id).c_str());
  return std::optional<std::string>{token->approver};
}

}  // namespace held

Result<std::string> state_dir(const std::map<std::string, std::string>& env) {
  if (auto x = env.find("XDG_STATE_HOME"); x != env.end() && !x->second.empty() && x->second.front() == '/')
    return x->second + "/countersign";
  if (auto h = env.find("HOME"); h != env.end() && !h->second.empty()) return h->second + "/.local/state/countersign";
  return fail(Errc::not_found, "neither XDG_STATE_HOME nor HOME is set: no place for countersign's state");
}

Result<std::vector<HeldRequest>> pending_requests(const std::map<std::string, std::string>& env) {
  auto state = state_dir(env);
  if (!state) return std::unexpected(state.error());
  std::vector<HeldRequest> out;
  auto dir = guard_dir(*state) + "/pending";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    auto name = entry.path().filename().string();
    if (name.size() != 21 || !name.ends_with(".json") || !held::valid_request_id(name.substr(0, 16))) continue;
    auto text = files::read(entry.path().string(), 1u << 20);
    if (!text) continue;
    auto doc = json::parse(*text);
    if (!doc || !doc->is_object()) continue;
    auto field = [&](std::string_view k) {
      const auto* v = doc->get(k);
      return v && v->is_string() ? v->text : std::string();
    };
    HeldRequest r{field("id"), field("binding"), field("agent"), field("command"), field("cwd"),
                  field("environment"), field("created"), {}};
    if (const auto* rules = doc->get("rules"); rules && rules->is_array())
      for (const auto& rule : rules->items)
        if (rule.is_string()) r.rules.push_back(rule.text);
    r.approved = ::access(approved_path(*state, r.id).c_str(), F_OK) == 0;
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.created < b.created; });
  return out;
}

Result<ApprovalGrant> approve_request(std::string_view id, std::string_view approver, long ttl_seconds,
                                      const std::map<std::string, std::string>& env) {
  if (!held::valid_request_id(id))
    return fail(Errc::invalid_argument, "\"" + text::sanitize_utf8(id) + "\" is not a request id (16 hex digits)");
  if (ttl_seconds <= 0 || ttl_seconds > 24 * 3600)
    return fail(Errc::invalid_argument, "the approval lifetime must be between 1 second and 24 hours");
  if (approver.empty()) return fail(Errc::invalid_argument, "no approver name (set USER or pass --as)");
  auto state = state_dir(env);
  if (!state) return std::unexpected(state.error());
  auto request_text = files::read(pending_path(*state, id), 1u << 20);
  if (!request_text) return fail(Errc::not_found, "no held command with request id " + std::string(id));
  auto request = json::parse(*request_text);
  const json::Value* binding = request ? request->get("binding") : nullptr;
  if (!binding || !binding->is_string() || held::request_id(binding->text) != id)
    return fail(Errc::parse, "held request " + std::string(id) + " is malformed");
  auto key = approval_key(*state, true);
  if (!key) return std::unexpected(key.error());
  long long issued = files::now(), expires = issued + ttl_seconds;
  auto body = token_body(id, binding->text, approver, issued, expires);
  body += "mac " + mac(*key, body) + "\n";
  if (auto made = files::make_private_dirs(guard_dir(*state) + "/approved"); !made) return std::unexpected(made.error());
  if (auto w = files::write_atomically(approved_path(*state, id), body, 0600); !w) return std::unexpected(w.error());
  return ApprovalGrant{std::string(id), text::sanitize_utf8(approver), files::rfc3339(expires),
                       "local token (HMAC-SHA256, per-user key " + key_path(*state) + ")"};
}

}  // namespace cs::guard
