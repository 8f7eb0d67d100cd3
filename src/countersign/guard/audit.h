// The local audit log of guard decisions (state/guard.jsonl, one JSON object per line) and the
// redaction of secrets from the commands it records. Private to the guard stage.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "countersign/core/error.h"

namespace cs::guard::audit {

struct Record {
  long long time = 0;
  std::string agent;
  std::string tool;
  std::string cwd;
  std::string command;  // raw: redacted when written
  std::string decision;
  std::string reason;
  std::vector<std::string> rules;
  std::string environment;
  bool production = false;
  std::string request_id;  // held commands
  std::string approved_by; // a held command let through by an approval
};

// The JSON line written for a record (command redacted and capped), newline included.
std::string line(const Record& r);
// Appends one line with a single O_APPEND write, so concurrent hooks never interleave.
Result<void> append(const std::string& state, const Record& r);

// The command with secrets replaced by "***": AWS keys, GitHub/GitLab/Slack tokens, bearer and
// basic credentials, values of --token/--password/... options, -p values of tools where -p is a
// password, secret-named VAR=value and query parameters, and passwords in URLs (scheme://user:pass@).
std::string redact(std::string_view command);

}  // namespace cs::guard::audit
