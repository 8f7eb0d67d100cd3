// The guard itself: loads packs once into an index by command name, then for each command
// line analyses it, matches every executed simple command against the packs of its program,
// finds its target environment, and takes the strictest decision.
#include "countersign/guard/guard.h"

#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <unordered_map>

#include "countersign/data/embedded.h"
#include "countersign/guard/config_sources.h"
#include "countersign/guard/context.h"
#include "countersign/guard/files.h"
#include "countersign/guard/normalise.h"
#include "countersign/guard/pack.h"
#include "countersign/guard/pack_store.h"
#include "countersign/guard/protected.h"
#include "countersign/guard/self_protect.h"

namespace cs::guard {

std::string_view to_string(Decision d) {
  switch (d) {
    case Decision::allow: return "allow";
    case Decision::ask: return "ask";
    case Decision::deny: return "deny";
  }
  return "deny";
}

std::string Diagnostic::describe() const {
  std::string out;
  if (!where.file.empty()) {
    out += where.file;
    if (where.line > 0) out += ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
    out += ": ";
  }
  out += error ? "error: " : "warning: ";
  out += message;
  if (!where.snippet.empty()) {
    out += "\n    " + where.snippet;
    if (where.column > 0) out += "\n    " + std::string(std::size_t(where.column - 1), ' ') + "^";
  }
  return out;
}

struct Guard::Impl {
  // A pack as loaded. A built-in pack's rules stay encoded until a command of one of its
  // programs needs them: a hook process judges one command, and decoding the rules of every
  // pack was most of its run time.
  struct Entry {
    explicit Entry(EncodedPack e) : loaded(std::move(e)) {}
    EncodedPack loaded;  // an empty body: the pack is complete
    std::once_flag decoded;
    bool damaged = false;  // the body did not decode
  };

  Config config;
  // The environments: the trusted policy's (read on first use: opening the repository costs more
  // than judging most commands, which never ask), plus the production names the work tree adds.
  const Environments& envs() const {
    std::call_once(envs_once, [this] {
      if (lazy_trusted_policy && config.read_policy_environments)
        if (auto trusted = config.trusted_policy_source()) {
          std::vector<Diagnostic> ignored;  // a broken trusted policy leaves the built-in names
          Environments e = config.environments;
          load_policy_environments(trusted->text, trusted->name, e, ignored);
          envs_ = std::move(e);
          envs_from_ = trusted->name;
        }
      for (const auto& name : added_production)
        if (std::find(envs_.production.begin(), envs_.production.end(), name) == envs_.production.end())
          envs_.production.push_back(name);
      envs_.default_production = envs_.default_production || added_default_production;
    });
    return envs_;
  }
  mutable std::once_flag envs_once;
  mutable Environments envs_;      // before envs(): the built-in or the eagerly given trusted ones
  mutable std::string envs_from_;  // the trusted policy they came from, or empty
  bool lazy_trusted_policy = false;           // only trusted_policy_source was given: read on first use
  std::vector<std::string> provenance;        // where each piece of configuration came from (explain)
  std::vector<std::string> added_production;  // by the work tree's policy.yaml
  bool added_default_production = false;
  mutable std::deque<Entry> packs;  // in load order; a deque, as entries cannot move
  std::vector<UserAllow> allows;
  std::vector<Diagnostic> warnings;
  std::unordered_map<std::string, std::vector<std::size_t>> index;  // command -> packs
  std::size_t rules = 0;

  // Pack `i` with its rules decoded, or nullptr when they do not decode.
  const Pack* pack(std::size_t i) const;
  Verdict classify(const Analysis& a, const Context& ctx) const;
};

const Pack* Guard::Impl::pack(std::size_t i) const {
  Entry& e = packs[i];
  if (!e.loaded.body.empty())
    std::call_once(e.decoded, [&e] { e.damaged = !decode_pack_body(e.loaded, e.loaded.pack); });
  return e.damaged ? nullptr : &e.loaded.pack;
}

namespace {

std::string today() { return files::rfc3339(files::now()).substr(0, 10); }

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buf;
  buf << in.rdbuf();
  out = buf.str();
  return true;
}

Decision decide(const Rule& r, bool production) {
  if (r.decision) return *r.decision;
  if (production) {
    if (r.severity == Severity::critical) return Decision::deny;
    return r.severity == Severity::low ? Decision::allow : Decision::ask;
  }
  return r.severity == Severity::critical ? Decision::ask : Decision::allow;
}

Decision stricter(Decision a, Decision b) { return int(a) >= int(b) ? a : b; }

std::string argv_text(const Unit& u) { return join_words(u.words); }

SimpleCommand to_public(const Unit& u) {
  SimpleCommand s;
  for (const auto& w : u.words) s.argv.push_back(w.text);
  s.executed = u.executed;
  s.dynamic = u.dynamic;
  s.depth = u.depth;
  s.via = u.via;
  s.sql = u.sql;
  s.note = u.note;
  return s;
}

bool global_help(const Args& a) { return a.has("--help") || a.has("-help"); }

// A write to what arms the guard: critical, held whatever the environment; no allow-list
// entry releases it.
RuleMatch self_protection_match(const ProtectedPath& hit, std::string command) {
  RuleMatch m;
  m.rule = hit.rule;
  m.severity = Severity::critical;
  m.command = std::move(command);
  m.explanation = "writes " + hit.what + ", which arms or configures the guard; an agent must not loosen its own guard";
  m.alternative = "ask a senior to make this change, or approve this one write";
  m.production = true;
  m.decision = Decision::ask;
  return m;
}

}  // namespace

Guard::Guard(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Guard::Guard(Guard&&) noexcept = default;
Guard& Guard::operator=(Guard&&) noexcept = default;
Guard::~Guard() = default;

const std::vector<Diagnostic>& Guard::warnings() const { return impl_->warnings; }
std::size_t Guard::rule_count() const { return impl_->rules; }

Result<Guard> Guard::load(const Config& config) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  std::vector<Diagnostic> diags;
  std::optional<TrustedConfig> trusted = config.trusted_config;
  if (!trusted && config.trusted_config_source) trusted = config.trusted_config_source();
  if (!trusted && config.trusted_policy) {
    const std::string& name = config.trusted_policy->name;
    auto colon = name.rfind(':');
    trusted =
        TrustedConfig{colon == std::string::npos ? name : name.substr(0, colon), config.trusted_policy, {}, {}, {}};
  }
  if (trusted && !trusted->error.empty())  // fail closed: never the work tree in its place
    return fail(Errc::parse, "guard configuration: the trusted revision" +
                                 (trusted->revision.empty() ? std::string() : " " + trusted->revision) +
                                 " cannot be used, so nothing is allowed until it is fixed there: " + trusted->error);
  LoadedConfig sources;
  load_configuration(config, trusted, today(), sources, diags);
  impl->envs_ = std::move(sources.environments);
  impl->envs_from_ = std::move(sources.environments_from);
  impl->added_production = std::move(sources.added_production);
  impl->added_default_production = sources.added_default_production;
  impl->allows = std::move(sources.allows);
  impl->provenance = std::move(sources.provenance);
  impl->lazy_trusted_policy = !trusted && config.trusted_policy_source;
  std::vector<EncodedPack> builtin;
  load_builtin_packs(builtin, diags, config.compiled_packs);
  for (auto& p : builtin) impl->packs.emplace_back(std::move(p));
  std::vector<Pack> more;  // the user's, parsed from YAML
  for (const auto& path : config.extra_pack_files) {
    std::string text;
    if (!read_file(path, text)) {
      diags.push_back({true, "cannot read pack file", InputLocation{path, 0, 0, {}}});
      continue;
    }
    for (auto& p : load_packs(text, path, diags)) more.push_back(std::move(p));
  }
  for (auto& p : sources.packs) more.push_back(std::move(p));
  std::string errors;
  for (auto& d : diags) {
    if (d.error) errors += (errors.empty() ? "" : "\n") + d.describe();
    else impl->warnings.push_back(d);
  }
  if (!errors.empty()) return fail(Errc::parse, "guard packs: " + errors);
  for (auto& p : more) {
    std::size_t rules = p.rules.size();
    impl->packs.emplace_back(EncodedPack{std::move(p), rules, {}});
  }
  std::set<std::string> disabled;
  for (const auto& d : sources.disabled) {
    bool known = false;
    for (const auto& e : impl->packs) known = known || e.loaded.pack.name == d.pack;
    if (!known)
      impl->warnings.push_back({false, "disable: no pack is named '" + d.pack + "'", d.where});
    else
      disabled.insert(d.pack);
  }
  for (std::size_t i = 0; i < impl->packs.size(); ++i) {
    if (disabled.contains(impl->packs[i].loaded.pack.name)) continue;
    impl->rules += impl->packs[i].loaded.rules;
    for (const auto& c : impl->packs[i].loaded.pack.commands) impl->index[c].push_back(i);
  }
  for (const auto& name : disabled) impl->provenance.push_back("pack " + name + " disabled");
  return Guard(std::move(impl));
}

Verdict Guard::Impl::classify(const Analysis& a, const Context& ctx) const {
  Verdict v;
  v.decision = Decision::allow;
  v.production = false;
  std::string reason;
  const RuleMatch* decisive = nullptr;
  std::string dynamic_note;
  std::string damaged;  // a built-in pack whose compiled rules do not decode
  std::string no_env;
  const std::string& project = config.project_dir.empty() ? ctx.cwd : config.project_dir;
  std::vector<std::string> unit_env(a.units.size());  // environment found for each unit
  for (std::size_t ui = 0; ui < a.units.size(); ++ui) {
    Unit u = a.units[ui];
    v.commands.push_back(to_public(u));
    if (!u.executed) continue;
    for (const auto& hit : self_protection(u, ctx, project)) v.matches.push_back(self_protection_match(hit, argv_text(u)));
    if (u.parent >= 0 && std::size_t(u.parent) < ui && u.host.empty())
      u.host = unit_env[std::size_t(u.parent)].empty() ? "unknown" : unit_env[std::size_t(u.parent)];
    bool dynamic_production = u.host.empty() ? true : is_production(u.host, envs());
    auto it = u.words.empty() ? index.end() : index.find(u.words[0].text);
    if (it != index.end()) {
      for (std::size_t pi : it->second) {
        const Pack* found = pack(pi);
        if (!found) {
          damaged = packs[pi].loaded.pack.name;
          continue;
        }
        const Pack& pack = *found;
        if (pack.target == Target::local) continue;
        Args args = split_args(u, pack);
        MatchInput in{u, args, pack, ctx, project};
        TargetEnvironment t = target_environment(in, envs());
        unit_env[ui] = t.name;
        dynamic_production = t.production;
        break;
      }
    }
    if (!u.dynamic && it != index.end() &&
        std::any_of(u.words.begin(), u.words.end(), [](const shell::Word& w) { return w.dynamic; }))
      for (std::size_t pi : it->second)
        if (const Pack* pk = pack(pi); pk && critical_rule_open(*pk, u, split_args(u, *pk))) {
          u.dynamic = true;
          u.note = "a subcommand or target of " + u.words[0].text + " arrives at run time, and a critical rule depends on it";
          v.commands.back().dynamic = true;
          v.commands.back().note = u.note;
          break;
        }
    if (u.dynamic) {
      v.dynamic = true;
      if (dynamic_production) v.decision = stricter(v.decision, Decision::ask);
      if (dynamic_note.empty()) dynamic_note = u.note.empty() ? "cannot be resolved statically" : u.note;
    }
    if (it == index.end()) continue;
    for (std::size_t pi : it->second) {
      const Pack* found = pack(pi);
      if (!found) {
        damaged = packs[pi].loaded.pack.name;
        continue;
      }
      const Pack& pack = *found;
      Args args = split_args(u, pack);
      if (global_help(args)) continue;
      MatchInput in{u, args, pack, ctx, project};
      bool allowed = false;
      for (const auto& al : pack.allow) {
        if (condition_holds(al.when, in)) {
          allowed = true;
          break;
        }
      }
      if (allowed) continue;
      std::optional<TargetEnvironment> env;
      for (const Rule& r : pack.rules) {
        if (!condition_holds(r.when, in)) continue;
        bool excused = false;
        for (const auto& c : r.unless) excused = excused || condition_holds(c, in);
        if (excused) continue;
        if (!env) env = target_environment(in, envs());
        std::string text = argv_text(u);
        bool user_allowed = false;
        for (const auto& ua : allows) {
          if ((ua.rule.empty() || ua.rule == r.id) && (ua.environment.empty() || ua.environment == env->name) &&
              ua.command.matches(text))
            user_allowed = true;
        }
        if (user_allowed) continue;
        RuleMatch m;
        m.rule = r.id;
        m.severity = r.severity;
        m.command = std::move(text);
        m.explanation = r.explanation;
        m.alternative = r.alternative;
        m.environment = pack.target == Target::local && u.host.empty() ? std::string() : env->name;
        m.production = env->production;
        m.decision = decide(r, env->production);
        v.matches.push_back(std::move(m));
      }
    }
  }
  for (const auto& m : v.matches) {
    if (!decisive || int(m.decision) > int(decisive->decision) ||
        (m.decision == decisive->decision && int(m.severity) > int(decisive->severity)))
      decisive = &m;
  }
  if (decisive) {
    v.decision = stricter(v.decision, decisive->decision);
    v.environment = decisive->environment.empty() ? "local" : decisive->environment;
    v.production = decisive->production;
    if (decisive->environment.empty() == false && !decisive->production) v.production = false;
  }
  if (!a.errors.empty()) {
    v.malformed = true;
    v.decision = stricter(v.decision, Decision::ask);
  }
  // reason
  if (decisive && decisive->decision != Decision::allow && int(decisive->decision) >= int(v.decision)) {
    reason = decisive->rule + ": " + decisive->explanation;
    if (!decisive->environment.empty())
      reason += " (environment " + decisive->environment + (decisive->production ? ", production)" : ")");
    reason += " Safer: " + decisive->alternative;
  } else if (v.malformed) {
    reason = "the command does not parse (" + a.errors.front() + "); held for a human";
  } else if (v.dynamic && v.decision != Decision::allow) {
    reason = "dynamic: " + dynamic_note + "; held for a human";
  } else if (decisive) {
    reason = decisive->rule + " matched, allowed in non-production environment " + decisive->environment;
  } else {
    reason = v.dynamic ? "dynamic parts run in a non-production environment" : "no rule matched";
  }
  if (v.environment.empty()) {
    v.environment = v.dynamic || v.malformed ? "unknown (assumed production)" : "none";
    v.production = v.dynamic || v.malformed;
  }
  if (!damaged.empty()) {  // fail closed: a rule that may have matched cannot be read
    v.decision = Decision::deny;
    reason = "the built-in guard pack " + damaged + " does not decode (a damaged countersign binary); denied";
  }
  v.reason = std::move(reason);
  return v;
}

Verdict Guard::classify(std::string_view command, const Context& context) const {
  AnalyseOptions o;
  o.env = &context.env;
  o.cwd = context.cwd;
  o.max_depth = impl_->config.max_depth;
  Analysis a = analyse(command, o);
  return impl_->classify(a, context);
}

namespace {

std::string kebab(std::string_view s) {
  if (s.find('-') != std::string_view::npos || s.empty() || !std::isupper(static_cast<unsigned char>(s[0])))
    return std::string(s);
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool up = std::isupper(static_cast<unsigned char>(c));
    if (up && i > 0) {
      bool prev_lower = std::islower(static_cast<unsigned char>(s[i - 1])) || std::isdigit(static_cast<unsigned char>(s[i - 1]));
      bool next_lower = i + 1 < s.size() && std::islower(static_cast<unsigned char>(s[i + 1]));
      bool prev_upper = std::isupper(static_cast<unsigned char>(s[i - 1]));
      if (prev_lower || (prev_upper && next_lower)) out += '-';
    }
    out += char(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

std::vector<std::string> aws_call_argv(const AwsCall& call) {
  std::vector<std::string> argv{"aws", call.service, kebab(call.operation)};
  for (const auto& [name, value] : call.parameters) {
    std::string opt = "--" + kebab(name);
    if (value == "true") {
      argv.push_back(opt);
    } else if (value == "false") {
      argv.push_back("--no-" + opt.substr(2));
    } else {
      argv.push_back(opt);
      argv.push_back(value);
    }
  }
  if (!call.region.empty()) {
    argv.push_back("--region");
    argv.push_back(call.region);
  }
  if (!call.profile.empty()) {
    argv.push_back("--profile");
    argv.push_back(call.profile);
  }
  return argv;
}

Verdict Guard::classify_write(const std::vector<std::string>& paths, const Context& context) const {
  Verdict v;
  v.decision = Decision::allow;
  v.production = false;
  v.environment = "local";
  const std::string& project = impl_->config.project_dir.empty() ? context.cwd : impl_->config.project_dir;
  for (const auto& path : paths) {
    SimpleCommand c;
    c.argv = {"write", path};
    c.via = "file tool";
    v.commands.push_back(c);
    auto hit = protected_path(path, context, project);
    if (!hit) continue;
    v.matches.push_back(self_protection_match(*hit, "write " + path));
  }
  if (!v.matches.empty()) {
    const RuleMatch& m = v.matches.front();
    v.decision = Decision::ask;
    v.production = true;
    v.reason = m.rule + ": " + m.explanation + ". Safer: " + m.alternative;
  } else {
    v.reason = "no protected file is written";
  }
  return v;
}

Verdict Guard::classify_aws(const AwsCall& call, const Context& context) const {
  AnalyseOptions o;
  o.env = &context.env;
  o.cwd = context.cwd;
  o.max_depth = impl_->config.max_depth;
  Analysis a = analyse_argv(aws_call_argv(call), o);
  return impl_->classify(a, context);
}

std::string Guard::explain(std::string_view command, const Context& context) const {
  Verdict v = classify(command, context);
  std::ostringstream out;
  out << "command: " << command << "\n\nparse:\n";
  int n = 0;
  for (const auto& c : v.commands) {
    std::string argv;
    for (std::size_t i = 0; i < c.argv.size(); ++i) argv += (i ? " " : "") + c.argv[i];
    out << "  " << ++n << ". " << (c.executed ? "[executes] " : "[data]     ") << argv << "\n";
    if (!c.via.empty() || c.depth) out << "       via " << (c.via.empty() ? "-" : c.via) << " (depth " << c.depth << ")\n";
    if (!c.sql.empty()) out << "       sends: " << c.sql.substr(0, 200) << (c.sql.size() > 200 ? "..." : "") << "\n";
    if (c.dynamic) out << "       DYNAMIC: " << c.note << "\n";
    else if (!c.note.empty()) out << "       note: " << c.note << "\n";
  }
  if (v.commands.empty()) out << "  (nothing runs)\n";
  if (v.malformed) out << "  MALFORMED: the input does not parse; never allowed silently\n";
  out << "\ncontext:\n  cwd: " << (context.cwd.empty() ? "(unknown)" : context.cwd) << "\n";
  for (const char* var : {"AWS_PROFILE", "KUBECONFIG", "TF_WORKSPACE", "PGHOST", "DATABASE_URL"})
    if (auto it = context.env.find(var); it != context.env.end()) out << "  " << var << "=" << it->second << "\n";
  const Environments& envs = impl_->envs();
  out << "  environments: production = ";
  for (std::size_t i = 0; i < envs.production.size(); ++i) out << (i ? ", " : "") << envs.production[i];
  out << "; unknown is " << (envs.default_production ? "production" : "non-production") << "\n";
  out << "  environments from: "
      << (impl_->envs_from_.empty() ? std::string("the built-in names (no trusted revision)")
          : impl_->envs_from_.starts_with(impl_->config.system_dir + "/") && !impl_->config.system_dir.empty()
              ? impl_->envs_from_ + " (the system configuration)"
              : impl_->envs_from_ + " (the trusted revision)")
      << "; the work tree's policy.yaml can only add production names\n";
  out << "\nconfiguration:\n";
  for (const auto& line : impl_->provenance) out << "  " << line << "\n";
  for (const auto& w : impl_->warnings) out << "  " << w.describe() << "\n";
  out << "\nmatches:\n";
  if (v.matches.empty()) out << "  (no rule matched)\n";
  for (const auto& m : v.matches) {
    out << "  " << m.rule << " (" << cs::to_string(m.severity) << ") on `" << m.command << "`\n";
    out << "       environment: " << (m.environment.empty() ? "local machine" : m.environment)
        << (m.production ? " (production)" : " (non-production)") << " -> " << to_string(m.decision) << "\n";
    out << "       why: " << m.explanation << "\n       instead: " << m.alternative << "\n";
  }
  out << "\ndecision: " << to_string(v.decision) << "\nreason: " << v.reason << "\n";
  return out.str();
}

}  // namespace cs::guard

extern "C" char** environ;

namespace cs::guard {

Context context_from_process(std::string cwd) {
  Context c;
  if (cwd.empty()) {
    std::error_code ec;
    cwd = std::filesystem::current_path(ec).string();
  }
  c.cwd = std::move(cwd);
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    c.env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return c;
}

std::string find_project_dir(std::string_view cwd) {
  std::error_code ec;
  std::filesystem::path p(cwd);
  for (auto dir = p; !dir.empty(); dir = dir.parent_path()) {
    if (std::filesystem::exists(dir / ".countersign", ec) || std::filesystem::exists(dir / ".git", ec))
      return dir.string();
    if (dir == dir.parent_path()) break;
  }
  return std::string(cwd);
}

}  // namespace cs::guard
