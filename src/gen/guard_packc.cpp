// Build-time compiler of the built-in guard packs: parses every embedded data/guard/*.yaml once,
// fails the build on any diagnostic (error or warning), and writes a C++ translation unit that
// holds each file's packs in compiled form (see guard/pack_codec.h).
// Usage: guard_packc <output.cpp>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "countersign/data/embedded.h"
#include "countersign/guard/pack_codec.h"

namespace {

// A C++ string literal for arbitrary bytes, in lines of about 100 characters.
std::string literal(std::string_view bytes) {
  std::string out = "\"";
  std::size_t line = 0;
  for (unsigned char c : bytes) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c >= 0x20 && c < 0x7f && c != '?') {
      out += char(c);
    } else {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\%03o", c);
      out += esc;
    }
    if (out.size() - line > 100) {
      out += "\"\n    \"";
      line = out.size();
    }
  }
  return out + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: guard_packc <output.cpp>\n");
    return 2;
  }
  std::string body =
      "// Generated at build time by src/gen/guard_packc.cpp from data/guard/*.yaml. Do not edit.\n"
      "#include \"countersign/guard/pack_codec.h\"\n\nnamespace cs::guard {\nnamespace {\n";
  std::string index;
  int n = 0;
  bool failed = false;
  for (const auto& f : cs::data::embedded_under("guard/")) {
    if (!f.path.ends_with(".yaml")) continue;
    std::vector<cs::guard::Diagnostic> diags;
    auto packs = cs::guard::load_packs(f.contents, "embedded:" + std::string(f.path), diags);
    for (const auto& d : diags) std::fprintf(stderr, "%s\n", d.describe().c_str());
    if (!diags.empty()) failed = true;
    std::string bytes = cs::guard::encode_packs(packs);
    body += "const char pack" + std::to_string(n) + "[] =\n    " + literal(bytes) + ";\n";
    index += "      {\"" + std::string(f.path) + "\", {pack" + std::to_string(n) + ", " + std::to_string(bytes.size()) +
             "}},\n";
    ++n;
  }
  if (failed) {
    std::fprintf(stderr, "guard_packc: the built-in packs have problems (above)\n");
    return 1;
  }
  body += "}  // namespace\n\nstd::span<const CompiledPackFile> compiled_pack_files() {\n"
          "  static const CompiledPackFile files[] = {\n" + index + "  };\n  return files;\n}\n\n}  // namespace cs::guard\n";
  std::string out = argv[1];
  std::ifstream existing(out, std::ios::binary);
  std::string old((std::istreambuf_iterator<char>(existing)), std::istreambuf_iterator<char>());
  if (old == body) return 0;  // unchanged: nothing to recompile
  std::ofstream(out + ".tmp", std::ios::binary) << body;
  if (std::rename((out + ".tmp").c_str(), out.c_str()) != 0) {
    std::fprintf(stderr, "guard_packc: cannot write %s\n", out.c_str());
    return 2;
  }
  return 0;
}
