// Private to risk/: Kubernetes objects read from rendered manifests, keyed the way the API
// server identifies them, and the rules for what deleting or replacing one destroys.
#pragma once

#include <yaml-cpp/yaml.h>

#include <compare>
#include <string>
#include <vector>

#include "countersign/risk/risk.h"

namespace cs::risk::k8s {

// API group (not version: apps/v1beta2 and apps/v1 are the same object), kind, namespace, name.
struct ObjectKey {
  std::string group;
  std::string kind;
  std::string ns;
  std::string name;
  auto operator<=>(const ObjectKey&) const = default;
  std::string display() const;  // "Kind/namespace/name" or "Kind/name"
};

struct ManifestObject {
  ObjectKey key;
  YAML::Node node;
  std::string file;
  std::string location;  // "line:column" of the object in its file
};

// Reads every object of a multi-document YAML text (kind: List expanded). Documents that are
// empty are skipped; anything else that is not an object is an `unreviewable` finding.
void read_objects(const std::string& file, const std::string& text, std::vector<ManifestObject>& out,
                  std::vector<Finding>& findings);

// Findings for an object that disappears. `all` is every object of both sides, where storage
// classes and persistent volumes are looked up. `how` says what happened, for the message.
void assess_deleted(const ManifestObject& obj, const std::vector<const ManifestObject*>& all, const std::string& how,
                    std::vector<Finding>& findings);

// The immutable field that differs between base and head, or empty when the object can be
// updated in place.
std::string replaced_by(const ManifestObject& base, const ManifestObject& head);

// Structural equality with a budget, so that aliases cannot make a comparison explode.
bool same_node(const YAML::Node& a, const YAML::Node& b, long& budget);

}  // namespace cs::risk::k8s
