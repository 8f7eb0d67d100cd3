// check(): the pipeline over a git range. One pass per commit does everything that needs the
// commit's objects (provenance, changed paths, risk, evaluation); the walk hands blocks of
// commits to threads that each hold their own Repository handle while it goes on walking.
#include <algorithm>
#include <atomic>
#include <ctime>
#include <future>
#include <thread>
#include <unordered_map>

#include "countersign/core/pipeline.h"
#include "countersign/core/text.h"
#include "countersign/gate/independence.h"
#include "countersign/gate/risk_stage.h"
#include "countersign/gate/signoff_step.h"
#include "countersign/gate/trust.h"

namespace cs::gate {
namespace {

constexpr size_t kBlock = 256;

using ApprovalIndex = std::unordered_map<git::ObjectId, std::vector<const VerifiedApproval*>, git::ObjectIdHash>;

struct Context {
  const Request& request;
  const policy::Policy& policy;
  const policy::People& people;
  const provenance::Assessor& assessor;
  const ApprovalIndex& approvals;
  std::string environment;
  int64_t now = 0;
  bool store_present = false;  // refs/countersign/approvals exists: digests are needed
  const signoff::ApprovalSet* store = nullptr;
  const risk::Config* risk = nullptr;
  std::span<const risk::Finding> range_findings;    // --plan findings, for the newest commit
  std::string_view range;                            // as walked
  const detail::CommitSet* trusted_reach = nullptr;  // commits the trusted revision holds that the range could reach
  const TrustRoot& trust;
  const detail::CommitSet* shallow_boundary = nullptr;  // a shallow clone's cut: commits whose parents are absent
  const signoff::CommitSigners* signers = nullptr;      // authorship: verified
  const detail::PeopleIndex* index = nullptr;           // `people` by email and name
};

Decision failed(Decision d, Error e) {
  d.verdict = Verdict::error;
  d.error = std::move(e);
  d.commits.clear();
  return d;
}

// A decided commit, with what the store's candidates() needs to know of it.
struct Decided {
  CommitDecision cd;
  signoff::ApprovalSet::RangeCommit range;
};

Result<Decided> decide_commit(const Context& cx, const git::Repository& repo, const git::RawCommit& raw, bool newest) {
  auto commit = repo.parse(raw);
  if (!commit) return std::unexpected(commit.error());
  auto prov = cx.assessor.assess(repo, *commit);
  if (!prov) return std::unexpected(prov.error());
  auto paths = repo.changed_paths(*commit);
  if (!paths) return std::unexpected(paths.error());

  CommitDecision cd;
  auto findings = cx.request.risk ? cx.request.risk(repo, *commit, *paths, *cx.risk)
                                  : detail::changed_file_risk(repo, *commit, *paths, *cx.risk);
  if (!findings) return std::unexpected(findings.error());
  cd.findings = std::move(*findings);
  if (newest) cd.findings.insert(cd.findings.end(), cx.range_findings.begin(), cx.range_findings.end());
  detail::mark_suppressed(cd.findings, cx.policy, cx.now);
  policy::CommitFacts facts{&*prov, *paths, cd.findings, cx.environment, cx.now};
  auto requirements = policy::evaluate(cx.policy, facts);

  static const std::vector<const VerifiedApproval*> none;
  auto it = cx.approvals.find(raw.id);
  const auto& mine = it == cx.approvals.end() ? none : it->second;
  // With verified authorship the commit's signer made it, whatever its author line claims.
  std::optional<std::string> signer;
  if (cx.signers) {
    auto sig = cx.signers->signer_of(raw.bytes);
    if (sig.person) signer = sig.person->id;
    else cd.authorship_problem = "authorship not verified: " + sig.problem;
  }
  // Who made it matters only to a commit that needs someone else's sign-off.
  if (!requirements.empty()) cd.parties = detail::parties_of(*cx.index, *prov, *commit, signer ? &*signer : nullptr);
  cd.requirements.reserve(requirements.size());
  for (const auto& req : requirements)
    cd.requirements.push_back(detail::assess_with_parties(req, cx.people, cd.parties, mine));
  if (!mine.empty() && !cx.policy.approvals.one_person_many_roles)
    detail::count_commit(cd.requirements, cx.people, mine, false);
  // With an approval store, digests are computed for the commits it could bind: now for those a
  // statement names (their signatures are checked by the thread that read the store), afterwards
  // for the rest (ApprovalSet::candidates). `countersign approvals` lists every commit's.
  const bool named = cx.store && !cd.requirements.empty() && cx.store->names(raw.id);
  const bool old_digests = cx.store && cx.store->holds_old_digests();
  if (auto b = detail::bind_digest(repo, *commit, *paths, cx.request.list_approvals || named, old_digests, cd); !b)
    return std::unexpected(b.error());
  cd.subject = prov->subject;
  cd.author = text::sanitize_utf8(commit->author.name) + " <" + text::sanitize_utf8(commit->author.email) + ">";
  cd.provenance = std::move(*prov);
  Decided out{std::move(cd), {raw.id, 0, {}, std::nullopt, std::nullopt}};
  if (cx.store_present) {
    out.range.shape = signoff::shape_key(*paths);
    out.range.paths = std::move(*paths);
  }
  return out;
}

struct Walked {
  git::RawCommit raw;
  bool newest = false;
};

// Walks the range and decides each commit as the walk reaches it, on every core (each worker
// with its own Repository handle); decisions land in `out` in walk order. The first failure (in
// range order) wins.
// `ready` runs on this thread before the first block goes to the workers (the walk may already
// be done: a limited walk yields nothing until it is); an error from it stops everything.
std::optional<Error> decide_range(const Context& cx, const git::Repository& repo, std::vector<CommitDecision>& out,
                                  std::vector<signoff::ApprovalSet::RangeCommit>& range,
                                  const std::function<Result<void>()>& ready) {
  unsigned threads = cx.request.threads ? cx.request.threads : std::max(1u, std::thread::hardware_concurrency());
  std::vector<git::Repository> handles;
  for (unsigned t = 1; t < threads; ++t) {
    auto h = repo.reopen();
    if (!h) return h.error();
    handles.push_back(std::move(*h));
  }
  OrderedPipeline<Walked, Decided> pipe(
      [&](unsigned worker, Walked&& w) {
        return decide_commit(cx, worker == 0 ? repo : handles[worker - 1], w.raw, w.newest);
      },
      [&](Decided&& d) {
        out.push_back(std::move(d.cd));
        range.push_back(std::move(d.range));
      });
  auto done = pipe.run(threads, [&](const auto& push) -> Result<void> {
    std::vector<Walked> block;
    bool open = true, first = true, started = false;
    std::optional<Error> not_ready;
    auto hand_over = [&] {
      if (!started) {
        started = true;
        if (auto r = ready(); !r) {
          not_ready = r.error();
          return false;
        }
      }
      return push(std::move(block));
    };
    std::optional<git::ObjectId> trusted_holds, cut_at;
    auto walked = repo.walk_raw(cx.range, [&](git::RawCommit&& c) {
      if (cx.trusted_reach && cx.trusted_reach->contains(c.id)) {
        trusted_holds = c.id;
        return open = false;
      }
      if (cx.shallow_boundary && cx.shallow_boundary->contains(c.id)) {
        cut_at = c.id;
        return open = false;
      }
      block.push_back({std::move(c), first});
      first = false;
      if (block.size() == kBlock) {
        open = hand_over();
        block = {};
      }
      return open;
    });
    if (open && !block.empty()) hand_over();
    if (not_ready) return std::unexpected(*not_ready);
    if (trusted_holds) return std::unexpected(detail::contains_range_commit(cx.trust, cx.range, *trusted_holds));
    if (cut_at) return std::unexpected(detail::shallow_cut(cx.range, *cut_at));
    return walked;
  });
  if (!done) return done.error();
  return std::nullopt;
}

// The change digests of the commits that need sign-off and that a statement of the store could
// bind, on every core.
std::optional<Error> bind_candidate_digests(const git::Repository& repo, const signoff::ApprovalSet& store,
                                            std::span<signoff::ApprovalSet::RangeCommit> range,
                                            std::vector<CommitDecision>& commits, const Request& request) {
  if (request.list_approvals) return std::nullopt;  // every digest is there already
  for (size_t i = 0; i < range.size(); ++i)
    if (!commits[i].digest.empty())
      if (auto d = signoff::ChangeDigest::from_hex(commits[i].digest)) range[i].digest = *d;
  auto candidates = store.candidates(repo, range);
  if (!candidates) return candidates.error();
  std::vector<size_t> todo;
  for (size_t i = 0; i < commits.size(); ++i)
    if ((*candidates)[i] && commits[i].digest.empty() && !commits[i].requirements.empty()) todo.push_back(i);
  unsigned threads = request.threads ? request.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = unsigned(std::clamp<size_t>(todo.size() / 64, 1, threads));
  std::vector<git::Repository> handles;
  for (unsigned t = 1; t < threads; ++t) {
    auto h = repo.reopen();
    if (!h) return h.error();
    handles.push_back(std::move(*h));
  }
  std::atomic<size_t> next{0};
  std::vector<std::optional<Error>> errors(threads);
  auto work = [&](unsigned t) {
    const git::Repository& r = t == 0 ? repo : handles[t - 1];
    for (size_t k; (k = next.fetch_add(1)) < todo.size();) {
      CommitDecision& cd = commits[todo[k]];
      auto commit = r.commit(range[todo[k]].id);
      if (!commit) return void(errors[t] = commit.error());
      if (auto b = detail::bind_digest(r, *commit, range[todo[k]].paths, true, store.holds_old_digests(), cd); !b)
        return void(errors[t] = b.error());
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& t : pool) t.join();
  for (auto& e : errors)
    if (e) return e;
  return std::nullopt;
}

// Approvals by commit, without those older than the policy's max_age.
ApprovalIndex index_approvals(const std::vector<VerifiedApproval>& approvals, const policy::Policy& policy, int64_t now) {
  ApprovalIndex index;
  for (const auto& a : approvals) {
    if (policy.max_age && a.time && now - a.time > policy.max_age->count()) continue;
    for (const auto& c : a.commits) index[c].push_back(&a);
  }
  return index;
}

// The trusted keys commits must be signed with under `authorship: verified`; nullopt otherwise.
Result<std::optional<signoff::CommitSigners>> commit_signers(const git::Repository& repo, const policy::Loaded& loaded,
                                                             const TrustRoot& root, const provenance::Assessor& agents,
                                                             int64_t now) {
  if (loaded.policy.authorship != policy::Authorship::verified) return std::optional<signoff::CommitSigners>{};
  std::optional<std::string> allowed;
  if (root.commit) {
    auto s = repo.file_at(*root.commit, signoff::kAllowedSignersFile);
    if (!s) return std::unexpected(s.error());
    allowed = std::move(*s);
  }
  return std::optional<signoff::CommitSigners>(
      signoff::CommitSigners(signoff::trust_from(loaded.people, loaded.policy, std::move(allowed), "", now, agents)));
}

// A person whose address is an agent identity can never approve, whatever the directory says.
void drop_agent_people(policy::People& people, const provenance::Assessor& assessor, std::vector<std::string>& notes) {
  std::erase_if(people.people, [&](const policy::Person& p) {
    bool agent = std::any_of(p.emails.begin(), p.emails.end(), [&](const std::string& e) { return assessor.is_agent("", e); });
    if (agent) notes.push_back("person '" + p.id + "' has an AI agent's identity and can never approve");
    return agent;
  });
}

}  // namespace

Decision check(const Request& request) {
  Decision d;
  const int64_t now = request.now ? request.now : static_cast<int64_t>(std::time(nullptr));
  if (request.deployed && !request.range.empty())
    return failed(std::move(d), Error{Errc::invalid_argument, "give either a range or the deploy form, not both", {}});
  std::string range = request.deployed ? *request.deployed + ".." + request.candidate.value_or("HEAD") : request.range;
  d.range = range;

  auto repo = git::Repository::open(request.repo_path);
  if (!repo) return failed(std::move(d), repo.error());
  // The range is walked while commits are decided (below); checking its revisions now makes an
  // unknown or ambiguous one the first error reported, as it is the first thing wrong.
  if (auto start = repo->range_start(range.empty() ? "HEAD" : range); !start) return failed(std::move(d), start.error());

  auto trust = choose_trust_root(*repo, TrustQuery{range, request.trusted_ref, request.deployed, request.into});
  if (!trust) return failed(std::move(d), trust.error());
  d.trust = *trust;
  // The default range: what HEAD adds to the trusted revision. A --trusted-ref must then not hold
  // what HEAD adds to the branch it goes into (the candidate's own upstream would make it empty).
  if (range.empty() && request.trusted_ref) {
    if (auto into = choose_trust_root(*repo, TrustQuery{"", std::nullopt, std::nullopt, request.into})) {
      auto held = refuse_if_contains(*repo, d.trust, into->commit->hex() + "..HEAD");
      if (!held) return failed(std::move(d), held.error());
    }
  }
  if (range.empty()) {
    range = d.trust.commit->hex() + "..HEAD";
    d.range = d.trust.ref + "..HEAD";
  } else {
    // A range narrower than what its tip deploys (a second push's before..after) is widened to
    // the trusted revision: the commits of the first push are deployed too.
    auto widened = detail::widened_range(*repo, d.trust, range);
    if (!widened) return failed(std::move(d), widened.error());
    if (*widened) {
      range = (*widened)->range;
      d.range = (*widened)->shown;
      d.notes.push_back((*widened)->note);
    }
  }
  auto reach = detail::trusted_history_in_reach(*repo, d.trust, range);
  if (!reach) return failed(std::move(d), reach.error());

  auto l = policy::load_from_revision(*repo, *d.trust.commit, d.trust.ref);
  if (!l) return failed(std::move(d), l.error());
  policy::Loaded loaded = std::move(*l);
  d.diagnostics = loaded.diagnostics;
  if (loaded.diagnostics.has_errors())
    return failed(std::move(d), Error{Errc::policy,
                                      "the policy on the trusted revision " + d.trust.ref + " has " +
                                          std::to_string(loaded.diagnostics.count(policy::Level::error)) +
                                          " error(s); fix them there (countersign policy lint --ref " + d.trust.ref + ")",
                                      {}});
  d.trust.default_policy = loaded.policy.builtin_default;
  d.one_person_many_roles = loaded.policy.approvals.one_person_many_roles;
  d.trust.people_present = loaded.people.present;
  if (loaded.policy.builtin_default)
    d.notes.push_back("no .countersign/policy.yaml on " + d.trust.ref +
                      ": the built-in default policy applies (AI-assisted, AI-authored and unknown commits need 1 "
                      "approval from role senior)");
  if (!loaded.people.present)
    d.notes.push_back("no .countersign/people.yaml on " + d.trust.ref + ": nobody can approve");
  d.environment = request.environment.value_or(loaded.policy.environments.default_name);

  provenance::AssessOptions options;
  options.extra_agents = loaded.people.agents;
  options.branch = provenance::branch_of_range(*repo, range);
  options.trusted_sources = loaded.policy.provenance_trust.sources;
  for (const auto& source : options.trusted_sources)
    d.notes.push_back("provenance evidence from " + source +
                      " is trusted (provenance.trusted): it may lower what a commit needs; every other source can "
                      "only raise it");
  auto assessor = provenance::Assessor::create(*repo, options);
  if (!assessor) return failed(std::move(d), assessor.error());
  // Before agents leave the directory, so that an agent's key is known and reported as an agent's.
  // The store is read on a thread of its own (with its own handle) while the range is walked:
  // both are work for one core, and a limited walk leaves the others idle until it is done.
  // Once the store is read, that thread goes on to verify the statements that name commits
  // (signatures, keys, revocations) in one tight loop, beside the workers deciding commits, until
  // the range is decided; check_signatures() does what is left on every core.
  std::vector<std::string> store_notes;  // written by the loading thread until `store_loaded`
  std::optional<signoff::ApprovalSet> store;
  std::optional<Error> store_error;
  std::promise<void> store_loaded;
  std::atomic<bool> stop_checks{false};
  std::thread loader;
  // Stops and joins the loading thread on every way out of this function.
  struct JoinLoader {
    std::atomic<bool>& stop;
    std::thread& thread;
    void operator()() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
    ~JoinLoader() { (*this)(); }
  } join_loader{stop_checks, loader};
  std::future<void> store_ready_signal;
  if (request.read_approvals) {
    auto handle = repo->reopen();
    if (!handle) return failed(std::move(d), handle.error());
    store_ready_signal = store_loaded.get_future();
    loader = std::thread([h = std::move(*handle), loaded, &assessor = *assessor, root = d.trust, now, &store_notes, &store,
                          &store_error, &store_loaded, &stop_checks]() {
      auto set = detail::load_approvals(h, loaded, assessor, root, now, store_notes);
      if (set) store = std::move(*set);
      else store_error = set.error();
      store_loaded.set_value();
      if (store) store->check_statements_until(stop_checks);
    });
  }
  auto store_ready = [&]() -> Result<void> {
    if (!store_ready_signal.valid()) return {};
    store_ready_signal.get();
    d.notes.insert(d.notes.end(), store_notes.begin(), store_notes.end());
    if (store_error) return std::unexpected(*store_error);
    return {};
  };
  // Before agents leave the directory, so that a commit signed by an agent's key is the agent's.
  auto signers = commit_signers(*repo, loaded, d.trust, *assessor, now);
  if (!signers) return failed(std::move(d), signers.error());
  drop_agent_people(loaded.people, *assessor, d.notes);
  const detail::PeopleIndex people_index(loaded.people);

  ApprovalIndex approvals = index_approvals(request.approvals, loaded.policy, now);
  const risk::Config risk_config = detail::risk_config(loaded.policy);
  auto plan_findings = detail::plan_file_risk(request.plan_files, risk_config);
  if (!plan_findings) return failed(std::move(d), plan_findings.error());

  if (!request.plan_files.empty())
    d.notes.push_back("findings of the --plan files are attached to the newest commit of the range");
  Context cx{request, loaded.policy, loaded.people, *assessor, approvals, d.environment, now, false, nullptr,
             &risk_config, *plan_findings, range, reach->empty() ? nullptr : &*reach, d.trust, nullptr,
             *signers ? &**signers : nullptr, &people_index};
  detail::CommitSet boundary;
  if (repo->is_shallow()) {
    for (const auto& id : repo->shallow_boundary()) boundary.insert(id);
    cx.shallow_boundary = &boundary;
  }
  std::vector<signoff::ApprovalSet::RangeCommit> walked;
  auto ready = [&]() -> Result<void> {
    if (auto r = store_ready(); !r) return r;
    // Set before the workers get their first block (the pipeline's lock orders the two).
    cx.store_present = store.has_value();
    cx.store = store ? &*store : nullptr;
    return {};
  };
  auto decided = decide_range(cx, *repo, d.commits, walked, ready);
  if (auto r = store_ready(); !r && !decided) decided = r.error();  // an empty range never asked
  join_loader();  // the store is this thread's alone from here
  if (decided) return failed(std::move(d), *decided);
  if (!plan_findings->empty() && d.commits.empty())
    return failed(std::move(d), Error{Errc::invalid_argument,
                                      "--plan files were given but the range has no commits to attach their findings to",
                                      {}});
  std::vector<git::ObjectId> ids;
  ids.reserve(walked.size());
  for (const auto& r : walked) ids.push_back(r.id);
  if (auto whole = detail::check_complete(*repo, d.trust, cx.range, ids); !whole) return failed(std::move(d), whole.error());
  if (store) {
    if (auto e = bind_candidate_digests(*repo, *store, walked, d.commits, request)) return failed(std::move(d), *e);
    std::vector<signoff::ChangeDigest> digests;
    for (const auto& cd : d.commits)
      if (!cd.digest.empty())
        if (auto digest = signoff::ChangeDigest::from_hex(cd.digest)) digests.push_back(*digest);
    for (const auto& cd : d.commits)
      if (!cd.digest_v1.empty())
        if (auto digest = signoff::ChangeDigest::from_hex(cd.digest_v1)) digests.push_back(*digest);
    store->check_signatures(digests, request.threads);
    auto given = [&approvals](const git::ObjectId& id) {
      auto it = approvals.find(id);
      return it == approvals.end() ? std::vector<const VerifiedApproval*>{} : it->second;
    };
    auto owed = detail::apply_signoff(*repo, *store, loaded, ids, given, d.commits, now);
    if (!owed) return failed(std::move(d), owed.error());
    d.reviews = std::move(*owed);
  }
  d.verdict = detail::verdict_of(d.commits);
  if (d.verdict == Verdict::blocked && !store && request.read_approvals)
    d.notes.push_back(std::string("there is no ") + signoff::kApprovalsRef +
                      " in this clone: if approvals were given, fetch them with git fetch origin "
                      "'refs/countersign/*:refs/countersign/*' 'refs/notes/*:refs/notes/*'");
  return d;
}

}  // namespace cs::gate
