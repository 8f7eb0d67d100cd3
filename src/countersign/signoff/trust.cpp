// Trust from the trusted revision: the people directory and policy as the policy stage loaded
// them, turned into what verification needs.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "countersign/policy/policy.h"
#include "countersign/provenance/provenance.h"
#include "countersign/signoff/signoff.h"

namespace cs::signoff {

Trust trust_from(const policy::People& people, const policy::Policy& policy, std::optional<std::string> allowed_signers,
                 std::string repo_id, int64_t now, const provenance::Assessor& agents) {
  Trust t;
  t.repo_id = std::move(repo_id);
  t.now = now;
  if (policy.max_age) t.max_age = policy.max_age->count();
  t.allowed_signers = std::move(allowed_signers);
  t.allowed_signers_name = std::string(kAllowedSignersFile);
  t.people.reserve(people.people.size());
  for (const auto& p : people.people) {
    Signatory s{p.id, p.name, p.emails, p.roles, p.keys, false};
    s.agent = p.emails.empty() && agents.is_agent(p.name, "");
    for (const auto& e : p.emails) s.agent = s.agent || agents.is_agent(p.name, e);
    t.people.push_back(std::move(s));
  }
  return t;
}

Result<TrustedState> load_trusted(const git::Repository& repo, std::string_view trusted_ref, int64_t now) {
  auto rev = repo.resolve(trusted_ref);
  if (!rev) return fail(rev.error().code, "trusted revision: " + rev.error().message);
  auto loaded = policy::load_from_revision(repo, *rev, trusted_ref);
  if (!loaded) return std::unexpected(loaded.error());
  TrustedState out;
  out.label = std::string(trusted_ref);
  for (const auto& d : loaded->diagnostics.items)
    if (d.level == policy::Level::error) out.diagnostics.push_back(d.error.describe());
  if (!out.diagnostics.empty())
    return fail(Errc::policy, "the policy or people directory on " + out.label + " has errors: " + out.diagnostics.front());
  auto signers = repo.file_at(*rev, kAllowedSignersFile);
  if (!signers) return std::unexpected(signers.error());
  provenance::AssessOptions options;
  options.extra_agents = loaded->people.agents;
  options.line_share = false;
  auto agents = provenance::Assessor::create(repo, options);
  if (!agents) return std::unexpected(agents.error());
  auto id = repository_id(repo);
  if (!id) return std::unexpected(id.error());
  out.trust = trust_from(loaded->people, loaded->policy, *signers, *id, now, *agents);
  out.rules = break_glass_of(loaded->policy);
  for (const auto& c : loaded->policy.commands.approvals) out.command_rules.push_back({c.role, c.count});
  out.one_person_many_roles = loaded->policy.approvals.one_person_many_roles;
  return out;
}

namespace {

// Whether this account could rewrite `path` (owns or can write it or its directory). Root owns
// everything there is to protect, so root is trusted with what it wrote.
std::optional<std::string> rewritable(const std::string& path) {
  uid_t me = ::geteuid();
  if (me == 0) return std::nullopt;
  std::filesystem::path p(path);
  for (const auto& target : {p, p.parent_path()}) {
    struct stat st {};
    if (::stat(target.c_str(), &st) != 0) return target.string() + " cannot be examined";
    if (st.st_uid == me) return target.string() + " belongs to this account, which could rewrite it";
    if (::access(target.c_str(), W_OK) == 0) return target.string() + " is writable by this account";
  }
  return std::nullopt;
}

}  // namespace

Result<std::optional<TrustedState>> load_system_trust(const std::string& dir, const git::Repository& repo, int64_t now) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string people_path = dir + "/people.yaml";
  if (!fs::exists(people_path, ec)) return std::optional<TrustedState>{};
  std::optional<std::string> policy_path, signers_text;
  if (fs::exists(dir + "/policy.yaml", ec)) policy_path = dir + "/policy.yaml";
  for (const auto& path : {std::optional<std::string>(people_path), policy_path})
    if (path)
      if (auto why = rewritable(*path))
        return fail(Errc::policy, "the administrator's " + *path + " cannot be trusted: " + *why);
  if (fs::exists(dir + "/allowed_signers", ec)) {
    if (auto why = rewritable(dir + "/allowed_signers"))
      return fail(Errc::policy, "the administrator's " + dir + "/allowed_signers cannot be trusted: " + *why);
    std::ifstream in(dir + "/allowed_signers", std::ios::binary);
    signers_text = std::string(std::istreambuf_iterator<char>(in), {});
  }
  auto loaded = policy::load_files(policy_path, people_path);
  if (!loaded) return std::unexpected(loaded.error());
  TrustedState out;
  out.label = dir;
  for (const auto& d : loaded->diagnostics.items)
    if (d.level == policy::Level::error) out.diagnostics.push_back(d.error.describe());
  if (!out.diagnostics.empty())
    return fail(Errc::policy, "the administrator's configuration in " + dir + " has errors: " + out.diagnostics.front());
  provenance::AssessOptions options;
  options.extra_agents = loaded->people.agents;
  options.line_share = false;
  auto agents = provenance::Assessor::create(repo, options);
  if (!agents) return std::unexpected(agents.error());
  auto id = repository_id(repo);
  out.trust = trust_from(loaded->people, loaded->policy, signers_text, id ? *id : std::string(), now, *agents);
  out.rules = break_glass_of(loaded->policy);
  for (const auto& c : loaded->policy.commands.approvals) out.command_rules.push_back({c.role, c.count});
  out.one_person_many_roles = loaded->policy.approvals.one_person_many_roles;
  return std::optional<TrustedState>{std::move(out)};
}

BreakGlassRules break_glass_of(const policy::Policy& policy) {
  BreakGlassRules r;
  r.roles = policy.break_glass.roles;
  r.max_ttl = policy.break_glass.max_ttl.count();
  r.review_within = policy.break_glass.review_within.count();
  r.review_roles = policy.break_glass.review_roles;
  r.self_override = policy.break_glass.self_override;
  return r;
}

}  // namespace cs::signoff
