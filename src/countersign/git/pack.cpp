// Pack index lookup, object decoding and delta resolution (gitformat-pack(5)). Every length and
// offset read from a file is checked against the mapping before it is used: a damaged pack
// gives "absent", never a read out of bounds, and libgit2 then reports what is wrong with it.
#include "countersign/git/pack.h"

#include <fcntl.h>
#include <libdeflate.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace cs::git::detail {
namespace {

// Objects larger than this are left to libgit2. A header's size is only a claim until the data
// proves it, and the buffer for it is allocated first: the cap bounds what a damaged or hostile
// object can make the reader allocate.
constexpr uint64_t kMaxObject = uint64_t(64) << 20;
// Longer chains than git ever writes (its default is 50) mean a damaged or hostile pack.
constexpr size_t kMaxChain = 10000;

uint32_t be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }
uint64_t be64(const uint8_t* p) { return uint64_t(be32(p)) << 32 | be32(p + 4); }

std::optional<PackSet::Pack> open_pack(const std::string& idx_path, const std::string& pack_path) {
  auto index = Mapping::open(idx_path);
  auto data = Mapping::open(pack_path);
  if (!index || !data) return std::nullopt;
  const uint8_t* ix = index->data();
  const size_t isz = index->size();
  constexpr size_t kHeader = 8 + 256 * 4, kTrailer = 40;
  if (isz < kHeader + kTrailer || std::memcmp(ix, "\377tOc", 4) != 0 || be32(ix + 4) != 2) return std::nullopt;
  const uint8_t* fanout = ix + 8;
  for (int i = 1; i < 256; ++i)
    if (be32(fanout + 4 * i) < be32(fanout + 4 * (i - 1))) return std::nullopt;
  const uint64_t count = be32(fanout + 4 * 255);
  const uint64_t fixed = kHeader + count * 28 + kTrailer;
  if (fixed > isz || (isz - fixed) % 8 != 0) return std::nullopt;

  const uint8_t* pk = data->data();
  const size_t psz = data->size();
  if (psz < 12 + 20 || std::memcmp(pk, "PACK", 4) != 0) return std::nullopt;
  if (uint32_t v = be32(pk + 4); v != 2 && v != 3) return std::nullopt;
  if (be32(pk + 8) != count) return std::nullopt;
  // The index names the pack it was made for by the pack's checksum (as libgit2 and git check).
  if (std::memcmp(ix + isz - 40, pk + psz - 20, 20) != 0) return std::nullopt;

  PackSet::Pack p{std::move(*index), std::move(*data)};
  p.count = static_cast<uint32_t>(count);
  p.fanout = p.index.data() + 8;
  p.ids = p.fanout + 256 * 4;
  p.offsets = p.ids + count * 20 + count * 4;  // past the CRC table
  p.large = p.offsets + count * 4;
  p.large_count = (isz - fixed) / 8;
  p.data_end = psz - 20;
  return p;
}

struct Header {
  int type = 0;
  uint64_t size = 0;
  uint64_t data = 0;  // where the type-specific part starts
};

std::optional<Header> read_header(const PackSet::Pack& p, uint64_t at) {
  const uint8_t* d = p.data.data();
  if (at < 12 || at >= p.data_end) return std::nullopt;
  uint8_t c = d[at++];
  Header h;
  h.type = (c >> 4) & 7;
  h.size = c & 15;
  for (unsigned shift = 4; c & 0x80; shift += 7) {
    if (at >= p.data_end || shift > 57) return std::nullopt;
    c = d[at++];
    h.size |= uint64_t(c & 0x7f) << shift;
  }
  if (h.size > kMaxObject) return std::nullopt;
  h.data = at;
  return h;
}

}  // namespace

std::optional<Mapping> Mapping::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st{};
  void* p = MAP_FAILED;
  if (fstat(fd, &st) == 0 && st.st_size > 0)
    p = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) return std::nullopt;
  return Mapping(static_cast<const uint8_t*>(p), static_cast<size_t>(st.st_size));
}

Mapping::Mapping(Mapping&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

Mapping& Mapping::operator=(Mapping&& other) noexcept {
  std::swap(data_, other.data_);
  std::swap(size_, other.size_);
  return *this;
}

void Mapping::release() const {
  if (data_) madvise(const_cast<uint8_t*>(data_), size_, MADV_DONTNEED);
}

Mapping::~Mapping() {
  if (data_) munmap(const_cast<uint8_t*>(data_), size_);
}

std::shared_ptr<const PackSet> PackSet::open(const std::string& objects_dir) {
  auto set = std::make_shared<PackSet>();
  set->objects_dir_ = objects_dir;
  std::error_code ec;
  std::vector<std::string> indexes;
  for (const auto& e : std::filesystem::directory_iterator(objects_dir + "/pack", ec))
    if (e.path().extension() == ".idx") indexes.push_back(e.path().string());
  std::sort(indexes.begin(), indexes.end());
  for (const auto& idx : indexes) {
    if (set->packs_.size() >= 0xFFFF) break;  // the cache key holds 16 bits of pack number
    if (auto p = open_pack(idx, idx.substr(0, idx.size() - 4) + ".pack")) set->packs_.push_back(std::move(*p));
  }
  return set;
}

std::optional<uint64_t> PackSet::find_in(uint32_t pack, const ObjectId& id) const {
  const Pack& p = packs_[pack];
  const uint8_t first = id.bytes[0];
  uint32_t lo = first ? be32(p.fanout + 4 * (first - 1)) : 0, hi = be32(p.fanout + 4 * first);
  // Object ids are uniformly distributed, so the first probes interpolate on the next 8 bytes
  // (two or three probes find most ids, where halving takes a dozen cache misses); after that
  // it halves, so that no distribution of ids makes a lookup slow.
  const uint64_t want = be64(id.bytes.data() + 1);
  for (int probe = 0; lo < hi; ++probe) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (probe < 3 && hi - lo > 8) {
      uint64_t low = be64(p.ids + size_t(lo) * 20 + 1), high = be64(p.ids + size_t(hi - 1) * 20 + 1);
      if (want <= low) mid = lo;
      else if (want >= high) mid = hi - 1;
      else mid = lo + uint32_t((unsigned __int128)(want - low) * (hi - 1 - lo) / (high - low));
    }
    int c = std::memcmp(p.ids + size_t(mid) * 20, id.bytes.data(), 20);
    if (c == 0) {
      uint32_t off = be32(p.offsets + size_t(mid) * 4);
      if (!(off & 0x80000000u)) return off;
      size_t k = off & 0x7fffffffu;
      if (k >= p.large_count) return std::nullopt;
      return be64(p.large + k * 8);
    }
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return std::nullopt;
}

void PackSet::touched(uint64_t bytes) const {
  uint64_t before = touched_.fetch_add(bytes, std::memory_order_relaxed);
  if (before / kResidentBudget == (before + bytes) / kResidentBudget) return;
  for (const auto& p : packs_) {
    p.index.release();
    p.data.release();
  }
}

void PackSet::prefetch(const ObjectId& id) const {
  const uint8_t first = id.bytes[0];
  const uint64_t want = be64(id.bytes.data() + 1);
  for (const Pack& p : packs_) {
    uint32_t lo = first ? be32(p.fanout + 4 * (first - 1)) : 0, hi = be32(p.fanout + 4 * first);
    if (lo >= hi) continue;
    // Where a uniform id lands in its bucket: what the first interpolated probe will read.
    auto guess = lo + uint32_t((unsigned __int128)want * (hi - lo) >> 64);
    __builtin_prefetch(p.ids + size_t(guess) * 20);
    __builtin_prefetch(p.offsets + size_t(guess) * 4);
  }
}

std::optional<PackSet::Location> PackSet::find(const ObjectId& id) const {
  for (uint32_t i = 0; i < packs_.size(); ++i)
    if (auto off = find_in(i, id)) return Location{i, *off};
  return std::nullopt;
}

namespace {
constexpr size_t kSlots = 4096;                        // for a cache of 8 MB or more
constexpr size_t kRecentMax = 16 << 10;                // larger trees are not kept
constexpr size_t kRecentBudget = size_t(8) << 20;      // their buffers, all told
// Direct-mapped by the key's top bits; `slots` is a power of two.
size_t slot_of(uint64_t key, size_t slots) {
  return size_t((key * 0x9E3779B97F4A7C15ull) >> (64 - std::countr_zero(slots)));
}
// Fewer slots for a smaller cache: a reader made for a few objects (the guard's, in a hook
// process) would otherwise fault in a third of a megabyte of empty tables.
size_t slots_for(size_t cache_bytes) {
  return std::clamp<size_t>(std::bit_floor(std::max<size_t>(cache_bytes / 2048, 1)), 16, kSlots);
}
}  // namespace

ObjectReader::ObjectReader(std::shared_ptr<const PackSet> packs, size_t cache_bytes)
    : packs_(std::move(packs)),
      inflater_(libdeflate_alloc_decompressor()),
      fixed_inflater_(libdeflate_alloc_decompressor()),
      slots_(slots_for(cache_bytes)),
      cache_limit_(cache_bytes),
      recent_(slots_for(cache_bytes) / 2) {}

ObjectReader::~ObjectReader() {
  libdeflate_free_decompressor(inflater_);
  libdeflate_free_decompressor(fixed_inflater_);
  if (objects_fd_ >= 0) ::close(objects_fd_);
}

ObjectType ObjectReader::read(const ObjectId& id, std::string& out) {
  if (!packs_ || !inflater_ || !fixed_inflater_) return ObjectType::none;
  RecentTree& recent = recent_[size_t(be64(id.bytes.data() + 8)) & (recent_.size() - 1)];
  if (recent.used && recent.id == id) {
    out.assign(recent.content);
    return ObjectType::tree;
  }
  auto loc = packs_->find(id);
  packs_->touched(256);  // the index a lookup reads: a few cache lines
  ObjectType type = loc ? read_at(loc->pack, loc->offset, out) : read_loose(id, out);
  if (type == ObjectType::tree && out.size() <= kRecentMax) {
    if (recent_bytes_ + out.size() > kRecentBudget) {
      for (auto& r : recent_) {
        std::string().swap(r.content);
        r.used = false;
      }
      recent_bytes_ = 0;
    }
    recent_bytes_ += out.size() > recent.content.capacity() ? out.size() - recent.content.capacity() : 0;
    recent.id = id;
    recent.used = true;
    recent.content.assign(out);
  }
  return type;
}

bool ObjectReader::inflate(const PackSet::Pack& p, uint64_t at, size_t size, std::string& out) {
  if (at > p.data_end) return false;
  // resize, not resize_and_overwrite: libstdc++ 12 hands that one the grown capacity instead of
  // the size asked for, and small objects came back with stray bytes.
  out.resize(size);
  size_t got_in = 0, got_out = 0;
  // The first block's type: bits 1-2 of the byte after the two-byte zlib header (01 is fixed).
  bool fixed = p.data_end - at > 2 && ((p.data.data()[at + 2] >> 1) & 3) == 1;
  auto r = libdeflate_zlib_decompress_ex(fixed ? fixed_inflater_ : inflater_, p.data.data() + at, p.data_end - at,
                                         out.data(), size, &got_in, &got_out);
  packs_->touched(std::max<uint64_t>(got_in, 4096));  // at least the page it sits on
  return r == LIBDEFLATE_SUCCESS && got_out == size;
}

ObjectType ObjectReader::read_at(uint32_t pack, uint64_t offset, std::string& out) {
  const PackSet::Pack& p = packs_->pack(pack);
  auto key = [pack](uint64_t at) -> Key { return uint64_t(pack) << 48 | at; };
  std::vector<ChainStep>& chain = chain_;  // reused: a walk resolves chains all the time
  chain.clear();
  ObjectType type = ObjectType::none;
  // What the next delta applies to: a cached object (read in place, not copied) or base_. A
  // delta is applied in full before anything is cached, so a view never outlives its buffer.
  std::string_view base;
  for (uint64_t at = offset;;) {
    if (chain.size() > kMaxChain || (at >> 48) != 0) return ObjectType::none;
    if (const Slot* hit = cached(key(at))) {
      if (chain.empty()) {
        out.assign(hit->content);
        return hit->type;
      }
      base = hit->content;
      type = hit->type;
      break;
    }
    auto h = read_header(p, at);
    if (!h) return ObjectType::none;
    if (h->type >= 1 && h->type <= 4) {
      type = static_cast<ObjectType>(h->type);
      if (chain.empty()) return inflate(p, h->data, h->size, out) ? type : ObjectType::none;
      if (!inflate(p, h->data, h->size, base_)) return ObjectType::none;
      const Slot* kept = keep(key(at), type, base_);
      base = kept ? std::string_view(kept->content) : std::string_view(base_);
      break;
    }
    uint64_t next = 0, data = h->data;
    const uint8_t* d = p.data.data();
    if (h->type == 6) {  // OFS_DELTA: the base is a negative offset in this pack
      if (data >= p.data_end) return ObjectType::none;
      uint8_t c = d[data++];
      uint64_t back = c & 127;
      while (c & 128) {
        if (data >= p.data_end || back > (uint64_t(1) << 56)) return ObjectType::none;
        c = d[data++];
        back = ((back + 1) << 7) | (c & 127);
      }
      if (back == 0 || back > at) return ObjectType::none;
      next = at - back;
    } else if (h->type == 7) {  // REF_DELTA: the base is named by id, in this pack
      if (data + 20 > p.data_end) return ObjectType::none;
      ObjectId base_id;
      std::memcpy(base_id.bytes.data(), d + data, 20);
      data += 20;
      auto found = packs_->find_in(pack, base_id);
      if (!found) return ObjectType::none;
      next = *found;
    } else {
      return ObjectType::none;
    }
    chain.push_back({at, data, h->size});
    at = next;
  }
  for (size_t i = chain.size(); i-- > 0;) {
    if (!inflate(p, chain[i].data, chain[i].size, delta_)) return ObjectType::none;
    if (!apply_delta(base, delta_, out)) return ObjectType::none;
    if (i > 0) {
      if (const Slot* kept = keep(key(chain[i].offset), type, out)) {
        base = kept->content;
      } else {
        base_.swap(out);
        base = base_;
      }
    }
  }
  return type;
}

std::optional<uint64_t> ObjectReader::size_of(const ObjectId& id) {
  if (!packs_) return std::nullopt;
  auto loc = packs_->find(id);
  if (!loc) return std::nullopt;
  const PackSet::Pack& p = packs_->pack(loc->pack);
  auto h = read_header(p, loc->offset);
  if (!h) return std::nullopt;
  if (h->type >= 1 && h->type <= 4) return h->size;
  // A delta: the object's size is the second number of the delta itself, so only the first
  // bytes of it are inflated.
  uint64_t data = h->data;
  if (h->type == 6) {
    while (data < p.data_end && (p.data.data()[data] & 0x80)) ++data;
    ++data;
  } else if (h->type == 7) {
    data += 20;
  } else {
    return std::nullopt;
  }
  if (data >= p.data_end || !zlib_ready()) return std::nullopt;
  unsigned char head[20];
  z_stream& z = *zlib_;
  z.next_in = const_cast<Bytef*>(p.data.data() + data);
  z.avail_in = uInt(std::min<uint64_t>(p.data_end - data, uint64_t(1) << 30));
  z.next_out = head;
  z.avail_out = uInt(std::min<uint64_t>(sizeof head, h->size));
  int rc = ::inflate(&z, Z_SYNC_FLUSH);
  if (rc != Z_OK && rc != Z_STREAM_END) return std::nullopt;
  const size_t got = size_t(z.next_out - head);
  size_t at = 0;
  auto number = [&]() -> std::optional<uint64_t> {
    uint64_t v = 0;
    for (unsigned shift = 0; at < got && shift <= 63; shift += 7) {
      unsigned char c = head[at++];
      v |= uint64_t(c & 0x7f) << shift;
      if (!(c & 0x80)) return v;
    }
    return std::nullopt;
  };
  if (!number()) return std::nullopt;  // the base's size
  auto size = number();
  if (!size || *size > kMaxObject) return std::nullopt;
  return size;
}

bool ObjectReader::zlib_ready() {
  if (zlib_) return inflateReset(zlib_.get()) == Z_OK;
  auto* fresh = new z_stream{};
  if (inflateInit(fresh) != Z_OK) {
    delete fresh;
    return false;
  }
  zlib_ = {fresh, [](z_stream_s* s) {
             inflateEnd(s);
             delete s;
           }};
  return true;
}

// objects/xx/yyyy...: zlib of "<type> <size>\0<content>". Read whole (loose objects are what a
// few recent commands wrote: small) and inflated in one go.
ObjectType ObjectReader::read_loose(const ObjectId& id, std::string& out) {
  // Opened relative to the objects directory: a store of thousands of loose objects would
  // otherwise walk the whole path for each.
  if (objects_fd_ < 0) objects_fd_ = ::open(packs_->objects_dir().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (objects_fd_ < 0) return ObjectType::none;
  char name[42];
  std::string hex = id.hex();
  std::memcpy(name, hex.data(), 2);
  name[2] = '/';
  std::memcpy(name + 3, hex.data() + 2, 38);
  name[41] = '\0';
  int fd = ::openat(objects_fd_, name, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ObjectType::none;
  // Read to the end without asking the size first: most loose objects fit the first read.
  size_t have = 0;
  bool ok = true;
  for (;;) {
    if (loose_.size() < have + 16384) loose_.resize(have + 16384);
    ssize_t n = ::read(fd, loose_.data() + have, loose_.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = n == 0 && have > 0;
      break;
    }
    have += size_t(n);
    if (have > kMaxObject) {
      ok = false;
      break;
    }
  }
  ::close(fd);
  if (!ok) return ObjectType::none;
  // loose_ keeps its size (resizing it down and up again would clear the bytes each time).

  // One libdeflate pass into a buffer that usually fits (loose objects rarely shrink more than
  // 8:1), made larger when it does not, up to the largest object read at all.
  const size_t limit = size_t(kMaxObject) + 64;
  size_t cap = std::min(std::max<size_t>(have * 8, 4096), limit);
  const bool fixed = have > 2 && ((uint8_t(loose_[2]) >> 1) & 3) == 1;
  size_t length = 0;  // of the inflated object; inflated_ keeps its size, as loose_ does
  for (;;) {
    if (inflated_.size() < cap) inflated_.resize(cap);
    auto r = libdeflate_zlib_decompress(fixed ? fixed_inflater_ : inflater_, loose_.data(), have,
                                        inflated_.data(), cap, &length);
    if (r == LIBDEFLATE_SUCCESS) break;
    if (r != LIBDEFLATE_INSUFFICIENT_SPACE || cap == limit) return ObjectType::none;
    cap = std::min(cap * 4, limit);
  }
  std::string_view got(inflated_.data(), std::min<size_t>(length, 64));
  size_t nul = got.find('\0'), space = got.find(' ');
  if (nul == std::string_view::npos || space == std::string_view::npos || space > nul) return ObjectType::none;
  std::string_view kind = got.substr(0, space), digits = got.substr(space + 1, nul - space - 1);
  ObjectType type = kind == "commit" ? ObjectType::commit
                    : kind == "tree" ? ObjectType::tree
                    : kind == "blob" ? ObjectType::blob
                    : kind == "tag"  ? ObjectType::tag
                                     : ObjectType::none;
  uint64_t size = 0;
  if (type == ObjectType::none || digits.empty() || digits.size() > 12) return ObjectType::none;
  for (char c : digits) {
    if (c < '0' || c > '9') return ObjectType::none;
    size = size * 10 + uint64_t(c - '0');
  }
  if (size > kMaxObject || length != nul + 1 + size) return ObjectType::none;
  out.assign(inflated_, nul + 1, size);
  if (inflated_.size() > (size_t(1) << 20)) std::string().swap(inflated_);  // a large one passed
  if (loose_.size() > (size_t(1) << 20)) std::string().swap(loose_);
  return type;
}

const ObjectReader::Slot* ObjectReader::cached(Key key) const {
  const Slot& s = slots_[slot_of(key, slots_.size())];
  return s.key == key ? &s : nullptr;
}

const ObjectReader::Slot* ObjectReader::keep(Key key, ObjectType type, std::string& content) {
  if (content.size() > cache_limit_ / 16) return nullptr;
  Slot& s = slots_[slot_of(key, slots_.size())];
  if (s.key == key) return &s;
  if (cache_bytes_ - s.charged + std::max(s.charged, content.capacity()) > cache_limit_) {
    // Over budget: start again rather than keep large buffers for slots that no longer pay
    // (swapped out: assigning an empty string would keep each buffer).
    for (auto& slot : slots_) {
      std::string().swap(slot.content);
      slot.key = ~Key(0);
      slot.charged = 0;
    }
    cache_bytes_ = 0;
  }
  s.key = key;
  s.type = type;
  s.content.swap(content);  // the caller gets the slot's old buffer back to write into
  cache_bytes_ = cache_bytes_ - s.charged + s.content.capacity();
  s.charged = s.content.capacity();
  return &s;
}

bool apply_delta(std::string_view base, std::string_view delta, std::string& out) {
  size_t pos = 0;
  auto varint = [&](uint64_t& v) {
    v = 0;
    for (unsigned shift = 0;; shift += 7) {
      if (pos >= delta.size() || shift > 56) return false;
      auto c = static_cast<uint8_t>(delta[pos++]);
      v |= uint64_t(c & 0x7f) << shift;
      if (!(c & 0x80)) return true;
    }
  };
  uint64_t source_size = 0, target_size = 0;
  if (!varint(source_size) || !varint(target_size)) return false;
  if (source_size != base.size() || target_size > kMaxObject) return false;
  out.resize(target_size);
  char* buf = out.data();
  const size_t n = target_size;
  size_t w = 0;
  while (pos < delta.size()) {
    auto c = static_cast<uint8_t>(delta[pos++]);
    if (c & 0x80) {  // copy from the base
      uint64_t off = 0, len = 0;
      for (unsigned bit = 0; bit < 7; ++bit) {
        if (!(c & (1u << bit))) continue;
        if (pos >= delta.size()) return false;
        uint64_t byte = static_cast<uint8_t>(delta[pos++]);
        if (bit < 4) off |= byte << (8 * bit);
        else len |= byte << (8 * (bit - 4));
      }
      if (len == 0) len = 0x10000;
      if (off > base.size() || len > base.size() - off || len > n - w) return false;
      std::memcpy(buf + w, base.data() + off, len);
      w += len;
    } else if (c != 0) {  // insert literal bytes
      if (c > delta.size() - pos || c > n - w) return false;
      std::memcpy(buf + w, delta.data() + pos, c);
      pos += c;
      w += c;
    } else {
      return false;
    }
  }
  return w == n;
}

}  // namespace cs::git::detail
