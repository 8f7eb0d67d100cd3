// Reads CloudFormation DescribeChangeSet output (`aws cloudformation describe-change-set`,
// optionally with --include-property-values) and stack deletions (DescribeStackResources
// output marked "CountersignAction": "DeleteStack"; see docs/formats.md).
#include <simdjson.h>

#include <fmt/format.h>

#include "countersign/risk/catalog.h"
#include "countersign/risk/change_model.h"
#include "countersign/risk/input_buffer.h"

namespace cs::risk {
namespace {

namespace od = simdjson::ondemand;

std::string str(od::value v) {
  std::string_view s;
  if (v.get_string().get(s)) return {};
  return std::string(s);
}

std::string unquote(const std::string& json_text) {
  if (json_text.size() >= 2 && json_text.front() == '"') return json_text.substr(1, json_text.size() - 2);
  return json_text;
}

struct Detail {
  std::string attribute, name, requires_recreation, before, after;
};

bool read_details(od::value v, std::vector<Detail>& out, std::string& bad) {
  od::array arr;
  if (v.get_array().get(arr)) return bad = "Details is not an array", false;
  for (auto d : arr) {
    od::object obj;
    if (d.get_object().get(obj)) return bad = "a Details entry is not an object", false;
    Detail det;
    for (auto f : obj) {
      std::string_view key;
      if (f.unescaped_key().get(key)) return bad = "malformed Details entry", false;
      if (key != "Target") continue;
      od::object target;
      if (f.value().get_object().get(target)) return bad = "Details[].Target is not an object", false;
      for (auto t : target) {
        std::string_view tk;
        if (t.unescaped_key().get(tk)) return bad = "malformed Target", false;
        if (tk == "Attribute") det.attribute = str(t.value());
        else if (tk == "Name") det.name = str(t.value());
        else if (tk == "RequiresRecreation") det.requires_recreation = str(t.value());
        else if (tk == "BeforeValue") det.before = str(t.value());
        else if (tk == "AfterValue") det.after = str(t.value());
      }
    }
    out.push_back(std::move(det));
  }
  return true;
}

void weakened(ChangeSet& set, const ResourceChange& rc, const std::vector<Detail>& details) {
  auto cat = catalog();
  if (!cat) return;
  for (const auto& d : details) {
    if (d.after.empty()) continue;
    for (const auto& p : (*cat)->protections) {
      if (p.flavour != "cloudformation" || (p.attribute != d.name && p.attribute != d.attribute)) continue;
      if (unquote(p.to) != d.after || (!p.from.empty() && unquote(p.from) != d.before) || d.before == d.after)
        continue;
      set.findings.push_back(Finding{"protection-weakened", Severity::high, rc.address, set.file, rc.location,
                                     fmt::format("{} changes {} from {} to {}: a safeguard against losing it is "
                                                 "switched off",
                                                 rc.address, p.attribute, d.before.empty() ? "unset" : d.before,
                                                 d.after)});
    }
  }
}

bool read_resource_change(od::value v, ResourceChange& rc, std::vector<Detail>& details, std::string& bad) {
  od::object obj;
  if (v.get_object().get(obj)) return bad = "ResourceChange is not an object", false;
  std::string action, replacement, policy_action;
  for (auto f : obj) {
    std::string_view key;
    if (f.unescaped_key().get(key)) return bad = "malformed ResourceChange", false;
    if (key == "Action") action = str(f.value());
    else if (key == "LogicalResourceId") rc.address = str(f.value());
    else if (key == "PhysicalResourceId") rc.cloud_id = str(f.value());
    else if (key == "ResourceType") rc.type = str(f.value());
    else if (key == "Replacement") replacement = str(f.value());
    else if (key == "PolicyAction") policy_action = str(f.value());
    else if (key == "Details" && !read_details(f.value(), details, bad)) return false;
  }
  if (action.empty() || rc.address.empty()) return bad = "ResourceChange without Action or LogicalResourceId", false;
  if (action == "Remove") {
    rc.del = true;
    rc.action_reason = "Remove";
  } else if (action == "Add") {
    rc.create = true;
  } else if (action == "Modify") {
    rc.update = true;
    if (replacement == "True" || replacement == "Conditional") {
      rc.del = rc.create = true;
      rc.update = false;
      rc.conditional = replacement == "Conditional";
      rc.action_reason = "Replacement: " + replacement;
      for (const auto& d : details)
        if (d.requires_recreation == "Always" || d.requires_recreation == "Conditionally")
          rc.replace_paths += (rc.replace_paths.empty() ? "" : "; ") + d.attribute + (d.name.empty() ? "" : "." + d.name);
    }
  } else if (action != "Import" && action != "Dynamic") {
    return bad = "unknown Action \"" + action + "\"", false;
  }
  // Retain keeps the physical resource: it is orphaned rather than destroyed.
  if (policy_action == "Retain" || policy_action == "ReplaceAndRetain") {
    if (rc.del) rc.forget = true;
    rc.del = false;
  } else if (!policy_action.empty()) {
    rc.action_reason += (rc.action_reason.empty() ? "" : ", ") + ("PolicyAction " + policy_action);
  }
  return true;
}

}  // namespace

ChangeSet read_cloudformation(std::string_view file, std::string_view padded, bool stack_deletion) {
  ChangeSet set;
  set.file = file;
  set.format = stack_deletion ? "CloudFormation stack deletion" : "CloudFormation change set";
  od::parser parser;
  od::document doc;
  auto fail_with = [&](std::string where, std::string why) {
    set.changes.clear();
    set.findings.push_back(unreviewable(file, where, why));
    return std::move(set);
  };
  if (auto e = parser.iterate(padded.data(), padded.size(), padded.size() + kPadding).get(doc))
    return fail_with("$", simdjson::error_message(e));
  od::object top;
  if (doc.get_object().get(top)) return fail_with("$", "not a JSON object");
  const char* list_key = stack_deletion ? "StackResources" : "Changes";
  bool seen_list = false;
  for (auto f : top) {
    std::string_view key;
    if (f.unescaped_key().get(key)) return fail_with("$", "malformed member");
    if (key != list_key) continue;
    if (seen_list) return fail_with(list_key, "duplicate key");
    seen_list = true;
    od::array arr;
    if (f.value().get_array().get(arr)) return fail_with(list_key, "not an array");
    std::size_t i = 0;
    for (auto el : arr) {
      ResourceChange rc;
      rc.location = fmt::format("{}[{}]", list_key, i++);
      std::string bad;
      od::object obj;
      if (el.get_object().get(obj)) return fail_with(rc.location, "not an object");
      std::vector<Detail> details;
      bool found = false;
      for (auto m : obj) {
        std::string_view k;
        if (m.unescaped_key().get(k)) return fail_with(rc.location, "malformed member");
        if (stack_deletion) {
          if (k == "LogicalResourceId") rc.address = str(m.value());
          else if (k == "PhysicalResourceId") rc.cloud_id = str(m.value());
          else if (k == "ResourceType") rc.type = str(m.value());
          found = true;
        } else if (k == "ResourceChange") {
          if (!read_resource_change(m.value(), rc, details, bad)) return fail_with(rc.location, bad);
          found = true;
        }
      }
      if (!found) continue;  // Type other than Resource (e.g. hooks) carries no resource change
      if (stack_deletion) {
        if (rc.address.empty()) return fail_with(rc.location, "a stack resource without LogicalResourceId");
        rc.del = true;
        rc.action_reason = "DeleteStack";
      }
      rc.location += stack_deletion ? "" : ".ResourceChange";
      weakened(set, rc, details);
      set.changes.push_back(std::move(rc));
    }
  }
  if (!seen_list) return fail_with("$", std::string("no ") + list_key + " array");
  set.stack_deleted = stack_deletion;
  set.lists_unchanged = false;
  return set;
}

}  // namespace cs::risk
