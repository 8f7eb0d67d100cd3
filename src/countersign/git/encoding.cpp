#include "countersign/git/encoding.h"

#include <iconv.h>

#include <cerrno>
#include <memory>

#include "countersign/core/text.h"

namespace cs::git::detail {
namespace {

struct IconvClose {
  void operator()(void* cd) const noexcept { iconv_close(static_cast<iconv_t>(cd)); }
};
using Converter = std::unique_ptr<void, IconvClose>;

bool is_utf8(std::string_view encoding) {
  return text::iequals(encoding, "utf-8") || text::iequals(encoding, "utf8");
}

void convert_in_place(std::string& field, const std::string& encoding) {
  if (auto decoded = to_utf8(field, encoding)) field = std::move(*decoded);
}

}  // namespace

std::optional<std::string> to_utf8(std::string_view bytes, const std::string& encoding) {
  iconv_t raw = iconv_open("UTF-8", encoding.c_str());
  if (raw == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
  Converter cd(raw);
  std::string out;
  std::string in(bytes);  // iconv takes a non-const input pointer
  char* src = in.data();
  size_t src_left = in.size();
  char buf[4096];
  while (src_left > 0) {
    char* dst = buf;
    size_t dst_left = sizeof buf;
    size_t rc = iconv(raw, &src, &src_left, &dst, &dst_left);
    out.append(buf, size_t(dst - buf));
    if (rc == size_t(-1) && errno != E2BIG) return std::nullopt;  // EILSEQ, EINVAL: not this encoding
  }
  char* dst = buf;
  size_t dst_left = sizeof buf;
  if (iconv(raw, nullptr, nullptr, &dst, &dst_left) == size_t(-1)) return std::nullopt;  // shift state
  out.append(buf, size_t(dst - buf));
  return out;
}

void decode_commit_text(Commit& commit, const std::string& encoding) {
  if (encoding.empty() || is_utf8(encoding)) return;
  for (std::string* field :
       {&commit.author.name, &commit.author.email, &commit.committer.name, &commit.committer.email, &commit.message})
    convert_in_place(*field, encoding);
}

}  // namespace cs::git::detail
