// Reads `pulumi preview --json`: steps with an op (same, create, update, delete, replace,
// create-replacement, delete-replaced, discard, ...), old and new state with the `protect`
// flag and inputs. A replacement appears as several steps of one URN; they fold into one change.
#include <simdjson.h>

#include <fmt/format.h>

#include <map>

#include "countersign/risk/change_model.h"
#include "countersign/risk/input_buffer.h"

namespace cs::risk {
namespace {

namespace od = simdjson::ondemand;

struct State {
  std::string type, id;
  bool custom = true, protect = false;
  std::string_view inputs;
};

bool read_state(od::value v, State& s, std::string& bad) {
  od::object obj;
  if (v.get_object().get(obj)) return bad = "state is not an object", false;
  for (auto f : obj) {
    std::string_view key;
    if (f.unescaped_key().get(key)) return bad = "malformed state", false;
    od::value val = f.value();
    if (key == "type") {
      std::string_view t;
      if (val.get_string().get(t)) return bad = "state.type is not a string", false;
      s.type = t;
    } else if (key == "id") {
      std::string_view t;
      if (!val.get_string().get(t)) s.id = t;
    } else if (key == "custom") {
      if (val.get_bool().get(s.custom)) return bad = "state.custom is not a boolean", false;
    } else if (key == "protect") {
      if (val.get_bool().get(s.protect)) return bad = "state.protect is not a boolean", false;
    } else if (key == "inputs") {
      if (simdjson::to_json_string(val).get(s.inputs)) return bad = "malformed state.inputs", false;
    }
  }
  return true;
}

// The type token of a URN: urn:pulumi:stack::project::[parent$]type::name
std::string type_from_urn(std::string_view urn) {
  const auto last = urn.rfind("::");
  if (last == std::string_view::npos) return {};
  auto rest = urn.substr(0, last);
  const auto prev = rest.rfind("::");
  if (prev == std::string_view::npos) return {};
  auto type = rest.substr(prev + 2);
  if (auto dollar = type.rfind('$'); dollar != std::string_view::npos) type = type.substr(dollar + 1);
  return std::string(type);
}

}  // namespace

ChangeSet read_pulumi_preview(std::string_view file, std::string_view padded) {
  ChangeSet set;
  set.file = file;
  set.format = "Pulumi preview";
  auto fail_with = [&](std::string where, std::string why) {
    set.changes.clear();
    set.findings.push_back(unreviewable(file, where, why));
    return std::move(set);
  };
  od::parser parser;
  od::document doc;
  if (auto e = parser.iterate(padded.data(), padded.size(), padded.size() + kPadding).get(doc))
    return fail_with("$", simdjson::error_message(e));
  od::object top;
  if (doc.get_object().get(top)) return fail_with("$", "not a JSON object");
  std::map<std::string, std::size_t> by_urn;  // URN -> index in set.changes
  std::map<std::string, bool> existed;
  bool seen_steps = false;
  for (auto f : top) {
    std::string_view key;
    if (f.unescaped_key().get(key)) return fail_with("$", "malformed member");
    if (key != "steps") continue;
    if (seen_steps) return fail_with("steps", "duplicate key");
    seen_steps = true;
    od::array steps;
    if (f.value().get_array().get(steps)) return fail_with("steps", "not an array");
    std::size_t i = 0;
    for (auto el : steps) {
      const std::string where = fmt::format("steps[{}]", i++);
      od::object step;
      if (el.get_object().get(step)) return fail_with(where, "not an object");
      std::string op, urn, bad;
      State old_state, new_state;
      bool have_old = false, have_new = false;
      for (auto m : step) {
        std::string_view k;
        if (m.unescaped_key().get(k)) return fail_with(where, "malformed member");
        od::value v = m.value();
        std::string_view s;
        if (k == "op") {
          if (v.get_string().get(s)) return fail_with(where, "op is not a string");
          op = s;
        } else if (k == "urn") {
          if (v.get_string().get(s)) return fail_with(where, "urn is not a string");
          urn = s;
        } else if (k == "oldState" || k == "newState") {
          if (v.is_null()) continue;
          State& st = k == "oldState" ? old_state : new_state;
          if (!read_state(v, st, bad)) return fail_with(where + "." + std::string(k), bad);
          (k == "oldState" ? have_old : have_new) = true;
        }
      }
      if (op.empty() || urn.empty()) return fail_with(where, "a step without op or urn");
      auto [it, inserted] = by_urn.try_emplace(urn, set.changes.size());
      if (inserted) {
        ResourceChange rc;
        rc.address = urn;
        rc.location = where;
        set.changes.push_back(std::move(rc));
      }
      ResourceChange& rc = set.changes[it->second];
      if (rc.type.empty()) rc.type = have_new ? new_state.type : have_old ? old_state.type : type_from_urn(urn);
      if (rc.type.empty()) rc.type = type_from_urn(urn);
      if (have_old) {
        rc.cloud_id = old_state.id;
        rc.before = old_state.inputs;
        rc.managed = old_state.custom;
        rc.protected_flag = old_state.protect;
      }
      if (have_new) {
        rc.after = new_state.inputs;
        rc.managed = new_state.custom;
      }
      if (op == "delete" || op == "delete-replaced") {
        rc.del = true;
      } else if (op == "replace" || op == "create-replacement") {
        rc.del = rc.create = true;
      } else if (op == "create") {
        rc.create = true;
      } else if (op == "update") {
        rc.update = true;
      } else if (op == "discard" || op == "discard-replaced") {
        rc.forget = true;
      } else if (op != "same" && op != "read" && op != "refresh" && op != "import" && op != "import-replacement" &&
                 op != "read-replacement" && op != "remove-pending-replace") {
        return fail_with(where + ".op", "unknown op \"" + op + "\"");
      }
      if (rc.del && rc.create) rc.update = false;
      if (op != "same" && rc.action_reason.find(op) == std::string::npos)
        rc.action_reason += (rc.action_reason.empty() ? "op " : ", ") + op;
      existed[urn] = existed[urn] || have_old || op == "same" || op == "update";
      if (have_old && have_new && old_state.protect && !new_state.protect)
        set.findings.push_back(Finding{"protection-weakened", Severity::high, urn, set.file, where,
                                       urn + " turns `protect` off: the resource can now be deleted by the next "
                                             "update, often the first step before a destroy"});
    }
  }
  if (!seen_steps) return fail_with("$", "no steps array: not the output of `pulumi preview --json`");
  set.has_prior = true;
  set.prior_count = 0;
  for (const auto& rc : set.changes)
    if (rc.managed && (existed[rc.address] || rc.del)) ++set.prior_count;
  protection_rules(set, "pulumi", ".newState.inputs.");
  return set;
}

}  // namespace cs::risk
