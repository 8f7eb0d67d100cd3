// Revision walks: which commits a range names, newest first by committer date like `git log`.
// The walk reads each commit once through the pack reader and hands its bytes on. A range with
// hidden tips ("A..B") is limited the way git's revision.c limit_list does it: uninteresting
// marks flow down to parents, and the walk ends a few commits after only uninteresting ones
// remain queued (the slop absorbs small clock skews).
#include <git2.h>

#include <cstring>
#include <deque>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "countersign/git/handles.h"
#include "countersign/git/objects.h"
#include "countersign/git/pack.h"

namespace cs::git {
namespace {

constexpr int kSlop = 5;  // git's SLOP

}  // namespace

// The commits a walk visits, read as they are reached.
class Walk {
 public:
  using Visit = std::function<bool(RawCommit&&)>;
  using Read = std::function<Result<void>(const ObjectId&, RawCommit&, detail::CommitLinks&)>;
  // `expected` sizes the index up front (growing it rehashes everything it holds, again and again).
  Walk(Read read, size_t expected) : read_(std::move(read)) { index_.reserve(expected); }

  Result<void> add(const ObjectId& id, bool hidden) {
    auto n = node(id);
    if (!n) return std::unexpected(n.error());
    if (hidden) mark(*n);
    return {};
  }

  // Everything the tips reach, in date order, handed over as it is popped.
  Result<void> stream(const Visit& visit) {
    while (!queue_.empty()) {
      uint32_t n = pop();
      if (auto r = expand(n); !r) return r;
      note_parent_tree(n);
      std::vector<ObjectId>().swap(nodes_[n].parents);  // only a limited walk looks at them again
      if (!visit(std::move(nodes_[n].raw))) return {};
    }
    return {};
  }

  // git's limit_list: the interesting commits, once the walk has seen enough to know which.
  Result<void> limited(const Visit& visit) {
    std::vector<uint32_t> kept;
    int64_t date = INT64_MAX;
    int slop = kSlop;
    while (!queue_.empty()) {
      uint32_t n = pop();
      if (auto r = expand(n); !r) return r;
      if (nodes_[n].uninteresting) {
        std::string().swap(nodes_[n].raw.bytes);
        slop = still_interesting(date, slop);
        if (slop) continue;
        break;
      }
      date = nodes_[n].time;
      note_parent_tree(n);
      kept.push_back(n);
    }
    for (uint32_t n : kept)
      if (!nodes_[n].uninteresting && !visit(std::move(nodes_[n].raw))) break;
    return {};
  }

 private:
  struct Node {
    RawCommit raw;
    ObjectId tree;
    int64_t time = 0;
    std::vector<ObjectId> parents;
    bool uninteresting = false;
    bool expanded = false;  // its parents have been added
    bool queued = false;
  };
  struct Queued {
    int64_t time;
    uint64_t order;  // insertion order breaks ties, oldest first, like git's prio_queue
    uint32_t node;
    bool operator<(const Queued& o) const { return time != o.time ? time < o.time : order > o.order; }
  };

  Result<uint32_t> node(const ObjectId& id) {
    if (auto it = index_.find(id); it != index_.end()) return it->second;
    Node n;
    detail::CommitLinks links;
    if (auto r = read_(id, n.raw, links); !r) return std::unexpected(r.error());
    n.tree = links.tree;
    n.time = links.time;
    n.parents = std::move(links.parents);
    n.queued = true;
    // Marked uninteresting before it was read (git sets the flag on a commit it has not parsed).
    n.uninteresting = !marked_unread_.empty() && marked_unread_.erase(id) > 0;
    if (!n.uninteresting) ++interesting_queued_;
    auto i = static_cast<uint32_t>(nodes_.size());
    nodes_.push_back(std::move(n));
    index_.emplace(id, i);
    queue_.push({nodes_[i].time, order_++, i});
    return i;
  }

  // Expanding a commit read its first parent: hand that parent's tree on with the commit.
  void note_parent_tree(uint32_t n) {
    if (nodes_[n].parents.empty()) return;
    auto it = index_.find(nodes_[n].parents.front());
    if (it != index_.end()) nodes_[n].raw.first_parent_tree = nodes_[it->second].tree;
  }

  uint32_t pop() {
    uint32_t n = queue_.top().node;
    queue_.pop();
    nodes_[n].queued = false;
    if (!nodes_[n].uninteresting) --interesting_queued_;
    return n;
  }

  // git's process_parents: an uninteresting commit marks each parent and, at once, everything
  // known below it (mark_parents_uninteresting); an interesting one only queues its parents.
  Result<void> expand(uint32_t n) {
    nodes_[n].expanded = true;
    bool hidden = nodes_[n].uninteresting;
    for (size_t i = 0; i < nodes_[n].parents.size(); ++i) {
      ObjectId pid = nodes_[n].parents[i];  // a copy: node() may grow nodes_
      auto p = node(pid);
      if (!p) return std::unexpected(p.error());
      if (hidden) {
        mark(*p);
        mark_parents_uninteresting(*p);
      }
    }
    return {};
  }

  // Marks every ancestor of `from` that the walk has read, through their parents; an ancestor not
  // read yet is remembered and is uninteresting from the moment it is.
  void mark_parents_uninteresting(uint32_t from) {
    std::vector<uint32_t> stack;
    auto mark_id = [&](const ObjectId& id) {
      auto it = index_.find(id);
      if (it == index_.end()) {
        marked_unread_.insert(id);
        return;
      }
      if (nodes_[it->second].uninteresting) return;
      mark(it->second);
      stack.push_back(it->second);
    };
    for (const auto& pid : nodes_[from].parents) mark_id(pid);
    while (!stack.empty()) {
      uint32_t n = stack.back();
      stack.pop_back();
      for (size_t k = 0; k < nodes_[n].parents.size(); ++k) mark_id(nodes_[n].parents[k]);
    }
  }

  void mark(uint32_t n) {
    if (nodes_[n].uninteresting) return;
    nodes_[n].uninteresting = true;
    if (nodes_[n].queued) --interesting_queued_;
  }

  // git's still_interesting: SLOP while an interesting commit may yet turn up, counting down
  // once only uninteresting ones are queued.
  int still_interesting(int64_t date, int slop) const {
    if (queue_.empty()) return 0;
    if (date <= queue_.top().time) return kSlop;
    if (interesting_queued_ > 0) return kSlop;
    return slop - 1;
  }

  Read read_;
  std::deque<Node> nodes_;  // a deque: growing it never copies the whole walk
  std::unordered_map<ObjectId, uint32_t, ObjectIdHash> index_;
  std::priority_queue<Queued> queue_;
  uint64_t order_ = 0;
  size_t interesting_queued_ = 0;
  std::unordered_set<ObjectId, ObjectIdHash> marked_unread_;
};

Result<Repository::Tips> Repository::range_tips(std::string_view range) const {
  Tips out;
  std::string spec(range);
  if (spec.empty()) {
    auto head = resolve("HEAD");
    if (!head) return std::unexpected(head.error());
    out.tips.push_back(*head);
    if (auto up = head_upstream()) {
      if (auto base = resolve(*up)) out.hidden.push_back(*base);
    }
  } else if (spec == "--all") {
    git_reference_iterator* it_raw = nullptr;
    if (git_reference_iterator_new(&it_raw, repo_.get()) != 0) return std::unexpected(last_error("listing references"));
    handles::ReferenceIterator it(it_raw);
    git_reference* ref = nullptr;
    while (git_reference_next(&ref, it_raw) == 0) {
      handles::Reference r(ref);
      std::string_view name = git_reference_name(ref);
      if (name.starts_with("refs/notes/") || name.starts_with("refs/countersign/") || name.starts_with("refs/stash")) continue;
      git_object* obj = nullptr;
      if (git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) != 0) continue;
      handles::Object o(obj);
      out.tips.push_back(from_oid(git_object_id(obj)));
    }
    if (auto head = resolve("HEAD")) out.tips.push_back(*head);
  } else if (auto dots = spec.find(".."); dots != std::string::npos) {
    bool symmetric = spec.compare(dots, 3, "...") == 0;
    std::string left = spec.substr(0, dots);
    std::string right = spec.substr(dots + (symmetric ? 3 : 2));
    if (left.empty()) left = "HEAD";
    if (right.empty()) right = "HEAD";
    auto a = resolve(left);
    if (!a) return std::unexpected(a.error());
    auto b = resolve(right);
    if (!b) return std::unexpected(b.error());
    out.tips.push_back(*b);
    if (symmetric) {
      out.tips.push_back(*a);
      // Every merge base is hidden, as git does (a criss-cross history has several).
      git_oid oa, ob;
      std::memcpy(oa.id, a->bytes.data(), 20);
      std::memcpy(ob.id, b->bytes.data(), 20);
      git_oidarray bases{};
      if (git_merge_bases(&bases, repo_.get(), &oa, &ob) == 0) {
        for (size_t i = 0; i < bases.count; ++i) out.hidden.push_back(from_oid(&bases.ids[i]));
        git_oidarray_dispose(&bases);
      }
    } else {
      out.hidden.push_back(*a);
    }
  } else if (spec.size() > 2 && spec.ends_with("^!")) {
    // git's <rev>^!: the commit without its parents, so exactly that one commit.
    auto b = resolve(spec.substr(0, spec.size() - 2));
    if (!b) return std::unexpected(b.error());
    auto c = commit(*b);
    if (!c) return std::unexpected(c.error());
    out.tips.push_back(*b);
    out.hidden = c->parents;
  } else {
    auto b = resolve(spec);
    if (!b) return std::unexpected(b.error());
    out.tips.push_back(*b);
  }
  return out;
}

Result<std::vector<ObjectId>> Repository::range_start(std::string_view range) const {
  if (is_empty()) return fail(Errc::not_found, "the repository has no commits yet");
  auto tips = range_tips(range);
  if (!tips) return std::unexpected(tips.error());
  return std::move(tips->tips);
}

Result<void> Repository::walk(std::string_view range, const std::function<bool(const ObjectId&)>& visit) const {
  return walk_raw(range, [&visit](RawCommit&& c) { return visit(c.id); });
}

Result<void> Repository::walk_raw(std::string_view range, const std::function<bool(RawCommit&&)>& visit) const {
  if (is_empty()) return fail(Errc::not_found, "the repository has no commits yet");
  auto tips = range_tips(range);
  if (!tips) return std::unexpected(tips.error());

  if (is_shallow()) {
    auto ids = walk_shallow(tips->tips, tips->hidden);
    if (!ids) return std::unexpected(ids.error());
    for (const auto& id : *ids) {
      RawCommit raw{id, {}, std::nullopt};
      if (auto r = read_object(id, detail::ObjectType::commit, raw.bytes); !r) return r;
      if (!visit(std::move(raw))) break;
    }
    return {};
  }

  Walk walk([this](const ObjectId& id, RawCommit& raw, detail::CommitLinks& links) -> Result<void> {
    raw.id = id;
    if (auto r = read_object(id, detail::ObjectType::commit, raw.bytes); !r)
      return fail(Errc::not_found, "missing commit " + id.hex() + " (" + r.error().message + ")");
    if (auto l = detail::parse_links(raw.bytes)) {
      links = std::move(*l);
      if (packs_)
        for (const auto& p : links.parents) packs_->prefetch(p);
      return {};
    }
    auto c = commit_from_libgit2(id);  // an unusual commit: libgit2 reads it, or says why not
    if (!c) return std::unexpected(c.error());
    links.tree = c->tree;
    links.parents = c->parents;
    links.time = c->committer.time;
    return {};
  }, packs_ ? std::min<size_t>(packs_->object_count() / 4, size_t(1) << 20) : 0);
  for (const auto& h : tips->hidden)
    if (auto r = walk.add(h, true); !r) return r;
  for (const auto& t : tips->tips)
    if (auto r = walk.add(t, false); !r) return r;
  return tips->hidden.empty() ? walk.stream(visit) : walk.limited(visit);
}

}  // namespace cs::git
