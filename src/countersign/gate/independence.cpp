// Who made a change, matched against the people directory by every email and name it lists.
#include "countersign/gate/independence.h"

#include <algorithm>

#include "countersign/core/text.h"
#include "countersign/gate/signoff_step.h"

namespace cs::gate::detail {
namespace {

void add(std::vector<Exclusion>& out, const std::string& person, std::string_view role) {
  for (const auto& e : out)
    if (e.person == person && e.why == role) return;
  out.push_back({person, std::string(role)});
}

void add_matching(std::vector<Exclusion>& out, const PeopleIndex& people, std::string_view name, std::string_view email,
                  std::string_view role) {
  for (const auto& id : people.matching(name, email)) add(out, id, role);
}

std::string joined(std::span<const Exclusion> parties, std::string_view person, const policy::Exclusions* exclude) {
  std::string why;
  for (std::string_view role : {"author", "committer", "operator"}) {
    if (exclude && ((role == "author" && !exclude->author) || (role == "committer" && !exclude->committer) ||
                    (role == "operator" && !exclude->operator_)))
      continue;
    bool party = std::any_of(parties.begin(), parties.end(),
                             [&](const Exclusion& e) { return e.person == person && e.why == role; });
    if (party) why += (why.empty() ? "" : ", ") + std::string(role);
  }
  return why;
}

}  // namespace

PeopleIndex::PeopleIndex(const policy::People& people) {
  auto put = [](auto& index, std::string key, const std::string& id) {
    if (key.empty()) return;
    auto& ids = index[std::move(key)];
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  };
  for (const auto& p : people.people) {
    for (const auto& e : p.emails) put(by_email_, text::email_key(e), p.id);
    put(by_name_, text::name_key(p.name), p.id);
    put(by_name_, text::name_key(p.id), p.id);
  }
}

std::vector<std::string> PeopleIndex::matching(std::string_view name, std::string_view email) const {
  std::vector<std::string> out;
  auto take = [&out](const auto& index, const std::string& key) {
    if (key.empty()) return;
    if (auto it = index.find(key); it != index.end())
      for (const auto& id : it->second)
        if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  };
  take(by_email_, text::email_key(email));
  take(by_name_, text::name_key(name));
  return out;
}

std::vector<Exclusion> parties_of(const PeopleIndex& people, const provenance::Provenance& prov,
                                  const git::Commit& commit, const std::string* signer) {
  std::vector<Exclusion> out;
  if (signer) {
    add(out, *signer, "author");
    add(out, *signer, "committer");
  }
  add_matching(out, people, commit.author.name, commit.author.email, "author");
  add_matching(out, people, commit.committer.name, commit.committer.email, "committer");
  for (const auto& o : prov.operators) add_matching(out, people, o.name, o.email, "operator");
  // Callers that fill in only the primary operator (the server, tests) are heard too.
  if (prov.operator_email || prov.operator_name)
    add_matching(out, people, prov.operator_name.value_or(""), prov.operator_email.value_or(""), "operator");
  return out;
}

std::string excluded_as(const policy::Exclusions& exclude, std::span<const Exclusion> parties,
                        std::string_view person) {
  return joined(parties, person, &exclude);
}

std::string party_as(std::span<const Exclusion> parties, std::string_view person) {
  return joined(parties, person, nullptr);
}

RequirementStatus assess_with_parties(const policy::Requirement& req, const policy::People& people,
                                      std::span<const Exclusion> parties,
                                      std::span<const VerifiedApproval* const> approvals) {
  RequirementStatus s;
  s.requirement = req;
  for (const auto& p : people.people) {
    bool holds = std::any_of(req.roles.begin(), req.roles.end(), [&](const std::string& r) { return p.has_role(r); });
    if (!holds) continue;
    std::string why = excluded_as(req.exclude, parties, p.id);
    if (why.empty())
      s.eligible.push_back(p.id);
    else
      s.excluded.push_back({p.id, std::move(why)});
  }
  count_approvals(s, people, approvals);
  return s;
}

}  // namespace cs::gate::detail
