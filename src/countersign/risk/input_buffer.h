// An input file held in memory with at least kPadding readable bytes after its end, as
// simdjson requires. Regular files are mapped (no copy: a 200 MB plan costs 200 MB of page
// cache, nothing more); other inputs are read into a padded heap buffer.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "countersign/core/error.h"

namespace cs::risk {

inline constexpr std::size_t kPadding = 128;  // >= SIMDJSON_PADDING

class InputBuffer {
 public:
  // Fails (Errc::invalid_argument) on an input larger than `max_bytes`: a file, or a pipe or
  // device such as /dev/zero that would otherwise be read without end.
  static Result<InputBuffer> load(const std::string& path, std::size_t max_bytes);
  static InputBuffer copy_of(std::string_view contents);

  InputBuffer(InputBuffer&&) noexcept;
  InputBuffer& operator=(InputBuffer&&) noexcept;
  ~InputBuffer();

  std::string_view view() const { return {data_, size_}; }

 private:
  InputBuffer() = default;
  const char* data_ = nullptr;
  std::size_t size_ = 0;
  void* map_ = nullptr;  // the reserved mapping, when mapped
  std::size_t map_size_ = 0;
  std::unique_ptr<char[]> heap_;
};

}  // namespace cs::risk
