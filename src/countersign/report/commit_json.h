// Private to the report stage: pieces the scan and check renderers share, so that a commit
// looks the same in `scan --format json` and `check --format json`.
#pragma once

#include <string>
#include <string_view>

#include "countersign/provenance/provenance.h"

namespace cs::report {

// Appends {"commit","class","agents","ai_line_share","operator","bot","author","subject","lines","evidence"}.
void json_commit(std::string& out, const provenance::Provenance& p);

}  // namespace cs::report
