// Private to guard: where the built-in packs come from (data/guard/*.yaml, embedded).
#pragma once

#include <vector>

#include "countersign/guard/pack.h"

namespace cs::guard {

void load_builtin_packs(std::vector<Pack>& packs, std::vector<Diagnostic>& diags);

}  // namespace cs::guard
