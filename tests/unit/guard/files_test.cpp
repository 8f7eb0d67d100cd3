// files::rfc3339 formats with calendar arithmetic; it must agree with gmtime_r + strftime, which
// it replaced (they read /etc/localtime on first use, in every hook process).
#include "countersign/guard/files.h"

#include <gtest/gtest.h>

#include <ctime>

namespace cs::guard {
namespace {

std::string with_gmtime(long long unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

TEST(GuardFiles, Rfc3339AgreesWithGmtime) {
  EXPECT_EQ(files::rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(files::rfc3339(951782400), "2000-02-29T00:00:00Z");
  EXPECT_EQ(files::rfc3339(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(files::rfc3339(4102444799), "2099-12-31T23:59:59Z");
  // Every day boundary and some seconds in between, over 2000-2103 (leap and century years).
  for (long long t = 946684800; t < 4260211200; t += 86400 * 7 + 3607)
    ASSERT_EQ(files::rfc3339(t), with_gmtime(t)) << t;
  for (long long t = 951782400 - 3; t < 951782400 + 86400 * 2; t += 1800)
    ASSERT_EQ(files::rfc3339(t), with_gmtime(t)) << t;
  const long long now = files::now();
  EXPECT_EQ(files::rfc3339(now), with_gmtime(now));
}

}  // namespace
}  // namespace cs::guard
