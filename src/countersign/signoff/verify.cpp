// ApprovalSet: the statements of the store, indexed by the digests they bind, each verified on
// first use: structure, signature, namespace, repository, the key's owner in the trusted people
// directory and its validity, the approver line, expiry, max_age and revocation.
#include <algorithm>
#include <atomic>
#include <charconv>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "countersign/core/text.h"
#include "countersign/signoff/allowed_signers.h"
#include "countersign/signoff/signoff.h"
#include "countersign/signoff/sshsig.h"
#include "countersign/signoff/store.h"
#include "countersign/signoff/trusted_keys.h"

namespace cs::signoff {
namespace {

constexpr std::string_view kBegin = "-----BEGIN SSH SIGNATURE-----";
constexpr int64_t kClockSkew = 300;
constexpr std::string_view kPersonPrefix = "person#";

}  // namespace

std::string principal_of(size_t person) { return std::string(kPersonPrefix) + std::to_string(person); }

std::optional<size_t> person_of(std::string_view principal, size_t people) {
  if (!principal.starts_with(kPersonPrefix)) return std::nullopt;
  auto digits = principal.substr(kPersonPrefix.size());
  size_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc{} || end != digits.data() + digits.size() || digits.empty() || n >= people) return std::nullopt;
  return n;
}

namespace {

// A statement is filed under its signing key: an approval as <key>.role-<role>.sig (or the earlier
// <key>.sig), its revocation beside it, an override as <key>.override.sig.
bool filed_under_its_key(std::string_view name, const std::string& fingerprint, const Statement& st) {
  const std::string key = store::file_key(fingerprint);
  switch (st.kind) {
    case StatementKind::approval:
      return name == key + ".sig" || name == store::approval_name(fingerprint, st.role);
    case StatementKind::revocation: {
      if (!name.ends_with(".revoke.sig")) return false;
      std::string approval = std::string(name.substr(0, name.size() - 11)) + ".sig";
      return store::is_approval_of(approval, key);
    }
    case StatementKind::override:
      return name == key + ".override.sig";
  }
  return false;
}

StatementKind kind_of_name(std::string_view name) {
  if (name.ends_with(".revoke.sig")) return StatementKind::revocation;
  if (name.ends_with(".override.sig")) return StatementKind::override;
  return StatementKind::approval;
}


// The one person `key` belongs to, or why there is none.
std::variant<size_t, std::string> owner_of(const AllowedSigners& signers, const PublicKey& key, size_t people) {
  std::vector<size_t> owners;
  for (const AllowedSigner* e : signers.entries_for(key)) {
    auto p = person_of(e->principals, people);
    if (p && std::find(owners.begin(), owners.end(), *p) == owners.end()) owners.push_back(*p);
  }
  if (owners.empty()) return "key " + key.fingerprint() + " belongs to nobody in the trusted people directory";
  if (owners.size() > 1) return "key " + key.fingerprint() + " is listed for several people; it identifies nobody";
  return owners[0];
}

using Index = std::unordered_map<ChangeDigest, std::vector<size_t>, ChangeDigestHash>;

}  // namespace

struct ApprovalSet::State {
  Trust trust;
  AllowedSigners signers;  // every trusted key, principal "person#<index>"
  std::vector<store::File> files;
  std::vector<StatementKind> kinds;           // from the file name
  std::vector<std::string> texts;             // the signed statement text
  std::vector<std::string> armors;            // the armored signature
  std::vector<Result<Statement>> statements;  // parsed
  std::vector<std::optional<Checked>> checked;
  // A signature parsed and checked ahead, in a batch (check_statements_until), for verify().
  std::vector<std::optional<Sshsig>> parsed;
  std::vector<std::optional<Result<void>>> signature;
  Index by_dir, members_of_approvals, members_of_overrides;
  std::unordered_map<git::ObjectId, std::vector<size_t>, git::ObjectIdHash> by_commit;
  std::vector<store::Problem> problems;
  bool old_digests = false;  // an approval or override made under change digest v1

  const Checked& check(size_t i);
  Checked verify(size_t i);
  std::vector<const Checked*> gather(const std::vector<size_t>* a, const std::vector<size_t>* b, StatementKind kind);
};

Checked ApprovalSet::State::verify(size_t i) {
  const store::File& f = files[i];
  Checked c;
  c.path = f.path;
  auto done = [&](Status s, std::string why) {
    c.status = s;
    c.reason = std::move(why);
    return c;
  };
  if (!statements[i]) return done(Status::malformed, "unreadable statement: " + statements[i].error().message);
  c.statement = *statements[i];
  const Statement& st = *c.statement;
  if (st.kind != kinds[i])
    return done(Status::malformed, "a " + std::string(to_string(st.kind)) + " filed as a " + std::string(to_string(kinds[i])));
  if (st.change.hex() != f.digest) return done(Status::malformed, "filed under digest " + f.digest + " but signs " + st.change.hex());
  Result<Sshsig> sig = parsed[i] ? Result<Sshsig>(std::move(*parsed[i])) : sshsig_parse(armors[i]);
  parsed[i].reset();
  if (!sig) return done(Status::malformed, "unreadable signature: " + sig.error().message);
  c.fingerprint = sig->key.fingerprint();
  if (auto v = signature[i] ? *signature[i] : sshsig_verify(*sig, texts[i], kApprovalNamespace); !v) {
    if (v.error().code == Errc::invalid_argument) return done(Status::wrong_namespace, v.error().message);
    return done(Status::bad_signature, "signature does not verify: " + v.error().message);
  }
  // After the signature: a statement edited after signing (its role, say) is a bad signature.
  if (!filed_under_its_key(f.name, c.fingerprint, st))
    return done(Status::malformed,
                "file name does not match the signing key " + c.fingerprint + " and role " + st.role);
  if (st.repo != trust.repo_id)
    return done(Status::wrong_repository, "made for repository " + st.repo + ", this is " + trust.repo_id);

  auto owner = owner_of(signers, sig->key, trust.people.size());
  if (auto* why = std::get_if<std::string>(&owner)) return done(Status::unknown_key, *why);
  const size_t index = std::get<size_t>(owner);
  c.person = &trust.people[index];
  auto decision = signers.check(sig->key, principal_of(index), kApprovalNamespace, trust.now);
  switch (decision.status) {
    case SignerStatus::allowed: break;
    case SignerStatus::expired:
    case SignerStatus::not_yet_valid:
      return done(Status::key_expired, "key " + c.fingerprint + " of " + c.person->id + ": " + decision.reason);
    case SignerStatus::wrong_namespace:
      return done(Status::wrong_namespace, "key " + c.fingerprint + " of " + c.person->id + ": " + decision.reason);
    default: return done(Status::unknown_key, decision.reason);
  }
  if (!c.person->is(st.approver))
    return done(Status::wrong_approver, "signed with " + c.person->id + "'s key but names approver " + st.approver);
  if (st.time > trust.now + kClockSkew) return done(Status::malformed, "dated " + format_time(st.time) + ", in the future");
  if (st.expires && *st.expires <= trust.now) return done(Status::expired, "expired at " + format_time(*st.expires));
  if (st.kind == StatementKind::approval && trust.max_age && st.time + *trust.max_age < trust.now)
    return done(Status::too_old, "made " + format_time(st.time) + ", older than the policy's max_age");

  if (st.kind == StatementKind::approval) {
    std::optional<ChangeDigest> self;  // hashed only when a revocation is filed beside it
    if (auto it = by_dir.find(st.change); it != by_dir.end()) {
      for (size_t j : it->second) {
        if (kinds[j] != StatementKind::revocation) continue;
        if (!self) self = ChangeDigest::of(texts[i]);
        const Checked& r = check(j);
        if (r.status == Status::valid && r.statement->revokes == *self && r.person == c.person)
          return done(Status::revoked, "revoked by " + c.person->id + " at " + format_time(r.statement->time));
      }
    }
  }
  if (st.kind != StatementKind::revocation && st.version < kChangeDigestVersion)
    return done(Status::old_digest, "made under change digest v" + std::to_string(st.version) +
                                        ", which does not bind where hunks land; re-approve the change");
  return done(Status::valid, "");
}

const Checked& ApprovalSet::State::check(size_t i) {
  if (!checked[i]) checked[i] = verify(i);
  return *checked[i];
}

std::vector<const Checked*> ApprovalSet::State::gather(const std::vector<size_t>* a, const std::vector<size_t>* b,
                                                       StatementKind kind) {
  std::vector<size_t> ids;
  for (auto* v : {a, b})
    if (v)
      for (size_t i : *v)
        if (kinds[i] == kind && std::find(ids.begin(), ids.end(), i) == ids.end()) ids.push_back(i);
  std::vector<const Checked*> out;
  for (size_t i : ids) out.push_back(&check(i));
  return out;
}

AllowedSigners trusted_signers(const Trust& trust, std::vector<store::Problem>& problems) {
  // Every trusted key becomes an allowed_signers entry for its owner.
  AllowedSigners signers;
  for (size_t p = 0; p < trust.people.size(); ++p) {
    const Signatory& person = trust.people[p];
    for (const auto& line : person.keys) {
      // One key per line: a line break would let the rest of the line name other principals.
      if (line.find_first_of("\r\n") != std::string::npos) {
        problems.push_back({"people directory: " + person.id, "unusable key: a key line must be a single line"});
        continue;
      }
      auto parsed = parse_allowed_signers(principal_of(p) + " " + line + "\n", "people directory (" + person.id + ")");
      if (parsed) {
        for (auto& e : parsed->entries) {
          e.principals = principal_of(p);  // whatever the line said: this person
          signers.entries.push_back(std::move(e));
        }
      } else {
        problems.push_back({"people directory: " + person.id, "unusable key: " + parsed.error().message});
      }
    }
  }
  if (trust.allowed_signers) {
    auto parsed = read_allowed_signers(*trust.allowed_signers, trust.allowed_signers_name);
    for (const auto& e : parsed.errors) problems.push_back({trust.allowed_signers_name, e.describe()});
    for (const auto& e : parsed.signers.entries) {
      for (size_t p = 0; p < trust.people.size(); ++p) {
        const Signatory& person = trust.people[p];
        bool match =
            e.matches_principal(person.id) || std::any_of(person.emails.begin(), person.emails.end(),
                                                          [&](const std::string& m) { return e.matches_principal(m); });
        if (!match) continue;
        AllowedSigner copy = e;
        copy.principals = principal_of(p);
        signers.entries.push_back(std::move(copy));
      }
    }
  }
  return signers;
}

bool Signatory::has_role(std::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

bool Signatory::is(std::string_view principal) const {
  if (text::iequals(id, principal)) return true;
  return std::any_of(emails.begin(), emails.end(), [&](const std::string& e) { return text::iequals(e, principal); });
}

std::string_view to_string(Status s) {
  switch (s) {
    case Status::valid: return "valid";
    case Status::malformed: return "malformed";
    case Status::bad_signature: return "bad signature";
    case Status::wrong_namespace: return "wrong namespace";
    case Status::wrong_repository: return "wrong repository";
    case Status::unknown_key: return "unknown key";
    case Status::key_expired: return "key expired";
    case Status::wrong_approver: return "wrong approver";
    case Status::expired: return "expired";
    case Status::too_old: return "too old";
    case Status::revoked: return "revoked";
    case Status::stale: return "stale: content changed";
    case Status::old_digest:
      return "stale: made under change digest v1, re-approve";
    case Status::not_eligible: return "approver not eligible";
  }
  return "unknown";
}

ApprovalSet::ApprovalSet(std::unique_ptr<State> s) : state_(std::move(s)) {}
ApprovalSet::ApprovalSet(ApprovalSet&&) noexcept = default;
ApprovalSet& ApprovalSet::operator=(ApprovalSet&&) noexcept = default;
ApprovalSet::~ApprovalSet() = default;

Result<ApprovalSet> ApprovalSet::load(const git::Repository& repo, Trust trust) {
  auto contents = store::read(repo);
  if (!contents) return std::unexpected(contents.error());
  // A revocation deleted or replaced by a later commit of the store still counts.
  auto removed = store::removed_revocations(repo, *contents);
  if (!removed) return std::unexpected(removed.error());
  for (auto& f : *removed) contents->files.push_back(std::move(f));
  auto s = std::make_unique<State>();
  s->trust = std::move(trust);
  s->problems = std::move(contents->problems);

  s->signers = trusted_signers(s->trust, s->problems);

  size_t n = contents->files.size();
  s->files = std::move(contents->files);
  s->kinds.resize(n);
  s->texts.resize(n);
  s->armors.resize(n);
  s->checked.resize(n);
  s->parsed.resize(n);
  s->signature.resize(n);
  s->statements.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const store::File& f = s->files[i];
    s->kinds[i] = kind_of_name(f.name);
    if (auto d = ChangeDigest::from_hex(f.digest)) s->by_dir[*d].push_back(i);
    size_t begin = f.contents.find(kBegin);
    while (begin != std::string::npos && begin != 0 && f.contents[begin - 1] != '\n') begin = f.contents.find(kBegin, begin + 1);
    if (begin == std::string::npos || begin == 0) {
      s->statements.push_back(fail(Errc::parse, "no statement followed by an armored SSH signature (truncated or garbage)"));
      continue;
    }
    s->texts[i] = f.contents.substr(0, begin);
    s->armors[i] = f.contents.substr(begin);
    s->statements.push_back(parse_statement(s->texts[i]));
    const auto& st = s->statements.back();
    if (!st) continue;
    if (st->kind != StatementKind::revocation && st->version < kChangeDigestVersion) s->old_digests = true;
    if (st->commit) s->by_commit[*st->commit].push_back(i);
    Index* members = st->kind == StatementKind::approval   ? &s->members_of_approvals
                     : st->kind == StatementKind::override ? &s->members_of_overrides
                                                           : nullptr;
    if (members)
      for (const auto& m : st->members) (*members)[m].push_back(i);
  }
  return ApprovalSet(std::move(s));
}

bool ApprovalSet::empty() const { return state_->files.empty(); }

bool ApprovalSet::holds_old_digests() const {
  return state_->old_digests;
}

bool ApprovalSet::names(const git::ObjectId& commit) const { return state_->by_commit.contains(commit); }

void ApprovalSet::check_statements_until(const std::atomic<bool>& stop) const {
  State& s = *state_;
  constexpr size_t kBatch = 64;  // signatures checked together: one field inversion for them all
  std::vector<size_t> batch;
  std::vector<const Sshsig*> sigs;
  std::vector<std::string_view> messages;
  for (size_t next = 0; next < s.files.size() && !stop.load(std::memory_order_relaxed);) {
    batch.clear();
    sigs.clear();
    messages.clear();
    for (; next < s.files.size() && batch.size() < kBatch; ++next) {
      if (s.checked[next] || !s.statements[next] || !s.statements[next]->commit) continue;
      batch.push_back(next);
      if (auto sig = sshsig_parse(s.armors[next])) s.parsed[next] = std::move(*sig);
    }
    for (size_t i : batch)
      if (s.parsed[i]) {
        sigs.push_back(&*s.parsed[i]);
        messages.push_back(s.texts[i]);
      }
    auto answers = sshsig_verify_many(sigs, messages, kApprovalNamespace);
    for (size_t k = 0, a = 0; k < batch.size(); ++k)
      if (s.parsed[batch[k]]) s.signature[batch[k]] = std::move(answers[a++]);
    for (size_t i : batch) s.check(i);
  }
}

void ApprovalSet::check_signatures(std::span<const ChangeDigest> digests, unsigned threads) const {
  State& s = *state_;
  std::vector<char> wanted(s.files.size(), 0);
  for (const auto& d : digests)
    for (const Index* index : {&s.by_dir, &s.members_of_approvals, &s.members_of_overrides})
      if (auto it = index->find(d); it != index->end())
        for (size_t i : it->second) wanted[i] = 1;
  // Verifying an approval looks up the revocations filed beside it: those are checked first, so
  // that the approvals can then be checked side by side, each reading them only.
  std::vector<size_t> revocations, rest;
  std::vector<char> queued(s.files.size(), 0);
  for (size_t i = 0; i < wanted.size(); ++i) {
    if (!wanted[i] || s.checked[i]) continue;
    rest.push_back(i);
    if (s.kinds[i] != StatementKind::approval || !s.statements[i]) continue;
    if (auto it = s.by_dir.find(s.statements[i]->change); it != s.by_dir.end())
      for (size_t j : it->second)
        if (s.kinds[j] == StatementKind::revocation && !s.checked[j] && !queued[j]) {
          queued[j] = 1;
          revocations.push_back(j);
        }
  }
  std::erase_if(rest, [&](size_t i) { return queued[i] != 0; });
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  auto run = [&](const std::vector<size_t>& todo) {
    unsigned n = unsigned(std::clamp<size_t>((todo.size() + 63) / 64, 1, threads));
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t k; (k = next.fetch_add(1)) < todo.size();) s.check(todo[k]);  // each index once
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < n; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
  };
  run(revocations);
  run(rest);
}

const Trust& ApprovalSet::trust() const { return state_->trust; }

std::vector<const Checked*> ApprovalSet::approvals_for(const ChangeDigest& digest) const {
  auto a = state_->by_dir.find(digest);
  auto b = state_->members_of_approvals.find(digest);
  return state_->gather(a == state_->by_dir.end() ? nullptr : &a->second,
                        b == state_->members_of_approvals.end() ? nullptr : &b->second, StatementKind::approval);
}

std::vector<const Checked*> ApprovalSet::overrides_for(const ChangeDigest& digest) const {
  auto a = state_->by_dir.find(digest);
  auto b = state_->members_of_overrides.find(digest);
  return state_->gather(a == state_->by_dir.end() ? nullptr : &a->second,
                        b == state_->members_of_overrides.end() ? nullptr : &b->second, StatementKind::override);
}

std::vector<const Checked*> ApprovalSet::stale_for(const git::ObjectId& commit, const ChangeDigest& current) const {
  std::vector<const Checked*> out;
  auto it = state_->by_commit.find(commit);
  if (it == state_->by_commit.end()) return out;
  for (size_t i : it->second) {
    if (state_->kinds[i] != StatementKind::approval) continue;
    const auto& st = *state_->statements[i];
    bool binds = st.change == current || std::find(st.members.begin(), st.members.end(), current) != st.members.end();
    if (!binds) out.push_back(&state_->check(i));
  }
  return out;
}

namespace {
}  // namespace

std::string origin_key(const git::Commit& c) {
  std::string_view subject(c.message);
  subject = subject.substr(0, subject.find('\n'));
  return text::lower(c.author.email) + '\n' + std::to_string(c.author.time) + '\n' + std::string(subject);
}

namespace {

// FNV-1a over a path, NUL and both modes, and (for paths_key) the growth in bytes.
uint64_t entry_hash(const git::ChangedPath& p, std::optional<uint64_t> growth) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) h = (h ^ ((v >> (8 * i)) & 0xFF)) * 1099511628211ull;
  };
  for (char c : p.path) mix(static_cast<unsigned char>(c), 1);
  mix(0, 1);
  mix(p.old_mode, 4);
  mix(p.new_mode, 4);
  if (growth) mix(*growth, 8);  // wraps for a shrinking file, the same way for both sides
  return h;
}

}  // namespace

Result<uint64_t> paths_key(const git::Repository& repo, std::span<const git::ChangedPath> paths) {
  constexpr uint32_t kGitlink = 0160000;
  auto size = [&repo](uint32_t mode, const git::ObjectId& id) -> Result<uint64_t> {
    if (mode == 0 || mode == kGitlink) return 0;  // absent; a submodule's line has a fixed length
    return repo.object_size(id);
  };
  // A sum of per-entry hashes: no sorting, and the order of the entries does not matter.
  uint64_t key = 0x9E3779B97F4A7C15ull;
  for (const auto& p : paths) {
    auto before = size(p.old_mode, p.old_blob);
    if (!before) return std::unexpected(before.error());
    auto after = size(p.new_mode, p.new_blob);
    if (!after) return std::unexpected(after.error());
    key += entry_hash(p, *after - *before) * 0xFF51AFD7ED558CCDull;
  }
  return key;
}

uint64_t shape_key(std::span<const git::ChangedPath> paths) {
  uint64_t key = 0x9E3779B97F4A7C15ull;
  for (const auto& p : paths) key += entry_hash(p, std::nullopt) * 0xFF51AFD7ED558CCDull;
  return key;
}

Result<std::vector<char>> ApprovalSet::candidates(const git::Repository& repo, std::span<const RangeCommit> range) const {
  const State& s = *state_;
  std::vector<char> all(range.size(), 1);
  std::unordered_map<git::ObjectId, size_t, git::ObjectIdHash> in_range;
  for (size_t i = 0; i < range.size(); ++i) in_range.emplace(range[i].id, i);
  std::vector<char> out(range.size(), 0);
  std::unordered_set<uint64_t> keys, shapes;
  std::unordered_set<std::string> origins;
  std::unordered_set<git::ObjectId, git::ObjectIdHash> seen;  // named commits, each looked at once
  std::vector<std::optional<uint64_t>> key_of(range.size());   // paths_key, once worked out
  auto range_key = [&](size_t i) -> Result<uint64_t> {
    if (!key_of[i]) {
      auto k = paths_key(repo, range[i].paths);
      if (!k) return std::unexpected(k.error());
      key_of[i] = *k;
    }
    return *key_of[i];
  };
  for (size_t i = 0; i < s.files.size(); ++i) {
    if (s.kinds[i] == StatementKind::revocation) continue;  // binds an approval, not a change
    const auto& st = s.statements[i];
    if (!st || !st->members.empty() || !st->commit) return all;
    if (auto it = in_range.find(*st->commit); it != in_range.end()) {
      // The key stands for the statement's content only if it signs its named commit's change
      // (countersign's own statements always do; a hand-made one might not).
      const auto& named_digest = range[it->second].digest;
      if (named_digest && st->change != *named_digest && std::find(st->members.begin(), st->members.end(), *named_digest) == st->members.end())
        return all;
      out[it->second] = 1;
      if (!seen.insert(*st->commit).second) continue;
      auto key = range_key(it->second);
      if (!key) return all;
      keys.insert(*key);
      shapes.insert(range[it->second].shape);
      continue;
    }
    if (!seen.insert(*st->commit).second) continue;  // several statements, one commit
    auto named = repo.commit(*st->commit);
    if (!named || named->parents.size() > 1) return all;
    auto paths = repo.changed_paths(*named);
    if (!paths) return all;
    auto key = paths_key(repo, *paths);
    if (!key) return all;
    keys.insert(*key);
    shapes.insert(shape_key(*paths));
    origins.insert(origin_key(*named));
  }
  for (size_t i = 0; i < range.size(); ++i) {
    if (out[i]) continue;
    if (shapes.contains(range[i].shape)) {
      auto key = range_key(i);
      if (!key || keys.contains(*key)) {  // unreadable sizes: a candidate, to be safe
        out[i] = 1;
        continue;
      }
    }
    if (!origins.empty()) {
      std::optional<std::string> origin = range[i].origin;
      if (!origin)
        if (auto c = repo.commit(range[i].id)) origin = origin_key(*c);
      if (!origin || origins.contains(*origin)) out[i] = 1;  // unreadable: a candidate, to be safe
    }
  }
  return out;
}

Result<std::vector<std::pair<size_t, const Checked*>>> ApprovalSet::rewritten(
    const git::Repository& repo, std::span<const git::ObjectId> range,
    std::span<const std::optional<ChangeDigest>> digests) const {
  std::vector<std::pair<size_t, const Checked*>> out;
  std::unordered_set<git::ObjectId, git::ObjectIdHash> in_range(range.begin(), range.end());
  std::unordered_map<std::string, std::vector<size_t>> by_origin;
  for (const auto& [id, statements] : state_->by_commit) {
    if (in_range.contains(id)) continue;
    auto c = repo.commit(id);
    if (!c) continue;  // not in this clone: nothing to compare with
    auto& v = by_origin[origin_key(*c)];
    for (size_t i : statements)
      if (state_->kinds[i] == StatementKind::approval) v.push_back(i);
  }
  if (by_origin.empty()) return out;
  for (size_t r = 0; r < range.size() && r < digests.size(); ++r) {
    if (!digests[r]) continue;
    auto c = repo.commit(range[r]);
    if (!c) return std::unexpected(c.error());
    auto it = by_origin.find(origin_key(*c));
    if (it == by_origin.end()) continue;
    for (size_t i : it->second) {
      const auto& st = *state_->statements[i];
      bool binds = st.change == *digests[r] || std::find(st.members.begin(), st.members.end(), *digests[r]) != st.members.end();
      if (!binds) out.emplace_back(r, &state_->check(i));
    }
  }
  return out;
}

std::vector<const Checked*> ApprovalSet::overrides() const {
  std::vector<const Checked*> out;
  for (size_t i = 0; i < state_->files.size(); ++i)
    if (state_->kinds[i] == StatementKind::override) out.push_back(&state_->check(i));
  return out;
}

std::vector<std::pair<std::string, std::string>> ApprovalSet::problems() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& p : state_->problems) out.emplace_back(p.path, p.reason);
  return out;
}

Result<KeyOwner> key_owner(const Trust& trust, const SigningOptions& signing) {
  std::optional<std::filesystem::path> file;
  if (signing.key_file) file = *signing.key_file;
  auto signer = choose_signer(file);
  if (!signer) return std::unexpected(signer.error());
  const PublicKey& key = (*signer)->public_key();
  KeyOwner out;
  out.fingerprint = key.fingerprint();
  std::vector<store::Problem> ignored;  // reported by the check that reads the store
  AllowedSigners signers = trusted_signers(trust, ignored);
  auto owner = owner_of(signers, key, trust.people.size());
  if (auto* why = std::get_if<std::string>(&owner)) {
    out.problem = *why;
    return out;
  }
  const size_t index = std::get<size_t>(owner);
  out.person = &trust.people[index];
  auto decision = signers.check(key, principal_of(index), kApprovalNamespace, trust.now);
  if (!decision.allowed()) out.problem = "key " + out.fingerprint + " of " + out.person->id + ": " + decision.reason;
  return out;
}

std::optional<std::string> ineligibility(const Signatory& person, std::span<const Excluded> excluded,
                                         std::span<const std::string> roles) {
  if (person.agent) return person.id + " is an AI agent identity; agents never approve";
  for (const auto& x : excluded) {
    // The same person under any address or name the directory lists (case and sub-address aside).
    bool same = std::any_of(person.emails.begin(), person.emails.end(),
                            [&](const std::string& e) { return text::same_email(e, x.email); }) ||
                text::same_name(person.name, x.name) || text::same_name(person.id, x.name);
    if (same) return person.id + " is the change's " + x.role;
  }
  if (roles.empty() || std::any_of(roles.begin(), roles.end(), [&](const std::string& r) { return person.has_role(r); }))
    return std::nullopt;
  std::string need, has;
  for (const auto& r : roles) need += (need.empty() ? "" : " or ") + r;
  for (const auto& r : person.roles) has += (has.empty() ? "" : ", ") + r;
  return person.id + " holds no role " + need + " (has: " + (has.empty() ? "none" : has) + ")";
}

}  // namespace cs::signoff
