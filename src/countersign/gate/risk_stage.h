// Private to the gate. The risk stage as the gate runs it: the trusted policy's risk section as
// risk::Config, the findings of one commit's changed files (read from git, never from a work
// tree), and the plan files named with --plan.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "countersign/gate/gate.h"

namespace cs::gate::detail {

// `policy` must outlive the result: its path sets decide which changed files are read.
risk::Config risk_config(const policy::Policy& policy);

// Default RiskAssessor: every changed path against the path rules; changed plans, change sets,
// previews and migrations by content; changed manifests base against head.
Result<std::vector<risk::Finding>> changed_file_risk(const git::Repository& repo, const git::Commit& commit,
                                                     std::span<const git::ChangedPath> paths, const risk::Config& config);

// Findings of the files given with --plan (they describe the deploy of the whole range). A plan
// that cannot be parsed is an `unreviewable` finding; a file that cannot be read or is not a
// plan, change set or preview at all is an error (the caller named it, so the gate fails closed).
Result<std::vector<risk::Finding>> plan_file_risk(std::span<const std::string> files, const risk::Config& config);

// Findings an unexpired suppression of the trusted policy covers stay visible (the suppression
// is audited, not hidden); their message says which suppression, until when and why.
void mark_suppressed(std::vector<risk::Finding>& findings, const policy::Policy& policy, int64_t now);

}  // namespace cs::gate::detail
