// See loose_guard.h. The guard is an object database backend that never serves an object: for a
// sound or absent loose file it passes the read on (GIT_PASSTHROUGH), for a damaged one it fails
// the read, which stops libgit2 before its own loose backend tries.
#include "countersign/git/loose_guard.h"

#include <dirent.h>
#include <fcntl.h>
#include <git2.h>
#include <git2/sys/odb_backend.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <string_view>
#include <vector>

namespace cs::git::detail {
namespace {

// Above libgit2's loose backend (priority 1); level with its packs (2).
constexpr int kGuardPriority = 2;

struct Guard {
  git_odb_backend parent;  // first: libgit2 hands back the address of this member
  std::string objects_dir;
};

std::optional<std::string> read_whole(const std::string& path, std::string& out, bool& absent) {
  absent = false;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      absent = true;
      return std::nullopt;
    }
    return std::string("cannot be opened: ") + std::strerror(errno);
  }
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return std::string("cannot be read: ") + std::strerror(e);
    }
    if (n == 0) break;
    out.append(buf, size_t(n));
  }
  ::close(fd);
  return std::nullopt;
}

// Inflates `data` to its end in pieces, checking the "<type> <size>\0" header against the length.
std::optional<std::string> inflate_damage(const std::string& data) {
  if (data.empty()) return std::string("the file is empty");
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return std::string("zlib could not be set up");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  unsigned char out[65536];
  std::string header;
  bool header_done = false;
  uint64_t body = 0;
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = out;
    z.avail_out = sizeof out;
    rc = inflate(&z, Z_NO_FLUSH);
    size_t got = sizeof out - z.avail_out;
    size_t i = 0;
    for (; !header_done && i < got && header.size() < 64; ++i) {
      if (out[i] == 0)
        header_done = true;
      else
        header += char(out[i]);
    }
    body += got - i;
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // wants more input than the file holds
  }
  inflateEnd(&z);
  if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT) return std::string("not a valid zlib stream");
  if (rc != Z_STREAM_END) return std::string("the zlib stream is cut short (truncated file)");
  if (z.avail_in != 0) return std::string("bytes follow the end of the zlib stream");
  size_t space = header.find(' ');
  if (!header_done || space == std::string::npos) return std::string("no object header");
  std::string kind = header.substr(0, space), digits = header.substr(space + 1);
  if (kind != "commit" && kind != "tree" && kind != "blob" && kind != "tag")
    return "unknown object type \"" + kind + "\"";
  if (digits.empty() || digits.size() > 19 || digits.find_first_not_of("0123456789") != std::string::npos)
    return std::string("malformed size in the object header");
  uint64_t size = std::stoull(digits);
  if (size != body)
    return "the header claims " + std::to_string(size) + " bytes but the object holds " + std::to_string(body);
  return std::nullopt;
}

constexpr std::string_view kDamaged = " is damaged: loose file ";

int refuse(const std::string& hex, const std::string& path, const std::string& why) {
  std::string msg = "object " + hex + std::string(kDamaged) + path + ": " + why;
  git_error_set_str(GIT_ERROR_ODB, msg.c_str());
  return GIT_ERROR;
}

int check(git_odb_backend* backend, const git_oid* oid) {
  auto* g = reinterpret_cast<Guard*>(backend);
  char hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, sizeof hex, oid);
  if (auto why = loose_damage(g->objects_dir, hex))
    return refuse(hex, g->objects_dir + "/" + std::string(hex, 2) + "/" + (hex + 2), *why);
  return GIT_PASSTHROUGH;
}

int guard_read(void**, size_t*, git_object_t*, git_odb_backend* b, const git_oid* oid) {
  return check(b, oid);
}

int guard_read_header(size_t*, git_object_t*, git_odb_backend* b, const git_oid* oid) {
  return check(b, oid);
}

// An abbreviated id: every loose file it could name is checked.
int guard_read_prefix(git_oid*, void**, size_t*, git_object_t*, git_odb_backend* b, const git_oid* short_id,
                      size_t len) {
  auto* g = reinterpret_cast<Guard*>(b);
  char hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, sizeof hex, short_id);
  if (len < 2 || len > GIT_OID_HEXSZ) return GIT_PASSTHROUGH;
  std::string dir = g->objects_dir + "/" + std::string(hex, 2);
  DIR* d = ::opendir(dir.c_str());
  if (!d) return GIT_PASSTHROUGH;
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.size() == GIT_OID_HEXSZ - 2 && name.compare(0, len - 2, hex + 2, len - 2) == 0) names.push_back(name);
  }
  ::closedir(d);
  for (const auto& name : names) {
    std::string full = std::string(hex, 2) + name;
    if (auto why = loose_damage(g->objects_dir, full)) return refuse(full, dir + "/" + name, *why);
  }
  return GIT_PASSTHROUGH;
}

void guard_free(git_odb_backend* b) {
  delete reinterpret_cast<Guard*>(b);
}

}  // namespace

std::optional<std::string> loose_damage(const std::string& objects_dir, const std::string& hex) {
  if (hex.size() != GIT_OID_HEXSZ) return std::nullopt;
  std::string path = objects_dir + "/" + hex.substr(0, 2) + "/" + hex.substr(2);
  std::string data;
  bool absent = false;
  if (auto why = read_whole(path, data, absent)) return why;
  if (absent) return std::nullopt;
  return inflate_damage(data);
}

std::optional<std::string> reported_damage() {
  const git_error* e = git_error_last();
  if (!e || !e->message || !std::string_view(e->message).starts_with("object ") ||
      std::string_view(e->message).find(kDamaged) == std::string_view::npos)
    return std::nullopt;
  return std::string(e->message);
}

bool guard_loose_objects(git_repository* repo, const std::string& objects_dir) {
  git_odb* odb = nullptr;
  if (git_repository_odb(&odb, repo) != 0) return false;
  auto* g = new (std::nothrow) Guard{};
  if (!g) {
    git_odb_free(odb);
    return false;
  }
  if (git_odb_init_backend(&g->parent, GIT_ODB_BACKEND_VERSION) != 0) {
    delete g;
    git_odb_free(odb);
    return false;
  }
  g->objects_dir = objects_dir;
  g->parent.read = guard_read;
  g->parent.read_header = guard_read_header;
  g->parent.read_prefix = guard_read_prefix;
  g->parent.free = guard_free;
  int rc = git_odb_add_backend(odb, &g->parent, kGuardPriority);  // the database owns it from here
  if (rc != 0) delete g;
  git_odb_free(odb);
  return rc == 0;
}

}  // namespace cs::git::detail
