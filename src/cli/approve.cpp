#include <CLI/CLI.hpp>

#include <cstdio>
#include <ctime>

#include "cli/commands.h"
#include "countersign/gate/gate.h"
#include "countersign/git/git.h"
#include "countersign/signoff/signoff.h"

namespace cs::cli {
namespace {

struct SignArgs {
  std::string repo = ".";
  std::vector<std::string> targets;
  std::string role = "senior";
  std::string expires;
  std::string key;
  std::string approver;
  std::string reason;
  std::string trusted_ref;
  std::string environment;
  bool force = false;
  bool push = false;
};

int report_error(const Error& e) {
  std::fprintf(stderr, "countersign: %s\n", e.describe().c_str());
  return 2;
}

signoff::SigningOptions signing_of(const SignArgs& a) {
  signoff::SigningOptions s;
  if (!a.key.empty()) s.key_file = a.key;
  s.approver = a.approver;
  s.now = static_cast<int64_t>(std::time(nullptr));
  return s;
}

int finish(const git::Repository& repo, const SignArgs& a, const std::vector<signoff::Recorded>& done, const char* verb) {
  for (const auto& r : done)
    std::printf("%s %s as %s with %s\n  change %s (%zu member%s)\n  stored at %s\n", verb, r.target.c_str(),
                r.statement.approver.c_str(), r.fingerprint.c_str(), r.statement.change.hex().c_str(),
                r.statement.members.size(), r.statement.members.size() == 1 ? "" : "s", r.path.c_str());
  if (a.push) {
    if (auto p = signoff::push(repo); !p) return report_error(p.error());
    std::printf("pushed refs/countersign/approvals to origin\n");
  }
  return 0;
}

// Says why the approval would not count; true when it is to be signed all the same (--force).
bool sign_anyway(const gate::SignoffCheck& check, bool force) {
  constexpr size_t kShown = 20;
  std::fprintf(stderr, "countersign: this approval would not count:\n");
  for (size_t i = 0; i < check.refusals.size() && i < kShown; ++i)
    std::fprintf(stderr, "  - %s\n", check.refusals[i].c_str());
  if (check.refusals.size() > kShown) std::fprintf(stderr, "  ... and %zu more\n", check.refusals.size() - kShown);
  std::fprintf(stderr, force ? "signing it anyway (--force): the gate will not count it\n"
                             : "nothing signed (--force signs anyway; the gate will still not count it)\n");
  return force;
}

int run_approve(const SignArgs& a) {
  auto repo = git::Repository::open(a.repo);
  if (!repo) return report_error(repo.error());
  std::optional<int64_t> expires;
  if (!a.expires.empty()) {
    auto d = signoff::parse_duration(a.expires);
    if (!d) return report_error(d.error());
    expires = *d;
  }
  gate::SignoffRequest request;
  request.repo_path = a.repo;
  request.targets = a.targets;
  request.role = a.role;
  if (!a.trusted_ref.empty()) request.trusted_ref = a.trusted_ref;
  if (!a.environment.empty()) request.environment = a.environment;
  request.signing = signing_of(a);
  request.now = request.signing.now;
  auto check = gate::check_signoff(request);
  if (!check) return report_error(check.error());
  for (const auto& n : check->notes) std::printf("note: %s\n", n.c_str());
  if (!check->counts() && !sign_anyway(*check, a.force)) return 2;
  signoff::SigningOptions signing = request.signing;
  if (signing.approver.empty()) signing.approver = check->approver;  // the key's owner; else user.email (--force)
  auto done = signoff::approve(*repo, a.targets, a.role, expires, signing);
  if (!done) return report_error(done.error());
  std::printf(
      "trusted revision %s (%s); one person %s meet several roles' requirements on one commit "
      "(approvals.one_person_many_roles: %s)\n",
      check->trust.ref.c_str(), check->trust.source.c_str(), check->one_person_many_roles ? "may" : "may not",
      check->one_person_many_roles ? "true" : "false");
  return finish(*repo, a, *done, "approved");
}

int run_revoke(const SignArgs& a) {
  auto repo = git::Repository::open(a.repo);
  if (!repo) return report_error(repo.error());
  auto done = signoff::revoke(*repo, a.targets, a.reason, signing_of(a), a.role);
  if (!done) return report_error(done.error());
  return finish(*repo, a, *done, "revoked approval of");
}

void common(CLI::App* cmd, SignArgs& a) {
  cmd->add_option("--repo", a.repo, "Repository (default: the current directory)");
  cmd->add_option("--key", a.key, "Private key file, or the .pub of a key in ssh-agent (default: the agent's first key)");
  cmd->add_option("--approver", a.approver,
                  "Not needed: approve names the key's owner in the people directory, revoke the principal of the approval it revokes");
  cmd->add_flag("--push", a.push, "Push refs/countersign/approvals to origin afterwards");
}

void add_approve(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<SignArgs>();
  auto* cmd = app.add_subcommand("approve", "Sign off commits or a range A..B (signed, bound to their exact content)");
  cmd->add_option("targets", a->targets, "Commits, or ranges A..B (a range approval covers its commits)")->required();
  cmd->add_option("--role", a->role, "The role you approve as (default: senior)");
  cmd->add_option("--expires", a->expires, "Let the approval expire after this long (30m, 4h, 7d, 2w)");
  cmd->add_option("--trusted-ref", a->trusted_ref, "Where policy and people are read from (default: as check chooses)");
  cmd->add_option("--environment", a->environment,
                  "Target environment the requirements are for (default: the policy's)");
  cmd->add_flag("--force", a->force, "Sign even when the approval would not count (it still will not)");
  common(cmd, *a);
  cmd->callback([a, &exit_code] { exit_code = run_approve(*a); });
}

void add_revoke(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<SignArgs>();
  auto* cmd = app.add_subcommand("revoke", "Withdraw your own approval of commits or a range (signed)");
  cmd->add_option("targets", a->targets, "Commits or ranges A..B you approved")->required();
  cmd->add_option("--reason", a->reason, "Why (recorded in the revocation)");
  a->role.clear();
  cmd->add_option("--role", a->role, "Revoke only your approval in this role (default: every role)");
  common(cmd, *a);
  cmd->callback([a, &exit_code] { exit_code = run_revoke(*a); });
}

const Registrar approve_registrar(400, add_approve);
const Registrar revoke_registrar(420, add_revoke);

}  // namespace
}  // namespace cs::cli
