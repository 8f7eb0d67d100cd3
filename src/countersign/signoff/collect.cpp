// Collecting for a range: every commit's change digest (the costly part, spread over threads,
// each with its own repository handle), then the statements binding each digest.
#include <algorithm>
#include <atomic>
#include <thread>

#include "countersign/signoff/signoff.h"

namespace cs::signoff {

Result<std::vector<CommitApprovals>> collect(const git::Repository& repo, const ApprovalSet& set,
                                             std::span<const git::ObjectId> commits, unsigned threads) {
  std::vector<CommitApprovals> out(commits.size());
  std::vector<std::optional<Error>> errors(commits.size());
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<size_t>(threads, std::max<size_t>(1, commits.size() / 16)));
  std::atomic<size_t> next{0};
  auto work = [&](const git::Repository& r) {
    for (size_t i; (i = next.fetch_add(1)) < commits.size();) {
      out[i].commit = commits[i];
      auto c = r.commit(commits[i]);
      if (!c) {
        errors[i] = c.error();
        continue;
      }
      auto d = commit_digest(r, *c);
      if (!d) errors[i] = d.error();
      else out[i].digest = *d;
    }
  };
  if (threads <= 1) {
    work(repo);
  } else {
    std::vector<git::Repository> handles;
    for (unsigned t = 0; t < threads; ++t) {
      auto h = repo.reopen();
      if (!h) return std::unexpected(h.error());
      handles.push_back(std::move(*h));
    }
    std::vector<std::jthread> pool;
    for (auto& h : handles) pool.emplace_back([&work, &h] { work(h); });
  }
  for (auto& e : errors)
    if (e) return std::unexpected(*e);
  // Verification is lazy and memoised inside the set: single-threaded from here.
  for (auto& ca : out) {
    if (!ca.digest) continue;
    ca.approvals = set.approvals_for(*ca.digest);
    ca.stale = set.stale_for(ca.commit, *ca.digest);
    ca.overrides = set.overrides_for(*ca.digest);
  }
  return out;
}

std::optional<std::string> override_refusal(const Checked& o, const BreakGlassRules& rules) {
  if (o.status != Status::valid) return std::string(to_string(o.status)) + ": " + o.reason;
  const Statement& st = *o.statement;
  if (o.person->agent) return o.person->id + " is an AI agent identity; agents never override";
  if (rules.roles.empty()) return std::string("the policy's break_glass section permits nobody to override");
  if (std::find(rules.roles.begin(), rules.roles.end(), st.role) == rules.roles.end()) {
    std::string allowed;
    for (const auto& r : rules.roles) allowed += (allowed.empty() ? "" : ", ") + r;
    return "role " + st.role + " may not override (break_glass permits: " + allowed + ")";
  }
  if (!o.person->has_role(st.role)) return o.person->id + " does not hold role " + st.role;
  if (st.expires && *st.expires - st.time > rules.max_ttl)
    return "ttl of " + std::to_string((*st.expires - st.time) / 60) + " min exceeds break_glass max_ttl of " +
           std::to_string(rules.max_ttl / 60) + " min";
  return std::nullopt;
}

Review review_of(const ApprovalSet& set, const Checked& o, const BreakGlassRules& rules, const PartyOf& party_of) {
  Review r;
  r.override_statement = &o;
  const Statement& st = *o.statement;
  r.due = st.time + rules.review_within;
  std::vector<ChangeDigest> members = st.members.empty() ? std::vector<ChangeDigest>{st.change} : st.members;
  // An override made under change digest v1 lists v1 digests: approvals of the same version
  // review it (they bind the same content it let through).
  auto counts = [&](const Checked* a) {
    return a->status == Status::valid || (a->status == Status::old_digest && a->statement->version == st.version);
  };
  auto reviews = [&](const Checked* a, const ChangeDigest& m) {
    if (!counts(a) || a->person->agent || a->person == o.person) return false;
    auto party = party_of(m, *a->person);
    if (!party || !party->empty()) return false;
    return std::any_of(rules.review_roles.begin(), rules.review_roles.end(), [&](const std::string& role) {
      return a->statement->role == role && a->person->has_role(role);
    });
  };
  for (const auto& m : members) {
    bool done = false;
    for (const Checked* a : set.approvals_for(m)) {
      if (!reviews(a, m)) continue;
      done = true;
      if (std::find(r.reviewed_by.begin(), r.reviewed_by.end(), a->person->id) == r.reviewed_by.end())
        r.reviewed_by.push_back(a->person->id);
    }
    if (!done) r.unreviewed.push_back(m);
  }
  return r;
}

std::vector<Review> reviews(const ApprovalSet& set, const BreakGlassRules& rules, const PartyOf& party_of) {
  std::vector<Review> out;
  for (const Checked* o : set.overrides()) {
    // An override that has expired still owes its review; one that never counted does not. One
    // made under change digest v1 counted then and owes it too.
    bool counted = o->status == Status::valid || o->status == Status::expired || o->status == Status::old_digest;
    if (!counted) continue;
    Checked as_valid = *o;
    as_valid.status = Status::valid;
    if (override_refusal(as_valid, rules)) continue;
    out.push_back(review_of(set, *o, rules, party_of));
  }
  std::sort(out.begin(), out.end(), [](const Review& a, const Review& b) { return a.due < b.due; });
  return out;
}

}  // namespace cs::signoff
