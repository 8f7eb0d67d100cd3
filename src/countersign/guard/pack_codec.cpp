// The compiled form of rule packs: a length-prefixed byte string (LEB128 counts and lengths),
// written and read in the same field order. Each pack's rules and allow-list are one
// length-prefixed body after its other fields, so they can be left encoded and skipped. The
// decoder checks every length against what is left, so a damaged form is rejected instead of
// read past its end.
#include "countersign/guard/pack_codec.h"

#include <cstdint>

namespace cs::guard {
namespace {

constexpr std::string_view kMagic = "countersign-guard-packs-v2\n";

class Writer {
 public:
  void num(std::uint64_t n) {
    do {
      unsigned char b = n & 0x7f;
      n >>= 7;
      out_.push_back(char(n ? b | 0x80 : b));
    } while (n);
  }
  void str(std::string_view s) {
    num(s.size());
    out_.append(s);
  }
  void strs(const std::vector<std::string>& v) {
    num(v.size());
    for (const auto& s : v) str(s);
  }
  void alts(const Alternatives& a) { strs(a.alts); }
  void alts_list(const std::vector<Alternatives>& v) {
    num(v.size());
    for (const auto& a : v) alts(a);
  }
  void condition(const Condition& c) {
    alts(c.command);
    alts_list(c.args);
    alts_list(c.any_arg);
    strs(c.flags);
    strs(c.all_flags);
    strs(c.not_flags);
    num(c.values.size());
    for (const auto& [option, value] : c.values) {
      str(option);
      alts(value);
    }
    alts_list(c.words);
    strs(c.contains);
    strs(c.sql);
    strs(c.paths);
    str(c.path_args);
    str(c.check);
    num(c.dynamic);
  }
  void rule(const Rule& r) {
    str(r.id);
    num(std::uint64_t(r.severity));
    num(r.decision ? std::uint64_t(*r.decision) + 1 : 0);
    str(r.explanation);
    str(r.alternative);
    condition(r.when);
    num(r.unless.size());
    for (const auto& c : r.unless) condition(c);
    str(r.where.file);
    num(std::uint64_t(r.where.line));
    num(std::uint64_t(r.where.column));
    str(r.where.snippet);
  }
  void pack(const Pack& p) {
    str(p.name);
    str(p.origin);
    strs(p.commands);
    num(std::uint64_t(p.target));
    strs(p.value_options);
    num(p.short_clusters);
    strs(p.protected_branches);
    num(p.rules.size());
    Writer body;
    for (const auto& r : p.rules) body.rule(r);
    body.num(p.allow.size());
    for (const auto& a : p.allow) {
      body.str(a.id);
      body.condition(a.when);
    }
    str(body.out_);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return ok_ && in_.empty(); }

  std::uint64_t num() {
    std::uint64_t n = 0;
    for (int shift = 0; ok_; shift += 7) {
      if (in_.empty() || shift > 63) return fail();
      auto b = static_cast<unsigned char>(in_.front());
      in_.remove_prefix(1);
      n |= std::uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return n;
    }
    return 0;
  }
  // A count of items that each take at least one byte: bounded by what is left.
  std::size_t count() {
    std::uint64_t n = num();
    if (n > in_.size()) return fail();
    return std::size_t(n);
  }
  std::uint64_t below(std::uint64_t limit) {
    std::uint64_t n = num();
    return n < limit ? n : fail();
  }
  std::string_view view(std::size_t n) {
    if (!ok_) return {};
    std::string_view v = in_.substr(0, n);
    in_.remove_prefix(n);
    return v;
  }
  void str(std::string& s) { s.assign(view(count())); }
  void strs(std::vector<std::string>& v) {
    v.resize(count());
    for (auto& s : v) str(s);
  }
  void alts(Alternatives& a) { strs(a.alts); }
  void alts_list(std::vector<Alternatives>& v) {
    v.resize(count());
    for (auto& a : v) alts(a);
  }
  void condition(Condition& c) {
    alts(c.command);
    alts_list(c.args);
    alts_list(c.any_arg);
    strs(c.flags);
    strs(c.all_flags);
    strs(c.not_flags);
    c.values.resize(count());
    for (auto& [option, value] : c.values) {
      str(option);
      alts(value);
    }
    alts_list(c.words);
    strs(c.contains);
    strs(c.sql);
    strs(c.paths);
    str(c.path_args);
    str(c.check);
    c.dynamic = below(2) != 0;
  }
  void rule(Rule& r) {
    str(r.id);
    r.severity = Severity(below(4));
    if (auto d = below(4)) r.decision = Decision(d - 1);
    str(r.explanation);
    str(r.alternative);
    condition(r.when);
    r.unless.resize(count());
    for (auto& c : r.unless) condition(c);
    str(r.where.file);
    r.where.line = int(below(1u << 30));
    r.where.column = int(below(1u << 30));
    str(r.where.snippet);
  }
  void head(EncodedPack& e) {
    Pack& p = e.pack;
    str(p.name);
    str(p.origin);
    strs(p.commands);
    p.target = Target(below(std::uint64_t(Target::vault) + 1));
    strs(p.value_options);
    p.short_clusters = below(2) != 0;
    strs(p.protected_branches);
    e.rules = count();
    e.body = view(count());
  }
  void body(std::size_t rules, Pack& p) {
    p.rules.resize(rules);
    for (auto& r : p.rules) rule(r);
    p.allow.resize(count());
    for (auto& a : p.allow) {
      str(a.id);
      condition(a.when);
    }
  }

 private:
  std::uint64_t fail() {
    ok_ = false;
    in_ = {};
    return 0;
  }
  std::string_view in_;
  bool ok_ = true;
};

}  // namespace

std::string encode_packs(const std::vector<Pack>& packs) {
  Writer w;
  w.str(kMagic);
  w.num(packs.size());
  for (const auto& p : packs) w.pack(p);
  return w.take();
}

bool decode_pack_heads(std::string_view bytes, std::vector<EncodedPack>& out) {
  Reader r(bytes);
  if (r.view(r.count()) != kMagic) return false;
  std::vector<EncodedPack> packs(r.count());
  for (auto& p : packs) {
    if (!r.ok()) break;
    r.head(p);
  }
  if (!r.done()) return false;
  for (auto& p : packs) out.push_back(std::move(p));
  return true;
}

bool decode_pack_body(const EncodedPack& encoded, Pack& out) {
  Reader r(encoded.body);
  Pack p;
  r.body(encoded.rules, p);
  if (!r.done()) return false;
  out.rules = std::move(p.rules);
  out.allow = std::move(p.allow);
  return true;
}

bool decode_packs(std::string_view bytes, std::vector<Pack>& out) {
  std::vector<EncodedPack> heads;
  if (!decode_pack_heads(bytes, heads)) return false;
  for (auto& h : heads)
    if (!decode_pack_body(h, h.pack)) return false;
  for (auto& h : heads) out.push_back(std::move(h.pack));
  return true;
}

}  // namespace cs::guard
