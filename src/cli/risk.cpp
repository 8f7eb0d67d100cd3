#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "countersign/risk/risk.h"

namespace cs::cli {
namespace {

void add_risk(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("risk", "Report what plans, change sets and previews would destroy");
  struct Options {
    std::vector<std::string> files;
    std::string format = "text";
    std::string fail_on = "high";
  };
  auto opt = std::make_shared<Options>();
  cmd->add_option("FILE", opt->files, "Terraform/OpenTofu plan JSON, CloudFormation change set, Pulumi preview, ...")
      ->required();
  cmd->add_option("--format", opt->format, "text, json or sarif")->check(CLI::IsMember({"text", "json", "sarif"}));
  cmd->add_option("--fail-on", opt->fail_on, "exit 1 when a finding reaches this severity (low|medium|high|critical)")
      ->check(CLI::IsMember({"low", "medium", "high", "critical"}));
  cmd->callback([opt, &exit_code] {
    const risk::Config config;
    std::vector<risk::Finding> findings;
    bool error = false;
    for (const auto& file : opt->files) {
      auto r = risk::assess_path(file, config);
      if (!r) {
        std::fprintf(stderr, "countersign risk: %s\n", r.error().describe().c_str());
        error = true;
        continue;
      }
      findings.insert(findings.end(), r->begin(), r->end());
    }
    findings = risk::apply_policy(std::move(findings), config);
    const std::string out = risk::render(findings, *risk::format_from_string(opt->format));
    std::fwrite(out.data(), 1, out.size(), stdout);
    const auto top = risk::highest(findings);
    if (error) exit_code = 2;
    else exit_code = top && *top >= *severity_from_string(opt->fail_on) ? 1 : 0;
  });
}

const Registrar registrar(40, add_risk);

}  // namespace
}  // namespace cs::cli
