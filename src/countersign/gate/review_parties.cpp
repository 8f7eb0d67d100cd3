// Who made the changes break-glass overrides let through, for `countersign overdue`, which has no
// range of commits at hand: each change's commit is found from the statements that bind it.
#include <memory>
#include <unordered_map>

#include "countersign/gate/gate.h"
#include "countersign/gate/independence.h"

namespace cs::gate {
namespace {

// How far before an override's named head its range's commits are looked for, beyond their number.
constexpr size_t kSlack = 16;

struct Lookup {
  const git::Repository& repo;
  const signoff::ApprovalSet& set;
  policy::People people;
  std::optional<provenance::Assessor> assessor;
  std::unordered_map<signoff::ChangeDigest, std::vector<Exclusion>, signoff::ChangeDigestHash> parties;
  bool indexed = false;

  // Records the parties of `id` under its own change digest; false when it cannot be read.
  bool record(const git::ObjectId& id) {
    auto c = repo.commit(id);
    if (!c) return false;
    auto d = signoff::commit_digest(repo, *c);
    if (!d || !*d || parties.contains(**d)) return bool(d);
    auto prov = assessor->assess(repo, *c);
    if (!prov) return true;  // who made it is unknown: it stays nobody's to review
    parties.emplace(**d, detail::parties_of(detail::PeopleIndex(people), *prov, *c));
    return true;
  }

  void index() {
    indexed = true;
    if (!assessor) return;
    for (const signoff::Checked* o : set.overrides()) {
      if (!o->statement || !o->statement->commit) continue;
      // A range override names its head: its members are the commits before it.
      size_t budget = o->statement->members.size() + kSlack;
      std::vector<git::ObjectId> todo{*o->statement->commit};
      std::unordered_map<git::ObjectId, bool, git::ObjectIdHash> seen;
      while (!todo.empty() && budget-- > 0) {
        git::ObjectId id = todo.back();
        todo.erase(todo.end() - 1);
        if (!seen.emplace(id, true).second) continue;
        if (!record(id)) continue;
        if (o->statement->members.empty()) break;
        if (auto c = repo.commit(id))
          for (auto it = c->parents.rbegin(); it != c->parents.rend(); ++it) todo.insert(todo.begin(), *it);
      }
    }
  }

  std::optional<std::string> party(const signoff::ChangeDigest& d, const signoff::Signatory& p) {
    if (!indexed) index();
    if (!parties.contains(d))
      for (const signoff::Checked* a : set.approvals_for(d))
        if (a->statement && a->statement->commit) record(*a->statement->commit);
    auto it = parties.find(d);
    if (it == parties.end()) return std::nullopt;
    return detail::party_as(it->second, p.id);
  }
};

}  // namespace

signoff::PartyOf review_parties(const git::Repository& repo, const signoff::ApprovalSet& set,
                                std::string_view trusted) {
  auto lookup = std::make_shared<Lookup>(Lookup{repo, set, {}, std::nullopt, {}, false});
  if (auto rev = repo.resolve(trusted))
    if (auto loaded = policy::load_from_revision(repo, *rev, trusted); loaded && !loaded->diagnostics.has_errors()) {
      provenance::AssessOptions options;
      options.extra_agents = loaded->people.agents;
      options.line_share = false;
      if (auto a = provenance::Assessor::create(repo, options)) lookup->assessor.emplace(std::move(*a));
      lookup->people = std::move(loaded->people);
    }
  return [lookup](const signoff::ChangeDigest& d, const signoff::Signatory& p) { return lookup->party(d, p); };
}

}  // namespace cs::gate
