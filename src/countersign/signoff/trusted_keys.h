// Private to signoff/. The trusted keys of a Trust as one allowed_signers table: each key under
// the internal principal "person#<index into Trust::people>", whatever its line said.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "countersign/signoff/allowed_signers.h"
#include "countersign/signoff/signoff.h"
#include "countersign/signoff/store.h"

namespace cs::signoff {

std::string principal_of(size_t person);
// The index of the person an internal principal names; nullopt for anything else.
std::optional<size_t> person_of(std::string_view principal, size_t people);
// Every key of the people directory and of the allowed_signers file matched to its person;
// unusable lines are added to `problems`.
AllowedSigners trusted_signers(const Trust& trust, std::vector<store::Problem>& problems);

}  // namespace cs::signoff
