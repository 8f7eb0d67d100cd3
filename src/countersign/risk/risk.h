// Risk answers "what can this change destroy": it reads Terraform/OpenTofu plans,
// CloudFormation change sets, Pulumi previews, Kubernetes manifests, SQL migrations and the
// paths a change touches, and reports findings with a stable rule id and a severity.
#pragma once

#include <string>
#include <vector>

#include "countersign/core/error.h"
#include "countersign/core/severity.h"

namespace cs::risk {

struct Finding {
  std::string rule;      // stable id: "env-rebuild", "stateful-delete", "sql-drop-table", ...
  Severity severity = Severity::low;
  std::string resource;  // "aws_db_instance.main", "Namespace/prod", "public.users"
  std::string file;      // the input file the finding comes from
  std::string location;  // "line 12" / "12:5" for text inputs, a JSON path for JSON inputs
  std::string message;   // why this is destructive, and what to do instead
};

}  // namespace cs::risk
