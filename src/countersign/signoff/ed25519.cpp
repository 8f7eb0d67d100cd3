// Field arithmetic mod 2^255 - 19 in five 51-bit limbs, points in extended twisted Edwards
// coordinates (formulas of ref10 and "Twisted Edwards Curves Revisited"), and fixed-base tables
// of signed radix-256 digits: [S]B - [h]A costs at most 64 mixed additions and no doublings.
// Verification handles only public data, so it may take data-dependent branches and lookups.
#include "countersign/signoff/ed25519.h"

#include <sodium.h>

#include <cstring>
#include <vector>

namespace cs::signoff::ed25519 {
namespace {

using u64 = uint64_t;
using u128 = unsigned __int128;
constexpr u64 kMask = (u64{1} << 51) - 1;

// A field element; limbs may exceed 51 bits between operations (bounds noted per function).
struct Fe {
  u64 v[5];
};

constexpr u64 load64(const uint8_t* p) {
  u64 x = 0;
  for (int i = 7; i >= 0; --i) x = x << 8 | p[i];
  return x;
}

// The 255 low bits of a little-endian encoding (the top bit is the caller's).
constexpr Fe from_bytes(const uint8_t* s) {
  return {{load64(s) & kMask, (load64(s + 6) >> 3) & kMask, (load64(s + 12) >> 6) & kMask,
           (load64(s + 19) >> 1) & kMask, (load64(s + 24) >> 12) & kMask}};
}

[[gnu::always_inline]] inline Fe carried(Fe f) {
  u64 c;
  c = f.v[0] >> 51, f.v[0] &= kMask, f.v[1] += c;
  c = f.v[1] >> 51, f.v[1] &= kMask, f.v[2] += c;
  c = f.v[2] >> 51, f.v[2] &= kMask, f.v[3] += c;
  c = f.v[3] >> 51, f.v[3] &= kMask, f.v[4] += c;
  c = f.v[4] >> 51, f.v[4] &= kMask, f.v[0] += 19 * c;
  return f;
}

// Limbs below 2^53 each; the sum below 2^54.
constexpr Fe add(const Fe& a, const Fe& b) {
  return {{a.v[0] + b.v[0], a.v[1] + b.v[1], a.v[2] + b.v[2], a.v[3] + b.v[3], a.v[4] + b.v[4]}};
}

// a + 4p - b, carried: b's limbs must stay below 2^53 - 76 (any mul, sq, sub or single add output).
[[gnu::always_inline]] inline Fe sub(const Fe& a, const Fe& b) {
  constexpr u64 k4p0 = 0x1FFFFFFFFFFFB4, k4p = 0x1FFFFFFFFFFFFC;
  return carried({{a.v[0] + k4p0 - b.v[0], a.v[1] + k4p - b.v[1], a.v[2] + k4p - b.v[2], a.v[3] + k4p - b.v[3],
                   a.v[4] + k4p - b.v[4]}});
}

// Reduces five 128-bit column sums to limbs below 2^51 (limb 1 below 2^51 + 2^20). Inputs to
// mul and sq may have limbs up to 2^54: every column then stays below 2^115.
[[gnu::always_inline]] inline Fe reduce(u128 r0, u128 r1, u128 r2, u128 r3, u128 r4) {
  Fe h;
  r1 += r0 >> 51, h.v[0] = u64(r0) & kMask;
  r2 += r1 >> 51, h.v[1] = u64(r1) & kMask;
  r3 += r2 >> 51, h.v[2] = u64(r2) & kMask;
  r4 += r3 >> 51, h.v[3] = u64(r3) & kMask;
  u128 t = u128(h.v[0]) + (r4 >> 51) * 19;
  h.v[4] = u64(r4) & kMask;
  h.v[0] = u64(t) & kMask;
  h.v[1] += u64(t >> 51);
  return h;
}

[[gnu::always_inline]] inline Fe mul(const Fe& f, const Fe& g) {
  const u64 f0 = f.v[0], f1 = f.v[1], f2 = f.v[2], f3 = f.v[3], f4 = f.v[4];
  const u64 g0 = g.v[0], g1 = g.v[1], g2 = g.v[2], g3 = g.v[3], g4 = g.v[4];
  const u64 g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3, g4_19 = 19 * g4;
  u128 r0 = u128(f0) * g0 + u128(f1) * g4_19 + u128(f2) * g3_19 + u128(f3) * g2_19 + u128(f4) * g1_19;
  u128 r1 = u128(f0) * g1 + u128(f1) * g0 + u128(f2) * g4_19 + u128(f3) * g3_19 + u128(f4) * g2_19;
  u128 r2 = u128(f0) * g2 + u128(f1) * g1 + u128(f2) * g0 + u128(f3) * g4_19 + u128(f4) * g3_19;
  u128 r3 = u128(f0) * g3 + u128(f1) * g2 + u128(f2) * g1 + u128(f3) * g0 + u128(f4) * g4_19;
  u128 r4 = u128(f0) * g4 + u128(f1) * g3 + u128(f2) * g2 + u128(f3) * g1 + u128(f4) * g0;
  return reduce(r0, r1, r2, r3, r4);
}

[[gnu::always_inline]] inline Fe sq(const Fe& f) {
  const u64 f0 = f.v[0], f1 = f.v[1], f2 = f.v[2], f3 = f.v[3], f4 = f.v[4];
  const u64 f0_2 = 2 * f0, f1_2 = 2 * f1, f1_38 = 38 * f1, f2_38 = 38 * f2, f3_38 = 38 * f3, f3_19 = 19 * f3,
            f4_19 = 19 * f4;
  u128 r0 = u128(f0) * f0 + u128(f1_38) * f4 + u128(f2_38) * f3;
  u128 r1 = u128(f0_2) * f1 + u128(f2_38) * f4 + u128(f3_19) * f3;
  u128 r2 = u128(f0_2) * f2 + u128(f1) * f1 + u128(f3_38) * f4;
  u128 r3 = u128(f0_2) * f3 + u128(f1_2) * f2 + u128(f4_19) * f4;
  u128 r4 = u128(f0_2) * f4 + u128(f1_2) * f3 + u128(f2) * f2;
  return reduce(r0, r1, r2, r3, r4);
}

Fe sq_times(Fe f, int n) {
  while (n-- > 0) f = sq(f);
  return f;
}

// z^(2^250 - 1), and z^11 on the side: the common start of inversion and square roots.
Fe pow_2_250_1(const Fe& z, Fe& z11) {
  Fe z2 = sq(z);
  Fe z9 = mul(sq_times(z2, 2), z);
  z11 = mul(z9, z2);
  Fe z_5 = mul(sq(z11), z9);                    // 2^5 - 1
  Fe z_10 = mul(sq_times(z_5, 5), z_5);         // 2^10 - 1
  Fe z_20 = mul(sq_times(z_10, 10), z_10);      // 2^20 - 1
  Fe z_40 = mul(sq_times(z_20, 20), z_20);      // 2^40 - 1
  Fe z_50 = mul(sq_times(z_40, 10), z_10);      // 2^50 - 1
  Fe z_100 = mul(sq_times(z_50, 50), z_50);     // 2^100 - 1
  Fe z_200 = mul(sq_times(z_100, 100), z_100);  // 2^200 - 1
  return mul(sq_times(z_200, 50), z_50);        // 2^250 - 1
}

Fe invert(const Fe& z) {  // z^(p - 2) = z^(2^255 - 21)
  Fe z11;
  Fe t = pow_2_250_1(z, z11);
  return mul(sq_times(t, 5), z11);
}

Fe pow22523(const Fe& z) {  // z^((p - 5) / 8) = z^(2^252 - 3)
  Fe z11;
  Fe t = pow_2_250_1(z, z11);
  return mul(sq_times(t, 2), z);
}

// The canonical encoding: the value reduced below p.
void to_bytes(uint8_t out[32], const Fe& f) {
  Fe h = carried(carried(f));  // below 2^255 + 2^13: less than 2p
  u64 q = (h.v[0] + 19) >> 51;
  q = (h.v[1] + q) >> 51;
  q = (h.v[2] + q) >> 51;
  q = (h.v[3] + q) >> 51;
  q = (h.v[4] + q) >> 51;  // 1 when h >= p
  h.v[0] += 19 * q;
  u64 c;
  c = h.v[0] >> 51, h.v[0] &= kMask, h.v[1] += c;
  c = h.v[1] >> 51, h.v[1] &= kMask, h.v[2] += c;
  c = h.v[2] >> 51, h.v[2] &= kMask, h.v[3] += c;
  c = h.v[3] >> 51, h.v[3] &= kMask, h.v[4] += c;
  h.v[4] &= kMask;  // drops 2^255, completing the subtraction of p
  u64 w[4] = {h.v[0] | h.v[1] << 51, h.v[1] >> 13 | h.v[2] << 38, h.v[2] >> 26 | h.v[3] << 25,
              h.v[3] >> 39 | h.v[4] << 12};
  std::memcpy(out, w, 32);
}

bool is_zero(const Fe& f) {
  uint8_t b[32];
  to_bytes(b, f);
  uint8_t acc = 0;
  for (uint8_t x : b) acc |= x;
  return acc == 0;
}

bool is_negative(const Fe& f) {
  uint8_t b[32];
  to_bytes(b, f);
  return b[0] & 1;
}

constexpr uint8_t kD[32] = {0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75, 0xab, 0xd8, 0x41,
                            0x41, 0x4d, 0x0a, 0x70, 0x00, 0x98, 0xe8, 0x79, 0x77, 0x79, 0x40,
                            0xc7, 0x8c, 0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52};
constexpr uint8_t kSqrtM1[32] = {0xb0, 0xa0, 0x0e, 0x4a, 0x27, 0x1b, 0xee, 0xc4, 0x78, 0xe4, 0x2f,
                                 0xad, 0x06, 0x18, 0x43, 0x2f, 0xa7, 0xd7, 0xfb, 0x3d, 0x99, 0x00,
                                 0x4d, 0x2b, 0x0b, 0xdf, 0xc1, 0x4f, 0x80, 0x24, 0x83, 0x2b};
constexpr uint8_t kBase[32] = {0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                               0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                               0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66};
// The group order L, little-endian.
constexpr uint8_t kOrder[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

// Computed at compile time: nothing depends on the order static objects are made in.
constexpr Fe kOne = {{1, 0, 0, 0, 0}};
constexpr Fe kZero = {{0, 0, 0, 0, 0}};
constexpr Fe kFeD = from_bytes(kD);
constexpr Fe kFeD2 = add(kFeD, kFeD);
constexpr Fe kFeSqrtM1 = from_bytes(kSqrtM1);

struct P3 {  // x = X/Z, y = Y/Z, xy = T/Z
  Fe X, Y, Z, T;
};
struct Cached {  // a P3 ready to be added
  Fe YplusX, YminusX, Z, T2d;
};
}  // namespace

struct Niels {  // an affine point ready to be added: y + x, y - x, 2dxy
  Fe yplusx, yminusx, xy2d;
};

// Window i holds j * 256^i * P for j = 1..128.
struct PrecomputedKey::Table {
  static constexpr int kWindows = 32, kPerWindow = 128;
  std::vector<Niels> entries;  // kWindows * kPerWindow
  const Niels& at(int window, int j) const { return entries[size_t(window) * kPerWindow + size_t(j - 1)]; }
};

namespace {

using Table = PrecomputedKey::Table;

constexpr P3 kIdentity = {kZero, kOne, kOne, kZero};

// Mixed addition; the results of mul keep every sub and add within their bounds.
P3 madd(const P3& p, const Niels& q) {
  Fe a = mul(add(p.Y, p.X), q.yplusx), b = mul(sub(p.Y, p.X), q.yminusx), c = mul(q.xy2d, p.T), d = add(p.Z, p.Z);
  Fe e = sub(a, b), h = add(a, b), g = add(d, c), f = sub(d, c);
  return {mul(e, f), mul(h, g), mul(g, f), mul(e, h)};
}

P3 msub(const P3& p, const Niels& q) {  // p - q: q's x negated swaps y+x with y-x and negates 2dxy
  Fe a = mul(add(p.Y, p.X), q.yminusx), b = mul(sub(p.Y, p.X), q.yplusx), c = mul(q.xy2d, p.T), d = add(p.Z, p.Z);
  Fe e = sub(a, b), h = add(a, b), g = sub(d, c), f = add(d, c);
  return {mul(e, f), mul(h, g), mul(g, f), mul(e, h)};
}

P3 add(const P3& p, const Cached& q) {
  Fe a = mul(add(p.Y, p.X), q.YplusX), b = mul(sub(p.Y, p.X), q.YminusX), c = mul(q.T2d, p.T), zz = mul(p.Z, q.Z);
  Fe d = add(zz, zz);
  Fe e = sub(a, b), h = add(a, b), g = add(d, c), f = sub(d, c);
  return {mul(e, f), mul(h, g), mul(g, f), mul(e, h)};
}

P3 dbl(const P3& p) {
  Fe xx = sq(p.X), yy = sq(p.Y), zz = sq(p.Z), aa = sq(add(p.X, p.Y));
  Fe h = add(yy, xx), g = sub(yy, xx), c = add(zz, zz);
  Fe e = sub(aa, h), f = sub(c, g);
  return {mul(e, f), mul(h, g), mul(g, f), mul(e, h)};
}

Cached cached(const P3& p) {
  return {add(p.Y, p.X), sub(p.Y, p.X), p.Z, mul(p.T, kFeD2)};
}

bool is_identity(const P3& p) {
  return is_zero(p.X) && is_zero(sub(p.Y, p.Z));
}

bool small_order(P3 p) {
  for (int i = 0; i < 3; ++i) p = dbl(p);
  return is_identity(p);
}

// The point a 32-byte encoding names (y and the sign of x), or false when no point has it.
bool decode(P3& out, const uint8_t s[32]) {
  Fe y = from_bytes(s);
  Fe y2 = sq(y);
  Fe u = sub(y2, kOne), v = add(mul(y2, kFeD), kOne);
  Fe v3 = mul(sq(v), v);
  Fe x = mul(mul(pow22523(mul(mul(sq(v3), v), u)), v3), u);  // u v^3 (u v^7)^((p-5)/8)
  Fe vxx = mul(v, sq(x));
  if (!is_zero(sub(vxx, u))) {
    if (!is_zero(add(vxx, u))) return false;
    x = mul(x, kFeSqrtM1);
  }
  if (is_negative(x) != bool(s[31] >> 7)) x = sub(kZero, x);
  out = {x, y, kOne, mul(x, y)};
  return true;
}

// Below p, ignoring the sign bit: what libsodium calls canonical for a point.
bool canonical_point(const uint8_t s[32]) {
  if ((s[31] & 0x7f) != 0x7f || s[0] < 0xed) return true;
  for (int i = 1; i < 31; ++i)
    if (s[i] != 0xff) return true;
  return false;
}

bool canonical_scalar(const uint8_t s[32]) {  // below L
  for (int i = 31; i >= 0; --i)
    if (s[i] != kOrder[i]) return s[i] < kOrder[i];
  return false;
}

std::unique_ptr<Table> tabulate(P3 p) {
  auto t = std::make_unique<Table>();
  std::vector<P3> points;
  points.reserve(Table::kWindows * Table::kPerWindow);
  for (int w = 0; w < Table::kWindows; ++w) {
    const Cached step = cached(p);
    P3 acc = p;
    points.push_back(acc);
    for (int j = 2; j <= Table::kPerWindow; ++j) points.push_back(acc = add(acc, step));
    p = dbl(acc);  // 256 * 256^w * P
  }
  // Affine coordinates with one inversion for all (Montgomery's trick).
  std::vector<Fe> prefix(points.size());
  Fe run = kOne;
  for (size_t i = 0; i < points.size(); ++i) prefix[i] = run = mul(run, points[i].Z);
  Fe inv = invert(run);
  t->entries.resize(points.size());
  for (size_t i = points.size(); i-- > 0;) {
    Fe zi = i ? mul(inv, prefix[i - 1]) : inv;
    inv = mul(inv, points[i].Z);
    Fe x = mul(points[i].X, zi), y = mul(points[i].Y, zi);
    t->entries[i] = {carried(add(y, x)), sub(y, x), mul(mul(x, y), kFeD2)};
  }
  return t;
}

const Table& base_table() {
  static const std::unique_ptr<Table> table = [] {
    P3 b;
    decode(b, kBase);
    return tabulate(b);
  }();
  return *table;
}

// Signed radix-256 digits in [-128, 128) of a scalar below 2^253 (the last one in [0, 32]).
void digits_of(int8_t out[32], const uint8_t s[32]) {
  int carry = 0;
  for (int i = 0; i < 32; ++i) {
    int d = s[i] + carry;
    carry = d >= 128;
    out[i] = int8_t(d - 256 * carry);
  }
}

void accumulate(P3& acc, const Table& t, const uint8_t scalar[32], bool subtract) {
  int8_t d[32];
  digits_of(d, scalar);
  for (int w = 0; w < Table::kWindows; ++w) {
    if (d[w] == 0) continue;
    bool minus = (d[w] < 0) != subtract;
    const Niels& n = t.at(w, d[w] < 0 ? -d[w] : d[w]);
    acc = minus ? msub(acc, n) : madd(acc, n);
  }
}

}  // namespace

PrecomputedKey::~PrecomputedKey() = default;

std::unique_ptr<const PrecomputedKey> PrecomputedKey::make(std::span<const uint8_t, 32> public_key) {
  P3 a;
  if (!canonical_point(public_key.data()) || !decode(a, public_key.data()) || small_order(a)) return nullptr;
  std::unique_ptr<PrecomputedKey> k(new PrecomputedKey());
  std::memcpy(k->key_.data(), public_key.data(), 32);
  k->multiples_ = tabulate(a);
  base_table();
  return k;
}

bool PrecomputedKey::verify(std::span<const uint8_t, 64> signature, std::span<const uint8_t> message) const {
  const Signed one{signature, message};
  bool ok = false;
  verify_many({&one, 1}, {&ok, 1});
  return ok;
}

void PrecomputedKey::verify_many(std::span<const Signed> items, std::span<bool> ok) const {
  // [S]B - [h]A for each item whose S is canonical; the rest are refused outright.
  std::vector<P3> points;
  std::vector<size_t> of;  // points[j] belongs to items[of[j]]
  points.reserve(items.size());
  of.reserve(items.size());
  for (size_t k = 0; k < items.size(); ++k) {
    ok[k] = false;
    const uint8_t* r = items[k].signature.data();
    const uint8_t* s = r + 32;
    if (!canonical_scalar(s)) continue;
    crypto_hash_sha512_state st;
    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, r, 32);
    crypto_hash_sha512_update(&st, key_.data(), 32);
    crypto_hash_sha512_update(&st, items[k].message.data(), items[k].message.size());
    uint8_t wide[64], h[32];
    crypto_hash_sha512_final(&st, wide);
    crypto_core_ed25519_scalar_reduce(h, wide);
    P3 acc = kIdentity;
    accumulate(acc, base_table(), s, false);
    accumulate(acc, *multiples_, h, true);
    points.push_back(acc);
    of.push_back(k);
  }
  if (points.empty()) return;
  // 1/Z of every point from a single inversion.
  std::vector<Fe> prefix(points.size());
  Fe run = kOne;
  for (size_t j = 0; j < points.size(); ++j) prefix[j] = run = mul(run, points[j].Z);
  Fe inv = invert(run);
  for (size_t j = points.size(); j-- > 0;) {
    Fe zi = j ? mul(inv, prefix[j - 1]) : inv;
    inv = mul(inv, points[j].Z);
    uint8_t check[32];
    to_bytes(check, mul(points[j].Y, zi));
    check[31] ^= uint8_t(is_negative(mul(points[j].X, zi)) << 7);
    // R must be what [S]B - [h]A encodes to, and (as libsodium refuses such R outright) not a
    // point of small order.
    ok[of[j]] = std::memcmp(check, items[of[j]].signature.data(), 32) == 0 && !small_order(points[j]);
  }
}

}  // namespace cs::signoff::ed25519
