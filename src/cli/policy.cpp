#include "countersign/policy/policy.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "countersign/git/git.h"
#include "countersign/provenance/provenance.h"
#include "countersign/signoff/signoff.h"

namespace cs::cli {
namespace {

struct LintArgs {
  std::string repo = ".";
  std::string ref;
  std::vector<std::string> files;
};

// Which files to lint: named files (a name containing "people" is a people directory; a policy
// file named alone brings the people.yaml beside it), or .countersign/ of the work tree.
void pick_files(const LintArgs& a, std::optional<std::string>& policy, std::optional<std::string>& people) {
  namespace fs = std::filesystem;
  if (a.files.empty()) {
    std::string root = a.repo;
    if (auto repo = git::Repository::open(a.repo); repo && !repo->workdir().empty()) root = repo->workdir();
    fs::path dir = fs::path(root) / ".countersign";
    if (fs::exists(dir / "policy.yaml")) policy = (dir / "policy.yaml").string();
    if (fs::exists(dir / "people.yaml")) people = (dir / "people.yaml").string();
    return;
  }
  for (const auto& f : a.files) {
    if (fs::path(f).filename().string().find("people") != std::string::npos) people = f;
    else policy = f;
  }
  if (policy && !people) {
    fs::path beside = fs::path(*policy).parent_path() / "people.yaml";
    if (fs::exists(beside)) people = beside.string();
  }
}

int lint(const LintArgs& a) {
  Result<policy::Loaded> loaded = fail(Errc::internal, "nothing loaded");
  std::string what;
  if (!a.ref.empty()) {
    auto repo = git::Repository::open(a.repo);
    if (!repo) return std::fprintf(stderr, "countersign: %s\n", repo.error().describe().c_str()), 2;
    auto rev = repo->resolve(a.ref);
    if (!rev) return std::fprintf(stderr, "countersign: %s\n", rev.error().describe().c_str()), 2;
    loaded = policy::load_from_revision(*repo, *rev, a.ref);
    what = a.ref + ":.countersign/";
  } else {
    std::optional<std::string> policy_file, people_file;
    pick_files(a, policy_file, people_file);
    if (!policy_file && !people_file) {
      std::printf("no .countersign/policy.yaml or people.yaml here: the built-in default policy would apply\n");
      return 0;
    }
    loaded = policy::load_files(policy_file, people_file);
    what = policy_file.value_or("") + (policy_file && people_file ? ", " : "") + people_file.value_or("");
  }
  if (!loaded) return std::fprintf(stderr, "countersign: %s\n", loaded.error().describe().c_str()), 2;
  // Beyond what loading checks: key lines as verification parses them, and requirements that
  // nobody in the directory can meet (agent identities by the registry, as the gate knows them).
  std::optional<provenance::Assessor> agents;
  if (auto repo = git::Repository::open(a.repo)) {
    provenance::AssessOptions options;
    options.extra_agents = loaded->people.agents;
    options.line_share = false;
    if (auto made = provenance::Assessor::create(*repo, options)) agents = std::move(*made);
  }
  auto is_agent = [&agents](const policy::Person& p) {
    if (!agents) return false;
    for (const auto& e : p.emails)
      if (agents->is_agent(p.name, e)) return true;
    return p.emails.empty() && agents->is_agent(p.name, "");
  };
  for (auto more : {signoff::key_diagnostics(loaded->people),
                    policy::unmeetable_requirements(loaded->policy, loaded->people, is_agent)})
    for (auto& item : more.items) loaded->diagnostics.items.push_back(std::move(item));
  const auto& d = loaded->diagnostics;
  std::fputs(d.format().c_str(), stdout);
  size_t errors = d.count(policy::Level::error), warnings = d.count(policy::Level::warning);
  if (errors == 0) {
    std::printf("%s: %s (%zu rules, %zu people, %zu agents%s)\n", what.c_str(), warnings ? "usable" : "clean",
                loaded->policy.rules.size(), loaded->people.people.size(), loaded->people.agents.size(),
                loaded->policy.builtin_default ? "; no policy.yaml: the built-in default policy applies" : "");
  }
  if (errors || warnings) std::printf("%zu error%s, %zu warning%s\n", errors, errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
  return errors ? 2 : 0;
}

void add_policy(CLI::App& app, int& exit_code) {
  auto* policy = app.add_subcommand("policy", "Work with .countersign/policy.yaml and people.yaml");
  policy->require_subcommand(1);
  auto args = std::make_shared<LintArgs>();
  auto* cmd = policy->add_subcommand("lint", "Report every problem in the policy and people files, with positions");
  cmd->add_option("--repo", args->repo, "Repository (default: the current directory)");
  cmd->add_option("--ref", args->ref, "Lint the files at this revision instead of the work tree");
  cmd->add_option("files", args->files, "Policy and/or people files to lint");
  cmd->callback([args, &exit_code] {
    if (!args->ref.empty() && !args->files.empty()) {
      std::fprintf(stderr, "countersign: give --ref or files, not both\n");
      exit_code = 2;
      return;
    }
    exit_code = lint(*args);
  });
}

const Registrar registrar(300, add_policy);

}  // namespace
}  // namespace cs::cli
