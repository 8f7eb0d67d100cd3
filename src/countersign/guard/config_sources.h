// Where the guard's configuration comes from and what each source may do (private to guard/).
// The trusted revision and the system directory may loosen the guard (allow entries, disabled
// packs, non-production names); the work tree, which the agent edits, can only add holds.
#pragma once

#include <string>
#include <vector>

#include "countersign/guard/guard.h"
#include "countersign/guard/pack.h"

namespace cs::guard {

struct LoadedConfig {
  Environments environments;                  // the trusted revision's, else the system's, else the built-in
  std::string environments_from;              // where they came from; empty: built-in
  std::vector<std::string> added_production;  // by the work tree's policy.yaml
  bool added_default_production = false;
  std::vector<Pack> packs;              // every guard.yaml's packs (they only add holds)
  std::vector<UserAllow> allows;        // honoured sources only
  std::vector<UserDisable> disabled;    // honoured sources only
  std::vector<std::string> provenance;  // one line per source, for explain
};

// Reads the trusted revision (given in `trusted`, when there is one), the system directory and the
// work tree. Problems go to `diags`; a trusted revision that cannot be read is an error there.
void load_configuration(const Config& config, const std::optional<TrustedConfig>& trusted, const std::string& today,
                        LoadedConfig& out, std::vector<Diagnostic>& diags);

// Whether a file of the system directory can be trusted: false, with why, when the current account
// is not root and owns or can write the file or the directory holding it.
bool system_file_trusted(const std::string& path, std::string& why);

}  // namespace cs::guard
