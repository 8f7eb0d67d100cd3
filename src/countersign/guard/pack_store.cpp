// The built-in packs: every data/guard/*.yaml file, each overridable through
// $COUNTERSIGN_DATA_DIR like any data file.
#include "countersign/guard/pack_store.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "countersign/data/embedded.h"
#include "countersign/guard/pack_codec.h"

namespace cs::guard {
namespace {

bool overridden(std::string_view path) {
  const char* dir = std::getenv("COUNTERSIGN_DATA_DIR");
  if (!dir || !*dir) return false;
  std::string full = std::string(dir) + "/" + std::string(path);
  return ::access(full.c_str(), F_OK) == 0;
}

bool load_compiled(std::string_view path, std::vector<EncodedPack>& packs) {
  auto files = compiled_pack_files();
  auto it = std::lower_bound(files.begin(), files.end(), path,
                             [](const CompiledPackFile& f, std::string_view p) { return f.path < p; });
  return it != files.end() && it->path == path && decode_pack_heads(it->bytes, packs);
}

}  // namespace

void load_builtin_packs(std::vector<EncodedPack>& packs, std::vector<Diagnostic>& diags, bool compiled) {
  for (const auto& f : data::embedded_under("guard/")) {
    if (!f.path.ends_with(".yaml")) continue;
    if (compiled && !overridden(f.path) && load_compiled(f.path, packs)) continue;
    auto file = data::load(f.path);
    if (!file) {
      diags.push_back({true, file.error().message, InputLocation{std::string(f.path), 0, 0, {}}});
      continue;
    }
    auto loaded = load_packs(file->contents, file->origin, diags);
    for (auto& p : loaded) {
      std::size_t rules = p.rules.size();
      packs.push_back({std::move(p), rules, {}});
    }
  }
}

}  // namespace cs::guard
