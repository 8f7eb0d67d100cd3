// Private to the report stage: how the statements found for a commit (approvals, overrides) and
// the post-hoc reviews owed look, shared by `countersign check` and `countersign approvals`.
#pragma once

#include <string>

#include "countersign/gate/gate.h"

namespace cs::report {

// "approval by carol (SHA256:…, role senior, 2026-11-25T09:00:00Z): counted"
std::string note_line(const gate::ApprovalNote& n);
// {"kind","person","fingerprint","role","status","reason","path","time","expires","counted"}
void json_note(std::string& out, const gate::ApprovalNote& n);
// "post-hoc review owed: override by carol at …: \"reason\"; due … (OVERDUE); needs role senior on 1 commit(s): abc…"
std::string review_line(const gate::PostHocReview& r);
// {"by","reason","time","expires","due","overdue","review_roles","unreviewed"}
void json_review(std::string& out, const gate::PostHocReview& r);

}  // namespace cs::report
