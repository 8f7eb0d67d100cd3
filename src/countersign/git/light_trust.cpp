// gate::choose_trust_root's rule for an empty query (trust.cpp), over the repository's files: HEAD,
// loose refs, packed-refs, the configuration git reads (system, XDG, global, the repository's) and
// the objects through countersign's own pack and loose reader. Every step that meets something it
// does not read exactly as libgit2 1.5 does (an include, an extension, an escape in the
// configuration, a symbolic ref where a branch should be, an annotated tag, alternates, a missing
// object, a ref name git would refuse) answers undecided, and the caller asks libgit2.
#include "countersign/git/light_trust.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "countersign/git/objects.h"
#include "countersign/git/pack.h"

namespace cs::git {
namespace {

enum class FileRead { ok, absent, unreadable };

FileRead read_whole(const std::string& path, std::string& out) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return errno == ENOENT || errno == ENOTDIR ? FileRead::absent : FileRead::unreadable;
  if (!S_ISREG(st.st_mode)) return S_ISDIR(st.st_mode) ? FileRead::absent : FileRead::unreadable;
  std::ifstream in(path, std::ios::binary);
  if (!in) return FileRead::unreadable;
  std::ostringstream buf;
  buf << in.rdbuf();
  out = buf.str();
  return FileRead::ok;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// A configuration entry, its name as libgit2 gives it: section and key lower-cased, the
// subsection as written ("remote.Origin.url").
struct ConfigEntry {
  std::string name;
  std::string value;
};

// The subset of git's configuration syntax written by git itself and by people editing by hand:
// [section], [section "sub"], key = value, key alone, comments. False for anything else (escapes,
// continuation lines, old-style [section.sub], a key on the header's line).
bool parse_config(std::string_view text, std::vector<ConfigEntry>& out) {
  std::string section;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = trim(text.substr(start, end - start));
    start = end + 1;
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.find('\\') != std::string_view::npos) return false;
    if (line[0] == '[') {
      size_t close = line.find(']');
      if (close == std::string_view::npos) return false;
      std::string_view rest = trim(line.substr(close + 1));
      if (!rest.empty() && rest[0] != '#' && rest[0] != ';') return false;
      std::string_view inside = line.substr(1, close - 1);
      size_t quote = inside.find('"');
      std::string_view name = trim(inside.substr(0, quote));
      if (name.empty() || !std::all_of(name.begin(), name.end(),
                                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; }))
        return false;
      section = lower(name);
      if (quote != std::string_view::npos) {
        if (inside.substr(0, quote) != std::string(name) + " ") return false;  // exactly: name "sub"
        std::string_view sub = inside.substr(quote + 1);
        if (sub.size() < 1 || sub.back() != '"' || sub.substr(0, sub.size() - 1).find('"') != std::string_view::npos)
          return false;
        section += "." + std::string(sub.substr(0, sub.size() - 1));
      }
      continue;
    }
    if (section.empty()) return false;
    size_t eq = line.find('=');
    std::string_view key = trim(line.substr(0, eq));
    if (key.empty() || !std::isalpha(static_cast<unsigned char>(key[0])) ||
        !std::all_of(key.begin(), key.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; }))
      return false;
    std::string value;
    if (eq != std::string_view::npos) {
      std::string_view raw = trim(line.substr(eq + 1));
      if (raw.find('"') != std::string_view::npos) {  // one quoted value, then at most a comment
        size_t close = raw[0] == '"' ? raw.find('"', 1) : std::string_view::npos;
        if (close == std::string_view::npos) return false;
        std::string_view after = trim(raw.substr(close + 1));
        if (!after.empty() && after[0] != '#' && after[0] != ';') return false;
        value = std::string(raw.substr(1, close - 1));
      } else {
        value = std::string(trim(raw.substr(0, raw.find_first_of("#;"))));
      }
    }
    out.push_back({section + "." + lower(key), std::move(value)});
  }
  return true;
}

bool is_hex40(std::string_view s) {
  return s.size() == 40 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// A ref name git writes and libgit2 reads without surprises; anything else is left to libgit2.
bool plain_ref_name(std::string_view name) {
  if (name.empty() || name.back() == '/' || name.back() == '.' || name.ends_with(".lock")) return false;
  if (name.find("..") != std::string_view::npos || name.find("//") != std::string_view::npos ||
      name.find("@{") != std::string_view::npos || name.find("/.") != std::string_view::npos || name[0] == '.' ||
      name[0] == '/')
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '-' || c == '_' || c == '.' || c == '+';
  });
}

// Refs that live in each worktree's own directory rather than the common one (git's
// is_per_worktree_ref).
bool per_worktree(std::string_view name) {
  return name == "HEAD" || name.starts_with("refs/bisect/") || name.starts_with("refs/worktree/") ||
         name.starts_with("refs/rewritten/");
}

struct Ref {
  enum class Kind { absent, direct, symbolic, unreadable } kind = Kind::absent;
  ObjectId id;
  std::string target;
};

}  // namespace

struct LightRepository::Impl {
  std::string gitdir, commondir;
  std::vector<ConfigEntry> config;  // lowest priority first, as git reads the files
  std::map<std::string, ObjectId> packed;
  std::shared_ptr<const detail::PackSet> packs;
  std::unique_ptr<detail::ObjectReader> reader;

  std::optional<std::string> config_value(std::string_view name) const {
    std::optional<std::string> out;
    for (const auto& e : config)
      if (e.name == name) out = e.value;
    return out;
  }
  std::vector<std::string> remotes() const {
    std::vector<std::string> out;
    for (const auto& e : config) {
      std::string_view n = e.name;
      if (!n.starts_with("remote.") || !n.ends_with(".url") || n.size() <= 11) continue;
      std::string remote(n.substr(7, n.size() - 11));
      if (std::find(out.begin(), out.end(), remote) == out.end()) out.push_back(std::move(remote));
    }
    return out;
  }

  Ref lookup(const std::string& name) const {
    Ref r;
    if (!plain_ref_name(name) && name != "HEAD") {
      r.kind = Ref::Kind::unreadable;
      return r;
    }
    std::string text;
    switch (read_whole((per_worktree(name) ? gitdir : commondir) + "/" + name, text)) {
      case FileRead::unreadable:
        r.kind = Ref::Kind::unreadable;
        return r;
      case FileRead::absent: {
        if (per_worktree(name)) return r;
        auto it = packed.find(name);
        if (it == packed.end()) return r;
        r.kind = Ref::Kind::direct;
        r.id = it->second;
        return r;
      }
      case FileRead::ok:
        break;
    }
    std::string_view body = text;
    if (body.ends_with('\n')) body.remove_suffix(1);
    if (body.starts_with("ref: ")) {
      body.remove_prefix(5);
      if (!plain_ref_name(body)) {
        r.kind = Ref::Kind::unreadable;
        return r;
      }
      r.kind = Ref::Kind::symbolic;
      r.target = std::string(body);
      return r;
    }
    auto id = is_hex40(body) ? ObjectId::from_hex(body) : Result<ObjectId>(fail(Errc::parse, "not an id"));
    if (!id) {
      r.kind = Ref::Kind::unreadable;
      return r;
    }
    r.kind = Ref::Kind::direct;
    r.id = *id;
    return r;
  }
};

LightRepository::LightRepository(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LightRepository::~LightRepository() = default;

namespace {

// `.git` as a directory or a `gitdir: <path>` file (worktrees, submodules).
std::optional<std::string> find_gitdir(const std::string& project_dir, std::string& why) {
  std::string dot_git = project_dir + "/.git";
  struct stat st {};
  if (::lstat(dot_git.c_str(), &st) != 0) {
    why = "no .git in " + project_dir;
    return std::nullopt;
  }
  if (S_ISDIR(st.st_mode)) return dot_git;
  std::string text;
  if (!S_ISREG(st.st_mode) || read_whole(dot_git, text) != FileRead::ok || !text.starts_with("gitdir: ")) {
    why = dot_git + " is neither a directory nor a gitdir file";
    return std::nullopt;
  }
  std::string_view path = trim(std::string_view(text).substr(8));
  if (path.ends_with('\n')) path.remove_suffix(1);
  path = trim(path);
  if (path.empty() || path.find('\n') != std::string_view::npos) {
    why = dot_git + " names no gitdir";
    return std::nullopt;
  }
  return path[0] == '/' ? std::string(path) : project_dir + "/" + std::string(path);
}

bool owned_by_me(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && st.st_uid == ::geteuid();
}

// The configuration files libgit2 1.5 reads on Linux, lowest priority first.
std::optional<std::vector<std::string>> config_files(const std::string& commondir, std::string& why) {
  for (const char* var : {"GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_COUNT",
                          "GIT_CONFIG", "GIT_DIR", "GIT_COMMON_DIR"})
    if (std::getenv(var)) {
      why = std::string("$") + var + " is set";
      return std::nullopt;
    }
  const char* home = std::getenv("HOME");
  if (!home || !*home) {
    why = "$HOME is not set";
    return std::nullopt;
  }
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  std::string xdg_file = xdg && *xdg ? std::string(xdg) + "/git/config" : std::string(home) + "/.config/git/config";
  return std::vector<std::string>{"/etc/gitconfig", xdg_file, std::string(home) + "/.gitconfig", commondir + "/config"};
}

bool parse_packed_refs(std::string_view text, std::map<std::string, ObjectId>& out) {
  size_t start = 0;
  bool first = true, after_ref = false;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (line.empty()) return false;
    if (line[0] == '#') {
      if (!first || !line.starts_with("# pack-refs with:")) return false;
    } else if (line[0] == '^') {
      if (!after_ref || !is_hex40(line.substr(1))) return false;
      after_ref = false;
    } else {
      if (line.size() < 42 || line[40] != ' ' || !is_hex40(line.substr(0, 40))) return false;
      std::string name(line.substr(41));
      auto id = ObjectId::from_hex(line.substr(0, 40));
      if (!id || !plain_ref_name(name) || !out.emplace(name, *id).second) return false;
      after_ref = true;
    }
    first = false;
  }
  return true;
}

}  // namespace

std::unique_ptr<LightRepository> LightRepository::open(const std::string& project_dir, std::string& why) {
  auto impl = std::make_unique<Impl>();
  auto gitdir = find_gitdir(project_dir, why);
  if (!gitdir) return nullptr;
  impl->gitdir = *gitdir;
  impl->commondir = *gitdir;
  std::string text;
  switch (read_whole(*gitdir + "/commondir", text)) {
    case FileRead::unreadable:
      why = "commondir unreadable";
      return nullptr;
    case FileRead::ok: {
      std::string_view path = text;
      if (path.ends_with('\n')) path.remove_suffix(1);
      if (path.empty() || path.find('\n') != std::string_view::npos) {
        why = "commondir malformed";
        return nullptr;
      }
      impl->commondir = path[0] == '/' ? std::string(path) : *gitdir + "/" + std::string(path);
      break;
    }
    case FileRead::absent:
      break;
  }
  // libgit2 refuses a repository another account owns (safe.directory): so does this reader, by
  // leaving it to libgit2.
  if (!owned_by_me(project_dir) || !owned_by_me(impl->gitdir) || !owned_by_me(impl->commondir)) {
    why = "the repository belongs to another account";
    return nullptr;
  }
  struct stat st {};
  if (::stat((impl->commondir + "/reftable").c_str(), &st) == 0 ||
      ::stat((impl->commondir + "/objects/info/alternates").c_str(), &st) == 0 ||
      ::stat((impl->commondir + "/HEAD").c_str(), &st) != 0) {
    why = "reftable, alternates or no HEAD";
    return nullptr;
  }
  auto files = config_files(impl->commondir, why);
  if (!files) return nullptr;
  for (const auto& f : *files) {
    auto read = read_whole(f, text);
    if (read == FileRead::absent) continue;
    if (read != FileRead::ok || !parse_config(text, impl->config)) {
      why = "configuration " + f + " is not in the plain form";
      return nullptr;
    }
  }
  for (const auto& e : impl->config) {
    std::string_view n = e.name;
    if (n.starts_with("include.") || n.starts_with("includeif.") || n.starts_with("extensions.")) {
      why = "the configuration uses " + e.name;
      return nullptr;
    }
  }
  if (auto v = impl->config_value("core.repositoryformatversion"); v && *v != "0" && *v != "1") {
    why = "repository format version " + *v;
    return nullptr;
  }
  switch (read_whole(impl->commondir + "/packed-refs", text)) {
    case FileRead::unreadable:
      why = "packed-refs unreadable";
      return nullptr;
    case FileRead::ok:
      if (!parse_packed_refs(text, impl->packed)) {
        why = "packed-refs is not in the usual form";
        return nullptr;
      }
      break;
    case FileRead::absent:
      break;
  }
  impl->packs = detail::PackSet::open(impl->commondir + "/objects");
  impl->reader = std::make_unique<detail::ObjectReader>(impl->packs, size_t(256) << 10);
  return std::unique_ptr<LightRepository>(new LightRepository(std::move(impl)));
}

LightRoot LightRepository::trust_root() {
  Impl& r = *impl_;
  LightRoot out;
  bool odd = false;  // a ref read here that libgit2 might read otherwise
  // Whether `name` resolves to an object id (Repository::reference): a symbolic ref here is unusual.
  auto has = [&](const std::string& name) -> bool {
    Ref ref = r.lookup(name);
    if (ref.kind == Ref::Kind::unreadable || ref.kind == Ref::Kind::symbolic) odd = true;
    return ref.kind == Ref::Kind::direct;
  };
  auto undecided = [&](std::string why) {
    out.outcome = LightRoot::Outcome::undecided;
    out.why = std::move(why);
    return out;
  };
  auto none = [&](std::string why) {
    if (odd) return undecided("an unusual ref on the way: " + why);
    out.outcome = LightRoot::Outcome::none;
    out.why = std::move(why);
    return out;
  };

  // HEAD's branch (Repository::head_branch): an unborn branch is none.
  std::optional<std::string> branch;
  Ref head = r.lookup("HEAD");
  if (head.kind == Ref::Kind::unreadable) return undecided("HEAD is not in the usual form");
  if (head.kind == Ref::Kind::symbolic) {
    if (!head.target.starts_with("refs/")) return undecided("HEAD names " + head.target);
    Ref target = r.lookup(head.target);
    if (target.kind == Ref::Kind::unreadable || target.kind == Ref::Kind::symbolic)
      return undecided("HEAD's branch is not in the usual form");
    if (target.kind == Ref::Kind::direct && head.target.starts_with("refs/heads/")) branch = head.target.substr(11);
  }

  // The remote (gate remote_of): the branch's, else origin, else the only one.
  auto remotes = r.remotes();
  for (const auto& name : remotes)
    if (!plain_ref_name("refs/remotes/" + name + "/HEAD") || name.find('/') != std::string::npos)
      return undecided("a remote named " + name);
  std::optional<std::string> remote;
  if (branch)
    if (auto b = r.config_value("branch." + *branch + ".remote");
        b && !b->empty() && *b != "." && std::find(remotes.begin(), remotes.end(), *b) != remotes.end())
      remote = *b;
  if (!remote && std::find(remotes.begin(), remotes.end(), "origin") != remotes.end()) remote = "origin";
  if (!remote && remotes.size() == 1) remote = remotes.front();

  // The default branch (gate default_branch).
  std::string def;
  if (remote) {
    std::string head_ref = "refs/remotes/" + *remote + "/HEAD";
    Ref rh = r.lookup(head_ref);
    if (rh.kind == Ref::Kind::unreadable) return undecided(head_ref + " is not in the usual form");
    std::string prefix = "refs/remotes/" + *remote + "/";
    if (rh.kind != Ref::Kind::symbolic || !rh.target.starts_with(prefix) || rh.target.size() == prefix.size())
      return none("this clone does not record the default branch of " + *remote);
    def = rh.target.substr(prefix.size());
  } else {
    if (auto b = r.config_value("init.defaultbranch"); b && !b->empty()) {
      if (!plain_ref_name("refs/heads/" + *b)) return undecided("init.defaultBranch " + *b);
      if (has("refs/heads/" + *b)) def = *b;
    }
    for (const char* b : {"main", "master"})
      if (def.empty() && has(std::string("refs/heads/") + b)) def = b;
    if (def.empty()) return none("there is no remote and no local main or master branch");
  }
  if (!plain_ref_name("refs/heads/" + def)) return undecided("a default branch named " + def);

  // Its ref (gate ref_for): the remote's, else the local branch.
  std::string ref;
  if (remote && has("refs/remotes/" + *remote + "/" + def))
    ref = "refs/remotes/" + *remote + "/" + def;
  else if (has("refs/heads/" + def))
    ref = "refs/heads/" + def;
  if (ref.empty()) return none("the default branch " + def + " is not in this clone");
  if (odd) return undecided("an unusual ref on the way to " + ref);

  // To a commit (gate at() → Repository::resolve): an annotated tag or anything else is libgit2's.
  ObjectId id = r.lookup(ref).id;
  std::string bytes;
  if (r.reader->read(id, bytes) != detail::ObjectType::commit)
    return undecided(ref + " does not name a readable commit");
  out.outcome = LightRoot::Outcome::found;
  out.ref = ref;
  out.commit = id;
  return out;
}

std::optional<std::optional<std::string>> LightRepository::file_at(const ObjectId& commit, std::string_view path) {
  Impl& r = *impl_;
  std::string bytes;
  if (r.reader->read(commit, bytes) != detail::ObjectType::commit) return std::nullopt;
  auto links = detail::parse_links(bytes);
  if (!links) return std::nullopt;
  ObjectId at = links->tree;
  detail::ObjectType type = detail::ObjectType::tree;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    if (type != detail::ObjectType::tree) return std::optional<std::string>();
    if (r.reader->read(at, bytes) != detail::ObjectType::tree) return std::nullopt;
    detail::TreeReader tree(bytes);
    std::optional<detail::TreeEntry> found;
    while (auto e = tree.next())
      if (e->name == part) {
        found = e;
        break;
      }
    if (!found && tree.broken()) return std::nullopt;
    if (!found) return std::optional<std::string>();
    uint32_t kind = found->mode & 0170000;
    at = found->id;
    if (found->is_tree())
      type = detail::ObjectType::tree;
    else if (kind == 0100000 || kind == 0120000)
      type = detail::ObjectType::blob;
    else
      return std::optional<std::string>();  // a submodule: no file (file_at)
  }
  if (type != detail::ObjectType::blob) return std::optional<std::string>();
  if (r.reader->read(at, bytes) != detail::ObjectType::blob) return std::nullopt;
  return std::optional<std::string>(std::move(bytes));
}

}  // namespace cs::git
