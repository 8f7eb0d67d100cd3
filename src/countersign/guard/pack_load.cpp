// Loading rule packs, in Falco's phases: read YAML into nodes, then build each pack and rule,
// reporting every problem with file, line, column and the offending line instead of stopping at
// the first. yaml-cpp exceptions stop here.
#include <yaml-cpp/yaml.h>

#include <set>

#include "countersign/core/text.h"
#include "countersign/guard/context.h"
#include "countersign/guard/pack.h"

namespace cs::guard {
namespace {

class Reader {
 public:
  Reader(std::string_view yaml, std::string origin, std::vector<Diagnostic>& diags)
      : yaml_(yaml), origin_(std::move(origin)), diags_(diags) {}

  InputLocation at(const YAML::Node& n) const {
    InputLocation loc;
    loc.file = origin_;
    YAML::Mark m = n.Mark();
    if (m.line >= 0) {
      loc.line = m.line + 1;
      loc.column = m.column + 1;
      auto lines = text::lines(yaml_);
      if (std::size_t(m.line) < lines.size()) loc.snippet = std::string(lines[std::size_t(m.line)]);
    }
    return loc;
  }
  void error(const YAML::Node& n, std::string msg) { diags_.push_back({true, std::move(msg), at(n)}); }
  void warn(const YAML::Node& n, std::string msg) { diags_.push_back({false, std::move(msg), at(n)}); }
  void error_at(InputLocation loc, std::string msg) { diags_.push_back({true, std::move(msg), std::move(loc)}); }

  bool str(const YAML::Node& n, std::string& out, std::string_view what) {
    if (!n.IsScalar()) {
      error(n, std::string(what) + " must be a string");
      return false;
    }
    out = n.Scalar();
    return true;
  }

  bool list(const YAML::Node& n, std::vector<std::string>& out, std::string_view what) {
    if (n.IsScalar()) {
      out.push_back(n.Scalar());
      return true;
    }
    if (!n.IsSequence()) {
      error(n, std::string(what) + " must be a list of strings");
      return false;
    }
    for (const auto& item : n) {
      if (!item.IsScalar()) {
        error(item, std::string(what) + " must contain only strings");
        return false;
      }
      out.push_back(item.Scalar());
    }
    return true;
  }

  Alternatives alts(std::string_view s) {
    Alternatives a;
    for (auto part : text::split(s, '|')) a.alts.emplace_back(part);
    return a;
  }

  bool condition(const YAML::Node& n, Condition& c) {
    if (!n.IsMap()) {
      error(n, "a condition must be a map (args, flags, sql, paths, ...)");
      return false;
    }
    static const std::set<std::string> keys{"command", "args",  "any_arg",  "flags", "all_flags", "not_flags", "values",
                                            "words", "contains", "sql",   "paths",     "path_args", "check",
                                            "dynamic"};
    static const std::set<std::string> sql_kinds{"drop_database", "drop_schema",     "drop_table",
                                                  "truncate",      "delete_no_where", "update_no_where",
                                                  "alter_drop",    "flushall",        "flushdb",
                                                  "shell_escape"};
    static const std::set<std::string> path_kinds{"root", "home", "system", "project", "parent", "outside",
                                                  "dynamic", "temp", "inside"};
    bool ok = true;
    for (const auto& kv : n) {
      std::string key = kv.first.as<std::string>();
      const YAML::Node& v = kv.second;
      std::vector<std::string> items;
      if (!keys.count(key)) {
        error(kv.first, "unknown condition key '" + key + "'");
        ok = false;
        continue;
      }
      if (key == "values") {
        if (!v.IsMap()) {
          error(v, "values must map an option to its value(s)");
          ok = false;
          continue;
        }
        for (const auto& ov : v) c.values.emplace_back(ov.first.as<std::string>(), alts(ov.second.as<std::string>()));
        continue;
      }
      if (key == "path_args") {
        ok = str(v, c.path_args, key) && ok;
        if (c.path_args != "positional" && c.path_args != "find" && c.path_args != "all") {
          error(v, "path_args must be positional, find or all");
          ok = false;
        }
        continue;
      }
      if (key == "check") {
        ok = str(v, c.check, key) && ok;
        if (c.check != "protected-ref") {
          error(v, "unknown check '" + c.check + "' (known: protected-ref)");
          ok = false;
        }
        continue;
      }
      if (key == "command") {
        std::string cmd;
        ok = str(v, cmd, key) && ok;
        c.command = alts(cmd);
        continue;
      }
      if (key == "dynamic") {
        c.dynamic = v.as<bool>();
        continue;
      }
      if (!list(v, items, key)) {
        ok = false;
        continue;
      }
      if (key == "args") for (auto& s : items) c.args.push_back(alts(s));
      if (key == "any_arg") for (auto& s : items) c.any_arg.push_back(alts(s));
      if (key == "words") for (auto& s : items) c.words.push_back(alts(s));
      if (key == "flags") c.flags = items;
      if (key == "all_flags") c.all_flags = items;
      if (key == "not_flags") c.not_flags = items;
      if (key == "contains") c.contains = items;
      if (key == "sql") {
        for (auto& s : items)
          if (!sql_kinds.count(s)) {
            error(v, "unknown sql kind '" + s + "'");
            ok = false;
          }
        c.sql = items;
      }
      if (key == "paths") {
        for (auto& s : items)
          if (!path_kinds.count(s)) {
            error(v, "unknown path class '" + s + "'");
            ok = false;
          }
        c.paths = items;
      }
    }
    return ok;
  }

  bool rule(const YAML::Node& n, const std::string& pack, std::set<std::string>& ids, Rule& r) {
    if (!n.IsMap()) {
      error(n, "a rule must be a map");
      return false;
    }
    static const std::set<std::string> keys{"id", "severity", "decision", "when", "unless", "explanation",
                                            "alternative"};
    bool ok = true;
    for (const auto& kv : n) {
      std::string key = kv.first.as<std::string>();
      if (!keys.count(key)) warn(kv.first, "unknown rule key '" + key + "' ignored");
    }
    r.where = at(n);
    if (!n["id"] || !str(n["id"], r.id, "id")) {
      error(n, "rule without an id");
      return false;
    }
    if (!r.id.starts_with(pack + ".")) {
      error(n["id"], "rule id '" + r.id + "' must start with the pack name '" + pack + ".'");
      ok = false;
    }
    if (!ids.insert(r.id).second) {
      error(n["id"], "duplicate rule id '" + r.id + "'");
      ok = false;
    }
    std::string sev = "high";
    if (n["severity"]) str(n["severity"], sev, "severity");
    if (auto s = severity_from_string(sev)) {
      r.severity = *s;
    } else {
      error(n["severity"], "severity must be low, medium, high or critical");
      ok = false;
    }
    if (n["decision"]) {
      std::string d = n["decision"].as<std::string>();
      if (d == "deny") r.decision = Decision::deny;
      else if (d == "ask") r.decision = Decision::ask;
      else if (d == "allow") r.decision = Decision::allow;
      else {
        error(n["decision"], "decision must be allow, ask or deny");
        ok = false;
      }
    }
    if (!n["explanation"] || !str(n["explanation"], r.explanation, "explanation")) {
      error(n, "rule '" + r.id + "' needs an explanation");
      ok = false;
    }
    if (!n["alternative"] || !str(n["alternative"], r.alternative, "alternative")) {
      error(n, "rule '" + r.id + "' needs a safer alternative");
      ok = false;
    }
    if (!n["when"]) {
      error(n, "rule '" + r.id + "' needs a when condition");
      return false;
    }
    ok = condition(n["when"], r.when) && ok;
    if (const auto& u = n["unless"]) {
      if (u.IsMap()) {
        r.unless.emplace_back();
        ok = condition(u, r.unless.back()) && ok;
      } else if (u.IsSequence()) {
        for (const auto& item : u) {
          r.unless.emplace_back();
          ok = condition(item, r.unless.back()) && ok;
        }
      } else {
        error(u, "unless must be a condition or a list of conditions");
        ok = false;
      }
    }
    return ok;
  }

  std::optional<Target> target(std::string_view s) {
    static const std::pair<std::string_view, Target> names[] = {
        {"local", Target::local},       {"aws", Target::aws},       {"kubernetes", Target::kubernetes},
        {"terraform", Target::terraform}, {"pulumi", Target::pulumi}, {"database", Target::database},
        {"gcloud", Target::gcloud},     {"azure", Target::azure},   {"app", Target::app},
        {"vault", Target::vault}};
    for (auto& [n, t] : names)
      if (n == s) return t;
    return std::nullopt;
  }

  void pack(const YAML::Node& n, std::set<std::string>& ids, std::vector<Pack>& out) {
    std::size_t before = diags_.size();
    Pack p;
    p.origin = origin_;
    if (!n.IsMap() || !n["pack"]) {
      error(n, "a pack needs a 'pack' name");
      return;
    }
    static const std::set<std::string> keys{"pack", "description", "commands", "target", "value_options",
                                            "short_clusters", "protected_branches", "rules", "allow"};
    for (const auto& kv : n) {
      std::string key = kv.first.as<std::string>();
      if (!keys.count(key)) warn(kv.first, "unknown pack key '" + key + "' ignored");
    }
    str(n["pack"], p.name, "pack");
    if (!n["commands"] || !list(n["commands"], p.commands, "commands") || p.commands.empty())
      error(n, "pack '" + p.name + "' needs a list of commands");
    if (n["target"]) {
      std::string t;
      str(n["target"], t, "target");
      if (auto tt = target(t)) p.target = *tt;
      else error(n["target"], "unknown target '" + t + "'");
    }
    if (n["value_options"]) list(n["value_options"], p.value_options, "value_options");
    if (n["protected_branches"]) list(n["protected_branches"], p.protected_branches, "protected_branches");
    if (n["short_clusters"]) p.short_clusters = n["short_clusters"].as<bool>();
    if (const auto& rules = n["rules"]; rules && rules.IsSequence()) {
      for (const auto& r : rules) {
        Rule rule;
        if (this->rule(r, p.name, ids, rule)) p.rules.push_back(std::move(rule));
      }
    } else if (rules) {
      error(rules, "rules must be a list");
    }
    if (const auto& allow = n["allow"]; allow && allow.IsSequence()) {
      for (const auto& a : allow) {
        Allowed al;
        if (!a.IsMap() || !a["id"] || !a["when"]) {
          error(a, "an allow entry needs an id and a when condition");
          continue;
        }
        str(a["id"], al.id, "id");
        if (condition(a["when"], al.when)) p.allow.push_back(std::move(al));
      }
    } else if (allow) {
      error(allow, "allow must be a list");
    }
    bool failed = false;
    for (std::size_t i = before; i < diags_.size(); ++i) failed = failed || diags_[i].error;
    if (!failed || !p.rules.empty()) out.push_back(std::move(p));
  }

  std::optional<YAML::Node> parse() {
    try {
      return YAML::Load(std::string(yaml_));
    } catch (const YAML::Exception& e) {
      InputLocation loc;
      loc.file = origin_;
      loc.line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
      loc.column = e.mark.column >= 0 ? e.mark.column + 1 : 0;
      auto lines = text::lines(yaml_);
      if (e.mark.line >= 0 && std::size_t(e.mark.line) < lines.size())
        loc.snippet = std::string(lines[std::size_t(e.mark.line)]);
      error_at(loc, "YAML: " + e.msg);
      return std::nullopt;
    }
  }

  std::string_view yaml_;
  std::string origin_;
  std::vector<Diagnostic>& diags_;
};

}  // namespace

std::vector<Pack> load_packs(std::string_view yaml, const std::string& origin, std::vector<Diagnostic>& diags) {
  Reader r(yaml, origin, diags);
  std::vector<Pack> out;
  auto parsed = r.parse();
  if (!parsed) return out;
  YAML::Node root = *parsed;
  try {
    std::set<std::string> ids;
    if (root.IsMap() && root["packs"]) {
      for (const auto& p : root["packs"]) r.pack(p, ids, out);
    } else {
      r.pack(root, ids, out);
    }
  } catch (const YAML::Exception& e) {
    diags.push_back({true, std::string("YAML: ") + e.what(), InputLocation{origin, 0, 0, {}}});
  }
  return out;
}

void load_user_file(std::string_view yaml, const std::string& origin, const std::string& today,
                    std::vector<Pack>& packs, std::vector<UserAllow>& allows, std::vector<Diagnostic>& diags) {
  UserFile file;
  load_user_file(yaml, origin, today, file, diags);
  for (auto& p : file.packs) packs.push_back(std::move(p));
  for (auto& a : file.allows) allows.push_back(std::move(a));
}

void load_user_file(std::string_view yaml, const std::string& origin, const std::string& today, UserFile& out,
                    std::vector<Diagnostic>& diags) {
  std::vector<Pack>& packs = out.packs;
  std::vector<UserAllow>& allows = out.allows;
  Reader r(yaml, origin, diags);
  auto parsed = r.parse();
  if (!parsed || parsed->IsNull()) return;
  YAML::Node root = *parsed;
  try {
    if (!root.IsMap()) {
      r.error(root, "guard.yaml must be a map with 'packs', 'allow' and/or 'disable'");
      return;
    }
    for (const auto& kv : root) {
      std::string key = kv.first.as<std::string>();
      if (key != "packs" && key != "allow" && key != "disable") r.warn(kv.first, "unknown key '" + key + "' ignored");
    }
    if (const auto& d = root["disable"]) {
      if (!d.IsSequence())
        r.error(d, "disable must be a list of pack names");
      else
        for (const auto& item : d) {
          UserDisable u;
          u.where = r.at(item);
          if (!item.IsScalar() || item.as<std::string>().empty()) {
            r.error(item, "disable must contain only pack names");
            continue;
          }
          u.pack = item.as<std::string>();
          out.disabled.push_back(std::move(u));
        }
    }
    std::set<std::string> ids;
    if (const auto& p = root["packs"]) {
      if (!p.IsSequence()) r.error(p, "packs must be a list of packs");
      else
        for (const auto& item : p) r.pack(item, ids, packs);
    }
    if (const auto& a = root["allow"]) {
      if (!a.IsSequence()) {
        r.error(a, "allow must be a list");
        return;
      }
      for (const auto& item : a) {
        UserAllow u;
        u.where = r.at(item);
        if (!item.IsMap() || !item["command"]) {
          r.error(item, "an allow entry needs a command (a glob over the command line)");
          continue;
        }
        std::string cmd;
        r.str(item["command"], cmd, "command");
        u.command.alts = {cmd};
        if (item["rule"]) r.str(item["rule"], u.rule, "rule");
        if (item["environment"]) r.str(item["environment"], u.environment, "environment");
        if (item["reason"]) r.str(item["reason"], u.reason, "reason");
        if (!item["expires"]) {
          r.error(item, "allow entry '" + cmd + "' needs an expiry date (expires: YYYY-MM-DD)");
          continue;
        }
        r.str(item["expires"], u.expires, "expires");
        if (u.expires.size() != 10 || u.expires[4] != '-' || u.expires[7] != '-') {
          r.error(item["expires"], "expires must be a date YYYY-MM-DD");
          continue;
        }
        if (u.expires < today) {
          r.warn(item["expires"], "allow entry '" + cmd + "' expired on " + u.expires + "; ignored");
          continue;
        }
        allows.push_back(std::move(u));
      }
    }
  } catch (const YAML::Exception& e) {
    diags.push_back({true, std::string("YAML: ") + e.what(), InputLocation{origin, 0, 0, {}}});
  }
}

void load_policy_environments(std::string_view yaml, const std::string& origin, Environments& envs,
                              std::vector<Diagnostic>& diags) {
  Reader r(yaml, origin, diags);
  auto parsed = r.parse();
  if (!parsed || !parsed->IsMap()) return;
  YAML::Node root = *parsed;
  try {
    const YAML::Node e = root["environments"];
    if (!e) return;
    Environments out;
    out.production.clear();
    out.non_production.clear();
    std::string default_name;
    if (e.IsMap()) {
      for (const auto& kv : e) {
        std::string key = kv.first.as<std::string>();
        if (key == "production") r.list(kv.second, out.production, key);
        else if (key == "non_production" || key == "non-production") r.list(kv.second, out.non_production, key);
        else if (key == "default") {
          // the policy's form names the environment assumed when none is found
          default_name = kv.second.as<std::string>();
        } else {
          r.warn(kv.first, "unknown environments key '" + key + "' ignored");
        }
      }
    } else if (e.IsSequence()) {  // - name: prod / production: true / match: [...]
      for (const auto& item : e) {
        if (!item.IsMap() || !item["name"]) {
          r.error(item, "an environment needs a name");
          continue;
        }
        std::vector<std::string> names{item["name"].as<std::string>()};
        if (item["match"]) r.list(item["match"], names, "match");
        bool prod = item["production"] && item["production"].as<bool>();
        for (auto& n : names) (prod ? out.production : out.non_production).push_back(n);
        if (item["default"] && item["default"].as<bool>()) out.default_production = prod;
      }
    } else {
      r.error(e, "environments must be a map (production, non_production, default) or a list");
      return;
    }
    // The policy lists what is production: any other name that is found is not.
    if (out.non_production.empty()) out.non_production = {"*"};
    if (default_name == "non-production" || default_name == "non_production") {
      out.default_production = false;
    } else if (!default_name.empty() && default_name != "production") {
      Environments probe = out;
      probe.non_production.clear();
      probe.default_production = false;
      out.default_production = is_production(default_name, probe);
    }
    envs = std::move(out);
  } catch (const YAML::Exception& ex) {
    diags.push_back({true, std::string("YAML: ") + ex.what(), InputLocation{origin, 0, 0, {}}});
  }
}

}  // namespace cs::guard
