// Kubernetes manifests at base and head, and kubectl diff --prune output: every k8s-* rule
// fires on a deletion or replacement that destroys state and stays quiet on a harmless change.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "countersign/risk/risk.h"
#include "support/test_support.h"

namespace cs::risk {
namespace {

std::vector<Finding> diff(const std::string& base, const std::string& head) {
  std::vector<ManifestFile> b{{"base.yaml", base}}, h{{"head.yaml", head}};
  return assess_manifests(b, h);
}

int count(const std::vector<Finding>& fs, std::string_view rule) {
  return static_cast<int>(std::count_if(fs.begin(), fs.end(), [&](const Finding& f) { return f.rule == rule; }));
}

const Finding* find(const std::vector<Finding>& fs, std::string_view rule, std::string_view resource = {}) {
  for (const auto& f : fs)
    if (f.rule == rule && (resource.empty() || f.resource == resource)) return &f;
  return nullptr;
}

std::string fixture(const std::string& name) {
  return test::read_file(test::source_dir() / "tests/fixtures/risk/kubernetes" / name);
}

TEST(Kubernetes, FixtureDeletions) {
  auto fs = diff(fixture("base.yaml"), fixture("head.yaml"));
  const Finding* ns = find(fs, "k8s-namespace-delete", "Namespace/shop");
  ASSERT_NE(ns, nullptr);
  EXPECT_EQ(ns->severity, Severity::critical);
  EXPECT_EQ(ns->file, "base.yaml");
  EXPECT_EQ(ns->location, "2:1");
  EXPECT_NE(find(fs, "k8s-crd-delete", "CustomResourceDefinition/orders.shop.example.com"), nullptr);
  EXPECT_EQ(find(fs, "k8s-pvc-delete", "PersistentVolumeClaim/shop/uploads")->severity, Severity::critical);
  EXPECT_EQ(find(fs, "k8s-pvc-delete", "PersistentVolumeClaim/shop/archive")->severity, Severity::high);
  EXPECT_EQ(find(fs, "k8s-pv-delete", "PersistentVolume/pv-db")->severity, Severity::critical);
  EXPECT_EQ(find(fs, "k8s-statefulset-pvc-delete", "StatefulSet/shop/db")->severity, Severity::critical);
  EXPECT_EQ(find(fs, "k8s-secret-delete", "Secret/shop/db-password")->severity, Severity::high);
  EXPECT_EQ(find(fs, "k8s-loadbalancer-delete", "Service/shop/web")->severity, Severity::high);
  EXPECT_EQ(find(fs, "unreviewable"), nullptr);
  // The Deployment only changed its image; the storage classes are unchanged.
  for (const auto& f : fs) EXPECT_EQ(f.resource.find("Deployment"), std::string::npos) << f.resource;
  EXPECT_EQ(fs.size(), 8u);
}

TEST(Kubernetes, UnchangedManifestsAreQuiet) {
  auto base = fixture("base.yaml");
  EXPECT_TRUE(diff(base, base).empty());
  // An API version bump is the same object, not a delete and a create.
  EXPECT_TRUE(diff("apiVersion: apps/v1beta2\nkind: StatefulSet\nmetadata: {name: s}\nspec:\n"
                   "  persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete}\n",
                   "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s}\nspec:\n"
                   "  persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete}\n")
                  .empty());
}

TEST(Kubernetes, HarmlessDeletionsAreQuiet) {
  auto fs = diff("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n"
                 "apiVersion: v1\nkind: Service\nmetadata: {name: internal}\nspec: {type: ClusterIP}\n---\n"
                 "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s}\nspec:\n"
                 "  persistentVolumeClaimRetentionPolicy: {whenDeleted: Retain, whenScaled: Delete}\n",
                 "");
  EXPECT_TRUE(fs.empty());
}

TEST(Kubernetes, PersistentVolumeRetainIsMedium) {
  auto fs = diff("apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: p}\nspec: {persistentVolumeReclaimPolicy: Retain}\n", "");
  ASSERT_EQ(count(fs, "k8s-pv-delete"), 1);
  EXPECT_EQ(fs[0].severity, Severity::medium);
}

TEST(Kubernetes, ClaimWithUnknownOrDefaultClassIsCritical) {
  auto unknown = diff("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c, namespace: n}\n"
                      "spec: {storageClassName: gp3}\n", "");
  EXPECT_EQ(find(unknown, "k8s-pvc-delete")->severity, Severity::critical);
  auto default_retain = diff(
      "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: std\n  annotations:\n"
      "    storageclass.kubernetes.io/is-default-class: \"true\"\nreclaimPolicy: Retain\n---\n"
      "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c, namespace: n}\nspec: {}\n",
      "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: std\n  annotations:\n"
      "    storageclass.kubernetes.io/is-default-class: \"true\"\nreclaimPolicy: Retain\n");
  EXPECT_EQ(find(default_retain, "k8s-pvc-delete")->severity, Severity::high);
}

TEST(Kubernetes, StatefulSetScaledDownWithWhenScaledDelete) {
  std::string sts = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  replicas: {}\n"
                    "  persistentVolumeClaimRetentionPolicy: {whenScaled: Delete}\n";
  auto with = [&](int n) { return std::string(sts).replace(sts.find("{}"), 2, std::to_string(n)); };
  auto down = diff(with(5), with(2));
  ASSERT_EQ(count(down, "k8s-statefulset-pvc-delete"), 1);
  EXPECT_NE(down[0].message.find("ordinals 2 to 4"), std::string::npos);
  EXPECT_TRUE(diff(with(2), with(5)).empty());
}

TEST(Kubernetes, ReplacementsByImmutableFields) {
  std::string lb = "apiVersion: v1\nkind: Service\nmetadata: {name: api}\nspec: {type: LoadBalancer, clusterIP: 10.0.0.1}\n";
  std::string lb2 = "apiVersion: v1\nkind: Service\nmetadata: {name: api}\nspec: {type: LoadBalancer, clusterIP: 10.0.0.2}\n";
  auto fs = diff(lb, lb2);
  ASSERT_EQ(count(fs, "k8s-loadbalancer-delete"), 1);
  EXPECT_NE(fs[0].message.find("spec.clusterIP"), std::string::npos);
  EXPECT_EQ(fs[0].file, "head.yaml");
  // LoadBalancer turned into ClusterIP releases the address, without any replacement.
  auto to_cluster_ip = diff(lb, "apiVersion: v1\nkind: Service\nmetadata: {name: api}\nspec: {type: ClusterIP}\n");
  EXPECT_EQ(count(to_cluster_ip, "k8s-loadbalancer-delete"), 1);

  std::string sts = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n"
                    "  selector: {matchLabels: {app: X}}\n  persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete}\n";
  std::string a = sts, b = sts;
  b.replace(b.find("X"), 1, "Y");
  auto replaced = diff(a, b);
  ASSERT_EQ(count(replaced, "k8s-statefulset-pvc-delete"), 1);
  EXPECT_NE(replaced[0].message.find("spec.selector"), std::string::npos);

  std::string pvc = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec: {storageClassName: A}\n";
  std::string pvc2 = pvc;
  pvc2.replace(pvc2.find(": A}"), 4, ": B}");
  EXPECT_EQ(count(diff(pvc, pvc2), "k8s-pvc-delete"), 1);

  std::string secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nimmutable: true\ndata: {k: YQ==}\n";
  std::string secret2 = secret;
  secret2.replace(secret2.find("YQ=="), 4, "Yg==");
  EXPECT_EQ(count(diff(secret, secret2), "k8s-secret-delete"), 1);
  secret.replace(secret.find("immutable: true"), 15, "immutable: false");
  secret2.replace(secret2.find("immutable: true"), 15, "immutable: false");
  EXPECT_TRUE(diff(secret, secret2).empty());
}

TEST(Kubernetes, RenameIsADeleteAndTheMessageSaysSo) {
  auto fs = diff("apiVersion: v1\nkind: Secret\nmetadata: {name: old, namespace: n}\ndata: {k: YQ==}\n",
                 "apiVersion: v1\nkind: Secret\nmetadata: {name: new, namespace: n}\ndata: {k: YQ==}\n");
  ASSERT_EQ(count(fs, "k8s-secret-delete"), 1);
  EXPECT_NE(fs[0].message.find("renamed to new"), std::string::npos);
}

TEST(Kubernetes, MultiDocumentEdgeCases) {
  // Empty documents, a leading ---, comments only, anchors and aliases, a List.
  std::string base = "---\n---\n# just a comment\n---\napiVersion: v1\nkind: Secret\nmetadata: &m {name: s, namespace: n}\n"
                     "---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: team}\n...\n";
  auto fs = diff(base, "");
  EXPECT_EQ(count(fs, "k8s-secret-delete"), 1);
  EXPECT_EQ(count(fs, "k8s-namespace-delete"), 1);
  EXPECT_EQ(count(fs, "unreviewable"), 0);
}

TEST(Kubernetes, DocumentThatIsNotAMappingIsUnreviewable) {
  auto fs = diff("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n---\n- a\n- b\n---\njust a string\n", "");
  EXPECT_EQ(count(fs, "unreviewable"), 2);
  EXPECT_EQ(count(fs, "k8s-secret-delete"), 1);
  EXPECT_EQ(find(fs, "unreviewable")->location, "5:1");
  auto no_name = diff("apiVersion: v1\nkind: Secret\nmetadata: {generateName: s-}\n", "");
  EXPECT_EQ(count(no_name, "unreviewable"), 1);
}

TEST(Kubernetes, DuplicateObjectsAreUnreviewable) {
  std::string secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n";
  auto fs = diff(secret + "---\n" + secret, secret);
  ASSERT_EQ(count(fs, "unreviewable"), 1);
  EXPECT_EQ(find(fs, "unreviewable")->location, "5:1");
  EXPECT_EQ(find(fs, "unreviewable")->resource, "Secret/s");
}

TEST(Kubernetes, InvalidYamlIsUnreviewableNeverAPass) {
  auto fs = diff("apiVersion: v1\nkind: Namespace\nmetadata: {name: prod\n", "");
  ASSERT_EQ(count(fs, "unreviewable"), 1);
  EXPECT_EQ(fs[0].file, "base.yaml");
  EXPECT_FALSE(fs[0].location.empty());
  auto tabs = diff("a:\n\tb: c\n", "");
  EXPECT_EQ(count(tabs, "unreviewable"), 1);
  std::string nul("kind: Secret\0\n", 14);
  EXPECT_NO_THROW(diff(nul, ""));
  EXPECT_NO_THROW(diff("\xFF\xFE k: \xC0\xAF\n", ""));
  EXPECT_NO_THROW(diff(std::string(100000, '[') + std::string(100000, ']'), ""));
  EXPECT_EQ(count(diff(std::string(100000, '['), ""), "unreviewable"), 1);
}

TEST(Kubernetes, BillionLaughsDoesNotExplode) {
  // 10 * 3^29 leaves through aliases: the comparison gives up and says so, it does not hang.
  std::string anchors = "x:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 30; ++i) {
    std::string p = "*a" + std::to_string(i - 1);
    anchors += "  a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + p + ", " + p + ", " + p + "]\n";
  }
  std::string sts = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s}\n" + anchors +
                    "spec:\n  persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete}\n"
                    "  volumeClaimTemplates: *a29\n";
  auto fs = diff(sts, sts);
  ASSERT_EQ(count(fs, "k8s-statefulset-pvc-delete"), 1);
  EXPECT_NE(fs[0].message.find("too large to compare"), std::string::npos);
}

TEST(KubectlDiff, PrunedObjectsAreDeletions) {
  auto fs = assess_kubectl_diff(fixture("prune.diff"), "prune.diff");
  ASSERT_EQ(fs.size(), 2u);
  const Finding* secret = find(fs, "k8s-secret-delete", "Secret/shop/api-token");
  ASSERT_NE(secret, nullptr);
  EXPECT_EQ(secret->location, "2:1");
  EXPECT_EQ(secret->file, "prune.diff");
  EXPECT_NE(find(fs, "k8s-namespace-delete", "Namespace/legacy"), nullptr);
  EXPECT_TRUE(looks_like_kubectl_diff(fixture("prune.diff")));
  EXPECT_FALSE(looks_like_kubectl_diff(fixture("base.yaml")));
}

TEST(KubectlDiff, MalformedDiffIsUnreviewable) {
  std::string truncated = "--- a/v1.Secret.n.s\n+++ b/v1.Secret.n.s\n@@ -1,5 +0,0 @@\n-apiVersion: v1\n-kind: Secret\n";
  auto fs = assess_kubectl_diff(truncated, "x.diff");
  ASSERT_EQ(count(fs, "unreviewable"), 1);
  EXPECT_EQ(count(assess_kubectl_diff("not a diff at all\n", "x.diff"), "unreviewable"), 1);
  EXPECT_TRUE(assess_kubectl_diff("", "x.diff").empty());
  std::string bad_yaml = "--- a/x\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-kind: [Secret\n-metadata: {name: s}\n";
  EXPECT_EQ(count(assess_kubectl_diff(bad_yaml, "x.diff"), "unreviewable"), 1);
}

}  // namespace
}  // namespace cs::risk
