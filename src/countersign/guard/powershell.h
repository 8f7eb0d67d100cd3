// A careful reading of one PowerShell command line (Copilot's `powershell` tool): the programs it
// invokes with their arguments and the file cmdlets it runs, rewritten as the POSIX shell command
// that does the same, so the shell rules judge it. Anything it cannot read for certain (variables,
// script blocks, subexpressions, Invoke-Expression, unknown cmdlets) is not guessed at: the
// reading fails with the reason, and the caller holds the command. Private to the guard stage.
#pragma once

#include <string>
#include <string_view>

#include "countersign/core/error.h"

namespace cs::guard {

// The POSIX shell equivalent of `script`, or an error whose message says what could not be read.
Result<std::string> powershell_as_shell(std::string_view script);

}  // namespace cs::guard
