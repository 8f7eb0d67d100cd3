// The common model every infrastructure reader (Terraform, CloudFormation, Pulumi) produces,
// so that the rules that do not depend on the format (env-rebuild, stateful-*,
// protected-resource) are written once.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "countersign/risk/risk.h"

namespace cs::risk {

struct ResourceChange {
  std::string address;           // TF address, CFN logical id, Pulumi URN
  std::string previous_address;  // TF moved-from address
  std::string type;              // aws_db_instance / AWS::RDS::DBInstance / aws:rds/instance:Instance
  std::string cloud_id;          // id / ARN / physical id, when the input shows one
  std::string location;          // JSON path of the change in the input
  std::string action_reason;     // why (TF action_reason, CFN replacement, Pulumi op)
  std::string replace_paths;     // what forced a replacement, human readable
  std::string count_index;       // TF numeric count index, else empty
  bool managed = true;           // false for data sources
  bool del = false, create = false, update = false, forget = false;
  bool conditional = false;      // CFN Replacement: Conditional
  bool protected_flag = false;   // Pulumi protect / CFN Retain known to be set
  // Raw JSON values inside the input buffer (Terraform, Pulumi); empty when absent.
  std::string_view before, after, after_unknown;

  bool destructive() const { return del; }
  bool replaced() const { return del && create; }
};

struct ChangeSet {
  std::string file;
  std::string format;        // "Terraform plan", "CloudFormation change set", ...
  bool has_prior = false;    // prior resource count known (TF prior_state)
  std::size_t prior_count = 0;
  bool stack_deleted = false;  // CFN stack deletion
  bool lists_unchanged = true; // the input lists unchanged resources too (not a CFN change set)
  std::vector<ResourceChange> changes;  // every change but managed no-ops
  std::size_t unchanged = 0;            // managed no-op changes, counted only
  std::vector<Finding> findings;  // found while reading (unreviewable, plan-incomplete, ...)
  // Set when the input is another document of the same tool (a Terraform state instead of a
  // plan): the gate errors (exit 2) instead of finding nothing in it.
  std::string wrong_document;
};

// The rules common to every infrastructure format.
void common_rules(ChangeSet& set, const Config& config);
// Terraform only: count-index-shift, missing-moved; any format with raw before/after values:
// protection-weakened (attributes from data/risk-protections.yaml).
void terraform_rules(ChangeSet& set, const Config& config);
void protection_rules(ChangeSet& set, std::string_view flavour, std::string_view after_path);

// An `unreviewable` finding: the input cannot be read, so nothing it hides can be seen.
Finding unreviewable(std::string_view file, std::string_view location, std::string_view why);

// Readers. Each returns findings through `set.findings`; an input it cannot parse becomes an
// unreviewable finding there, never a silent pass.
ChangeSet read_terraform_plan(std::string_view file, std::string_view padded, unsigned threads);
ChangeSet read_cloudformation(std::string_view file, std::string_view padded, bool stack_deletion);
ChangeSet read_pulumi_preview(std::string_view file, std::string_view padded);

}  // namespace cs::risk
