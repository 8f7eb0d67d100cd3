// Evaluation: which requirements a commit must meet. Every matching rule applies (they are not
// alternatives); the built-in policy-admin rule and the risk escalations come on top.
#include <algorithm>

#include "countersign/core/text.h"
#include "countersign/policy/policy.h"

namespace cs::policy {
namespace {

std::string_view class_name(provenance::Class c) {
  switch (c) {
    case provenance::Class::human: return "human";
    case provenance::Class::ai_assisted: return "ai_assisted";
    case provenance::Class::ai_authored: return "ai_authored";
    case provenance::Class::unknown: return "unknown";
  }
  return "unknown";
}

void add_reason(std::string& reason, std::string_view part) {
  if (!reason.empty()) reason += "; ";
  reason += part;
}

// A class and an AI share: what all the evidence claims, or what trusted evidence alone says.
struct Claim {
  provenance::Class cls = provenance::Class::unknown;
  std::optional<double> share;
  bool operator==(const Claim&) const = default;
};

std::string percent(double share) {
  return std::to_string(int(share * 100 + 0.5)) + "%";
}

bool provenance_matches(const Policy& policy, const Match& m, provenance::Class c, std::string& reason) {
  if (m.provenance.empty()) return true;
  auto listed = [&](provenance::Class x) { return std::find(m.provenance.begin(), m.provenance.end(), x) != m.provenance.end(); };
  if (listed(c)) {
    add_reason(reason, "provenance " + std::string(class_name(c)));
    return true;
  }
  if (c == provenance::Class::unknown && policy.unknown.treat_as != provenance::Class::unknown && listed(policy.unknown.treat_as)) {
    add_reason(reason, "provenance unknown, treated as " + std::string(class_name(policy.unknown.treat_as)));
    return true;
  }
  return false;
}

bool share_matches(const Match& m, const Claim& c, std::string& reason) {
  if (!m.min_ai_share) return true;
  std::optional<double> share = c.share;
  if (!share && c.cls == provenance::Class::human) share = 0.0;
  if (!share) {
    add_reason(reason, "AI share unknown (counts as above " + percent(*m.min_ai_share) + ")");
    return true;
  }
  if (*share + 1e-12 < *m.min_ai_share) return false;
  add_reason(reason, "AI share " + percent(*share));
  return true;
}

// The provenance and share conditions of a rule for one claim; what matched goes to `reason`.
bool claim_matches(const Policy& policy, const Match& m, const Claim& c, std::string& reason) {
  std::string part;
  if (!provenance_matches(policy, m, c.cls, part) || !share_matches(m, c, part)) return false;
  if (!part.empty()) add_reason(reason, part);
  return true;
}

// Why a rule the commit's claims would escape still applies.
std::string baseline_reason(const provenance::Provenance& p, const Claim& claimed, const Claim& floor) {
  std::string what;
  if (claimed.cls != floor.cls) {
    what = "class " + std::string(class_name(claimed.cls));
    if (!p.class_source.empty()) what += " (from " + p.class_source + ")";
  }
  if (claimed.share && claimed.share != floor.share) {
    if (!what.empty()) what += " and ";
    what += "AI share " + percent(*claimed.share);
    if (!p.share_source.empty()) what += " (from " + p.share_source + ")";
  }
  std::string below = floor == Claim{}
                          ? "those of unknown (a commit with no evidence)"
                          : "what trusted evidence says (" + std::string(class_name(floor.cls)) +
                                (floor.share ? ", AI share " + percent(*floor.share) : std::string()) + ")";
  return "the commit's own evidence claims " + what +
         ", but that source is not trusted by the policy (provenance.trusted), and evidence the commit's author "
         "can write never lowers requirements below " +
         below;
}

bool paths_match(const Match& m, std::span<const git::ChangedPath> paths, std::string& reason) {
  if (m.paths.empty()) return true;
  for (const auto& p : paths)
    if (m.paths.matches(p.path)) {
      add_reason(reason, "changes " + p.path);
      return true;
    }
  return false;
}

bool environment_matches(const Policy& policy, const Match& m, std::string_view env, std::string& reason) {
  if (m.environments.empty()) return true;
  for (const auto& e : m.environments) {
    // The word "production" in a rule stands for every name environments.production lists.
    if (text::iequals(e, env) || (text::iequals(e, "production") && policy.environments.is_production(env))) {
      add_reason(reason, "environment " + std::string(env));
      return true;
    }
  }
  return false;
}

struct Worst {
  const risk::Finding* finding = nullptr;
  Severity severity = Severity::low;
};

// The most severe finding that no suppression covers. A finding on a protected resource counts
// as critical whatever severity the risk stage gave it.
Worst worst_finding(const Policy& policy, const CommitFacts& facts) {
  Worst w;
  for (const auto& f : facts.findings) {
    if (std::any_of(policy.risk.suppress.begin(), policy.risk.suppress.end(),
                    [&](const Suppression& s) { return s.covers(f, facts.now); }))
      continue;
    Severity sev = f.severity;
    for (const auto& pattern : policy.risk.protected_resources) {
      auto g = Glob::compile(pattern.starts_with('/') ? pattern : "/" + pattern);
      if (g && g->matches(f.resource)) sev = Severity::critical;
    }
    if (!w.finding || sev > w.severity) {
      w.finding = &f;
      w.severity = sev;
    }
  }
  return w;
}

}  // namespace

std::vector<Requirement> evaluate(const Policy& policy, const CommitFacts& facts) {
  static const provenance::Provenance none;
  const provenance::Provenance& prov = facts.provenance ? *facts.provenance : none;
  Worst worst = worst_finding(policy, facts);
  const Claim claimed{prov.cls, prov.ai_line_share}, floor{prov.trusted_cls, prov.trusted_ai_line_share};
  std::vector<Requirement> out;

  for (const auto& rule : policy.rules) {
    const Match& m = rule.match;
    std::string reason;
    bool baseline = false;
    if (!claim_matches(policy, m, claimed, reason)) {
      if (claimed == floor || !claim_matches(policy, m, floor, reason)) continue;
      baseline = true;
    }
    if (!paths_match(m, facts.paths, reason)) continue;
    if (!environment_matches(policy, m, facts.environment, reason)) continue;
    if (m.min_severity) {
      if (!worst.finding || worst.severity < *m.min_severity) continue;
      add_reason(reason, std::string(to_string(worst.severity)) + " finding " + worst.finding->rule);
    }
    if (reason.empty()) reason = "matches every commit";
    if (baseline) add_reason(reason, baseline_reason(prov, claimed, floor));
    out.push_back(
        {rule.name, rule.require.approvals, rule.require.roles, rule.require.exclude, std::move(reason), baseline});
  }

  // Always on: the policy and the people directory are changed only with a policy admin's
  // sign-off, whatever the policy says (it cannot switch this off for itself).
  for (const auto& p : facts.paths)
    if (std::string_view(p.path).starts_with(kPolicyDir)) {
      out.push_back({std::string(kPolicyAdminRole),
                     1,
                     {std::string(kPolicyAdminRole)},
                     Exclusions{},
                     "changes " + p.path,
                     false});
      break;
    }

  if (worst.finding) {
    // The strongest escalation the worst finding reaches applies (not all of them).
    const Escalation* pick = nullptr;
    for (const auto& e : policy.risk.escalate)
      if (worst.severity >= e.severity && (!pick || e.severity > pick->severity)) pick = &e;
    if (pick)
      out.push_back({"risk:" + std::string(to_string(pick->severity)), pick->approvals, pick->roles, Exclusions{},
                     std::string(to_string(worst.severity)) + " finding " + worst.finding->rule +
                         (worst.finding->resource.empty() ? "" : " on " + worst.finding->resource),
                     false});
  }
  return out;
}

}  // namespace cs::policy
