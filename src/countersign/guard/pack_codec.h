// Private to guard: the compiled form of rule packs. The built-in packs are parsed from YAML
// once, at build time (src/gen/guard_packc.cpp), and stored in the binary in this form, so a
// hook process decodes them with a few hundred string copies instead of running a YAML parser.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "countersign/guard/pack.h"

namespace cs::guard {

// The compiled packs of one data file (e.g. "guard/aws.yaml").
struct CompiledPackFile {
  std::string_view path;
  std::string_view bytes;
};

// Every built-in pack file in compiled form, sorted by path. Defined in the translation unit
// generated at build time (empty in the generator itself).
std::span<const CompiledPackFile> compiled_pack_files();

// Encodes packs exactly: decode(encode(p)) == p field by field.
std::string encode_packs(const std::vector<Pack>& packs);

// Appends the packs held in `bytes` to `out`. False, with `out` unchanged, when the bytes are
// not a complete encoding of this format version.
bool decode_packs(std::string_view bytes, std::vector<Pack>& out);

}  // namespace cs::guard
