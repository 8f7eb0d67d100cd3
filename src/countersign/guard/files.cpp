#include "countersign/guard/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace cs::guard::files {
namespace {

std::string errno_text() { return std::strerror(errno); }

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Result<void> make_private_dirs(const std::string& dir) {
  if (dir.empty()) return fail(Errc::invalid_argument, "empty directory path");
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    std::string prefix = dir.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST)
      return fail(Errc::io, "cannot create directory " + prefix + ": " + errno_text());
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return fail(Errc::io, dir + " is not a directory");
  return {};
}

Result<void> write_atomically(const std::string& path, std::string_view contents, unsigned mode) {
  static std::atomic<unsigned> counter{0};
  std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  Fd f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)};
  if (f.fd < 0) return fail(Errc::io, "cannot write " + tmp + ": " + errno_text());
  ::fchmod(f.fd, mode);
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(f.fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      auto e = errno_text();
      ::unlink(tmp.c_str());
      return fail(Errc::io, "cannot write " + tmp + ": " + e);
    }
    done += size_t(n);
  }
  if (::fsync(f.fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    auto e = errno_text();
    ::unlink(tmp.c_str());
    return fail(Errc::io, "cannot replace " + path + ": " + e);
  }
  return {};
}

Result<std::string> read(const std::string& path, size_t max_bytes) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) {
    if (errno == ENOENT) return fail(Errc::not_found, path + " does not exist");
    return fail(Errc::io, "cannot read " + path + ": " + errno_text());
  }
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(f.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(Errc::io, "cannot read " + path + ": " + errno_text());
    if (n == 0) break;
    out.append(buf, size_t(n));
    if (out.size() > max_bytes) return fail(Errc::io, path + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  return out;
}

// Calendar arithmetic, not gmtime_r: glibc's gmtime reads /etc/localtime (for leap seconds) on
// its first call, seven system calls in every hook process for a UTC time stamp.
std::string rfc3339(long long unix_seconds) {
  using namespace std::chrono;
  const sys_seconds t{seconds{unix_seconds}};
  const sys_days day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", int(ymd.year()), unsigned(ymd.month()),
                unsigned(ymd.day()), int(hms.hours().count()), int(hms.minutes().count()),
                int(hms.seconds().count()));
  return buf;
}

long long now() { return static_cast<long long>(std::time(nullptr)); }

}  // namespace cs::guard::files
