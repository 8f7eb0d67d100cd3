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
std::vector<std::string> configured_commands(const json::Value& settings, const HookAdapter& adapter);
// Adds or updates countersign's entries; true when something changed. Fails (and changes nothing
// the caller will write) when the settings have an unexpected shape.
Result<bool> merge_hook(json::Value& settings, const HookAdapter& adapter, std::string_view command);

}  // namespace cs::guard
