// Entry point for SQL migrations: checks the bytes a reviewer cannot trust (NUL, invalid UTF-8),
// runs the analyzer over the file, and selects migration files among changed paths.
#include <algorithm>
#include <cstring>
#include <fmt/format.h>

#include "countersign/core/text.h"
#include "countersign/risk/risk.h"
#include "countersign/risk/sql_analysis.h"

namespace cs::risk {
namespace {

// Offset of the first byte that does not start a valid UTF-8 sequence, or npos.
std::size_t first_invalid_utf8(std::string_view s) {
  if (text::valid_utf8(s)) return std::string_view::npos;
  std::size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || i + n > s.size() || !text::valid_utf8(s.substr(i, n))) return i;
    i += n;
  }
  return std::string_view::npos;
}

}  // namespace

namespace sql {

void build_newlines(MigrationContext& ctx) {
  if (ctx.newlines_built) return;
  ctx.newlines_built = true;
  const char* base = ctx.file_text.data();
  const char* p = base;
  const char* end = base + ctx.file_text.size();
  while (p < end) {
    auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (!nl) break;
    ctx.newlines.push_back(static_cast<std::size_t>(nl - base));
    p = nl + 1;
  }
}

int MigrationContext::line_of(std::size_t offset) {
  build_newlines(*this);
  return static_cast<int>(std::lower_bound(newlines.begin(), newlines.end(), offset) - newlines.begin()) + 1;
}

std::string MigrationContext::location(std::size_t offset) {
  int line = line_of(offset);
  std::size_t line_start = line == 1 ? 0 : newlines[static_cast<std::size_t>(line - 2)] + 1;
  int column = 1;
  for (std::size_t i = line_start; i < offset && i < file_text.size(); ++i)
    if ((static_cast<unsigned char>(file_text[i]) & 0xC0) != 0x80) ++column;
  return fmt::format("{}:{}", line, column);
}

}  // namespace sql

std::vector<Finding> assess_sql(std::string_view text, std::string_view file, const SqlOptions& options) {
  return sql::assess_file(text, file, options, 0);
}

std::vector<Finding> sql::assess_file(std::string_view text, std::string_view file, const SqlOptions& options,
                                      int include_depth) {
  sql::MigrationContext ctx;
  ctx.file_text = text;
  ctx.file = std::string(file);
  ctx.dialect = options.dialect == SqlDialect::mysql ? sql::Dialect::mysql : sql::Dialect::postgresql;
  ctx.options = &options;
  ctx.include_depth = include_depth;
  auto unreviewable = [&](std::size_t offset, std::string message) {
    ctx.findings.push_back(Finding{"unreviewable", Severity::high, "", ctx.file, ctx.location(offset), std::move(message)});
  };
  if (const void* nul = std::memchr(text.data(), '\0', text.size())) {
    unreviewable(static_cast<std::size_t>(static_cast<const char*>(nul) - text.data()),
                 "NUL byte in a migration: tools stop reading at it or reject the file, so what runs is not what "
                 "a reviewer reads");
  }
  if (auto bad = first_invalid_utf8(text); bad != std::string_view::npos) {
    unreviewable(bad, "invalid UTF-8: PostgreSQL rejects the file under a UTF8 encoding and a reviewer cannot read "
                      "it reliably");
  }
  // A UTF-8 byte-order mark (Windows editors write one) is skipped by psql and Flyway alike.
  const std::size_t start = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  sql::Analyzer analyzer(ctx, text, start, text.size(), sql::Mode::sql, std::nullopt);
  if (ctx.dialect == sql::Dialect::postgresql) analyzer.read_psql_commands();
  analyzer.run();
  return std::move(ctx.findings);
}

const std::vector<std::string>& default_migration_globs() {
  static const std::vector<std::string> globs = {
      "**/migrations/**/*.sql", "**/migration/**/*.sql", "**/migrate/**/*.sql", "**/db/**/*.sql",
      "**/*.up.sql",
  };
  return globs;
}

bool is_migration_path(std::string_view path, std::span<const std::string> globs) {
  return std::any_of(globs.begin(), globs.end(), [&](const std::string& g) { return glob_match(g, path); });
}

}  // namespace cs::risk
