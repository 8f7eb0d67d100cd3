// `countersign guard --agent NAME`: the adapters' pipeline with the real classifier. The packs
// are loaded lazily, so a tool countersign does not judge costs only the JSON parse.
#include <optional>

#include "countersign/guard/hooks.h"

namespace cs::guard {

HookReply run_hook(std::string_view agent, std::string_view payload, const HookEnvironment& where) {
  const auto* adapter = find_adapter(agent);
  if (!adapter) return {"", "countersign: unknown agent \"" + std::string(agent) + "\"\n", 2};
  std::optional<Guard> guard;
  auto loaded_guard = [&guard, &where](const Context& context) -> Result<const Guard*> {
    if (!guard) {
      Config config;
      config.project_dir = find_project_dir(context.cwd);
      if (where.trusted_config && !config.project_dir.empty())
        config.trusted_config_source = [&where, dir = config.project_dir] { return where.trusted_config(dir); };
      else if (where.trusted_policy && !config.project_dir.empty())
        config.trusted_policy_source = [&where, dir = config.project_dir] { return where.trusted_policy(dir); };
      auto loaded = Guard::load(config);
      if (!loaded) return std::unexpected(loaded.error());
      guard.emplace(std::move(*loaded));
    }
    return &*guard;
  };
  Classifier classify = [&loaded_guard](const std::string& command, const Context& context) -> Result<Verdict> {
    auto g = loaded_guard(context);
    if (!g) return std::unexpected(g.error());
    return (*g)->classify(command, context);
  };
  WriteClassifier classify_write = [&loaded_guard](const std::vector<std::string>& paths,
                                                   const Context& context) -> Result<Verdict> {
    auto g = loaded_guard(context);
    if (!g) return std::unexpected(g.error());
    return (*g)->classify_write(paths, context);
  };
  return run_hook_with(*adapter, payload, where, classify, classify_write);
}

}  // namespace cs::guard
