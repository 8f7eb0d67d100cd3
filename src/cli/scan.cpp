#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/commands.h"
#include "countersign/git/git.h"
#include "countersign/provenance/provenance.h"
#include "countersign/report/report.h"

namespace cs::cli {
namespace {

struct ScanArgs {
  std::string range;
  bool all = false;
  std::string format = "text";
  std::string repo = ".";
};

int run_scan(const ScanArgs& args) {
  auto format = report::format_from_string(args.format);
  if (!format) {
    std::fprintf(stderr, "countersign scan: unknown format '%s' (text, json or markdown)\n", args.format.c_str());
    return 2;
  }
  git::tune_for_single_pass();  // every commit is read about once
  auto repo = git::Repository::open(args.repo);
  if (!repo) {
    std::fprintf(stderr, "countersign scan: %s\n", repo.error().describe().c_str());
    return 2;
  }
  std::string range = args.all ? "--all" : args.range;
  provenance::AssessOptions options;
  options.branch = provenance::branch_of_range(*repo, range);
  options.progress = report::terminal_progress("scanning");
  report::ScanWriter writer(stdout, range, *format);
  auto done = provenance::assess_range(*repo, range, [&writer](provenance::Provenance&& p) { writer.add(p); }, options);
  if (!done) {
    // Output already written is incomplete: the exit status says so.
    std::fflush(stdout);
    std::fprintf(stderr, "countersign scan: %s\n", done.error().describe().c_str());
    return 2;
  }
  writer.finish();
  return 0;
}

void add_scan(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ScanArgs>();
  auto* cmd = app.add_subcommand("scan", "Report the provenance (human, AI-assisted, AI-authored, unknown) of each commit");
  cmd->add_option("range", args->range,
                  "Commits to scan in git revision syntax (A..B, B); default: the commits on HEAD not on its upstream");
  cmd->add_flag("--all", args->all, "Scan the commits of every branch and tag");
  cmd->add_option("--format", args->format, "text, json or markdown")->capture_default_str();
  cmd->add_option("--repo", args->repo, "The repository (default: the current directory)")->capture_default_str();
  cmd->callback([args, &exit_code] { exit_code = run_scan(*args); });
}

const Registrar registrar(20, add_scan);

}  // namespace
}  // namespace cs::cli
