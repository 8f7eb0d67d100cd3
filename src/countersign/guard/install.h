// Finding and merging countersign's entry in an agent's settings (install.cpp), shared with
// `guard doctor`. Private to the guard stage.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "countersign/guard/hooks.h"

namespace cs::guard {

// " guard --agent NAME": how countersign's own hook command is recognised.
std::string hook_marker(std::string_view agent);
bool is_countersign_hook(const json::Value& hook, std::string_view agent);
// The countersign hook commands configured in `settings` for this adapter's event.
// The countersign hook commands configured in `settings` under `event` (empty: the adapter's
// shell event).
std::vector<std::string> configured_commands(const json::Value& settings, const HookAdapter& adapter,
                                             std::string_view event = {});
// The command an agent's hook runs: countersign found on PATH (a bare name) or at an absolute path,
// and, when it is not there, the agent's own blocking answer (exit 2, or deny JSON for agents that
// run the tool on a failed hook) instead of "command not found", which most agents ignore.
std::string hook_command(const HookAdapter& adapter, std::string_view countersign);
// Adds or updates countersign's entries; true when something changed. Fails (and changes nothing
// the caller will write) when the settings have an unexpected shape.
Result<bool> merge_hook(json::Value& settings, const HookAdapter& adapter, std::string_view command);

}  // namespace cs::guard
