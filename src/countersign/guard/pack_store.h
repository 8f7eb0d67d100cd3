// Private to guard: where the built-in packs come from (data/guard/*.yaml, embedded).
#pragma once

#include <vector>

#include "countersign/guard/pack.h"
#include "countersign/guard/pack_codec.h"

namespace cs::guard {

// Every built-in pack, in order. A file overridden through $COUNTERSIGN_DATA_DIR is parsed from
// its YAML; the others come from their form compiled at build time when `compiled` is true, with
// their rules left encoded (EncodedPack::body, for decode_pack_body()), else from their embedded
// YAML (the two give the same packs; tests check it). A pack parsed from YAML has an empty body.
void load_builtin_packs(std::vector<EncodedPack>& packs, std::vector<Diagnostic>& diags, bool compiled = true);

}  // namespace cs::guard
