// The gate's sign-off step. Verification is lazy inside signoff::ApprovalSet, so only statements
// that bind a checked commit are verified; commits no statement binds are left as decided.
#include "countersign/gate/signoff_step.h"

#include <algorithm>
#include <optional>
#include <unordered_map>

#include "countersign/gate/independence.h"

namespace cs::gate::detail {
namespace {

bool contains(const std::vector<std::string>& v, std::string_view s) { return std::find(v.begin(), v.end(), s) != v.end(); }

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}

ApprovalNote note_of(const signoff::Checked& c, std::string_view kind) {
  ApprovalNote n;
  n.kind = std::string(kind);
  n.person = c.person ? c.person->id : "";
  n.fingerprint = c.fingerprint;
  n.status = std::string(signoff::to_string(c.status));
  n.reason = c.reason;
  n.path = c.path;
  if (c.statement) {
    n.role = c.statement->role;
    n.time = c.statement->time;
    n.expires = c.statement->expires;
  }
  return n;
}

// Why a valid approval did not count toward this commit's requirements: judged against the first
// requirement it could have helped with (an unmet one when there is one).
std::string not_counted_because(const CommitDecision& cd, const signoff::Checked& a, bool& not_eligible) {
  const signoff::Signatory& p = *a.person;
  const RequirementStatus* r = nullptr;
  for (const auto& rs : cd.requirements)
    if (!r || (!rs.met() && r->met())) r = &rs;
  const auto& req = r->requirement;
  not_eligible = true;
  if (auto as = excluded_as(req.exclude, cd.parties, p.id); !as.empty()) {
    if (as == "operator") as = "operator (of the agent that wrote it)";
    return p.id + " is the change's " + as;
  }
  if (auto why = signoff::ineligibility(p, {}, req.roles)) return *why;
  const auto& roles = req.roles;
  if (!contains(roles, a.statement->role))
    return "claims role " + a.statement->role + "; this commit needs " + join(roles, " or ");
  not_eligible = false;
  return "another approval by " + p.id + " already counts: distinct people, not keys, are counted";
}

// The role `person` counts in on this commit, if any, and whether it is `role`.
std::optional<std::string> counted_role(const CommitDecision& cd, std::string_view person, std::string_view role) {
  std::optional<std::string> out;
  for (const auto& r : cd.requirements)
    for (size_t k = 0; k < r.satisfied_by.size() && k < r.satisfied_as.size(); ++k)
      if (r.satisfied_by[k] == person && (!out || r.satisfied_as[k] == role)) out = r.satisfied_as[k];
  return out;
}

void note_approvals(CommitDecision& cd, const std::vector<const signoff::Checked*>& approvals, bool many_roles) {
  for (const signoff::Checked* a : approvals) {
    ApprovalNote n = note_of(*a, "approval");
    if (a->status == signoff::Status::valid) {
      auto as = counted_role(cd, a->person->id, a->statement->role);
      bool counted = as && *as == a->statement->role;
      bool first = std::none_of(cd.approvals.begin(), cd.approvals.end(), [&](const ApprovalNote& o) {
        return o.counted && o.kind == "approval" && o.person == a->person->id && o.role == a->statement->role;
      });
      if (cd.requirements.empty()) {
        n.reason = "";  // valid; this commit needs nothing
      } else if (counted && first) {
        n.counted = true;
      } else if (as && !counted && !many_roles) {
        n.reason = a->person->id + " already counts as " + *as +
                   " on this commit, and the policy lets one person meet one role's requirements per commit "
                   "(approvals.one_person_many_roles: false)";
      } else if (counted) {
        n.reason = "another approval by " + a->person->id + " already counts: distinct people, not keys, are counted";
      } else {
        bool ineligible = false;
        n.reason = not_counted_because(cd, *a, ineligible);
        if (ineligible) n.status = std::string(signoff::to_string(signoff::Status::not_eligible));
      }
    }
    cd.approvals.push_back(std::move(n));
  }
}

void note_stale(CommitDecision& cd, const std::vector<const signoff::Checked*>& stale) {
  for (const signoff::Checked* a : stale) {
    ApprovalNote n = note_of(*a, "approval");
    if (a->status == signoff::Status::valid) {
      n.status = std::string(signoff::to_string(signoff::Status::stale));
      n.reason = "made for change " + a->statement->change.hex().substr(0, 12) + " of commit " +
                 (a->statement->commit ? a->statement->commit->hex().substr(0, 12) : std::string("?")) +
                 "; this commit's change is " + cd.digest.substr(0, 12) + " (the content was edited since)";
    }
    cd.approvals.push_back(std::move(n));
  }
}

// Why the override of a change by someone who made it does not count: only a role the policy's
// break_glass.self_override names may; and a commit whose authorship could not be verified, nobody.
std::optional<std::string> self_override_refusal(const CommitDecision& cd, const signoff::Checked& o,
                                                 const signoff::BreakGlassRules& rules) {
  // Who made an unverified commit is not known, so nobody can be shown independent of it.
  if (!cd.authorship_problem.empty()) return cd.authorship_problem + "; an override does not stand in for it";
  auto as = party_as(cd.parties, o.person->id);
  if (as.empty()) return std::nullopt;
  if (contains(rules.self_override, o.statement->role)) return std::nullopt;
  return o.person->id + " is the change's " + as + ": who made a change may not override it" +
         (rules.self_override.empty()
              ? std::string(" (break_glass.self_override permits no role)")
              : " (break_glass.self_override permits: " + join(rules.self_override, ", ") + ")");
}

// Marks `cd` overridden when it needs it and one of `overrides` is permitted; returns the one used.
const signoff::Checked* note_overrides(CommitDecision& cd, const std::vector<const signoff::Checked*>& overrides,
                                       const signoff::BreakGlassRules& rules) {
  const signoff::Checked* used = nullptr;
  for (const signoff::Checked* o : overrides) {
    ApprovalNote n = note_of(*o, "override");
    if (cd.satisfied()) {
      n.reason = "not needed: the commit is signed off";
    } else if (auto refusal = signoff::override_refusal(*o, rules)) {
      if (o->status == signoff::Status::valid) n.status = "override not permitted";
      n.reason = *refusal;
    } else if (auto self = self_override_refusal(cd, *o, rules)) {
      n.status = "override not permitted";
      n.reason = *self;
    } else {
      n.counted = !used;
      if (!used) used = o;
    }
    cd.approvals.push_back(std::move(n));
  }
  cd.overridden = used != nullptr;
  return used;
}

PostHocReview review_owed(const signoff::ApprovalSet& set, const signoff::Checked& o,
                          const signoff::BreakGlassRules& rules,
                          const std::unordered_map<std::string, std::string>& commit_of_digest,
                          const signoff::PartyOf& party_of, int64_t now) {
  auto r = signoff::review_of(set, o, rules, party_of);
  PostHocReview p;
  p.by = o.person->id;
  p.reason = o.statement->reason;
  p.time = o.statement->time;
  p.expires = o.statement->expires.value_or(0);
  p.due = r.due;
  p.overdue = r.overdue(now);
  p.review_roles = rules.review_roles;
  for (const auto& d : r.unreviewed) {
    auto it = commit_of_digest.find(d.hex());
    p.unreviewed.push_back(it != commit_of_digest.end() ? it->second : "change " + d.hex());
  }
  return p;
}

}  // namespace

Result<std::optional<signoff::ApprovalSet>> load_approvals(const git::Repository& repo, const policy::Loaded& loaded,
                                                            const provenance::Assessor& agents, const TrustRoot& root,
                                                            int64_t now, std::vector<std::string>& notes) {
  auto ref = repo.reference(signoff::kApprovalsRef);
  if (!ref) return std::unexpected(ref.error());
  if (!*ref) return std::optional<signoff::ApprovalSet>{};
  auto id = signoff::repository_id(repo);
  if (!id) return fail(id.error().code, std::string("cannot verify approvals: ") + id.error().message);
  std::optional<std::string> signers;
  if (root.commit) {
    auto s = repo.file_at(*root.commit, signoff::kAllowedSignersFile);
    if (!s) return std::unexpected(s.error());
    signers = std::move(*s);
  }
  auto set = signoff::ApprovalSet::load(repo, signoff::trust_from(loaded.people, loaded.policy, std::move(signers), *id, now, agents));
  if (!set) return std::unexpected(set.error());
  for (const auto& [path, reason] : set->problems()) notes.push_back("approval store: " + path + ": " + reason);
  return std::optional<signoff::ApprovalSet>(std::move(*set));
}

Result<void> bind_digest(const git::Repository& repo, const git::Commit& commit,
                         std::span<const git::ChangedPath> paths, bool wanted, bool old_digests, CommitDecision& cd) {
  bool merge = commit.parents.size() > 1;
  if (!wanted && !(merge && !cd.requirements.empty())) return {};
  auto digest = signoff::commit_digests(repo, commit, paths, old_digests);
  if (!digest) return std::unexpected(digest.error());
  if (*digest) {
    cd.digest = (*digest)->current.hex();
    if ((*digest)->v1) cd.digest_v1 = (*digest)->v1->hex();
  } else {
    cd.requirements.clear();
  }  // a merge that changed nothing by hand: nothing to sign off
  return {};
}

Result<std::vector<PostHocReview>> apply_signoff(const git::Repository& repo, const signoff::ApprovalSet& set,
                                                 const policy::Loaded& loaded, std::span<const git::ObjectId> ids,
                                                 const GivenApprovals& given, std::vector<CommitDecision>& commits,
                                                 int64_t now) {
  const auto rules = signoff::break_glass_of(loaded.policy);
  std::vector<const signoff::Checked*> used;
  std::unordered_map<std::string, std::string> commit_of_digest;
  std::unordered_map<std::string, const CommitDecision*> decision_of_digest;
  std::vector<std::optional<signoff::ChangeDigest>> digests(commits.size());
  for (size_t i = 0; i < commits.size(); ++i)
    if (!commits[i].digest.empty()) {
      auto digest = signoff::ChangeDigest::from_hex(commits[i].digest);
      if (!digest) return std::unexpected(digest.error());
      digests[i] = *digest;
    }
  // Approvals of an earlier version of an amended or rebased commit: reported as stale.
  auto rewritten = set.rewritten(repo, ids, digests);
  if (!rewritten) return std::unexpected(rewritten.error());
  std::vector<std::vector<const signoff::Checked*>> earlier(commits.size());
  for (const auto& [i, c] : *rewritten) earlier[i].push_back(c);

  for (size_t i = 0; i < commits.size(); ++i) {
    CommitDecision& cd = commits[i];
    if (!digests[i]) continue;
    commit_of_digest.emplace(cd.digest, ids[i].hex());
    decision_of_digest.emplace(cd.digest, &cd);
    auto approvals = set.approvals_for(*digests[i]);
    auto stale = set.stale_for(ids[i], *digests[i]);
    for (const signoff::Checked* c : earlier[i])
      if (std::find(stale.begin(), stale.end(), c) == stale.end()) stale.push_back(c);
    // Approvals of this content made under change digest v1 (also as range members): reported as
    // needing re-approval, never counted.
    if (!cd.digest_v1.empty())
      if (auto v1 = signoff::ChangeDigest::from_hex(cd.digest_v1))
        for (const signoff::Checked* c : set.approvals_for(*v1))
          if (std::find(stale.begin(), stale.end(), c) == stale.end()) stale.push_back(c);
    auto overrides = set.overrides_for(*digests[i]);
    if (approvals.empty() && stale.empty() && overrides.empty()) continue;

    std::vector<VerifiedApproval> verified;
    for (const signoff::Checked* a : approvals)
      if (a->status == signoff::Status::valid && !a->person->agent)
        verified.push_back({a->person->id, {a->statement->role}, {ids[i]}, a->statement->time});
    // Who is eligible was settled when the commit was decided; only the counting is done again.
    if (!verified.empty() && !cd.requirements.empty()) {
      std::vector<const VerifiedApproval*> all = given ? given(ids[i]) : std::vector<const VerifiedApproval*>{};
      for (const auto& v : verified) all.push_back(&v);
      count_commit(cd.requirements, loaded.people, all, loaded.policy.approvals.one_person_many_roles);
    }
    note_approvals(cd, approvals, loaded.policy.approvals.one_person_many_roles);
    note_stale(cd, stale);
    if (const signoff::Checked* o = note_overrides(cd, overrides, rules))
      if (std::find(used.begin(), used.end(), o) == used.end()) used.push_back(o);
  }
  // Who made a change the override let through is known for the commits of this range; a member
  // outside it is left to `countersign overdue`, which looks its commit up.
  signoff::PartyOf party_of = [&](const signoff::ChangeDigest& d,
                                  const signoff::Signatory& p) -> std::optional<std::string> {
    auto it = decision_of_digest.find(d.hex());
    if (it == decision_of_digest.end()) return std::nullopt;
    return party_as(it->second->parties, p.id);
  };
  std::vector<PostHocReview> owed;
  for (const signoff::Checked* o : used) {
    auto review = review_owed(set, *o, rules, commit_of_digest, party_of, now);
    if (!review.unreviewed.empty()) owed.push_back(std::move(review));
  }
  return owed;
}

Verdict verdict_of(const std::vector<CommitDecision>& commits) {
  bool overridden = false;
  for (const auto& cd : commits) {
    if (cd.satisfied()) continue;
    if (!cd.overridden) return Verdict::blocked;
    overridden = true;
  }
  return overridden ? Verdict::overridden : Verdict::pass;
}

}  // namespace cs::gate::detail
