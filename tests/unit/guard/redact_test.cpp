#include <gtest/gtest.h>

#include "countersign/guard/audit.h"

namespace cs::guard::audit {
namespace {

struct Case {
  std::string command, expected;
};

TEST(GuardRedact, RemovesSecretsAndKeepsTheRest) {
  std::vector<Case> cases = {
      {"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE aws s3 ls", "AWS_ACCESS_KEY_ID=*** aws s3 ls"},
      {"aws configure set aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
       "aws configure set aws_secret_access_key ***"},
      {"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY terraform apply",
       "AWS_SECRET_ACCESS_KEY=*** terraform apply"},
      {"git clone https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r.git",
       "git clone https://***@github.com/o/r.git"},
      {"gh auth login --with-token github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "gh auth login --with-token ***"},
      {"curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc' https://api", "curl -H 'Authorization: Bearer ***' https://api"},
      {"vault login --token hvs.CAESIJ3 && ls", "vault login --token *** && ls"},
      {"app --password=hunter2 --user bob", "app --password=*** --user bob"},
      {"app --password 'correct horse' --verbose", "app --password *** --verbose"},
      {"mysql -u root -psecret shop", "mysql -u root -p*** shop"},
      {"mysql -u root -p secret shop", "mysql -u root -p *** shop"},
      {"sshpass -p s3cr3t ssh host", "sshpass -p *** ssh host"},
      {"docker login -u bob -p s3cr3t registry", "docker login -u bob -p *** registry"},
      {"mkdir -p build/out", "mkdir -p build/out"},
      {"PGPASSWORD=hunter2 psql -h db.prod -c 'DROP TABLE x'", "PGPASSWORD=*** psql -h db.prod -c 'DROP TABLE x'"},
      {"psql postgres://admin:hunter2@db.prod:5432/shop -c 'select 1'", "psql postgres://admin:***@db.prod:5432/shop -c 'select 1'"},
      {"redis-cli -u redis://:p4ss@cache:6379 FLUSHALL", "redis-cli -u redis://:***@cache:6379 FLUSHALL"},
      {"redis-cli -a p4ss FLUSHALL", "redis-cli -a *** FLUSHALL"},
      {"curl -u admin:hunter2 https://x", "curl -u admin:*** https://x"},
      {"curl 'https://x/api?access_token=abc123&q=1'", "curl 'https://x/api?access_token=***&q=1'"},
      {"psql 'host=db.prod password=hunter2 dbname=shop'", "psql 'host=db.prod password=*** dbname=shop'"},
      {"export GITHUB_TOKEN=gho_16C7e42F292c6912E7710c838347Ae178B4a", "export GITHUB_TOKEN=***"},
      {"slack-notify xoxb-123456789012-abcdefghij", "slack-notify ***"},
      {"cd $PWD && OLDPWD=/tmp ls", "cd $PWD && OLDPWD=/tmp ls"},
      {"rm -rf /", "rm -rf /"},
  };
  for (const auto& c : cases) EXPECT_EQ(redact(c.command), c.expected) << c.command;
}

TEST(GuardRedact, AuditLineCarriesNoSecret) {
  Record r;
  r.time = 1764050400;
  r.agent = "claude-code";
  r.command = "PGPASSWORD=hunter2 dropdb -h db.prod shop";
  r.decision = "deny";
  r.rules = {"db.dropdb"};
  r.reason = "countersign: dropdb against production";
  auto text = line(r);
  EXPECT_EQ(text.find("hunter2"), std::string::npos) << text;
  EXPECT_NE(text.find("\"command\":\"PGPASSWORD=*** dropdb -h db.prod shop\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"time\":\"2025-11-25T06:00:00Z\""), std::string::npos) << text;
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.find('\n'), text.size() - 1);
}

}  // namespace
}  // namespace cs::guard::audit
