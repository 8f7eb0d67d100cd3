// Private to the gate. Who made a change, as the trusted people directory knows them: the author,
// the committer and every operator, each matched by every email and name the directory lists
// (case and sub-addresses aside), so that one person is excluded under all of their addresses.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "countersign/gate/gate.h"

namespace cs::gate::detail {

// The people directory indexed by what names a person in a commit: each email by text::email_key,
// each name and id by text::name_key. Built once per check.
class PeopleIndex {
 public:
  explicit PeopleIndex(const policy::People& people);
  // The ids of the people a git identity names (policy::Person::is), each once.
  std::vector<std::string> matching(std::string_view name, std::string_view email) const;

 private:
  std::unordered_map<std::string, std::vector<std::string>> by_email_, by_name_;
};

// The people of `people` who made `commit`, once per person and role ("author", "committer",
// "operator"). With `signer` (verified authorship), that person is the author and the committer
// beside whoever the claimed identities name: a claim can add a party, never remove the signer.
std::vector<Exclusion> parties_of(const PeopleIndex& people, const provenance::Provenance& prov,
                                  const git::Commit& commit, const std::string* signer = nullptr);

// The roles in which `person` made the change that `exclude` keeps from approving it, joined
// ("author, operator"); empty when none.
std::string excluded_as(const policy::Exclusions& exclude, std::span<const Exclusion> parties, std::string_view person);

// The same for anything else a party may not do to their own change (override it, close its
// review): every role, whatever the rule's exclusions.
std::string party_as(std::span<const Exclusion> parties, std::string_view person);

// assess_requirement with the parties already known.
RequirementStatus assess_with_parties(const policy::Requirement& req, const policy::People& people,
                                      std::span<const Exclusion> parties,
                                      std::span<const VerifiedApproval* const> approvals);

}  // namespace cs::gate::detail
