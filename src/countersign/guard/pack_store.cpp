// The built-in packs: every data/guard/*.yaml file, each overridable through
// $COUNTERSIGN_DATA_DIR like any data file.
#include "countersign/guard/pack_store.h"

#include "countersign/data/embedded.h"

namespace cs::guard {

void load_builtin_packs(std::vector<Pack>& packs, std::vector<Diagnostic>& diags) {
  for (const auto& f : data::embedded_under("guard/")) {
    if (!f.path.ends_with(".yaml")) continue;
    auto file = data::load(f.path);
    if (!file) {
      diags.push_back({true, file.error().message, InputLocation{std::string(f.path), 0, 0, {}}});
      continue;
    }
    auto loaded = load_packs(file->contents, file->origin, diags);
    for (auto& p : loaded) packs.push_back(std::move(p));
  }
}

}  // namespace cs::guard
