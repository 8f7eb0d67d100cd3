// The risk stage's data files (data/stateful-resources.yaml, risk-protections.yaml,
// risk-paths.yaml), read once with yaml-cpp; a user's copy in $COUNTERSIGN_DATA_DIR wins.
#pragma once

#include <string>
#include <unordered_set>
#include <vector>

#include "countersign/risk/risk.h"

namespace cs::risk {

struct Protection {
  std::string flavour;    // terraform | pulumi | cloudformation
  std::string attribute;  // dotted path
  std::string from;       // JSON text of the old value; empty = any
  std::string to;         // JSON text of the new value
};

struct Catalog {
  std::unordered_set<std::string> stateful_types;
  std::vector<Protection> protections;
  std::vector<PathRule> path_rules;
};

// The catalog, loaded on first use. An unreadable data file is an error, never an empty list.
Result<const Catalog*> catalog();

bool is_stateful(const Catalog& catalog, const Config& config, const std::string& type);

}  // namespace cs::risk
