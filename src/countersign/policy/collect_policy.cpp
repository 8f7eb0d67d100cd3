// Phase 2 of loading policy.yaml: every field into the Policy struct, each problem diagnosed at
// its position and collection carried on, so that one run of `policy lint` lists them all.
#include <algorithm>
#include <array>
#include <ctime>

#include "countersign/policy/yaml_reader.h"

namespace cs::policy::detail {
namespace {

using namespace std::string_view_literals;

constexpr std::array kTopFields = {"version"sv,      "rules"sv,      "max_age"sv,    "break_glass"sv,
                                   "environments"sv, "risk"sv,       "unknown"sv,    "approvals"sv,
                                   "branches"sv,     "authorship"sv, "provenance"sv, "commands"sv};
constexpr std::array kCommandsFields = {"approvals"sv};
constexpr std::array kCommandApprovalFields = {"role"sv, "count"sv};
constexpr std::array kBranchesFields = {"protected"sv};
constexpr std::array kRuleFields = {"name"sv, "description"sv, "match"sv, "require"sv};
constexpr std::array kMatchFields = {"provenance"sv, "min_ai_share"sv, "paths"sv, "environments"sv, "min_severity"sv};
constexpr std::array kRequireFields = {"approvals"sv, "roles"sv, "exclude"sv};
constexpr std::array kExclusions = {"author"sv, "committer"sv, "operator"sv};
constexpr std::array kBreakGlassFields = {"roles"sv, "max_ttl"sv, "review_within"sv, "review_roles"sv,
                                          "self_override"sv};
constexpr std::array kEnvironmentFields = {"production"sv, "default"sv};
constexpr std::array kRiskFields = {"escalate"sv, "protected"sv, "suppress"sv,   "plan_files"sv,
                                    "migrations"sv, "manifests"sv, "dialect"sv, "env_rebuild"sv};
constexpr std::array kEscalateFields = {"severity"sv, "approvals"sv, "roles"sv};
constexpr std::array kSuppressFields = {"rule"sv, "resource"sv, "expires"sv, "reason"sv};
constexpr std::array kEnvRebuildFields = {"min_resources"sv, "min_share"sv, "count"sv};
constexpr std::array kUnknownFields = {"treat_as"sv};
constexpr std::array kApprovalFields = {"one_person_many_roles"sv};
constexpr std::array kProvenanceFields = {"trusted"sv};
constexpr std::array kClasses = {"human"sv, "ai_assisted"sv, "ai_authored"sv, "unknown"sv};
constexpr std::array kSeverities = {"low"sv, "medium"sv, "high"sv, "critical"sv};
constexpr int kMaxApprovals = 20;

std::optional<Severity> parse_severity(YamlReader& r, const YAML::Node& node, std::string_view what) {
  auto s = r.string(node, what);
  if (!s) return std::nullopt;
  if (auto v = severity_from_string(*s)) return v;
  std::string msg = std::string(what) + " must be one of low, medium, high, critical, not '" + *s + "'";
  if (auto c = closest(*s, kSeverities)) msg += " (did you mean '" + *c + "'?)";
  r.error(node, std::move(msg));
  return std::nullopt;
}

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm): no timegm, no locale.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::optional<int64_t> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  auto num = [&](size_t pos, size_t len) -> int {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  int y = num(0, 4), m = num(5, 2), d = num(8, 2);
  if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  return days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) * 86400;
}

void collect_roles(YamlReader& r, const YAML::Node& node, std::string_view what, std::string context,
                   std::vector<std::string>& out, Pending& pending) {
  auto list = r.strings(node, what);
  if (!list) return;
  for (auto& [role, item] : *list) {
    pending.roles.push_back({role, context, r.at(item)});
    out.push_back(std::move(role));
  }
}

void collect_match(YamlReader& r, const YAML::Node& node, size_t index, Rule& rule, Pending& pending) {
  auto fields = r.fields(node, "match", kMatchFields);
  if (!fields) return;
  for (const auto& f : *fields) {
    if (f.key == "provenance") {
      if (auto list = r.items(f.value, "match.provenance"))
        for (const auto& item : *list)
          if (auto c = parse_class(r, item, "match.provenance")) rule.match.provenance.push_back(*c);
    } else if (f.key == "min_ai_share") {
      rule.match.min_ai_share = r.number(f.value, "match.min_ai_share", 0.0, 1.0);
    } else if (f.key == "paths") {
      if (auto list = r.strings(f.value, "match.paths"))
        for (auto& [pattern, item] : *list)
          pending.globs.push_back({GlobRef::Target::rule_paths, index, std::move(pattern), r.at(item)});
    } else if (f.key == "environments") {
      if (auto list = r.strings(f.value, "match.environments"))
        for (auto& [env, item] : *list) rule.match.environments.push_back(std::move(env));
    } else if (f.key == "min_severity") {
      rule.match.min_severity = parse_severity(r, f.value, "match.min_severity");
    }
  }
}

void collect_require(YamlReader& r, const YAML::Node& node, Rule& rule, Pending& pending) {
  auto fields = r.fields(node, "require", kRequireFields);
  if (!fields) return;
  bool has_roles = false;
  for (const auto& f : *fields) {
    if (f.key == "approvals") {
      if (auto n = r.integer(f.value, "require.approvals", 1, kMaxApprovals)) rule.require.approvals = int(*n);
    } else if (f.key == "roles") {
      has_roles = true;
      collect_roles(r, f.value, "require.roles", "rule '" + rule.name + "'", rule.require.roles, pending);
      if (f.value.IsSequence() && f.value.size() == 0) r.error(f.value, "require.roles is empty: nobody could approve");
    } else if (f.key == "exclude") {
      auto list = r.strings(f.value, "require.exclude");
      if (!list) continue;
      rule.require.exclude = Exclusions{false, false, false};
      for (auto& [who, item] : *list) {
        if (who == "author") rule.require.exclude.author = true;
        else if (who == "committer") rule.require.exclude.committer = true;
        else if (who == "operator") rule.require.exclude.operator_ = true;
        else {
          std::string msg = "require.exclude can list author, committer and operator, not '" + who + "'";
          if (auto c = closest(who, kExclusions)) msg += " (did you mean '" + *c + "'?)";
          r.error(item, std::move(msg));
        }
      }
    }
  }
  if (!has_roles) r.error(node, "require needs roles: which roles may approve");
}

void collect_rules(YamlReader& r, const YAML::Node& node, Policy& policy, Pending& pending) {
  auto list = r.items(node, "rules");
  if (!list) return;
  for (const auto& item : *list) {
    auto fields = r.fields(item, "a rule", kRuleFields);
    if (!fields) continue;
    Rule rule;
    rule.where = r.at(item);
    const YAML::Node* match = nullptr;
    const YAML::Node* require = nullptr;
    for (const auto& f : *fields) {
      if (f.key == "name") {
        if (auto n = r.string(f.value, "rule name")) {
          for (const auto& other : policy.rules)
            if (other.name == *n)
              r.error(f.value, "duplicate rule name '" + *n + "' (first on line " + std::to_string(other.where.line) + ")");
          if (*n == kPolicyAdminRole || n->starts_with("risk:"))
            r.error(f.value, "rule name '" + *n + "' is reserved for a built-in rule");
          rule.name = *n;
        }
      } else if (f.key == "match") {
        match = &f.value;
      } else if (f.key == "require") {
        require = &f.value;
      }
    }
    if (rule.name.empty()) r.error(item, "a rule needs a name");
    size_t index = policy.rules.size();
    if (match) collect_match(r, *match, index, rule, pending);
    if (require) collect_require(r, *require, rule, pending);
    else r.error(item, "rule '" + rule.name + "' needs require: (approvals and roles)");
    policy.rules.push_back(std::move(rule));
  }
}

void collect_break_glass(YamlReader& r, const YAML::Node& node, BreakGlass& bg, Pending& pending) {
  auto fields = r.fields(node, "break_glass", kBreakGlassFields);
  if (!fields) return;
  for (const auto& f : *fields) {
    if (f.key == "roles") collect_roles(r, f.value, "break_glass.roles", "break_glass.roles", bg.roles, pending);
    else if (f.key == "review_roles") {
      bg.review_roles.clear();
      collect_roles(r, f.value, "break_glass.review_roles", "break_glass.review_roles", bg.review_roles, pending);
    } else if (f.key == "self_override") {
      collect_roles(r, f.value, "break_glass.self_override", "break_glass.self_override", bg.self_override, pending);
    } else if (f.key == "max_ttl") {
      if (auto d = r.duration(f.value, "break_glass.max_ttl")) bg.max_ttl = *d;
    } else if (f.key == "review_within") {
      if (auto d = r.duration(f.value, "break_glass.review_within")) bg.review_within = *d;
    }
  }
}

void collect_environments(YamlReader& r, const YAML::Node& node, Environments& envs) {
  auto fields = r.fields(node, "environments", kEnvironmentFields);
  if (!fields) return;
  for (const auto& f : *fields) {
    if (f.key == "production") {
      if (auto list = r.strings(f.value, "environments.production")) {
        envs.production.clear();
        for (auto& [name, item] : *list) envs.production.push_back(std::move(name));
      }
    } else if (f.key == "default") {
      if (auto s = r.string(f.value, "environments.default")) envs.default_name = *s;
    }
  }
}

// `branches.protected`: the branches changes go into, and so the revisions the gate may trust.
void collect_branches(YamlReader& r, const YAML::Node& node, Branches& branches) {
  auto fields = r.fields(node, "branches", kBranchesFields);
  if (!fields) return;
  for (const auto& f : *fields) {
    auto list = r.strings(f.value, "branches.protected");
    if (!list) continue;
    for (auto& [name, item] : *list) {
      if (name.empty() || name.starts_with("refs/") || name.starts_with("-") || name.find("..") != std::string::npos) {
        r.error(item, "branches.protected: '" + name + "' is not a branch name (write main or release/*, not a ref)");
        continue;
      }
      if (auto g = Glob::compile(name); !g) {
        r.error(item, "branches.protected: " + g.error().message);
        continue;
      }
      branches.protected_branches.push_back(std::move(name));
    }
  }
}

void collect_suppression(YamlReader& r, const YAML::Node& node, RiskPolicy& risk) {
  auto fields = r.fields(node, "a suppression", kSuppressFields);
  if (!fields) return;
  Suppression s;
  s.where = r.at(node);
  for (const auto& f : *fields) {
    if (f.key == "rule") s.rule = r.string(f.value, "suppress.rule").value_or("");
    else if (f.key == "resource") s.resource = r.string(f.value, "suppress.resource").value_or("");
    else if (f.key == "reason") s.reason = r.string(f.value, "suppress.reason").value_or("");
    else if (f.key == "expires") {
      auto v = r.string(f.value, "suppress.expires");
      if (!v) continue;
      if (auto t = parse_date(*v)) {
        s.expires = *v;
        s.expires_at = *t;
      } else {
        r.error(f.value, "suppress.expires must be a date YYYY-MM-DD, not '" + *v + "'");
      }
    }
  }
  if (s.rule.empty()) r.error(node, "a suppression needs rule: (the finding's rule id)");
  if (s.expires.empty()) r.error(node, "a suppression needs expires: (YYYY-MM-DD); permanent suppressions are not allowed");
  if (s.resource.empty())
    r.error(node, "a suppression needs resource: (a glob on the finding's resource); it never covers a whole rule silently");
  risk.suppress.push_back(std::move(s));
}

void collect_risk(YamlReader& r, const YAML::Node& node, RiskPolicy& risk, Pending& pending) {
  auto fields = r.fields(node, "risk", kRiskFields);
  if (!fields) return;
  for (const auto& f : *fields) {
    if (f.key == "escalate") {
      auto list = r.items(f.value, "risk.escalate");
      if (!list) continue;
      risk.escalate.clear();
      for (const auto& item : *list) {
        auto ef = r.fields(item, "an escalation", kEscalateFields);
        if (!ef) continue;
        Escalation e;
        e.roles.clear();
        for (const auto& g : *ef) {
          if (g.key == "severity") e.severity = parse_severity(r, g.value, "escalate.severity").value_or(Severity::critical);
          else if (g.key == "approvals") e.approvals = int(r.integer(g.value, "escalate.approvals", 1, kMaxApprovals).value_or(1));
          else if (g.key == "roles") collect_roles(r, g.value, "escalate.roles", "risk.escalate", e.roles, pending);
        }
        if (e.roles.empty()) r.error(item, "an escalation needs roles: which roles may approve");
        risk.escalate.push_back(std::move(e));
      }
    } else if (f.key == "protected") {
      if (auto list = r.strings(f.value, "risk.protected"))
        for (auto& [name, item] : *list) risk.protected_resources.push_back(std::move(name));
    } else if (f.key == "suppress") {
      if (auto list = r.items(f.value, "risk.suppress"))
        for (const auto& item : *list) collect_suppression(r, item, risk);
    } else if (f.key == "plan_files" || f.key == "migrations" || f.key == "manifests") {
      auto target = f.key == "plan_files"   ? GlobRef::Target::plan_files
                    : f.key == "migrations" ? GlobRef::Target::migrations
                                            : GlobRef::Target::manifests;
      if (auto list = r.strings(f.value, "risk." + f.key)) {
        (f.key == "plan_files" ? risk.plan_files : f.key == "migrations" ? risk.migrations : risk.manifests).globs.clear();
        for (auto& [pattern, item] : *list) pending.globs.push_back({target, 0, std::move(pattern), r.at(item)});
      }
    } else if (f.key == "dialect") {
      if (auto v = r.string(f.value, "risk.dialect")) {
        if (auto d = risk::sql_dialect_from_string(*v)) risk.sql_dialect = *d;
        else r.error(f.value, "risk.dialect must be postgres or mysql, not '" + *v + "'");
      }
    } else if (f.key == "env_rebuild") {
      auto ef = r.fields(f.value, "risk.env_rebuild", kEnvRebuildFields);
      if (!ef) continue;
      for (const auto& g : *ef) {
        if (g.key == "min_resources")
          risk.env_rebuild.min_resources =
              int(r.integer(g.value, "env_rebuild.min_resources", 1, 1000000).value_or(risk.env_rebuild.min_resources));
        else if (g.key == "min_share")
          risk.env_rebuild.min_share = r.number(g.value, "env_rebuild.min_share", 0.0, 1.0).value_or(risk.env_rebuild.min_share);
        else if (g.key == "count")
          risk.env_rebuild.count = int(r.integer(g.value, "env_rebuild.count", 0, 1000000).value_or(risk.env_rebuild.count));
      }
    }
  }
}

// `provenance.trusted`: only sources nobody but the server can write may lower requirements.
void collect_provenance_trust(YamlReader& r, const YAML::Node& node, ProvenanceTrust& trust) {
  auto fields = r.fields(node, "provenance", kProvenanceFields);
  if (!fields) return;
  for (const auto& f : *fields) {
    auto list = r.strings(f.value, "provenance.trusted");
    if (!list) continue;
    for (auto& [source, item] : *list) {
      if (!provenance::can_be_trusted(source)) {
        r.error(item, "provenance.trusted: '" + source + "' cannot be trusted: only the notes refs " +
                          std::string(provenance::kGitAiNotes) + " and " + std::string(provenance::kAgentTraceNotes) +
                          " can be, when only CI or the server writes them; trailers, message markers, author and "
                          "committer identities, branch names and files in the commit's tree are written by the "
                          "candidate's author");
        continue;
      }
      if (std::find(trust.sources.begin(), trust.sources.end(), source) == trust.sources.end())
        trust.sources.push_back(std::move(source));
    }
  }
}

}  // namespace

std::optional<provenance::Class> parse_class(YamlReader& r, const YAML::Node& node, std::string_view what) {
  auto s = r.string(node, what);
  if (!s) return std::nullopt;
  for (size_t i = 0; i < kClasses.size(); ++i)
    if (*s == kClasses[i]) return static_cast<provenance::Class>(i);
  std::string msg = std::string(what) + " must be one of human, ai_assisted, ai_authored, unknown, not '" + *s + "'";
  if (auto c = closest(*s, kClasses)) msg += " (did you mean '" + *c + "'?)";
  r.error(node, std::move(msg));
  return std::nullopt;
}

// `commands: {approvals: [{role: senior, count: 1}, ...]}`: who releases a held command.
void collect_commands(YamlReader& r, const YAML::Node& node, Commands& commands, Pending& pending) {
  auto fields = r.fields(node, "commands", kCommandsFields);
  if (!fields) return;
  for (const auto& f : *fields) {
    auto list = r.items(f.value, "commands.approvals");
    if (!list) continue;
    commands.approvals.clear();
    for (const auto& item : *list) {
      auto af = r.fields(item, "a command approval", kCommandApprovalFields);
      if (!af) continue;
      CommandRequirement req{"", 1, r.at(item)};
      for (const auto& g : *af) {
        if (g.key == "role") {
          if (auto role = r.string(g.value, "commands.approvals.role")) {
            pending.roles.push_back({*role, "commands.approvals", r.at(g.value)});
            req.role = *role;
          }
        } else if (g.key == "count") {
          req.count = int(r.integer(g.value, "commands.approvals.count", 1, kMaxApprovals).value_or(1));
        }
      }
      if (req.role.empty())
        r.error(item, "a command approval needs role: who may release a held command");
      else
        commands.approvals.push_back(std::move(req));
    }
    if (list->empty()) r.error(f.value, "commands.approvals may not be empty: a held command would need nobody");
  }
}

void collect_policy(YamlReader& r, const YAML::Node& root, Policy& policy, Pending& pending) {
  if (root.IsNull()) {
    r.error_at({r.file(), 1, 1, {}}, "the policy file is empty: it needs version: 1 and rules:");
    return;
  }
  auto fields = r.fields(root, "the policy", kTopFields);
  if (!fields) return;
  bool has_version = false, has_rules = false;
  for (const auto& f : *fields) {
    if (f.key == "version") {
      has_version = true;
      if (auto v = r.integer(f.value, "version", 0, 1000)) {
        if (*v != 1) r.error(f.value, "unsupported policy version " + std::to_string(*v) + " (this countersign reads version 1)");
        policy.version = int(*v);
      }
    } else if (f.key == "rules") {
      has_rules = true;
      collect_rules(r, f.value, policy, pending);
    } else if (f.key == "max_age") {
      policy.max_age = r.duration(f.value, "max_age");
    } else if (f.key == "break_glass") {
      collect_break_glass(r, f.value, policy.break_glass, pending);
    } else if (f.key == "environments") {
      collect_environments(r, f.value, policy.environments);
    } else if (f.key == "branches") {
      collect_branches(r, f.value, policy.branches);
    } else if (f.key == "risk") {
      collect_risk(r, f.value, policy.risk, pending);
    } else if (f.key == "authorship") {
      if (auto a = r.string(f.value, "authorship")) {
        if (*a == "claimed")
          policy.authorship = Authorship::claimed;
        else if (*a == "verified")
          policy.authorship = Authorship::verified;
        else
          r.error(f.value, "authorship must be claimed or verified, not '" + *a + "'");
      }
    } else if (f.key == "unknown") {
      if (auto uf = r.fields(f.value, "unknown", kUnknownFields))
        for (const auto& g : *uf)
          if (auto c = parse_class(r, g.value, "unknown.treat_as")) policy.unknown.treat_as = *c;
    } else if (f.key == "approvals") {
      if (auto af = r.fields(f.value, "approvals", kApprovalFields))
        for (const auto& g : *af)
          if (auto b = r.boolean(g.value, "approvals.one_person_many_roles"))
            policy.approvals.one_person_many_roles = *b;
    } else if (f.key == "provenance") {
      collect_provenance_trust(r, f.value, policy.provenance_trust);
    } else if (f.key == "commands") {
      collect_commands(r, f.value, policy.commands, pending);
    }
  }
  if (!has_version) r.warning(root, "no version: field; assuming version: 1");
  if (!has_rules) r.warning(root, "no rules: field; only the built-in policy-admin rule and risk escalations apply");
}

}  // namespace cs::policy::detail
