// Kubernetes manifests at the base and the head of a change: which objects disappear, which are
// replaced (an immutable field changed, so applying means delete and re-create), and which
// in-place updates still destroy state (a StatefulSet scaled down with whenScaled: Delete, a
// LoadBalancer Service turned into another type).
#include <fmt/format.h>

#include <charconv>
#include <map>

#include "countersign/core/text.h"
#include "countersign/risk/kubernetes_objects.h"

namespace cs::risk {
namespace {

using k8s::ManifestObject;
using k8s::ObjectKey;
using Index = std::map<ObjectKey, const ManifestObject*>;

std::string scalar_at(const YAML::Node& n, std::initializer_list<const char*> path) {
  YAML::Node cur;
  cur.reset(n);  // Node::operator= would assign into the tree
  for (const char* k : path) {
    if (!cur.IsDefined() || !cur.IsMap()) return "";
    const YAML::Node& c = cur;
    YAML::Node next = c[k];
    if (!next.IsDefined()) return "";
    cur.reset(next);
  }
  return cur.IsDefined() && cur.IsScalar() ? cur.Scalar() : "";
}

long replicas(const ManifestObject& o) {
  std::string s = scalar_at(o.node, {"spec", "replicas"});
  long v = 1;  // the API's default
  if (!s.empty()) std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

Index index(const std::vector<ManifestObject>& objects, std::vector<Finding>& findings) {
  Index out;
  for (const auto& o : objects) {
    auto [it, inserted] = out.emplace(o.key, &o);
    if (inserted) continue;
    findings.push_back(Finding{"unreviewable", Severity::high, text::sanitize_utf8(o.key.display()), o.file,
                               o.location,
                               text::sanitize_utf8(fmt::format(
                                   "{} is defined twice (also at {}:{}); which definition is applied depends on the "
                                   "tool, so the change cannot be reviewed as written",
                                   o.key.display(), it->second->file, it->second->location))});
    it->second = &o;  // kubectl applies documents in order: the last one wins
  }
  return out;
}

// A deleted object and a new one of the same kind and namespace with the same spec (or data):
// most likely a rename, which Kubernetes performs as a delete and a create.
const ManifestObject* renamed_to(const ManifestObject& gone, const Index& base, const Index& head) {
  long budget = 1'000'000;
  for (const auto& [key, obj] : head) {
    if (key.group != gone.key.group || key.kind != gone.key.kind || key.ns != gone.key.ns || base.contains(key))
      continue;
    for (const char* field : {"spec", "data"}) {
      const YAML::Node& a = gone.node;
      const YAML::Node& b = obj->node;
      if (a[field].IsDefined() && k8s::same_node(a[field], b[field], budget)) return obj;
    }
    if (budget < 0) break;
  }
  return nullptr;
}

void assess_update(const ManifestObject& base, const ManifestObject& head, std::vector<Finding>& findings) {
  const auto& k = base.key;
  auto add = [&](const char* rule, Severity sev, std::string message) {
    findings.push_back(Finding{rule, sev, text::sanitize_utf8(k.display()), head.file, head.location,
                               text::sanitize_utf8(message)});
  };
  if (k.group.empty() && k.kind == "Service" && scalar_at(base.node, {"spec", "type"}) == "LoadBalancer" &&
      scalar_at(head.node, {"spec", "type"}) != "LoadBalancer") {
    std::string to = scalar_at(head.node, {"spec", "type"});
    add("k8s-loadbalancer-delete", Severity::high,
        fmt::format("{} changes from type LoadBalancer to {}: the cloud load balancer is deleted and its external "
                    "address released",
                    k.display(), to.empty() ? "ClusterIP" : to));
  }
  if (k.group == "apps" && k.kind == "StatefulSet" &&
      scalar_at(head.node, {"spec", "persistentVolumeClaimRetentionPolicy", "whenScaled"}) == "Delete") {
    long before = replicas(base), after = replicas(head);
    if (after < before)
      add("k8s-statefulset-pvc-delete", Severity::critical,
          fmt::format("{} scales from {} to {} replicas with persistentVolumeClaimRetentionPolicy.whenScaled: "
                      "Delete: the claims of ordinals {} to {}, and their volumes, are deleted",
                      k.display(), before, after, after, before - 1));
  }
}

}  // namespace

std::vector<Finding> assess_manifests(std::span<const ManifestFile> base_files,
                                      std::span<const ManifestFile> head_files) {
  std::vector<Finding> findings;
  std::vector<ManifestObject> base_objects, head_objects;
  for (const auto& f : base_files) k8s::read_objects(f.file, f.text, base_objects, findings);
  for (const auto& f : head_files) k8s::read_objects(f.file, f.text, head_objects, findings);
  Index base = index(base_objects, findings), head = index(head_objects, findings);
  std::vector<const ManifestObject*> all;
  for (const auto& o : base_objects) all.push_back(&o);
  for (const auto& o : head_objects) all.push_back(&o);
  for (const auto& [key, obj] : base) {
    try {
      auto it = head.find(key);
      if (it == head.end()) {
        const ManifestObject* to = renamed_to(*obj, base, head);
        std::string how = to ? fmt::format("is renamed to {}, which deletes it and creates a new object", to->key.name)
                             : "is deleted (it is not in the head manifests)";
        k8s::assess_deleted(*obj, all, how, findings);
        continue;
      }
      std::string field = k8s::replaced_by(*obj, *it->second);
      if (!field.empty()) {
        ManifestObject at_head = *obj;  // the live object's settings decide what is lost
        at_head.file = it->second->file;
        at_head.location = it->second->location;
        k8s::assess_deleted(at_head, all, fmt::format("is replaced ({} is immutable), so applying it deletes and "
                                                      "re-creates it",
                                                      field),
                            findings);
      }
      assess_update(*obj, *it->second, findings);
    } catch (const std::exception& e) {
      findings.push_back(Finding{"unreviewable", Severity::high, text::sanitize_utf8(key.display()), obj->file,
                                 obj->location, std::string("the object cannot be compared: ") + e.what()});
    }
  }
  return findings;
}

}  // namespace cs::risk
