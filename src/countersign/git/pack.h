// Reading objects straight from a repository's pack files (private to git/). libgit2 reads a
// commit through a general object database with locks, a shared cache and zlib streams; a walk
// over a whole history spends most of its time there. Here each thread owns an ObjectReader
// over the shared, immutable pack maps: one whole-buffer inflate per object (libdeflate) and a
// small cache of delta bases. Anything it cannot read (loose objects, alternates, a damaged or
// unfamiliar pack) it reports as absent, and the caller asks libgit2, which also gives the error.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "countersign/git/git.h"

struct libdeflate_decompressor;
struct z_stream_s;

namespace cs::git::detail {

enum class ObjectType : uint8_t { none = 0, commit = 1, tree = 2, blob = 3, tag = 4 };

// Reads objects from the packs of one objects directory and from its loose objects.
// A read-only memory map of a whole file.
class Mapping {
 public:
  static std::optional<Mapping> open(const std::string& path);
  Mapping(Mapping&& other) noexcept;
  Mapping& operator=(Mapping&& other) noexcept;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping();

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  // Drops the pages read so far from this process's memory (they stay in the page cache and
  // come back on the next read): a mapping read end to end would otherwise stay resident.
  void release() const;

 private:
  Mapping(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// The version-2 pack indexes and packs of one objects directory, mapped once and shared by
// every thread's reader.
class PackSet {
 public:
  // Every pack under `objects_dir`/pack with a usable version-2 index; packs that are not are
  // left to libgit2. Never fails: an empty set simply finds nothing.
  static std::shared_ptr<const PackSet> open(const std::string& objects_dir);

  struct Location {
    uint32_t pack = 0;
    uint64_t offset = 0;
  };
  std::optional<Location> find(const ObjectId& id) const;
  std::optional<uint64_t> find_in(uint32_t pack, const ObjectId& id) const;
  // Starts loading the index lines where `id` most likely sits, for a lookup soon after (a walk
  // knows a commit's parents one step before it reads them).
  void prefetch(const ObjectId& id) const;
  size_t pack_count() const { return packs_.size(); }
  size_t object_count() const {
    size_t n = 0;
    for (const auto& p : packs_) n += p.count;
    return n;
  }

  // Readers report roughly how much of the maps they touch; every `kResidentBudget` bytes the
  // maps are released, so a walk over a whole history keeps a bounded part of them resident.
  static constexpr uint64_t kResidentBudget = uint64_t(128) << 20;
  void touched(uint64_t bytes) const;

  struct Pack {
    Mapping index;
    Mapping data;
    uint32_t count = 0;
    const uint8_t* fanout = nullptr;    // 256 big-endian counts
    const uint8_t* ids = nullptr;       // count * 20 bytes, sorted
    const uint8_t* offsets = nullptr;   // count big-endian 32-bit offsets
    const uint8_t* large = nullptr;     // big-endian 64-bit offsets for entries with the top bit set
    size_t large_count = 0;
    uint64_t data_end = 0;              // the pack's size without its trailing checksum
  };
  const Pack& pack(uint32_t i) const { return packs_[i]; }
  const std::string& objects_dir() const { return objects_dir_; }

 private:
  std::string objects_dir_;
  std::vector<Pack> packs_;
  mutable std::atomic<uint64_t> touched_{0};
};

// One thread's reader: not shareable, cheap to make.
class ObjectReader {
 public:
  explicit ObjectReader(std::shared_ptr<const PackSet> packs, size_t cache_bytes = size_t(8) << 20);
  ObjectReader(const ObjectReader&) = delete;
  ObjectReader& operator=(const ObjectReader&) = delete;
  ~ObjectReader();

  // Reads object `id` into `out`: its type, or ObjectType::none when no pack here can give it.
  ObjectType read(const ObjectId& id, std::string& out);
  // The size of `id` when a pack holds it: from its header, or for a delta from the first bytes
  // of the delta.
  std::optional<uint64_t> size_of(const ObjectId& id);

 private:
  using Key = uint64_t;  // pack number in the top 16 bits, offset below
  struct Slot {
    Key key = ~Key(0);
    ObjectType type = ObjectType::none;
    std::string content;  // its capacity is kept: refilling a slot rarely allocates
    size_t charged = 0;   // what this slot counts against the cache's budget
  };
  ObjectType read_at(uint32_t pack, uint64_t offset, std::string& out);
  ObjectType read_loose(const ObjectId& id, std::string& out);
  bool inflate(const PackSet::Pack& p, uint64_t at, size_t size, std::string& out);
  const Slot* cached(Key key) const;
  // Caches `content` under `key` by taking its buffer (`content` gets the slot's old one);
  // nullptr when it is not cached (too large).
  const Slot* keep(Key key, ObjectType type, std::string& content);

  std::shared_ptr<const PackSet> packs_;
  // Two inflaters: one for streams that start with a fixed-Huffman block (small deltas), one for
  // the rest. libdeflate keeps the fixed tables built until a dynamic block overwrites them, and
  // a walk mixes both kinds on every object.
  libdeflate_decompressor* inflater_ = nullptr;
  libdeflate_decompressor* fixed_inflater_ = nullptr;
  // Delta bases, direct-mapped by pack position (git's delta_base_cache keeps recently used
  // bases the same way): a walk over history reads each chain's newer members right after the
  // older ones it was built from.
  std::vector<Slot> slots_;
  size_t cache_limit_ = 0;
  size_t cache_bytes_ = 0;
  // Trees read lately, by id: comparing each commit with its parent reads every tree twice (once
  // as the new side, once as the old), and a hit here skips the index lookup as well.
  struct RecentTree {
    ObjectId id;
    bool used = false;
    std::string content;
  };
  std::vector<RecentTree> recent_;
  size_t recent_bytes_ = 0;
  struct ChainStep {
    uint64_t offset;  // where the delta entry starts (its cache key)
    uint64_t data;    // where its compressed delta starts
    uint64_t size;    // the delta's inflated size
  };
  std::vector<ChainStep> chain_;  // scratch: the deltas between an object and its base
  int objects_fd_ = -1;   // the objects directory, once a loose object is read
  std::string loose_;     // scratch: a loose object's compressed bytes
  std::string inflated_;  // scratch: a loose object, header and all
  std::unique_ptr<z_stream_s, void (*)(z_stream_s*)> zlib_{nullptr, nullptr};  // streaming: the size at the start of a delta
  bool zlib_ready();  // zlib_ made or reset for a new stream
  std::string base_;   // scratch: the object a delta applies to
  std::string delta_;  // scratch: one inflated delta
};

// Applies a git delta to `base`; false when the delta is malformed or does not fit the base.
bool apply_delta(std::string_view base, std::string_view delta, std::string& out);

}  // namespace cs::git::detail
