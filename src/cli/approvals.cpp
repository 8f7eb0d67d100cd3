#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/commands.h"
#include "countersign/gate/gate.h"
#include "countersign/report/report.h"

namespace cs::cli {
namespace {

struct ApprovalsArgs {
  std::string range;
  std::string repo = ".";
  std::string trusted_ref;
  std::string into;
  std::string format = "text";
};

int run_approvals(const ApprovalsArgs& a) {
  if (a.format != "text" && a.format != "json") {
    std::fprintf(stderr, "countersign approvals: unknown format '%s' (text or json)\n", a.format.c_str());
    return 2;
  }
  gate::Request request;
  request.repo_path = a.repo;
  request.range = a.range;
  if (!a.trusted_ref.empty()) request.trusted_ref = a.trusted_ref;
  if (!a.into.empty()) request.into = a.into;
  request.list_approvals = true;
  gate::Decision decision = gate::check(request);
  report::write_approvals(stdout, decision, a.format == "json" ? report::Format::json : report::Format::text);
  if (decision.error && a.format == "json")
    std::fprintf(stderr, "countersign approvals: %s\n", decision.error->describe().c_str());
  return decision.error ? 2 : 0;
}

void add_approvals(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ApprovalsArgs>();
  auto* cmd = app.add_subcommand(
      "approvals", "List the approvals of each commit of a range with their verification status and why each does or does not count");
  cmd->add_option("range", args->range, "Commits in git revision syntax (A..B); default: HEAD's commits not in the trusted revision");
  cmd->add_option("--repo", args->repo, "The repository (default: the current directory)")->capture_default_str();
  cmd->add_option("--trusted-ref", args->trusted_ref,
                  "Revision whose .countersign/people.yaml and allowed_signers are trusted (default as for check)");
  cmd->add_option("--into", args->into, "The protected branch the change goes into (as for check)");
  cmd->add_option("--format", args->format, "text or json")->capture_default_str();
  cmd->callback([args, &exit_code] { exit_code = run_approvals(*args); });
}

const Registrar registrar(410, add_approvals);

}  // namespace
}  // namespace cs::cli
