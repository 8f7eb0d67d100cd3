#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/commands.h"
#include "countersign/gate/gate.h"
#include "countersign/report/report.h"

namespace cs::cli {
namespace {

struct CheckArgs {
  std::string range;
  std::string repo = ".";
  std::string trusted_ref;
  std::string deployed;
  std::string candidate;
  std::string into;
  std::string environment;
  std::string format = "text";
  std::vector<std::string> plans;
};

int run_check(const CheckArgs& a) {
  auto format = report::format_from_string(a.format);
  if (!format) {
    std::fprintf(stderr, "countersign check: unknown format '%s' (text, json or markdown)\n", a.format.c_str());
    return 2;
  }
  if (!a.candidate.empty() && a.deployed.empty()) {
    std::fprintf(stderr, "countersign check: --candidate needs --deployed\n");
    return 2;
  }
  if (!a.deployed.empty() && !a.range.empty()) {
    std::fprintf(stderr, "countersign check: give either a range or --deployed [--candidate], not both\n");
    return 2;
  }
  gate::Request request;
  request.repo_path = a.repo;
  request.range = a.range;
  if (!a.deployed.empty()) request.deployed = a.deployed;
  if (!a.candidate.empty()) request.candidate = a.candidate;
  if (!a.into.empty()) request.into = a.into;
  if (!a.trusted_ref.empty()) request.trusted_ref = a.trusted_ref;
  if (!a.environment.empty()) request.environment = a.environment;
  request.plan_files = a.plans;
  // Approvals are read from refs/countersign/approvals by the gate; risk runs by default.
  gate::Decision decision = gate::check(request);
  report::write_check(stdout, decision, *format);
  if (decision.error && *format != report::Format::text)
    std::fprintf(stderr, "countersign check: %s\n", decision.error->describe().c_str());
  return gate::exit_code(decision.verdict);
}

void add_check(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<CheckArgs>();
  auto* cmd = app.add_subcommand("check", "Gate a range: what each commit needs, who may give it (exit 0 pass, 1 blocked, 2 error)");
  cmd->add_option("range", args->range,
                  "Commits to check in git revision syntax (A..B); default: HEAD's commits not in the trusted revision");
  cmd->add_option("--repo", args->repo, "The repository (default: the current directory)")->capture_default_str();
  cmd->add_option("--trusted-ref", args->trusted_ref,
                  "Revision to read .countersign/policy.yaml and people.yaml from (default: the branch the change goes "
                  "into, or the deployed revision); it must not contain any commit of the range");
  cmd->add_option("--into", args->into,
                  "The protected branch the change goes into (default: the left side of A..B when it is one, else the "
                  "remote's default branch)");
  cmd->add_option("--deployed", args->deployed,
                  "Deploy form: the revision running in production; checks deployed..candidate");
  cmd->add_option("--candidate", args->candidate, "Deploy form: the revision about to be deployed (default: HEAD)");
  cmd->add_option("--env", args->environment, "Target environment (default: the policy's environments.default)");
  cmd->add_option("--format", args->format, "text, json or markdown")->capture_default_str();
  cmd->add_option("--plan", args->plans,
                  "Terraform/OpenTofu plan JSON, CloudFormation change set or Pulumi preview of this deploy (repeatable); "
                  "its findings attach to the newest commit")
      ->allow_extra_args(false);
  cmd->callback([args, &exit_code] { exit_code = run_check(*args); });
}

const Registrar registrar(30, add_check);

}  // namespace
}  // namespace cs::cli
