// Reading Kubernetes objects out of manifests, and what deleting or replacing each kind
// destroys. yaml-cpp throws; every call into it is caught here and becomes a finding.
#include <fmt/format.h>

#include "countersign/core/text.h"
#include "countersign/risk/kubernetes_objects.h"

namespace cs::risk::k8s {
namespace {

YAML::Node child(const YAML::Node& n, const char* key) {
  if (!n.IsDefined() || !n.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node& c = n;
  return c[key];
}

YAML::Node at(const YAML::Node& n, std::initializer_list<const char*> path) {
  // Node::operator= assigns into the tree; reset() only rebinds the handle.
  YAML::Node cur;
  cur.reset(n);
  for (const char* k : path) {
    YAML::Node next = child(cur, k);  // a missing key is an invalid node: reset() would throw
    if (!next.IsDefined()) return next;
    cur.reset(next);
  }
  return cur;
}

std::string str(const YAML::Node& n) { return n.IsDefined() && n.IsScalar() ? n.Scalar() : std::string(); }

std::string position(const YAML::Mark& m) {
  if (m.line < 0) return "";
  return fmt::format("{}:{}", m.line + 1, m.column + 1);
}

void unreviewable(std::vector<Finding>& findings, const std::string& file, std::string location, std::string message) {
  findings.push_back(Finding{"unreviewable", Severity::high, "", file, std::move(location),
                             text::sanitize_utf8(message)});
}

void add_object(const std::string& file, const YAML::Node& node, std::size_t doc, std::vector<ManifestObject>& out,
                std::vector<Finding>& findings) {
  std::string api = str(child(node, "apiVersion")), kind = str(child(node, "kind"));
  std::string name = str(at(node, {"metadata", "name"}));
  if (api.empty() || kind.empty() || name.empty()) {
    unreviewable(findings, file, position(node.Mark()),
                 fmt::format("document {} has no apiVersion, kind or metadata.name: it is not a Kubernetes object "
                             "this check can follow (objects with only generateName are new on every apply)",
                             doc + 1));
    return;
  }
  auto slash = api.find('/');
  ManifestObject obj;
  obj.key = ObjectKey{slash == std::string::npos ? "" : api.substr(0, slash), kind,
                      str(at(node, {"metadata", "namespace"})), name};
  obj.node = node;
  obj.file = file;
  obj.location = position(node.Mark());
  out.push_back(std::move(obj));
}

}  // namespace

std::string ObjectKey::display() const { return ns.empty() ? kind + "/" + name : kind + "/" + ns + "/" + name; }

void read_objects(const std::string& file, const std::string& text, std::vector<ManifestObject>& out,
                  std::vector<Finding>& findings) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    unreviewable(findings, file, position(e.mark),
                 "the manifest is not valid YAML (" + e.msg + "): what it deletes cannot be known");
    return;
  } catch (const std::exception& e) {
    unreviewable(findings, file, "", std::string("the manifest cannot be read: ") + e.what());
    return;
  }
  for (std::size_t i = 0; i < docs.size(); ++i) {
    const YAML::Node& doc = docs[i];
    try {
      if (!doc.IsDefined() || doc.IsNull()) continue;  // an empty document between two ---
      if (!doc.IsMap()) {
        unreviewable(findings, file, position(doc.Mark()),
                     fmt::format("document {} is not a mapping, so it is not a Kubernetes object", i + 1));
        continue;
      }
      YAML::Node items = child(doc, "items");
      if (str(child(doc, "kind")).ends_with("List") && items.IsDefined() && items.IsSequence()) {
        for (const auto& item : items) {
          if (item.IsMap()) add_object(file, item, i, out, findings);
          else unreviewable(findings, file, position(item.Mark()), "a List item is not a mapping");
        }
        continue;
      }
      add_object(file, doc, i, out, findings);
    } catch (const std::exception& e) {
      unreviewable(findings, file, position(doc.Mark()), std::string("document cannot be read: ") + e.what());
    }
  }
}

bool same_node(const YAML::Node& a, const YAML::Node& b, long& budget) {
  if (--budget < 0) return false;
  bool a_empty = !a.IsDefined() || a.IsNull(), b_empty = !b.IsDefined() || b.IsNull();
  if (a_empty || b_empty) return a_empty == b_empty;
  if (a.Type() != b.Type()) return false;
  if (a.IsScalar()) return a.Scalar() == b.Scalar();
  if (a.size() != b.size()) return false;
  if (a.IsSequence()) {
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!same_node(a[i], b[i], budget)) return false;
    return true;
  }
  for (const auto& kv : a) {
    if (!kv.first.IsScalar()) return false;
    if (!same_node(kv.second, child(b, kv.first.Scalar().c_str()), budget)) return false;
  }
  return true;
}

// What a claim's storage does when the claim goes: Delete unless the manifests show a class or
// volume that retains. Returns the severity and the reason.
static std::pair<Severity, std::string> claim_fate(const ManifestObject& pvc,
                                                   const std::vector<const ManifestObject*>& all) {
  YAML::Node cls = at(pvc.node, {"spec", "storageClassName"});
  std::string class_name = str(cls);
  auto find = [&](const char* kind, auto pred) -> const ManifestObject* {
    for (const auto* o : all)
      if (o->key.kind == kind && pred(*o)) return o;
    return nullptr;
  };
  if (cls.IsDefined() && class_name.empty()) {
    std::string volume = str(at(pvc.node, {"spec", "volumeName"}));
    const auto* pv = find("PersistentVolume", [&](const ManifestObject& o) { return o.key.name == volume; });
    std::string policy = pv ? str(at(pv->node, {"spec", "persistentVolumeReclaimPolicy"})) : "";
    if (policy == "Delete" || policy == "Recycle")
      return {Severity::critical, "its volume " + volume + " has reclaim policy " + policy};
    return {Severity::high, volume.empty() ? "it is statically bound" : "its volume " + volume + " is retained"};
  }
  const ManifestObject* sc =
      class_name.empty()
          ? find("StorageClass",
                 [](const ManifestObject& o) {
                   return str(at(o.node, {"metadata", "annotations", "storageclass.kubernetes.io/is-default-class"})) ==
                          "true";
                 })
          : find("StorageClass", [&](const ManifestObject& o) { return o.key.name == class_name; });
  std::string label = class_name.empty() ? "the default storage class" : "storage class " + class_name;
  if (!sc)
    return {Severity::critical,
            label + " is not in the manifests, and dynamically provisioned volumes are deleted with their claim "
                    "unless the class says reclaimPolicy: Retain"};
  std::string policy = str(child(sc->node, "reclaimPolicy"));
  if (policy.empty() || policy == "Delete")
    return {Severity::critical, label + " has reclaimPolicy " + (policy.empty() ? "Delete (the default)" : policy)};
  return {Severity::high, label + " has reclaimPolicy " + policy};
}

void assess_deleted(const ManifestObject& obj, const std::vector<const ManifestObject*>& all, const std::string& how,
                    std::vector<Finding>& findings) {
  const auto& k = obj.key;
  auto add = [&](const char* rule, Severity sev, std::string message) {
    findings.push_back(Finding{rule, sev, text::sanitize_utf8(k.display()), obj.file, obj.location,
                               text::sanitize_utf8(k.display() + " " + how + ": " + message)});
  };
  if (k.group.empty() && k.kind == "Namespace") {
    add("k8s-namespace-delete", Severity::critical,
        "deleting a namespace deletes every object in it (deployments, secrets, claims and their volumes)");
  } else if (k.group == "apiextensions.k8s.io" && k.kind == "CustomResourceDefinition") {
    add("k8s-crd-delete", Severity::critical,
        "deleting a CustomResourceDefinition deletes every custom resource of that type in the cluster");
  } else if (k.group.empty() && k.kind == "PersistentVolume") {
    std::string policy = str(at(obj.node, {"spec", "persistentVolumeReclaimPolicy"}));
    if (policy == "Delete" || policy == "Recycle")
      add("k8s-pv-delete", Severity::critical,
          "reclaim policy " + policy + ": the storage behind the volume is " +
              (policy == "Delete" ? "deleted" : "scrubbed"));
    else
      add("k8s-pv-delete", Severity::medium,
          "reclaim policy " + (policy.empty() ? std::string("Retain (the default for a static volume)") : policy) +
              ": the data is kept, but the volume must be re-created and re-bound by hand");
  } else if (k.group.empty() && k.kind == "PersistentVolumeClaim") {
    auto [sev, why] = claim_fate(obj, all);
    add("k8s-pvc-delete", sev,
        why + (sev == Severity::critical ? ": the volume and its data are deleted with the claim"
                                         : ": the volume is kept but released from the workload"));
  } else if (k.group == "apps" && k.kind == "StatefulSet") {
    std::string when = str(at(obj.node, {"spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted"}));
    if (when == "Delete")
      add("k8s-statefulset-pvc-delete", Severity::critical,
          "persistentVolumeClaimRetentionPolicy.whenDeleted is Delete: the claims of every replica, and their "
          "volumes, are deleted with it");
  } else if (k.group.empty() && k.kind == "Secret") {
    add("k8s-secret-delete", Severity::high,
        "the secret's values (credentials, keys, certificates) are gone unless they are kept elsewhere, and every "
        "workload that mounts it fails to start");
  } else if (k.group.empty() && k.kind == "Service" && str(at(obj.node, {"spec", "type"})) == "LoadBalancer") {
    add("k8s-loadbalancer-delete", Severity::high,
        "the cloud load balancer is deleted and its external address released; DNS records and allow-lists that "
        "point at it break");
  }
}

static std::string replaced_field(const ManifestObject& base, const ManifestObject& head, long& budget) {
  const auto& k = base.key;
  auto changed = [&](std::initializer_list<const char*> path) {
    return !same_node(at(base.node, path), at(head.node, path), budget);
  };
  if (k.group.empty() && k.kind == "Service") {
    std::string a = str(at(base.node, {"spec", "clusterIP"})), b = str(at(head.node, {"spec", "clusterIP"}));
    if (!a.empty() && !b.empty() && a != b) return "spec.clusterIP";
  } else if (k.group == "apps" && k.kind == "StatefulSet") {
    for (auto field : {"selector", "volumeClaimTemplates", "serviceName", "podManagementPolicy"})
      if (changed({"spec", field})) return std::string("spec.") + field;
  } else if (k.group == "apps" && (k.kind == "Deployment" || k.kind == "DaemonSet" || k.kind == "ReplicaSet")) {
    if (changed({"spec", "selector"})) return "spec.selector";
  } else if (k.group.empty() && k.kind == "PersistentVolumeClaim") {
    for (auto field : {"storageClassName", "accessModes", "volumeName", "volumeMode", "selector"})
      if (changed({"spec", field})) return std::string("spec.") + field;
  } else if (k.group.empty() && k.kind == "PersistentVolume") {
    for (auto field : {"csi", "nfs", "hostPath", "local", "awsElasticBlockStore", "gcePersistentDisk",
                       "azureDisk", "storageClassName", "volumeMode"})
      if (changed({"spec", field})) return std::string("spec.") + field;
  } else if (k.group.empty() && k.kind == "Secret") {
    if (changed({"type"})) return "type";
    if (str(child(base.node, "immutable")) == "true" && (changed({"data"}) || changed({"stringData"})))
      return "data of an immutable secret";
  } else if (k.group == "apiextensions.k8s.io" && k.kind == "CustomResourceDefinition") {
    if (changed({"spec", "scope"})) return "spec.scope";
  }
  return "";
}

std::string replaced_by(const ManifestObject& base, const ManifestObject& head) {
  long budget = 1'000'000;
  std::string field = replaced_field(base, head, budget);
  if (budget < 0) return (field.empty() ? std::string("spec") : field) + " (too large to compare, assumed changed)";
  return field;
}

}  // namespace cs::risk::k8s
