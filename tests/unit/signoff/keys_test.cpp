// The keys that narrow which commits a statement could bind (ApprovalSet::candidates): the shape
// (paths and modes, nothing read) must agree whenever the size key does, and must tell apart what
// the change digest's file and mode lines tell apart.
#include <gtest/gtest.h>

#include "countersign/signoff/signoff.h"

namespace cs::signoff {
namespace {

git::ChangedPath path(const std::string& p, uint32_t old_mode, uint32_t new_mode, char blob) {
  git::ChangedPath c;
  c.path = p;
  c.old_mode = old_mode;
  c.new_mode = new_mode;
  c.old_blob.bytes.fill(uint8_t(blob));
  c.new_blob.bytes.fill(uint8_t(blob + 1));
  return c;
}

TEST(ShapeKey, IgnoresOrderAndObjectIds) {
  std::vector<git::ChangedPath> a{path("a.py", 0100644, 0100644, 1), path("b/c.tf", 0, 0100644, 2)};
  std::vector<git::ChangedPath> b{path("b/c.tf", 0, 0100644, 7), path("a.py", 0100644, 0100644, 9)};
  EXPECT_EQ(shape_key(a), shape_key(b));
}

TEST(ShapeKey, TellsApartPathsModesAndFileCounts) {
  std::vector<git::ChangedPath> base{path("a.py", 0100644, 0100644, 1)};
  const uint64_t k = shape_key(base);
  EXPECT_NE(k, shape_key(std::vector<git::ChangedPath>{path("a.pz", 0100644, 0100644, 1)}));
  EXPECT_NE(k, shape_key(std::vector<git::ChangedPath>{path("a.py", 0100644, 0100755, 1)}));
  EXPECT_NE(k, shape_key(std::vector<git::ChangedPath>{path("a.py", 0, 0100644, 1)}));
  EXPECT_NE(k, shape_key(std::vector<git::ChangedPath>{path("a.py", 0100644, 0100644, 1), path("b", 0, 0100644, 1)}));
  EXPECT_NE(k, shape_key(std::vector<git::ChangedPath>{}));
}

}  // namespace
}  // namespace cs::signoff
