#include "countersign/data/embedded.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace cs::data {

Result<DataFile> load(std::string_view path) {
  if (const char* dir = std::getenv("COUNTERSIGN_DATA_DIR"); dir && *dir) {
    std::string full = std::string(dir) + "/" + std::string(path);
    std::ifstream in(full, std::ios::binary);
    if (in) {
      std::ostringstream buf;
      buf << in.rdbuf();
      return DataFile{full, buf.str()};
    }
  }
  for (const auto& f : embedded_files())
    if (f.path == path) return DataFile{"embedded:" + std::string(path), std::string(f.contents)};
  return fail(Errc::not_found, "no data file named " + std::string(path));
}

std::span<const EmbeddedFile> embedded_under(std::string_view prefix) {
  auto all = embedded_files();
  auto first = std::find_if(all.begin(), all.end(), [&](const EmbeddedFile& f) { return f.path.starts_with(prefix); });
  auto last = std::find_if(first, all.end(), [&](const EmbeddedFile& f) { return !f.path.starts_with(prefix); });
  return {first, last};
}

}  // namespace cs::data
