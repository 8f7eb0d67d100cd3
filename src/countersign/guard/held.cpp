// Held requests and the approvals accepted for them, in the state directory. Approvals are read
// and used up through directory descriptors opened without following symlinks, so that nothing
// outside state/guard/ (a link planted in approved/ or used/) is read or marked. Whether an
// approval releases anything is not decided here: the trusted revision's check does that.
#include "countersign/guard/held.h"

#include <dirent.h>
#include <fcntl.h>
// Marker names use SHA256_Init/Update/Final, deprecated since OpenSSL 3.0 (see command_binding).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <utility>

#include "countersign/guard/files.h"
#include "countersign/guard/json.h"

namespace cs::guard {
namespace {

constexpr size_t kMaxApprovalFile = 32 * 1024;
constexpr size_t kMaxApprovalsPerRequest = 64;

std::string guard_dir(const std::string& state) {
  return state + "/guard";
}
std::string pending_path(const std::string& state, std::string_view id) {
  return guard_dir(state) + "/pending/" + std::string(id) + ".json";
}

std::string sha256_hex(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, text.data(), text.size());
  SHA256_Final(digest, &ctx);
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : digest) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(Fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd, o.fd);
    return *this;
  }
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  bool ok() const { return fd >= 0; }
};

// A directory under `parent`, never through a symlink; created 0700 when `create`. not_found when
// it is absent and not created.
Result<Fd> open_dir(int parent, const std::string& name, bool create, const std::string& shown) {
  Fd d{::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
  if (!d.ok() && errno == ENOENT && create) {
    if (::mkdirat(parent, name.c_str(), 0700) != 0 && errno != EEXIST) return fail(Errc::io, "cannot create " + shown);
    d = Fd{::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
  }
  if (d.ok()) return d;
  if (errno == ENOENT) return fail(Errc::not_found, shown + " does not exist");
  if (errno == ELOOP || errno == ENOTDIR)
    return fail(Errc::io, shown + " is a symlink or not a directory; approvals are only read from a real directory");
  return fail(Errc::io, "cannot open " + shown);
}

// state/guard/<sub...>, each level opened as above.
Result<Fd> open_chain(const std::string& state, std::initializer_list<std::string> names, bool create) {
  if (create)
    if (auto made = files::make_private_dirs(state); !made) return std::unexpected(made.error());
  Fd at{::open(state.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (!at.ok()) return fail(errno == ENOENT ? Errc::not_found : Errc::io, "cannot open " + state);
  std::string shown = state;
  for (const auto& n : names) {
    shown += "/" + n;
    auto next = open_dir(at.fd, n, create, shown);
    if (!next) return std::unexpected(next.error());
    at = std::move(*next);
  }
  return at;
}

Result<std::string> read_regular(int dir, const std::string& name, const std::string& shown) {
  struct stat st {};
  if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return fail(Errc::io, "cannot read " + shown);
  if (!S_ISREG(st.st_mode)) return fail(Errc::io, shown + " is a symlink or not a regular file");
  if (st.st_uid != ::getuid()) return fail(Errc::io, shown + " is not owned by this user");
  if (size_t(st.st_size) > kMaxApprovalFile) return fail(Errc::io, shown + " is too large to be an approval");
  Fd f{::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)};
  if (!f.ok()) return fail(Errc::io, "cannot read " + shown);
  std::string out(kMaxApprovalFile + 1, '\0');
  size_t have = 0;
  for (ssize_t n; have < out.size() && (n = ::read(f.fd, out.data() + have, out.size() - have)) > 0;) have += size_t(n);
  if (have > kMaxApprovalFile) return fail(Errc::io, shown + " is too large to be an approval");
  out.resize(have);
  return out;
}

bool valid_key(std::string_view key) {
  return key.size() == 64 && key.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::vector<std::string> entries(int dir) {
  std::vector<std::string> out;
  int copy = ::dup(dir);
  if (copy < 0) return out;
  std::unique_ptr<DIR, int (*)(DIR*)> d(::fdopendir(copy), ::closedir);
  if (!d) {
    ::close(copy);
    return out;
  }
  while (auto* e = ::readdir(d.get())) {
    std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(std::move(name));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

namespace held {

std::string request_id(std::string_view b) {
  return std::string(b.substr(0, 16));
}

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
  doc.set("block", json::Value::string_of(r.block));
  return files::write_atomically(path, json::write(doc), 0600);
}

Result<std::vector<std::string>> waiting_approvals(const std::string& state, std::string_view id) {
  if (!valid_request_id(id)) return fail(Errc::invalid_argument, "not a request id");
  auto dir = open_chain(state, {"guard", "approved", std::string(id)}, false);
  if (!dir) {
    if (dir.error().code == Errc::not_found) return std::vector<std::string>{};
    return std::unexpected(dir.error());
  }
  std::vector<std::string> out;
  for (const auto& name : entries(dir->fd)) {
    const std::string shown = guard_dir(state) + "/approved/" + std::string(id) + "/" + name;
    if (!name.ends_with(".approval")) continue;  // temporary files of an accept under way
    if (out.size() >= kMaxApprovalsPerRequest)
      return fail(Errc::io, "more than " + std::to_string(kMaxApprovalsPerRequest) + " approvals for one request");
    auto text = read_regular(dir->fd, name, shown);
    if (!text) return std::unexpected(text.error());
    out.push_back(std::move(*text));
  }
  return out;
}

bool used(const std::string& state, std::string_view key) {
  if (!valid_key(key)) return true;
  auto dir = open_chain(state, {"guard", "used"}, false);
  if (!dir) return dir.error().code != Errc::not_found;  // a used/ we cannot read: count it used
  struct stat st {};
  return ::fstatat(dir->fd, std::string(key).c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
}

Result<bool> consume(const std::string& state, std::string_view id, const std::vector<std::string>& keys) {
  if (keys.empty()) return false;
  for (const auto& k : keys)
    if (!valid_key(k)) return fail(Errc::invalid_argument, "not an approval key");
  auto dir = open_chain(state, {"guard", "used"}, true);
  if (!dir) return std::unexpected(dir.error());
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  for (const auto& key : sorted) {
    Fd marker{::openat(dir->fd, key.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)};
    // The first marker is the lock: another retry made it first. A later one exists only when
    // someone else is using the same approvals right now.
    if (!marker.ok() && errno == EEXIST) return false;
    if (!marker.ok()) return fail(Errc::io, "cannot mark an approval used in " + guard_dir(state) + "/used");
  }
  if (auto approved = open_chain(state, {"guard", "approved", std::string(id)}, false)) {
    for (const auto& name : entries(approved->fd)) ::unlinkat(approved->fd, name.c_str(), 0);
    if (auto parent = open_chain(state, {"guard", "approved"}, false))
      ::unlinkat(parent->fd, std::string(id).c_str(), AT_REMOVEDIR);
  }
  ::unlink(pending_path(state, id).c_str());
  return true;
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
    HeldRequest r{field("id"),      field("binding"),
                  field("agent"),   field("command"),
                  field("cwd"),     field("environment"),
                  field("created"), {},
                  field("block"),   0};
    if (const auto* rules = doc->get("rules"); rules && rules->is_array())
      for (const auto& rule : rules->items)
        if (rule.is_string()) r.rules.push_back(rule.text);
    if (auto waiting = held::waiting_approvals(*state, name.substr(0, 16))) r.approvals = waiting->size();
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.created < b.created; });
  return out;
}

Result<std::string> accept_approval(std::string_view request_id, std::string_view block,
                                    const std::map<std::string, std::string>& env) {
  if (!held::valid_request_id(request_id))
    return fail(Errc::invalid_argument, "the approval names no valid request id");
  if (block.size() > kMaxApprovalFile) return fail(Errc::invalid_argument, "the approval is too large");
  auto state = state_dir(env);
  if (!state) return std::unexpected(state.error());
  const std::string id(request_id);
  auto dir = open_chain(*state, {"guard", "approved", id}, true);
  if (!dir) return std::unexpected(dir.error());
  const std::string name = sha256_hex(block).substr(0, 32) + ".approval";
  const std::string tmp = name + ".tmp." + std::to_string(::getpid());
  Fd f{::openat(dir->fd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)};
  if (!f.ok()) return fail(Errc::io, "cannot write the approval into " + guard_dir(*state) + "/approved/" + id);
  bool written = ::write(f.fd, block.data(), block.size()) == ssize_t(block.size()) && ::fsync(f.fd) == 0;
  if (!written || ::renameat(dir->fd, tmp.c_str(), dir->fd, name.c_str()) != 0) {
    ::unlinkat(dir->fd, tmp.c_str(), 0);
    return fail(Errc::io, "cannot write the approval into " + guard_dir(*state) + "/approved/" + id);
  }
  return guard_dir(*state) + "/approved/" + id + "/" + name;
}

}  // namespace cs::guard
