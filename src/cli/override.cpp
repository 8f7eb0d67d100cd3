#include <CLI/CLI.hpp>

#include <cstdio>
#include <ctime>

#include "cli/commands.h"
#include "countersign/gate/gate.h"
#include "countersign/git/git.h"
#include "countersign/signoff/signoff.h"

namespace cs::cli {
namespace {

struct OverrideArgs {
  std::string repo = ".";
  std::string target;
  std::string reason;
  std::string ttl = "4h";
  std::string role;
  std::string key;
  std::string approver;
  bool push = false;
};

int report_error(const Error& e) {
  std::fprintf(stderr, "countersign: %s\n", e.describe().c_str());
  return 2;
}

int run_override(const OverrideArgs& a) {
  auto repo = git::Repository::open(a.repo);
  if (!repo) return report_error(repo.error());
  auto ttl = signoff::parse_duration(a.ttl);
  if (!ttl) return report_error(ttl.error());
  signoff::SigningOptions s;
  if (!a.key.empty()) s.key_file = a.key;
  s.approver = a.approver;
  s.now = static_cast<int64_t>(std::time(nullptr));
  auto rec = signoff::record_override(*repo, a.target, a.role, a.reason, *ttl, s);
  if (!rec) return report_error(rec.error());
  std::printf("override of %s recorded as %s (role %s) with %s\n  reason: %s\n  valid until %s; a post-hoc review "
              "by a senior is owed\n  stored at %s\n",
              a.target.c_str(), rec->statement.approver.c_str(), rec->statement.role.c_str(), rec->fingerprint.c_str(),
              rec->statement.reason.c_str(), signoff::format_time(*rec->statement.expires).c_str(), rec->path.c_str());
  if (a.push) {
    if (auto p = signoff::push(*repo); !p) return report_error(p.error());
    std::printf("pushed refs/countersign/approvals to origin\n");
  }
  return 0;
}

void add_override(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<OverrideArgs>();
  auto* cmd = app.add_subcommand("override", "Break glass: a signed, reasoned, time-boxed bypass of the gate for a range");
  cmd->add_option("range", a->target, "The commit or range A..B to let through")->required();
  cmd->add_option("--reason", a->reason, "Why (recorded, shown in every check and review)")->required();
  cmd->add_option("--ttl", a->ttl, "How long the override lets the range through (default 4h)");
  cmd->add_option("--role", a->role, "The role you act as; the policy's break_glass section must permit it")->required();
  cmd->add_option("--repo", a->repo, "Repository (default: the current directory)");
  cmd->add_option("--key", a->key, "Private key file, or the .pub of a key in ssh-agent (default: the agent's first key)");
  cmd->add_option("--approver", a->approver, "Your principal (default: git config user.email)");
  cmd->add_flag("--push", a->push, "Push refs/countersign/approvals to origin afterwards");
  cmd->callback([a, &exit_code] { exit_code = run_override(*a); });
}

const Registrar registrar(440, add_override);

}  // namespace
}  // namespace cs::cli

namespace cs::cli {
namespace {

struct OverdueArgs {
  std::string repo = ".";
  std::string trusted_ref;
  std::string into;
};

int run_overdue(const OverdueArgs& a) {
  auto repo = git::Repository::open(a.repo);
  if (!repo) return report_error(repo.error());
  gate::TrustQuery query;
  if (!a.trusted_ref.empty()) query.trusted_ref = a.trusted_ref;
  if (!a.into.empty()) query.into = a.into;
  auto root = gate::choose_trust_root(*repo, query);
  if (!root) return report_error(root.error());
  std::string trusted = root->ref + " (" + root->source + ")";
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  auto state = signoff::load_trusted(*repo, root->commit->hex(), now);
  if (!state) return report_error(state.error());
  auto set = signoff::ApprovalSet::load(*repo, state->trust);
  if (!set) return report_error(set.error());
  auto open = signoff::reviews(*set, state->rules);
  size_t overdue = 0, pending = 0;
  for (const auto& r : open) {
    if (r.done()) continue;
    const auto& st = *r.override_statement->statement;
    bool late = r.overdue(now);
    (late ? overdue : pending)++;
    std::printf("%s  override by %s (%s) at %s: %s\n  post-hoc review due %s; %zu change(s) not yet signed off by %s\n"
                "  %s\n",
                late ? "OVERDUE" : "open   ", r.override_statement->person->id.c_str(), st.role.c_str(),
                signoff::format_time(st.time).c_str(), st.reason.c_str(), signoff::format_time(r.due).c_str(),
                r.unreviewed.size(), state->rules.review_roles.empty() ? "a reviewer" : state->rules.review_roles.front().c_str(),
                r.override_statement->path.c_str());
  }
  std::printf("%zu override review(s) overdue, %zu open (trusted revision %s)\n", overdue, pending, trusted.c_str());
  return overdue ? 1 : 0;
}

void add_overdue(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<OverdueArgs>();
  auto* cmd = app.add_subcommand("overdue", "List break-glass overrides whose post-hoc review is still owed; exit 1 when any is overdue");
  cmd->add_option("--repo", a->repo, "Repository (default: the current directory)");
  cmd->add_option("--trusted-ref", a->trusted_ref,
                  "Where policy and people are read from (default: the remote's default branch, as for check)");
  cmd->add_option("--into", a->into, "Read them from this protected branch instead of the default branch");
  cmd->callback([a, &exit_code] { exit_code = run_overdue(*a); });
}

const Registrar overdue_registrar(450, add_overdue);

}  // namespace
}  // namespace cs::cli
