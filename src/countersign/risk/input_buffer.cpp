#include "countersign/risk/input_buffer.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace cs::risk {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::size_t page_round(std::size_t n) {
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return (n + page - 1) / page * page;
}

}  // namespace

InputBuffer InputBuffer::copy_of(std::string_view contents) {
  InputBuffer b;
  b.heap_ = std::make_unique<char[]>(contents.size() + kPadding);
  if (!contents.empty()) std::memcpy(b.heap_.get(), contents.data(), contents.size());
  std::memset(b.heap_.get() + contents.size(), 0, kPadding);
  b.data_ = b.heap_.get();
  b.size_ = contents.size();
  return b;
}

Result<InputBuffer> InputBuffer::load(const std::string& path, std::size_t max_bytes) {
  auto too_large = [&] {
    return fail(Errc::invalid_argument, path + ": larger than the input limit of " + std::to_string(max_bytes >> 20) +
                                            " MiB (--max-input)");
  };
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return fail(errno == ENOENT ? Errc::not_found : Errc::io, path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return fail(Errc::io, path + ": " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return fail(Errc::invalid_argument, path + ": is a directory");

  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    // Reserve size + padding of zero pages, then map the file over the start: the bytes after
    // the end of the file are readable zeros, and the file itself is never copied.
    const auto size = static_cast<std::size_t>(st.st_size);
    if (size > max_bytes) return too_large();
    const std::size_t total = page_round(size + kPadding);
    void* base = ::mmap(nullptr, total, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return fail(Errc::io, path + ": cannot map: " + std::strerror(errno));
    void* file = ::mmap(base, size, PROT_READ, MAP_PRIVATE | MAP_FIXED | MAP_POPULATE, f.fd, 0);
    if (file == MAP_FAILED) {
      int e = errno;
      ::munmap(base, total);
      return fail(Errc::io, path + ": cannot map: " + std::strerror(e));
    }
    ::madvise(base, size, MADV_SEQUENTIAL);
    InputBuffer b;
    b.map_ = base;
    b.map_size_ = total;
    b.data_ = static_cast<const char*>(base);
    b.size_ = size;
    return b;
  }

  // Pipes, character devices, empty files: read everything.
  std::string all;
  char chunk[1 << 16];
  for (;;) {
    ssize_t n = ::read(f.fd, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Errc::io, path + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    if (all.size() + static_cast<std::size_t>(n) > max_bytes) return too_large();
    all.append(chunk, static_cast<std::size_t>(n));
  }
  return copy_of(all);
}

InputBuffer::InputBuffer(InputBuffer&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)),
      size_(std::exchange(o.size_, 0)),
      map_(std::exchange(o.map_, nullptr)),
      map_size_(std::exchange(o.map_size_, 0)),
      heap_(std::move(o.heap_)) {}

InputBuffer& InputBuffer::operator=(InputBuffer&& o) noexcept {
  if (this != &o) {
    if (map_) ::munmap(map_, map_size_);
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
    map_ = std::exchange(o.map_, nullptr);
    map_size_ = std::exchange(o.map_size_, 0);
    heap_ = std::move(o.heap_);
  }
  return *this;
}

InputBuffer::~InputBuffer() {
  if (map_) ::munmap(map_, map_size_);
}

}  // namespace cs::risk
