// check_signoff(): the gate run over exactly what `approve` is about to sign, and the signer's
// place in each requirement's eligible and excluded lists, so that approve refuses by the same
// rule check() counts by.
#include <algorithm>
#include <ctime>

#include "countersign/gate/gate.h"

namespace cs::gate {
namespace {

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}

// A commit alone is <rev>^! (a merge without what it merged); a range is checked as given.
std::string range_of(const std::string& target) {
  return target.find("..") != std::string::npos || target.ends_with("^!") ? target : target + "^!";
}

std::string commit_name(const CommitDecision& cd) {
  return "commit " + cd.provenance.commit.hex().substr(0, 12) + " (" + cd.subject + ")";
}

// Why the key cannot sign for anybody here: nobody's, not valid now, or not the --approver's.
std::optional<std::string> key_refusal(const signoff::KeyOwner& owner, const SignoffRequest& req,
                                       const TrustRoot& root) {
  const std::string where = " (trusted revision " + root.ref + ")";
  if (!owner.person || !owner.problem.empty()) return owner.problem + where;
  const signoff::Signatory& p = *owner.person;
  if (!req.signing.approver.empty() && !p.is(req.signing.approver))
    return "the key " + owner.fingerprint + " is " + p.id + "'s, not " + req.signing.approver + "'s";
  return std::nullopt;
}

// Why the key's owner cannot approve in `role` at all, whatever the commit.
std::optional<std::string> person_refusal(const signoff::KeyOwner& owner, const signoff::Trust& trust,
                                          const SignoffRequest& req, const TrustRoot& root) {
  if (auto why = key_refusal(owner, req, root)) return why;
  const std::string where = " (trusted revision " + root.ref + ")";
  const signoff::Signatory& p = *owner.person;
  if (p.agent) return p.id + " is an AI agent identity: agents never approve";
  if (p.has_role(req.role)) return std::nullopt;
  std::vector<std::string> roles;
  for (const auto& other : trust.people)
    for (const auto& r : other.roles)
      if (!contains(roles, r)) roles.push_back(r);
  if (!contains(roles, req.role)) {
    std::vector<std::string_view> candidates(roles.begin(), roles.end());
    std::string why = "nobody in the trusted people directory holds role '" + req.role + "'";
    if (auto c = policy::closest(req.role, candidates)) why += " (did you mean '" + *c + "'?)";
    return why + where;
  }
  return p.id + " does not hold role " + req.role + " (holds: " + (p.roles.empty() ? "none" : join(p.roles, ", ")) +
         ")" + where;
}

// Why an approval by `person` in `role` would not count toward `cd`; nullopt when it would.
std::optional<std::string> commit_refusal(const CommitDecision& cd, const std::string& person,
                                          const std::string& role) {
  std::vector<std::string> needed;
  std::string excluded;
  for (const auto& rs : cd.requirements) {
    for (const auto& r : rs.requirement.roles)
      if (!contains(needed, r)) needed.push_back(r);
    if (!contains(rs.requirement.roles, role)) continue;
    if (contains(rs.eligible, person)) return std::nullopt;
    for (const auto& x : rs.excluded)
      if (x.person == person && excluded.empty()) excluded = x.why;
  }
  if (!excluded.empty()) return person + " may not approve " + commit_name(cd) + ": they are its " + excluded;
  if (!contains(needed, role)) return commit_name(cd) + " needs role " + join(needed, " or ") + ", not " + role;
  return person + " is not eligible to approve " + commit_name(cd);
}

// What the person's earlier approvals of `cd` mean for this one.
void judge_earlier(const CommitDecision& cd, const std::string& person, const SignoffRequest& req, bool many_roles,
                   const std::string& fingerprint, SignoffCheck& out) {
  for (const auto& n : cd.approvals) {
    if (n.kind != "approval" || n.person != person || n.status != "valid") continue;
    if (n.role == req.role) {
      if (n.fingerprint == fingerprint)
        out.notes.push_back("renews your approval of " + commit_name(cd) + " as " + n.role + " made " +
                            signoff::format_time(n.time));
    } else if (!many_roles && n.counted) {
      out.refusals.push_back(person + " already counts as " + n.role + " on " + commit_name(cd) +
                             ", and the policy lets one person meet one role's requirements per commit "
                             "(approvals.one_person_many_roles: false)");
    } else {
      out.notes.push_back("stored beside your approval of " + commit_name(cd) + " as " + n.role);
    }
  }
}

// The gate's decision over exactly `target`; an error when it could not decide or had no
// trusted revision to read people from.
Result<Decision> decide_target(const SignoffRequest& req, const std::string& target, int64_t now) {
  Request r;
  r.repo_path = req.repo_path;
  r.range = range_of(target);
  r.exact_range = true;  // a statement binds exactly its targets
  r.trusted_ref = req.trusted_ref;
  r.environment = req.environment;
  r.list_approvals = true;
  r.now = now;
  Decision d = check(r);
  if (d.verdict == Verdict::error) {
    Error e = d.error.value_or(Error{Errc::internal, "the gate could not decide", {}});
    e.message = "cannot tell whether a statement about " + target + " would count: " + e.message;
    return std::unexpected(std::move(e));
  }
  if (!d.trust.commit)
    return fail(Errc::invalid_argument, "no trusted revision to read the people directory from for " + target +
                                            ": pass --trusted-ref (the branch the change goes into)");
  return d;
}

}  // namespace

Result<SignoffCheck> check_override(const SignoffRequest& req, int64_t ttl) {
  if (req.targets.size() != 1) return fail(Errc::invalid_argument, "an override is for one commit or range");
  const int64_t now = req.now ? req.now : static_cast<int64_t>(std::time(nullptr));
  auto repo = git::Repository::open(req.repo_path);
  if (!repo) return std::unexpected(repo.error());
  auto d = decide_target(req, req.targets.front(), now);
  if (!d) return std::unexpected(d.error());
  auto trusted = signoff::load_trusted(*repo, d->trust.commit->hex(), now);
  if (!trusted) return std::unexpected(trusted.error());
  auto owner = signoff::key_owner(trusted->trust, req.signing);
  if (!owner) return std::unexpected(owner.error());
  SignoffCheck out;
  out.trust = d->trust;
  out.one_person_many_roles = d->one_person_many_roles;
  out.fingerprint = owner->fingerprint;
  if (auto why = key_refusal(*owner, req, d->trust)) {
    out.refusals.push_back(*why);
    return out;
  }
  out.person = owner->person->id;
  out.approver = owner->person->emails.empty() ? owner->person->id : owner->person->emails.front();
  // The rule check() applies to a stored override, applied to the one about to be signed.
  signoff::Checked would_be;
  would_be.status = signoff::Status::valid;
  would_be.person = owner->person;
  signoff::Statement st;
  st.kind = signoff::StatementKind::override;
  st.role = req.role;
  st.time = now;
  st.expires = now + ttl;
  would_be.statement = st;
  if (auto why = signoff::override_refusal(would_be, trusted->rules)) out.refusals.push_back(*why);
  if (d->verdict == Verdict::pass)
    out.notes.push_back("nothing to override: every commit of " + req.targets.front() +
                        " is signed off or needs nothing");
  return out;
}

Result<SignoffCheck> check_signoff(const SignoffRequest& req) {
  if (req.targets.empty()) return fail(Errc::invalid_argument, "nothing to approve");
  const int64_t now = req.now ? req.now : static_cast<int64_t>(std::time(nullptr));
  auto repo = git::Repository::open(req.repo_path);
  if (!repo) return std::unexpected(repo.error());
  SignoffCheck out;
  std::optional<signoff::TrustedState> trusted;
  std::optional<git::ObjectId> trusted_at;
  std::optional<signoff::KeyOwner> owner;
  bool person_ok = false;
  for (const auto& target : req.targets) {
    auto decided = decide_target(req, target, now);
    if (!decided) return std::unexpected(decided.error());
    const Decision& d = *decided;
    out.trust = d.trust;
    out.one_person_many_roles = d.one_person_many_roles;
    if (!trusted_at || *trusted_at != *d.trust.commit) {
      auto t = signoff::load_trusted(*repo, d.trust.commit->hex(), now);
      if (!t) return std::unexpected(t.error());
      trusted = std::move(*t);
      trusted_at = d.trust.commit;
      auto o = signoff::key_owner(trusted->trust, req.signing);
      if (!o) return std::unexpected(o.error());
      owner = std::move(*o);
      out.fingerprint = owner->fingerprint;
      out.person = owner->person ? owner->person->id : "";
      out.approver = !owner->person                  ? ""
                     : owner->person->emails.empty() ? owner->person->id
                                                     : owner->person->emails.front();
      auto refusal = person_refusal(*owner, trusted->trust, req, d.trust);
      person_ok = !refusal;
      if (refusal && !contains(out.refusals, *refusal)) out.refusals.push_back(*refusal);
    }
    if (!person_ok) continue;
    for (const auto& cd : d.commits) {
      if (cd.requirements.empty()) {
        out.notes.push_back(commit_name(cd) + " needs no sign-off under the trusted policy (environment " +
                            d.environment + ")");
        continue;
      }
      if (auto why = commit_refusal(cd, out.person, req.role)) out.refusals.push_back(*why);
      judge_earlier(cd, out.person, req, d.one_person_many_roles, out.fingerprint, out);
    }
  }
  return out;
}

}  // namespace cs::gate
