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

// A pack decoded but for its rules and allow-list, which stay encoded in `body` (a view into
// the bytes decoded) until decode_pack_body(): a hook judges one command, which needs the
// rules of one or two packs, and decoding all of them was most of its run time.
struct EncodedPack {
  Pack pack;              // every field but rules and allow
  std::size_t rules = 0;  // how many rules `body` holds
  std::string_view body;
};

// Appends the packs held in `bytes` to `out`, their bodies still encoded. False, with `out`
// unchanged, when the bytes are not a complete encoding of this format version; the bodies
// themselves are checked by decode_pack_body().
bool decode_pack_heads(std::string_view bytes, std::vector<EncodedPack>& out);

// Decodes `encoded.body` into out.rules and out.allow. False, with `out` unchanged, when the
// body is damaged.
bool decode_pack_body(const EncodedPack& encoded, Pack& out);

}  // namespace cs::guard
