// Change digest (DESIGN.md "Change digest"; docs/signoff.md): SHA-256 over a canonical text of a
// change that carries no line numbers, object ids or clone-dependent settings, so a clean rebase
// keeps it and any change of content or context does not. Version 2 binds each hunk to its place
// (the section header above it and how far below that header it starts); version 1 is still
// computed, from the same diff, to recognise approvals made before version 2.
//
// The text is built from the two trees directly (changed paths, then a 3-line-context Myers
// diff of each pair of blobs with git_diff_buffers) instead of a repository diff: a repository
// diff consults .gitattributes and .git/info/attributes, which differ between clones and which
// the candidate's own tree can set, and would make the same change hash differently.
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "countersign/git/handles.h"
#include "countersign/signoff/signoff.h"

namespace cs::signoff {
namespace {

using git::to_oid;

using IndexPtr = git::handles::Index;
using CommitPtr = git::handles::Commit;

constexpr uint32_t kGitlinkMode = 0160000;

std::string hex_of(const unsigned char* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 0xF];
  }
  return out;
}

std::string octal(uint32_t mode) {
  if (mode == 0) return "0";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%o", mode);
  return buf;
}

// Git's own test (xdiff's buffer_is_binary): a NUL byte in the first 8000 bytes.
bool looks_binary(const std::string& s) { return std::memchr(s.data(), 0, std::min<size_t>(s.size(), 8000)) != nullptr; }

// Paths are written as git writes them in diffs when they hold a byte that would make the
// canonical text ambiguous (control characters, '"', '\\'): C-quoted. Other bytes pass as-is.
std::string quote_path(const std::string& p) {
  bool plain = std::none_of(p.begin(), p.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f || c == '"' || c == '\\';
  });
  if (plain) return p;
  std::string out = "\"";
  for (char c : p) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\%03o", u);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// The content a side of a changed path contributes: a blob's bytes, or for a submodule the
// line git itself prints for it.
Result<std::string> side_content(const git::Repository& repo, uint32_t mode, const git::ObjectId& id) {
  if (mode == 0) return std::string();
  if (mode == kGitlinkMode) return "Subproject commit " + id.hex() + "\n";
  return repo.blob(id);
}

// The canonical texts being built: version 2 always, version 1 only when asked for (to find
// approvals made before version 2). Both come from the same diff.
struct Canonical {
  std::string v2 = "countersign-change-v2\n";
  std::optional<std::string> v1;
  explicit Canonical(bool with_v1) {
    if (with_v1) v1 = "countersign-change-v1\n";
  }
  void add(std::string_view s) {
    v2 += s;
    if (v1) *v1 += s;
  }
};

// Git's default section header (xdiff's def_ff: what `git diff` prints after "@@ ... @@" when
// no diff driver applies): a line that begins with an ASCII letter, '_' or '$'.
bool starts_section(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}

// Walks the old side's lines forward, once per file (hunks come in order), remembering the last
// section header line passed.
struct SectionCursor {
  std::string_view text;
  size_t pos = 0;   // byte offset of line `line`
  size_t line = 0;  // 0-based
  std::optional<size_t> header_line;
  std::string_view header;

  void advance_to(size_t target) {
    while (line < target && pos < text.size()) {
      const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
      size_t end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - text.data()) : text.size();
      if (starts_section(text[pos])) {
        header_line = line;
        header = text.substr(pos, end - pos);
      }
      pos = nl ? end + 1 : text.size();
      ++line;
    }
  }
};

struct HunkWriter {
  Canonical& out;
  SectionCursor cursor;
};

// A hunk's place, rebase-stable: the section header line above its first line (the whole line,
// of which git shows the first 80 bytes) and how many lines lie between the two (from the top of
// the file when no header precedes it). Line numbers themselves shift under a rebase; these do
// only when the section above the hunk changes.
void append_hunk_place(HunkWriter& w, const git_diff_hunk& hunk) {
  // 0-based index of the hunk's first old line; a hunk with no old lines is an empty old side.
  size_t first = hunk.old_lines ? static_cast<size_t>(hunk.old_start) - 1 : static_cast<size_t>(hunk.old_start);
  w.cursor.advance_to(first);
  const auto& c = w.cursor;
  size_t below = c.header_line ? first - *c.header_line - 1 : first;
  std::string& v2 = w.out.v2;
  v2 += "@@ ";
  v2 += std::to_string(below);
  if (c.header_line) {
    v2 += ' ';
    v2 += c.header;
  }
  v2 += '\n';
  if (w.out.v1) *w.out.v1 += "@@\n";
}

// The hunks straight from xdiff's callbacks (git_diff_buffers): the same hunks and lines a patch
// object would hold, without building one per file.
Result<void> append_hunks(const std::string& old_text, const std::string& new_text, Canonical& out) {
  git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
  opts.context_lines = 3;
  opts.interhunk_lines = 0;
  opts.flags = GIT_DIFF_FORCE_TEXT;
  HunkWriter writer{out, {old_text, 0, 0, std::nullopt, {}}};
  auto on_hunk = [](const git_diff_delta*, const git_diff_hunk* hunk, void* payload) -> int {
    append_hunk_place(*static_cast<HunkWriter*>(payload), *hunk);
    return 0;
  };
  auto on_line = [](const git_diff_delta*, const git_diff_hunk*, const git_diff_line* line, void* payload) -> int {
    char o = line->origin;
    if (o != GIT_DIFF_LINE_CONTEXT && o != GIT_DIFF_LINE_ADDITION && o != GIT_DIFF_LINE_DELETION) return 0;
    auto& text = static_cast<HunkWriter*>(payload)->out;
    auto put = [&](std::string& t) {
      t += o;
      t.append(line->content, line->content_len);
      // Only a file's last line lacks its newline; the marker line is what git prints for it.
      if (line->content_len == 0 || line->content[line->content_len - 1] != '\n')
        t += "\n\\ No newline at end of file\n";
    };
    put(text.v2);
    if (text.v1) put(*text.v1);
    return 0;
  };
  if (git_diff_buffers(old_text.data(), old_text.size(), nullptr, new_text.data(), new_text.size(), nullptr, &opts,
                       nullptr, nullptr, on_hunk, on_line, &writer) != 0)
    return std::unexpected(git::last_error("diffing file contents"));
  return {};
}

// Fetched once: EVP_sha256() makes OpenSSL 3 look the algorithm up on every call, which shows
// when a gate hashes thousands of changes.
const EVP_MD* sha256() {
  static EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return fetched ? fetched : EVP_sha256();
}

std::string sha256_hex(const std::string& s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), md, &n, sha256(), nullptr);
  return hex_of(md, n);
}

}  // namespace

Result<ChangeDigest> ChangeDigest::from_hex(std::string_view hex) {
  if (hex.size() != 64) return fail(Errc::invalid_argument, "not a change digest (64 hex digits): " + std::string(hex));
  ChangeDigest d;
  for (size_t i = 0; i < 32; ++i) {
    auto nib = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;  // upper case is not canonical: refuse it rather than alias two spellings
    };
    int hi = nib(hex[2 * i]), lo = nib(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return fail(Errc::invalid_argument, "not a change digest (64 lower-case hex digits): " + std::string(hex));
    d.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return d;
}

std::string ChangeDigest::hex() const { return hex_of(bytes.data(), bytes.size()); }

ChangeDigest ChangeDigest::of(std::string_view canonical_text) {
  ChangeDigest d;
  unsigned int n = 0;
  EVP_Digest(canonical_text.data(), canonical_text.size(), d.bytes.data(), &n, sha256(), nullptr);
  return d;
}

Result<std::optional<git::ObjectId>> automatic_merge_tree(const git::Repository& repo, const git::Commit& commit);

namespace {

Result<Canonical> canonical_of_paths(const git::Repository& repo, std::vector<git::ChangedPath> changed, bool with_v1) {
  // Byte order of the path; a deletion sorts before an addition at the same path.
  std::stable_sort(changed.begin(), changed.end(), [](const git::ChangedPath& a, const git::ChangedPath& b) {
    if (a.path != b.path) return a.path < b.path;
    return a.new_mode == 0 && b.new_mode != 0;
  });
  Canonical out(with_v1);
  for (const auto& c : changed) {
    std::string path = quote_path(c.path);
    out.add("file " + (c.old_mode ? path : "/dev/null") + " " + (c.new_mode ? path : "/dev/null") + "\n");
    out.add("mode " + octal(c.old_mode) + " " + octal(c.new_mode) + "\n");
    auto old_text = side_content(repo, c.old_mode, c.old_blob);
    if (!old_text) return std::unexpected(old_text.error());
    auto new_text = side_content(repo, c.new_mode, c.new_blob);
    if (!new_text) return std::unexpected(new_text.error());
    if (looks_binary(*old_text) || looks_binary(*new_text)) {
      out.add("binary " + (c.old_mode ? sha256_hex(*old_text) : "0") + " " +
              (c.new_mode ? sha256_hex(*new_text) : "0") + "\n");
      continue;
    }
    if (auto r = append_hunks(*old_text, *new_text, out); !r) return std::unexpected(r.error());
  }
  return out;
}

Result<Canonical> canonical_between(const git::Repository& repo, const std::optional<git::ObjectId>& old_tree,
                                    const git::ObjectId& new_tree, bool with_v1) {
  auto changed = repo.changed_paths(old_tree.value_or(git::ObjectId{}), new_tree);
  if (!changed) return std::unexpected(changed.error());
  return canonical_of_paths(repo, std::move(*changed), with_v1);
}

// A commit's own change (see commit_canonical_change); nullopt: a merge with nothing of its own.
Result<std::optional<Canonical>> commit_canonical(const git::Repository& repo, const git::Commit& commit,
                                                  bool with_v1) {
  std::optional<git::ObjectId> base;
  if (commit.parents.size() == 1) {
    auto p = repo.commit(commit.parents.front());
    if (!p) return fail(Errc::not_found, "missing parent " + commit.parents.front().hex() + " of " + commit.id.hex() +
                                             (repo.is_shallow() ? " (shallow clone)" : ""));
    base = p->tree;
  } else if (commit.parents.size() > 1) {
    auto merged = automatic_merge_tree(repo, commit);
    if (!merged) return std::unexpected(merged.error());
    base = *merged;
  }
  auto text = canonical_between(repo, base, commit.tree, with_v1);
  if (!text) return std::unexpected(text.error());
  // A merge that only records what git merged by itself changes nothing of its own.
  if (commit.parents.size() > 1 && text->v2 == Canonical(false).v2) return std::optional<Canonical>{};
  return std::optional<Canonical>(std::move(*text));
}

std::string version_of(Canonical&& c, int version) {
  return version == 1 ? std::move(*c.v1) : std::move(c.v2);
}

}  // namespace

Result<std::string> canonical_change(const git::Repository& repo, const std::optional<git::ObjectId>& old_tree,
                                     const git::ObjectId& new_tree, int version) {
  auto text = canonical_between(repo, old_tree, new_tree, version == 1);
  if (!text) return std::unexpected(text.error());
  return version_of(std::move(*text), version);
}

Result<std::optional<std::string>> commit_canonical_change(const git::Repository& repo, const git::Commit& commit,
                                                           int version) {
  auto text = commit_canonical(repo, commit, version == 1);
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::optional<std::string>{};
  return std::optional<std::string>(version_of(std::move(**text), version));
}

Result<std::optional<ChangeDigest>> commit_digest(const git::Repository& repo, const git::Commit& commit, int version) {
  auto text = commit_canonical_change(repo, commit, version);
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::optional<ChangeDigest>{};
  return std::optional<ChangeDigest>(ChangeDigest::of(**text));
}

Result<std::optional<CommitDigests>> commit_digests(const git::Repository& repo, const git::Commit& commit,
                                                    std::span<const git::ChangedPath> first_parent_paths,
                                                    bool with_v1) {
  Result<std::optional<Canonical>> text = std::optional<Canonical>{};
  if (commit.parents.size() > 1) {
    text = commit_canonical(repo, commit, with_v1);
  } else {
    auto t = canonical_of_paths(repo, {first_parent_paths.begin(), first_parent_paths.end()}, with_v1);
    if (t)
      text = std::optional<Canonical>(std::move(*t));
    else
      text = std::unexpected(t.error());
  }
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::optional<CommitDigests>{};
  CommitDigests out{ChangeDigest::of((*text)->v2), std::nullopt};
  if ((*text)->v1) out.v1 = ChangeDigest::of(*(*text)->v1);
  return std::optional<CommitDigests>(out);
}

Result<std::optional<ChangeDigest>> commit_digest(const git::Repository& repo, const git::Commit& commit,
                                                  std::span<const git::ChangedPath> first_parent_paths) {
  auto d = commit_digests(repo, commit, first_parent_paths, false);
  if (!d) return std::unexpected(d.error());
  if (!*d) return std::optional<ChangeDigest>{};
  return std::optional<ChangeDigest>((*d)->current);
}

// The tree git would produce merging the parents by itself. Paths that conflict take the first
// parent's side, so whatever the merger wrote there is part of the merge's own change. An
// octopus merge is measured against its first parent: all of it needs sign-off.
Result<std::optional<git::ObjectId>> automatic_merge_tree(const git::Repository& repo, const git::Commit& commit) {
  auto first = repo.commit(commit.parents[0]);
  if (!first) return std::unexpected(first.error());
  if (commit.parents.size() > 2) return std::optional<git::ObjectId>(first->tree);
  git_repository* r = repo.raw();
  git_oid a = to_oid(commit.parents[0]), b = to_oid(commit.parents[1]);
  git_commit *ca = nullptr, *cb = nullptr;
  if (git_commit_lookup(&ca, r, &a) != 0) return fail(Errc::not_found, "missing parent " + commit.parents[0].hex());
  CommitPtr pa(ca);
  if (git_commit_lookup(&cb, r, &b) != 0) return fail(Errc::not_found, "missing parent " + commit.parents[1].hex());
  CommitPtr pb(cb);
  git_merge_options opts = GIT_MERGE_OPTIONS_INIT;
  git_index* raw = nullptr;
  if (git_merge_commits(&raw, r, ca, cb, &opts) != 0)
    return std::unexpected(git::last_error("merging the parents of " + commit.id.hex()));
  IndexPtr index(raw);
  if (git_index_has_conflicts(raw)) {
    std::vector<std::string> paths;
    git_index_conflict_iterator* it = nullptr;
    if (git_index_conflict_iterator_new(&it, raw) != 0) return std::unexpected(git::last_error("listing merge conflicts"));
    const git_index_entry *anc = nullptr, *ours = nullptr, *theirs = nullptr;
    std::vector<git_index_entry> keep;
    std::vector<std::string> keep_paths;
    while (git_index_conflict_next(&anc, &ours, &theirs, it) == 0) {
      const git_index_entry* any = ours ? ours : theirs ? theirs : anc;
      paths.emplace_back(any->path);
      if (ours) {
        keep.push_back(*ours);
        keep_paths.emplace_back(ours->path);
      }
    }
    git_index_conflict_iterator_free(it);
    for (const auto& p : paths) git_index_conflict_remove(raw, p.c_str());
    for (size_t i = 0; i < keep.size(); ++i) {
      git_index_entry e = keep[i];
      e.path = keep_paths[i].c_str();
      e.flags &= ~GIT_INDEX_ENTRY_STAGEMASK;
      if (git_index_add(raw, &e) != 0) return std::unexpected(git::last_error("resolving merge conflict"));
    }
  }
  git_oid tree;
  if (git_index_write_tree_to(&tree, raw, r) != 0) return std::unexpected(git::last_error("writing the automatic merge"));
  git::ObjectId out;
  std::memcpy(out.bytes.data(), tree.id, 20);
  return std::optional<git::ObjectId>(out);
}

Result<RangeChange> range_change(const git::Repository& repo, std::string_view range) {
  auto dots = range.find("..");
  if (dots == std::string_view::npos || range.substr(dots, 3) == "...")
    return fail(Errc::invalid_argument, "a range approval needs A..B, got: " + std::string(range));
  std::string left(range.substr(0, dots)), right(range.substr(dots + 2));
  auto a = repo.resolve(left.empty() ? "HEAD" : left);
  if (!a) return std::unexpected(a.error());
  auto b = repo.resolve(right.empty() ? "HEAD" : right);
  if (!b) return std::unexpected(b.error());
  git_oid oa = to_oid(*a), ob = to_oid(*b), base;
  if (git_merge_base(&base, repo.raw(), &oa, &ob) != 0)
    return fail(Errc::invalid_argument, "no merge base between " + left + " and " + right);
  RangeChange out;
  std::memcpy(out.base.bytes.data(), base.id, 20);
  out.head = *b;
  auto base_commit = repo.commit(out.base);
  if (!base_commit) return std::unexpected(base_commit.error());
  auto head_commit = repo.commit(out.head);
  if (!head_commit) return std::unexpected(head_commit.error());
  auto text = canonical_change(repo, base_commit->tree, head_commit->tree);
  if (!text) return std::unexpected(text.error());
  out.digest = ChangeDigest::of(*text);
  auto ids = repo.commits_in(out.base.hex() + ".." + out.head.hex());
  if (!ids) return std::unexpected(ids.error());
  for (auto it = ids->rbegin(); it != ids->rend(); ++it) {
    auto c = repo.commit(*it);
    if (!c) return std::unexpected(c.error());
    auto d = commit_digest(repo, *c);
    if (!d) return std::unexpected(d.error());
    if (*d) out.members.push_back({*it, **d});
  }
  return out;
}

}  // namespace cs::signoff
