// Commit and tree parsing with libgit2 1.5's results (commit.c commit_parse, signature.c
// git_signature__parse, tree.c git_tree__parse_raw), restricted to the well-formed shapes git
// writes: every other shape is declined and libgit2 reads it instead.
#include "countersign/git/objects.h"

#include <algorithm>
#include <cstring>

#include "countersign/git/encoding.h"

namespace cs::git::detail {
namespace {

// libgit2 trims these from both ends of a signature's name and email (signature.c is_crud).
bool is_crud(unsigned char c) {
  return c <= 32 || c == '.' || c == ',' || c == ':' || c == ';' || c == '<' || c == '>' || c == '"' || c == '\\' ||
         c == '\'';
}

std::string trimmed(std::string_view s) {
  while (!s.empty() && is_crud(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && is_crud(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

bool digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// "<header><40 hex>\n" at the front of `rest`.
bool take_id(std::string_view& rest, std::string_view header, ObjectId& out) {
  if (rest.size() < header.size() + 41 || !rest.starts_with(header) || rest[header.size() + 40] != '\n') return false;
  auto id = ObjectId::from_hex(rest.substr(header.size(), 40));
  if (!id) return false;
  out = *id;
  rest.remove_prefix(header.size() + 41);
  return true;
}

// A signature line split into its parts, in its plain form only.
struct SignatureLine {
  std::string_view name, email;  // untrimmed
  int64_t time = 0;
  int offset_minutes = 0;
};

// "<header>NAME <EMAIL> SECONDS +HHMM\n" at the front of `rest`; anything looser (no time, a
// malformed zone) is libgit2's to read.
bool take_signature_line(std::string_view& rest, std::string_view header, SignatureLine& out) {
  size_t eol = rest.find('\n');
  if (eol == std::string_view::npos || eol <= header.size() || !rest.starts_with(header)) return false;
  std::string_view line = rest.substr(header.size(), eol - header.size());
  size_t lt = line.rfind('<'), gt = line.rfind('>');
  if (lt == std::string_view::npos || gt == std::string_view::npos || gt <= lt) return false;
  std::string_view when = line.substr(gt + 1);
  if (when.size() < 8 || when[0] != ' ') return false;
  size_t space = when.find(' ', 1);
  if (space == std::string_view::npos) return false;
  std::string_view secs = when.substr(1, space - 1), tz = when.substr(space + 1);
  if (!digits(secs) || secs.size() > 18 || tz.size() != 5 || (tz[0] != '+' && tz[0] != '-') || !digits(tz.substr(1)))
    return false;
  out.time = 0;
  for (char c : secs) out.time = out.time * 10 + (c - '0');
  int offset = (tz[1] - '0') * 1000 + (tz[2] - '0') * 100 + (tz[3] - '0') * 10 + (tz[4] - '0');
  int hours = offset / 100, mins = offset % 100;
  out.offset_minutes = 0;
  if (hours <= 14 && mins <= 59) out.offset_minutes = (tz[0] == '-' ? -1 : 1) * (hours * 60 + mins);
  out.name = line.substr(0, lt);
  out.email = line.substr(lt + 1, gt - lt - 1);
  rest.remove_prefix(eol + 1);
  return true;
}

bool take_signature(std::string_view& rest, std::string_view header, Signature& out) {
  SignatureLine line;
  if (!take_signature_line(rest, header, line)) return false;
  out.name = trimmed(line.name);
  out.email = trimmed(line.email);
  out.time = line.time;
  out.offset_minutes = line.offset_minutes;
  return true;
}

}  // namespace

std::optional<Commit> parse_commit(const ObjectId& id, std::string_view bytes) {
  // libgit2 copies names, emails and the message as C strings: a NUL would cut them short.
  if (std::memchr(bytes.data(), 0, bytes.size())) return std::nullopt;
  Commit c;
  c.id = id;
  std::string_view rest = bytes;
  if (!take_id(rest, "tree ", c.tree)) return std::nullopt;
  for (ObjectId p; take_id(rest, "parent ", p);) c.parents.push_back(p);
  if (!take_signature(rest, "author ", c.author)) return std::nullopt;
  if (rest.starts_with("author ")) return std::nullopt;  // libgit2 skips extra authors; leave it that
  if (!take_signature(rest, "committer ", c.committer)) return std::nullopt;
  // Other headers (encoding, gpgsig with its continuation lines, mergetag) run to a blank line;
  // the message is everything after it.
  size_t headers_end = rest.starts_with('\n') ? 0 : rest.find("\n\n");
  std::string_view headers = rest.substr(0, headers_end);
  std::string encoding;
  for (size_t pos = 0; pos < headers.size();) {
    size_t eol = std::min(headers.find('\n', pos), headers.size());
    std::string_view line = headers.substr(pos, eol - pos);
    if (line.starts_with("encoding ")) {
      encoding.assign(line.substr(9));
      break;
    }
    pos = eol + 1;
  }
  if (headers_end == 0) c.message.assign(rest.substr(1));
  else if (headers_end != std::string_view::npos) c.message.assign(rest.substr(headers_end + 2));
  decode_commit_text(c, encoding);
  return c;
}

std::optional<CommitLinks> parse_links(std::string_view bytes) {
  CommitLinks links;
  std::string_view rest = bytes;
  if (!take_id(rest, "tree ", links.tree)) return std::nullopt;
  for (ObjectId p; take_id(rest, "parent ", p);) links.parents.push_back(p);
  SignatureLine s;
  if (!take_signature_line(rest, "author ", s) || rest.starts_with("author ")) return std::nullopt;
  if (!take_signature_line(rest, "committer ", s)) return std::nullopt;
  links.time = s.time;
  return links;
}

std::optional<TreeEntry> TreeReader::next() {
  if (rest_.empty() || broken_) return std::nullopt;
  size_t space = rest_.find(' ');
  // git writes 5 or 6 digits; more (zero-padded modes) parse to the same value, as in git.
  if (space == 0 || space > 16 || space == std::string_view::npos) return broken_ = true, std::nullopt;
  uint32_t raw = 0;
  for (size_t i = 0; i < space; ++i) {
    char c = rest_[i];
    if (c < '0' || c > '7') return broken_ = true, std::nullopt;
    raw = raw * 8 + uint32_t(c - '0');
  }
  if (raw > 0xFFFF) return broken_ = true, std::nullopt;
  size_t nul = rest_.find('\0', space + 1);
  if (nul == std::string_view::npos || nul == space + 1 || nul - space - 1 > 0xFFFF || rest_.size() - nul - 1 < 20)
    return broken_ = true, std::nullopt;
  TreeEntry e;
  e.name = rest_.substr(space + 1, nul - space - 1);
  std::memcpy(e.id.bytes.data(), rest_.data() + nul + 1, 20);
  // git_tree_entry_filemode's normalisation (tree.c normalize_filemode).
  uint32_t type = raw & 0170000;
  if (type == 0040000) e.mode = 0040000;
  else if (raw & 0111) e.mode = 0100755;
  else if (type == 0160000) e.mode = 0160000;
  else if (type == 0120000) e.mode = 0120000;
  else e.mode = 0100644;
  rest_.remove_prefix(nul + 21);
  return e;
}

}  // namespace cs::git::detail
