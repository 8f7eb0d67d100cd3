// The files of data/ (agent registry, stateful resource types, guard packs), compiled into the
// binary so that it runs with no installed data; a user's own file overrides each one.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "countersign/core/error.h"

namespace cs::data {

struct EmbeddedFile {
  std::string_view path;  // relative to data/, e.g. "agents.yaml" or "guard/terraform.yaml"
  std::string_view contents;
};

// Every embedded file, sorted by path. Defined in the generated translation unit.
std::span<const EmbeddedFile> embedded_files();

struct DataFile {
  std::string origin;    // "embedded:agents.yaml" or the path of the user's file
  std::string contents;
};

// The data file `path`: $COUNTERSIGN_DATA_DIR/<path> when that file exists, else the embedded copy.
Result<DataFile> load(std::string_view path);

// Embedded files whose path starts with `prefix` (e.g. "guard/"), with the same override rule.
std::span<const EmbeddedFile> embedded_under(std::string_view prefix);

}  // namespace cs::data
