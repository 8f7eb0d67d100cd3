// The built-in packs' compiled form (built at build time) against their YAML: the same packs,
// the same verdict on every corpus command, damaged forms rejected, overrides still parsed.
#include "countersign/guard/pack_codec.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "countersign/data/embedded.h"
#include "support/guard_corpus.h"
#include "support/test_support.h"

namespace cs::guard {
namespace {

std::vector<Pack> parse_yaml(const data::EmbeddedFile& f) {
  std::vector<Diagnostic> diags;
  auto packs = load_packs(f.contents, "embedded:" + std::string(f.path), diags);
  for (const auto& d : diags) ADD_FAILURE() << d.describe();
  return packs;
}

const CompiledPackFile* compiled(std::string_view path) {
  for (const auto& c : compiled_pack_files())
    if (c.path == path) return &c;
  return nullptr;
}

void expect_same(const Pack& a, const Pack& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.origin, b.origin);
  EXPECT_EQ(a.commands, b.commands);
  EXPECT_EQ(a.target, b.target);
  EXPECT_EQ(a.value_options, b.value_options);
  EXPECT_EQ(a.short_clusters, b.short_clusters);
  EXPECT_EQ(a.protected_branches, b.protected_branches);
  ASSERT_EQ(a.rules.size(), b.rules.size()) << a.name;
  for (std::size_t i = 0; i < a.rules.size(); ++i) {
    const Rule &x = a.rules[i], &y = b.rules[i];
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.severity, y.severity) << x.id;
    EXPECT_EQ(x.decision, y.decision) << x.id;
    EXPECT_EQ(x.explanation, y.explanation) << x.id;
    EXPECT_EQ(x.alternative, y.alternative) << x.id;
    EXPECT_TRUE(x.when == y.when) << x.id;
    EXPECT_TRUE(x.unless == y.unless) << x.id;
    EXPECT_EQ(x.where.file, y.where.file) << x.id;
    EXPECT_EQ(x.where.line, y.where.line) << x.id;
    EXPECT_EQ(x.where.column, y.where.column) << x.id;
    EXPECT_EQ(x.where.snippet, y.where.snippet) << x.id;
  }
  ASSERT_EQ(a.allow.size(), b.allow.size()) << a.name;
  for (std::size_t i = 0; i < a.allow.size(); ++i) {
    EXPECT_EQ(a.allow[i].id, b.allow[i].id);
    EXPECT_TRUE(a.allow[i].when == b.allow[i].when) << a.allow[i].id;
  }
}

TEST(GuardPackCodec, CompiledFormOfEveryBuiltinFileIsItsYamlParsed) {
  std::size_t yaml_files = 0;
  for (const auto& f : data::embedded_under("guard/")) {
    if (!f.path.ends_with(".yaml")) continue;
    ++yaml_files;
    const CompiledPackFile* c = compiled(f.path);
    ASSERT_NE(c, nullptr) << f.path << " has no compiled form";
    auto packs = parse_yaml(f);
    ASSERT_FALSE(packs.empty()) << f.path;
    EXPECT_EQ(encode_packs(packs), c->bytes) << f.path << ": compiled form differs from its YAML";
    std::vector<Pack> decoded;
    ASSERT_TRUE(decode_packs(c->bytes, decoded)) << f.path;
    ASSERT_EQ(decoded.size(), packs.size());
    EXPECT_EQ(encode_packs(decoded), c->bytes) << f.path << ": decoding is not exact";
    for (std::size_t i = 0; i < packs.size(); ++i) expect_same(decoded[i], packs[i]);
  }
  EXPECT_GE(yaml_files, 17u);
  EXPECT_EQ(compiled_pack_files().size(), yaml_files);
}

std::string describe(const Verdict& v) {
  std::string out = std::string(to_string(v.decision)) + " | " + v.reason + " | " + v.environment + " | " +
                    (v.production ? "prod" : "non-prod") + (v.dynamic ? " dynamic" : "") +
                    (v.malformed ? " malformed" : "");
  for (const auto& m : v.matches)
    out += "\n  " + m.rule + " " + std::string(to_string(m.decision)) + " " + m.environment + " " + m.command;
  for (const auto& c : v.commands) {
    out += "\n  cmd";
    for (const auto& a : c.argv) out += " [" + a + "]";
  }
  return out;
}

TEST(GuardPackCodec, CompiledAndYamlPacksClassifyTheWholeCorpusIdentically) {
  test::TempDir scratch;
  std::vector<std::string> errors;
  auto cases = test::guard_corpus::load(test::source_dir() / "tests/fixtures/guard", scratch.path(), errors);
  ASSERT_TRUE(errors.empty());
  ASSERT_GE(cases.size(), 600u);
  Config config;
  config.project_dir = "/home/agent/project";
  config.compiled_packs = true;
  auto from_compiled = Guard::load(config);
  config.compiled_packs = false;
  auto from_yaml = Guard::load(config);
  ASSERT_TRUE(from_compiled && from_yaml);
  EXPECT_EQ(from_compiled->rule_count(), from_yaml->rule_count());
  EXPECT_GT(from_compiled->rule_count(), 100u);
  int different = 0;
  for (const auto& c : cases) {
    Context ctx{"/home/agent/project", c.env};
    std::string a = describe(from_compiled->classify(c.command, ctx));
    std::string b = describe(from_yaml->classify(c.command, ctx));
    if (a == b) continue;
    if (++different <= 5) ADD_FAILURE() << c.file << ":" << c.line << ": " << c.command << "\ncompiled: " << a << "\nyaml: " << b;
  }
  EXPECT_EQ(different, 0) << "of " << cases.size() << " corpus commands";
}

TEST(GuardPackCodec, DamagedFormsAreRejectedWithoutTouchingTheOutput) {
  const CompiledPackFile* c = compiled("guard/docker.yaml");
  ASSERT_NE(c, nullptr);
  std::string bytes(c->bytes);
  std::vector<Pack> out(1);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    ASSERT_FALSE(decode_packs(std::string_view(bytes).substr(0, n), out)) << "prefix of " << n << " bytes";
    ASSERT_EQ(out.size(), 1u);
  }
  EXPECT_FALSE(decode_packs(bytes + "x", out)) << "trailing bytes";
  std::string wrong_version = bytes;
  wrong_version[wrong_version.find("-v2") + 2] = '9';
  EXPECT_FALSE(decode_packs(wrong_version, out));
  // Any single damaged byte either still decodes to some packs or is rejected; never a crash.
  for (std::size_t i = 0; i < bytes.size(); i += 7) {
    std::string damaged = bytes;
    damaged[i] = char(0xff);
    std::vector<Pack> packs;
    if (!decode_packs(damaged, packs)) {
      EXPECT_TRUE(packs.empty());
    }
  }
  EXPECT_TRUE(decode_packs(bytes, out));
  EXPECT_EQ(out.size(), 2u);
}

TEST(GuardPackCodec, HeadsWithTheirBodiesDecodedAreTheWholePacks) {
  for (const auto& c : compiled_pack_files()) {
    std::vector<Pack> whole;
    ASSERT_TRUE(decode_packs(c.bytes, whole)) << c.path;
    std::vector<EncodedPack> heads;
    ASSERT_TRUE(decode_pack_heads(c.bytes, heads)) << c.path;
    ASSERT_EQ(heads.size(), whole.size()) << c.path;
    std::vector<Pack> lazily;
    for (std::size_t i = 0; i < heads.size(); ++i) {
      EXPECT_TRUE(heads[i].pack.rules.empty() && heads[i].pack.allow.empty()) << "rules decoded with the head";
      EXPECT_EQ(heads[i].rules, whole[i].rules.size()) << heads[i].pack.name;
      ASSERT_TRUE(decode_pack_body(heads[i], heads[i].pack)) << heads[i].pack.name;
      expect_same(heads[i].pack, whole[i]);
      lazily.push_back(heads[i].pack);
    }
    EXPECT_EQ(encode_packs(lazily), c.bytes) << c.path;
  }
}

TEST(GuardPackCodec, ADamagedBodyIsRejectedWithoutTouchingThePack) {
  const CompiledPackFile* c = compiled("guard/docker.yaml");
  ASSERT_NE(c, nullptr);
  std::vector<EncodedPack> heads;
  ASSERT_TRUE(decode_pack_heads(c->bytes, heads));
  ASSERT_FALSE(heads.empty());
  EncodedPack head = heads[0];
  ASSERT_GT(head.rules, 0u);
  Pack untouched;
  untouched.rules.resize(1);
  untouched.rules[0].id = "kept";
  for (std::size_t n = 0; n < head.body.size(); ++n) {
    EncodedPack cut = head;
    cut.body = head.body.substr(0, n);
    Pack p = untouched;
    ASSERT_FALSE(decode_pack_body(cut, p)) << "body cut to " << n << " bytes";
    ASSERT_EQ(p.rules.size(), 1u);
    EXPECT_EQ(p.rules[0].id, "kept");
  }
  EncodedPack claims_more = head;
  ++claims_more.rules;
  Pack p;
  EXPECT_FALSE(decode_pack_body(claims_more, p)) << "a body with fewer rules than its head says";
  std::string longer = std::string(head.body) + "x";
  EncodedPack trailing = head;
  trailing.body = longer;
  EXPECT_FALSE(decode_pack_body(trailing, p)) << "trailing bytes";
}

TEST(GuardPackCodec, APackOverriddenThroughTheDataDirIsParsedFromItsYaml) {
  test::TempDir dir;
  std::filesystem::create_directories(dir.path() / "guard");
  std::ofstream(dir.path() / "guard/docker.yaml") << "pack: docker\ncommands: [docker]\nrules:\n"
                                                     "  - id: docker.ps.test-only\n    severity: critical\n"
                                                     "    decision: deny\n    when: {args: [ps]}\n"
                                                     "    explanation: test override\n    alternative: none\n";
  Context ctx{"/home/agent/project", {{"HOME", "/home/agent"}}};
  ::setenv("COUNTERSIGN_DATA_DIR", dir.path().c_str(), 1);
  auto overridden = Guard::load(Config{});
  ::unsetenv("COUNTERSIGN_DATA_DIR");
  ASSERT_TRUE(overridden) << overridden.error().describe();
  Verdict v = overridden->classify("docker ps", ctx);
  EXPECT_EQ(v.decision, Decision::deny);
  ASSERT_EQ(v.matches.size(), 1u);
  EXPECT_EQ(v.matches[0].rule, "docker.ps.test-only");
  // The override replaced the docker pack only: the other packs still come compiled.
  EXPECT_EQ(overridden->classify("git push --force origin main", ctx).decision, Decision::ask);
  EXPECT_EQ(overridden->classify("docker volume rm data", ctx).decision, Decision::allow);

  auto builtin = Guard::load(Config{});
  ASSERT_TRUE(builtin);
  EXPECT_EQ(builtin->classify("docker ps", ctx).decision, Decision::allow);
  EXPECT_NE(builtin->classify("docker volume rm data", ctx).decision, Decision::allow);
}

}  // namespace
}  // namespace cs::guard
