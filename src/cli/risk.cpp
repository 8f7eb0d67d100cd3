#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "countersign/risk/risk.h"

namespace cs::cli {
namespace {

struct RiskArgs {
  std::vector<std::string> files;
  std::vector<std::string> base;
  std::string format = "text";
  std::string fail_on = "high";
  std::string dialect = "postgres";
  std::size_t max_input_mib = 4096;
};

std::optional<std::string> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return std::move(ss).str();
}

int run_risk(const RiskArgs& a) {
  risk::Config config;
  config.sql_dialect = *risk::sql_dialect_from_string(a.dialect);
  config.max_input_bytes = a.max_input_mib << 20;
  std::vector<risk::Finding> findings;
  bool error = false;
  // Rendered manifests are compared with --base; every other input stands on its own.
  std::vector<risk::ManifestFile> base, head;
  for (const auto& list : {&a.base, &a.files})
    for (const auto& file : *list) {
      const bool is_base = list == &a.base;
      std::optional<std::string> text;
      if (is_base || a.base.size()) {
        text = slurp(file);
        if (!text) {
          std::fprintf(stderr, "countersign risk: %s: cannot read\n", file.c_str());
          error = true;
          continue;
        }
        if (is_base || (risk::detect_kind(file, *text) == risk::InputKind::kubernetes_manifests &&
                        !risk::looks_like_kubectl_diff(*text))) {
          (is_base ? base : head).push_back({file, std::move(*text)});
          continue;
        }
      }
      auto r = risk::assess_path(file, config);
      if (!r) {
        std::fprintf(stderr, "countersign risk: %s\n", r.error().describe().c_str());
        error = true;
        continue;
      }
      findings.insert(findings.end(), r->begin(), r->end());
    }
  if (!base.empty()) {
    auto r = risk::assess_manifests(base, head);
    findings.insert(findings.end(), r.begin(), r.end());
  }
  findings = risk::apply_policy(std::move(findings), config);
  const std::string out = risk::render(findings, *risk::format_from_string(a.format));
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (error) return 2;
  const auto top = risk::highest(findings);
  return top && *top >= *severity_from_string(a.fail_on) ? 1 : 0;
}

void add_risk(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "risk", "Report what plans, change sets, previews, manifests and migrations would destroy (exit 0, 1 at --fail-on, 2 error)");
  auto args = std::make_shared<RiskArgs>();
  cmd->add_option("FILE", args->files,
                  "Terraform/OpenTofu plan JSON, CloudFormation change set, Pulumi preview, kubectl diff --prune output, "
                  "SQL migration, or rendered Kubernetes manifests (with --base)")
      ->required();
  cmd->add_option("--base", args->base,
                  "Rendered Kubernetes manifests before the change (repeatable); manifests among FILE are the head")
      ->allow_extra_args(false);
  cmd->add_option("--format", args->format, "text, json or sarif")
      ->check(CLI::IsMember({"text", "json", "sarif"}))
      ->capture_default_str();
  cmd->add_option("--fail-on", args->fail_on, "Exit 1 when a finding reaches this severity (low|medium|high|critical)")
      ->check(CLI::IsMember({"low", "medium", "high", "critical"}))
      ->capture_default_str();
  cmd->add_option("--max-input", args->max_input_mib, "Refuse inputs larger than this many MiB (default 4096)")
      ->check(CLI::Range(std::size_t(1), std::size_t(1) << 20));
  cmd->add_option("--dialect", args->dialect, "SQL dialect of migrations: postgres or mysql")
      ->check(CLI::IsMember({"postgres", "postgresql", "mysql"}))
      ->capture_default_str();
  cmd->callback([args, &exit_code] { exit_code = run_risk(*args); });
}

const Registrar registrar(40, add_risk);

}  // namespace
}  // namespace cs::cli
