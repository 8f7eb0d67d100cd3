// Private to guard: the rule pack model (data/guard/*.yaml, one pack per tool), its loader
// with positioned diagnostics, and matching of one simple command against a pack.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "countersign/guard/guard.h"
#include "countersign/guard/normalise.h"

namespace cs::guard {

// Where a pack's commands act, which decides how their target environment is found.
enum class Target { local, aws, kubernetes, terraform, pulumi, database, gcloud, azure, app, vault };

// "a|b|c*": alternatives, each a glob (* and ?).
struct Alternatives {
  std::vector<std::string> alts;
  bool matches(std::string_view s) const;
  bool operator==(const Alternatives&) const = default;
};

// Every field present must hold.
struct Condition {
  Alternatives command;                // the program (argv[0] after unwrapping); empty = any of the pack's
  std::vector<Alternatives> args;      // the first positional arguments, in order
  std::vector<Alternatives> any_arg;   // each must match some positional argument
  std::vector<std::string> flags;      // at least one of these options is present
  std::vector<std::string> all_flags;  // all of these options are present
  std::vector<std::string> not_flags;  // none of these options is present
  std::vector<std::pair<std::string, Alternatives>> values;  // an option's value matches
  std::vector<Alternatives> words;     // each must match some word (options included)
  std::vector<std::string> contains;   // some word contains one of these texts
  std::vector<std::string> sql;        // statement kinds found in the SQL it sends
  std::vector<std::string> paths;      // classes of the paths it acts on (see paths.h)
  std::string path_args = "positional";  // positional | find | all
  std::string check;                   // a named check: protected-ref
  bool dynamic = false;                // the command is dynamic
  bool operator==(const Condition&) const = default;
};

struct Rule {
  std::string id;
  Severity severity = Severity::high;
  std::optional<Decision> decision;  // fixed decision, whatever the environment
  std::string explanation;
  std::string alternative;
  Condition when;
  std::vector<Condition> unless;
  InputLocation where;
};

struct Allowed {
  std::string id;
  Condition when;
};

struct Pack {
  std::string name;
  std::string origin;
  std::vector<std::string> commands;
  Target target = Target::local;
  std::vector<std::string> value_options;
  bool short_clusters = true;  // -rf is -r -f (false for terraform/find: -destroy is one option)
  std::vector<std::string> protected_branches;
  std::vector<Rule> rules;
  std::vector<Allowed> allow;
};

// A user's allow-list entry from .countersign/guard.yaml.
struct UserAllow {
  Alternatives command;  // glob over the simple command's argv joined with spaces
  std::string rule;      // only this rule id ("" = any)
  std::string environment;
  std::string expires;   // YYYY-MM-DD
  std::string reason;
  InputLocation where;
};

// Loads every pack in one YAML document (a single pack, or a `packs:` list). Problems are
// appended to `diags`; the packs that loaded cleanly are returned.
std::vector<Pack> load_packs(std::string_view yaml, const std::string& origin, std::vector<Diagnostic>& diags);

// A pack a guard.yaml turns off (`disable: [pack, ...]`).
struct UserDisable {
  std::string pack;
  InputLocation where;
};

// What one guard.yaml holds. Its packs only add holds; its allow entries and disabled packs loosen
// the guard, so they are taken only from the trusted revision and the system directory.
struct UserFile {
  std::vector<Pack> packs;
  std::vector<UserAllow> allows;
  std::vector<UserDisable> disabled;
};

// .countersign/guard.yaml: extra packs, allow-list entries and disabled packs. `today` is YYYY-MM-DD.
void load_user_file(std::string_view yaml, const std::string& origin, const std::string& today, UserFile& out,
                    std::vector<Diagnostic>& diags);
void load_user_file(std::string_view yaml, const std::string& origin, const std::string& today,
                    std::vector<Pack>& packs, std::vector<UserAllow>& allows, std::vector<Diagnostic>& diags);

// Loads the `environments:` section of a policy file into `envs` when present.
void load_policy_environments(std::string_view yaml, const std::string& origin, Environments& envs,
                              std::vector<Diagnostic>& diags);

// The options and positional arguments of one simple command, as a pack sees them.
struct Args {
  std::vector<std::string_view> positional;
  struct Option {
    std::string_view name;
    std::string_view value;  // --x=v, -nVALUE for a value option, or the next word
    bool explicit_value = false;
  };
  std::vector<Option> options;
  bool has(std::string_view flag) const;
  std::optional<std::string_view> value(std::string_view flag) const;
};
Args split_args(const Unit& unit, const Pack& pack);

struct MatchInput {
  const Unit& unit;
  const Args& args;
  const Pack& pack;
  const Context& context;
  const std::string& project_dir;
};

bool condition_holds(const Condition& c, const MatchInput& in);

// Whether a critical rule of `pack` picks its subcommand or target from a positional argument
// that is not known statically (`kubectl $(cat verb) ns prod`, `echo delete | xargs kubectl`):
// the rule could match once the value arrives.
bool critical_rule_open(const Pack& pack, const Unit& unit, const Args& args);

}  // namespace cs::guard
