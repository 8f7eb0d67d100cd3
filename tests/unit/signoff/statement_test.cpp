#include <gtest/gtest.h>

#include "countersign/signoff/signoff.h"
#include "countersign/signoff/store.h"
#include "support/test_support.h"

namespace cs::signoff {
namespace {

ChangeDigest d(char c) { return *ChangeDigest::from_hex(std::string(64, c)); }

TEST(Statement, ApprovalRendersExactlyAndParsesBack) {
  Statement s;
  s.repo = "github.com/acme/app";
  s.change = d('a');
  s.members = {d('b'), d('c')};
  s.commit = *git::ObjectId::from_hex(std::string(40, '1'));
  s.approver = "carol@example.com";
  s.role = "senior";
  s.time = 1767225600;  // 2026-01-01T00:00:00Z
  s.expires = s.time + 7 * 86400;
  std::string text = render(s);
  EXPECT_EQ(text, "countersign-approval v2\nrepo github.com/acme/app\nchange " + std::string(64, 'a') + "\nmember " +
                      std::string(64, 'b') + "\nmember " + std::string(64, 'c') + "\ncommit " + std::string(40, '1') +
                      "\napprover carol@example.com\nrole senior\ntime 2026-01-01T00:00:00Z\nexpires "
                      "2026-01-08T00:00:00Z\n");
  auto back = parse_statement(text);
  ASSERT_TRUE(back) << back.error().describe();
  EXPECT_EQ(render(*back), text);
  EXPECT_EQ(back->members.size(), 2u);
}

// Approvals and overrides say which change digest version they sign; version 1 still parses (to
// be reported as needing re-approval), and keeps its own first line. A revocation is v1 always.
TEST(Statement, FirstLineNamesTheChangeDigestVersion) {
  Statement s;
  s.repo = "app";
  s.change = d('a');
  s.approver = "carol@example.com";
  s.role = "senior";
  s.time = 1767225600;
  EXPECT_EQ(s.version, kChangeDigestVersion);
  EXPECT_TRUE(render(s).starts_with("countersign-approval v2\n"));
  s.version = 1;
  std::string v1 = render(s);
  EXPECT_TRUE(v1.starts_with("countersign-approval v1\n"));
  auto back = parse_statement(v1);
  ASSERT_TRUE(back) << back.error().describe();
  EXPECT_EQ(back->version, 1);
  EXPECT_EQ(render(*back), v1);
  Statement current = s;
  current.version = 2;
  auto v2 = parse_statement(render(current));
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->version, 2);
  s.kind = StatementKind::override;
  s.reason = "outage";
  s.expires = s.time + 3600;
  s.version = 2;
  EXPECT_TRUE(render(s).starts_with("countersign-override v2\n"));
  s.version = 1;
  auto o1 = parse_statement(render(s));
  ASSERT_TRUE(o1);
  EXPECT_EQ(o1->version, 1);
  EXPECT_FALSE(parse_statement("countersign-approval v3\n" + v1.substr(v1.find('\n') + 1)));
  Statement r;
  r.kind = StatementKind::revocation;
  r.repo = "app";
  r.change = d('a');
  r.revokes = d('e');
  r.approver = "carol@example.com";
  r.time = 1767225600;
  EXPECT_TRUE(render(r).starts_with("countersign-revocation v1\n"));
  EXPECT_FALSE(parse_statement("countersign-revocation v2\n" + render(r).substr(render(r).find('\n') + 1)));
}

TEST(Statement, RevocationAndOverrideRoundTrip) {
  Statement r;
  r.kind = StatementKind::revocation;
  r.repo = "app";
  r.change = d('a');
  r.revokes = d('e');
  r.approver = "carol@example.com";
  r.time = 1767225600;
  auto rt = parse_statement(render(r));
  ASSERT_TRUE(rt) << rt.error().describe();
  EXPECT_EQ(rt->revokes->hex(), d('e').hex());

  Statement o;
  o.kind = StatementKind::override;
  o.repo = "app";
  o.change = d('a');
  o.members = {d('b')};
  o.approver = "sre@example.com";
  o.role = "sre";
  o.reason = "outage: payments down";
  o.time = 1767225600;
  o.expires = o.time + 4 * 3600;
  auto ot = parse_statement(render(o));
  ASSERT_TRUE(ot) << ot.error().describe();
  EXPECT_EQ(ot->reason, "outage: payments down");
  // An override without its reason or deadline is refused.
  o.reason.clear();
  EXPECT_FALSE(parse_statement(render(o)));
}

TEST(Statement, StrictParsingRefusesVariants) {
  Statement s;
  s.repo = "app";
  s.change = d('a');
  s.approver = "carol@example.com";
  s.role = "senior";
  s.time = 1767225600;
  std::string text = render(s);
  ASSERT_TRUE(parse_statement(text));
  EXPECT_FALSE(parse_statement(text.substr(0, text.size() - 1)));        // truncated
  EXPECT_FALSE(parse_statement(text + "extra thing\n"));                  // unknown line
  EXPECT_FALSE(parse_statement("countersign-approval v3\n" + text.substr(24)));  // unknown version
  std::string upper = text;
  upper.replace(upper.find("aaaa"), 4, "AAAA");
  EXPECT_FALSE(parse_statement(upper));  // non-canonical digest spelling
  std::string crlf = text;
  crlf.replace(crlf.find('\n'), 1, "\r\n");
  EXPECT_FALSE(parse_statement(crlf));
  std::string swapped = text;  // fields out of order
  auto role = swapped.find("role senior\n");
  swapped.erase(role, 12);
  swapped.insert(swapped.find("approver"), "role senior\n");
  EXPECT_FALSE(parse_statement(swapped));
  EXPECT_FALSE(parse_statement(""));
  EXPECT_FALSE(parse_statement(std::string("\0\0\0", 3)));
}

TEST(Statement, TimesAndDurations) {
  EXPECT_EQ(format_time(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(parse_time("2026-01-01T00:00:00Z").value_or(-1), 1767225600);
  EXPECT_FALSE(parse_time("2026-01-01T00:00:00+01:00"));
  EXPECT_FALSE(parse_time("2026-13-01T00:00:00Z"));
  EXPECT_EQ(parse_duration("7d").value_or(0), 7 * 86400);
  EXPECT_EQ(parse_duration("4h").value_or(0), 4 * 3600);
  EXPECT_FALSE(parse_duration("7"));
  EXPECT_FALSE(parse_duration("-1d"));
  EXPECT_FALSE(parse_duration("1y"));
}

TEST(Store, AddsFilesAndMergesConcurrentWrites) {
  test::GitRepo g;
  g.write("a", "1\n");
  g.commit("c");
  auto repo = git::Repository::open(g.path().string());
  ASSERT_TRUE(repo);
  auto empty = store::read(*repo);
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->tip);
  std::string dig(64, 'a');
  ASSERT_TRUE(store::add(*repo, {{store::path_for(dig, "k1.sig"), "one"}}, "approve"));
  auto first_tip = *store::read(*repo)->tip;
  ASSERT_TRUE(store::add(*repo, {{store::path_for(dig, "k2.sig"), "two"}}, "approve"));
  // Another clone's approvals, made from the first tip: merging is a union.
  g.git("update-ref refs/countersign/other " + first_tip.hex());
  auto other_repo = git::Repository::open(g.path().string());
  ASSERT_TRUE(store::add(*other_repo, {{store::path_for(std::string(64, 'b'), "k3.sig"), "three"}}, "approve",
                         "refs/countersign/other"));
  auto other_tip = other_repo->reference("refs/countersign/other");
  ASSERT_TRUE(other_tip && *other_tip);
  ASSERT_TRUE(store::merge(*repo, **other_tip));
  auto all = store::read(*repo);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->files.size(), 3u);
  EXPECT_EQ(all->files[0].path, "aa/" + dig.substr(2) + "/k1.sig");
  EXPECT_EQ(all->files[0].digest, dig);
  EXPECT_EQ(g.git("rev-list --count refs/countersign/approvals"), "4\n");
}

TEST(Store, ARefAtABlobIsAnErrorAndStrayEntriesAreReported) {
  test::GitRepo g;
  g.write("a", "1\n");
  g.commit("c");
  auto blob = g.git("hash-object -w a");
  blob.pop_back();
  g.git("update-ref refs/countersign/approvals " + blob);
  auto repo = git::Repository::open(g.path().string());
  auto r = store::read(*repo);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("points at a blob"), std::string::npos) << r.error().message;

  g.git("update-ref -d refs/countersign/approvals");
  auto repo2 = git::Repository::open(g.path().string());
  ASSERT_TRUE(store::add(*repo2, {{store::path_for(std::string(64, 'c'), "k.sig"), "x"}, {"README", "stray"}}, "m"));
  auto r2 = store::read(*repo2);
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->files.size(), 1u);
  ASSERT_EQ(r2->problems.size(), 1u);
  EXPECT_EQ(r2->problems[0].path, "README");
}

}  // namespace
}  // namespace cs::signoff
