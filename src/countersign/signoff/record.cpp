// Writing statements: approve, revoke and override compute what they bind, sign the statement
// (key file or ssh-agent) and file statement + armored signature in the store.
#include <memory>

#include "countersign/signoff/signoff.h"
#include "countersign/signoff/ssh_key.h"
#include "countersign/signoff/sshsig.h"
#include "countersign/signoff/store.h"

namespace cs::signoff {
namespace {

std::optional<std::string> config_string(const git::Repository& repo, const char* key) {
  auto value = repo.config(key);
  if (value && value->empty()) return std::nullopt;
  return value;
}

// What a target binds: one commit's own change, or a range's change with its members.
struct Binding {
  ChangeDigest change;
  std::vector<ChangeDigest> members;
  git::ObjectId commit;
};

Result<Binding> binding_of(const git::Repository& repo, const std::string& target) {
  if (target.find("..") != std::string::npos) {
    auto r = range_change(repo, target);
    if (!r) return std::unexpected(r.error());
    if (r->members.empty()) return fail(Errc::invalid_argument, target + " holds no change to sign off");
    Binding b{r->digest, {}, r->head};
    for (const auto& m : r->members) b.members.push_back(m.digest);
    return b;
  }
  // git's <rev>^! is that one commit, as `approve <rev>` means.
  std::string_view rev = target;
  if (rev.size() > 2 && rev.ends_with("^!")) rev.remove_suffix(2);
  auto id = repo.resolve(rev);
  if (!id) return std::unexpected(id.error());
  auto c = repo.commit(*id);
  if (!c) return std::unexpected(c.error());
  auto d = commit_digest(repo, *c);
  if (!d) return std::unexpected(d.error());
  if (!*d)
    return fail(Errc::invalid_argument,
                target + " is a merge that changes nothing git did not merge by itself: it needs no sign-off of its own");
  return Binding{**d, {}, *id};
}

struct Session {
  std::unique_ptr<Signer> signer;
  std::string repo_id;
  std::string approver;
};

// `need_approver`: the statements name a principal of the signer's choosing (approve, override);
// a revocation names the principal of the approval it revokes instead.
Result<Session> open_session(const git::Repository& repo, const SigningOptions& signing, bool need_approver = true) {
  Session s;
  auto id = repository_id(repo);
  if (!id) return std::unexpected(id.error());
  s.repo_id = *id;
  s.approver = signing.approver;
  if (s.approver.empty() && need_approver) {
    auto email = config_string(repo, "user.email");
    if (!email) return fail(Errc::invalid_argument, "who is approving? pass --approver or set `git config user.email`");
    s.approver = *email;
  }
  std::optional<std::filesystem::path> key;
  if (signing.key_file) key = *signing.key_file;
  auto signer = choose_signer(key);
  if (!signer) return std::unexpected(signer.error());
  s.signer = std::move(*signer);
  return s;
}

Result<std::pair<std::string, std::string>> sign_and_file(Session& s, const Statement& st, const std::string& name) {
  std::string text = render(st);
  // Only what parses back is signed: a reason or principal with a line break would not.
  if (auto back = parse_statement(text); !back)
    return fail(Errc::invalid_argument, "cannot record this statement: " + back.error().message);
  auto armored = sshsig_sign(*s.signer, text, kApprovalNamespace);
  if (!armored) return std::unexpected(armored.error());
  return std::pair{store::path_for(st.change.hex(), name), text + *armored};
}

}  // namespace

Result<std::vector<Recorded>> approve(const git::Repository& repo, std::span<const std::string> targets,
                                      std::string_view role, std::optional<int64_t> expires_in,
                                      const SigningOptions& signing) {
  if (targets.empty()) return fail(Errc::invalid_argument, "nothing to approve");
  auto session = open_session(repo, signing);
  if (!session) return std::unexpected(session.error());
  std::vector<Recorded> out;
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& target : targets) {
    auto b = binding_of(repo, target);
    if (!b) return std::unexpected(b.error());
    Statement st;
    st.repo = session->repo_id;
    st.change = b->change;
    st.members = b->members;
    st.commit = b->commit;
    st.approver = session->approver;
    st.role = std::string(role);
    st.time = signing.now;
    if (expires_in) st.expires = signing.now + *expires_in;
    auto file = sign_and_file(*session, st, store::approval_name(session->signer->public_key().fingerprint(), role));
    if (!file) return std::unexpected(file.error());
    out.push_back({target, file->first, st, session->signer->public_key().fingerprint()});
    files.push_back(std::move(*file));
  }
  std::string message = "approve " + std::to_string(files.size()) + " change(s) as " + session->approver;
  if (auto r = store::add(repo, files, message); !r) return std::unexpected(r.error());
  return out;
}

Result<std::vector<Recorded>> revoke(const git::Repository& repo, std::span<const std::string> targets,
                                     std::string_view reason, const SigningOptions& signing, std::string_view role) {
  if (targets.empty()) return fail(Errc::invalid_argument, "nothing to revoke");
  auto session = open_session(repo, signing, false);
  if (!session) return std::unexpected(session.error());
  auto contents = store::read(repo);
  if (!contents) return std::unexpected(contents.error());
  std::string key = store::file_key(session->signer->public_key().fingerprint());
  std::vector<Recorded> out;
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& target : targets) {
    auto b = binding_of(repo, target);
    if (!b) return std::unexpected(b.error());
    const std::string dir = b->change.hex();
    size_t before = files.size();
    for (const auto& f : contents->files) {
      if (f.digest != dir || !store::is_approval_of(f.name, key)) continue;
      auto begin = f.contents.find("-----BEGIN SSH SIGNATURE-----");
      if (begin == std::string::npos) return fail(Errc::parse, "the approval at " + f.path + " is unreadable");
      std::string_view text = std::string_view(f.contents).substr(0, begin);
      auto approved = parse_statement(text);
      if (!role.empty() && (!approved || approved->role != role)) continue;
      Statement st;
      st.kind = StatementKind::revocation;
      st.repo = session->repo_id;
      st.change = b->change;
      st.revokes = ChangeDigest::of(text);
      // The approval's own principal: its verification found the key's owner under that name, so
      // the revocation counts for the same person (user.email on the revoker's machine may differ,
      // and a revocation naming another principal would be void while the approval still counted).
      st.approver = approved ? approved->approver : session->approver;
      if (st.approver.empty()) return fail(Errc::parse, "the approval at " + f.path + " names no approver");
      st.reason = std::string(reason);
      st.time = signing.now;
      auto file = sign_and_file(*session, st, store::revocation_name(f.name));
      if (!file) return std::unexpected(file.error());
      out.push_back({target, file->first, st, session->signer->public_key().fingerprint()});
      files.push_back(std::move(*file));
    }
    if (files.size() == before)
      return fail(Errc::not_found, "no approval of " + target + (role.empty() ? "" : " as " + std::string(role)) +
                                       " by this key to revoke");
  }
  if (auto r = store::add(repo, files, "revoke " + std::to_string(files.size()) + " approval(s) of " + out.front().statement.approver);
      !r)
    return std::unexpected(r.error());
  return out;
}

Result<Recorded> record_override(const git::Repository& repo, std::string_view target, std::string_view role,
                                 std::string_view reason, int64_t ttl, const SigningOptions& signing) {
  if (reason.empty()) return fail(Errc::invalid_argument, "an override needs --reason");
  if (ttl <= 0) return fail(Errc::invalid_argument, "an override needs a positive --ttl");
  auto session = open_session(repo, signing);
  if (!session) return std::unexpected(session.error());
  std::string t(target);
  auto b = binding_of(repo, t);
  if (!b) return std::unexpected(b.error());
  Statement st;
  st.kind = StatementKind::override;
  st.repo = session->repo_id;
  st.change = b->change;
  st.members = b->members.empty() ? std::vector<ChangeDigest>{b->change} : b->members;
  st.commit = b->commit;
  st.approver = session->approver;
  st.role = std::string(role);
  st.reason = std::string(reason);
  st.time = signing.now;
  st.expires = signing.now + ttl;
  auto file =
      sign_and_file(*session, st, store::file_key(session->signer->public_key().fingerprint()) + ".override.sig");
  if (!file) return std::unexpected(file.error());
  Recorded rec{t, file->first, st, session->signer->public_key().fingerprint()};
  if (auto r = store::add(repo, {*file}, "override " + t + " by " + session->approver + ": " + st.reason); !r)
    return std::unexpected(r.error());
  return rec;
}

}  // namespace cs::signoff
