// Private to guard: where the built-in packs come from (data/guard/*.yaml, embedded).
#pragma once

#include <vector>

#include "countersign/guard/pack.h"

namespace cs::guard {

// Every built-in pack. A file overridden through $COUNTERSIGN_DATA_DIR is parsed from its YAML;
// the others come from their form compiled at build time when `compiled` is true, else from
// their embedded YAML (the two give the same packs; tests check it).
void load_builtin_packs(std::vector<Pack>& packs, std::vector<Diagnostic>& diags, bool compiled = true);

}  // namespace cs::guard
