#include <gtest/gtest.h>

#include <ctime>

#include "countersign/signoff/signoff.h"
#include "countersign/signoff/store.h"
#include "support/ssh_keys.h"
#include "support/test_support.h"

namespace cs::signoff {
namespace {

std::string pub(const std::filesystem::path& key) {
  auto s = test::read_file(key.string() + ".pub");
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

struct Fixture {
  test::GitRepo g;
  test::TempDir keys;
  std::filesystem::path carol, mallory;
  std::string base, head;
  int64_t now = static_cast<int64_t>(std::time(nullptr));

  Fixture() {
    g.git("remote add origin git@example.com:acme/app.git");
    g.write("a.txt", "1\n");
    base = g.commit("base");
    g.write("a.txt", "2\n");
    head = g.commit("change", "Dev One", "dev@example.com");
    carol = test::make_ssh_key(keys.path(), "carol", {"ed25519"});
    mallory = test::make_ssh_key(keys.path(), "mallory", {"ed25519"});
  }
  git::Repository repo() { return std::move(*git::Repository::open(g.path().string())); }
  Trust trust(std::string key_prefix = "") {
    Trust t;
    t.repo_id = "example.com/acme/app";
    t.now = now;
    t.people.push_back({"carol", "Carol", {"carol@example.com"}, {"senior"}, {key_prefix + pub(carol)}, false});
    return t;
  }
  SigningOptions as(const std::filesystem::path& key, std::string who = "carol@example.com") {
    return {key.string(), who, now};
  }
  // Copies: the set is often a temporary.
  std::vector<Checked> approvals_of(const Result<ApprovalSet>& set, const std::string& rev) {
    EXPECT_TRUE(set) << set.error().describe();
    auto r = repo();
    auto c = r.commit(*r.resolve(rev));
    auto d = commit_digest(r, *c);
    std::vector<Checked> out;
    for (auto* x : set->approvals_for(**d)) out.push_back(*x);
    return out;
  }
};

TEST(Verify, ValidApprovalAndEachWayItFails) {
  Fixture f;
  auto r = f.repo();
  std::vector<std::string> t{f.head};
  ASSERT_TRUE(approve(r, t, "senior", std::nullopt, f.as(f.carol)));
  {
    auto set = ApprovalSet::load(r, f.trust());
    ASSERT_TRUE(set) << set.error().describe();
    auto a = f.approvals_of(set, f.head);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].status, Status::valid) << a[0].reason;
    EXPECT_EQ(a[0].person->id, "carol");
  }
  {
    auto t2 = f.trust();
    t2.repo_id = "example.com/acme/other";
    auto a = f.approvals_of(ApprovalSet::load(r, t2), f.head);
    EXPECT_EQ(a[0].status, Status::wrong_repository);
  }
  {
    auto t2 = f.trust();
    t2.people[0].keys = {pub(f.mallory)};
    auto a = f.approvals_of(ApprovalSet::load(r, t2), f.head);
    EXPECT_EQ(a[0].status, Status::unknown_key) << a[0].reason;
  }
  {
    auto a = f.approvals_of(ApprovalSet::load(r, f.trust("valid-before=\"20200101Z\" ")), f.head);
    EXPECT_EQ(a[0].status, Status::key_expired) << a[0].reason;
  }
  {
    auto t2 = f.trust();
    t2.max_age = 60;
    t2.now = f.now + 3600;
    auto a = f.approvals_of(ApprovalSet::load(r, t2), f.head);
    EXPECT_EQ(a[0].status, Status::too_old) << a[0].reason;
  }
}

// A key line that smuggles a second allowed_signers line (a line break, then a principal of its
// own) must neither crash the loader nor make the smuggled key anybody's.
TEST(Verify, KeyLineWithALineBreakIsUnusableNotACrash) {
  Fixture f;
  auto r = f.repo();
  std::vector<std::string> t{f.head};
  ASSERT_TRUE(approve(r, t, "senior", std::nullopt, f.as(f.mallory)));
  auto trust = f.trust();
  trust.people[0].keys = {pub(f.carol) + "\nx " + pub(f.mallory), "\n" + pub(f.mallory)};
  auto set = ApprovalSet::load(r, trust);
  ASSERT_TRUE(set) << set.error().describe();
  auto problems = set->problems();
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].second.find("single line"), std::string::npos) << problems[0].second;
  auto a = f.approvals_of(set, f.head);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, Status::unknown_key) << a[0].reason;
}

TEST(Verify, KeyLineOptionsApply) {
  Fixture f;
  auto r = f.repo();
  std::vector<std::string> t{f.head};
  ASSERT_TRUE(approve(r, t, "senior", std::nullopt, f.as(f.carol)));
  auto ok = f.approvals_of(ApprovalSet::load(r, f.trust("namespaces=\"countersign-approval,git\",valid-after=\"20200101Z\" ")), f.head);
  EXPECT_EQ(ok[0].status, Status::valid) << ok[0].reason;
  auto ns = f.approvals_of(ApprovalSet::load(r, f.trust("namespaces=\"git\" ")), f.head);
  EXPECT_EQ(ns[0].status, Status::wrong_namespace) << ns[0].reason;
}

TEST(Verify, TamperedForgedAndGarbageFiles) {
  Fixture f;
  auto r = f.repo();
  std::vector<std::string> t{f.head};
  auto rec = approve(r, t, "senior", std::nullopt, f.as(f.carol));
  ASSERT_TRUE(rec);
  auto contents = store::read(r);
  std::string file = contents->files[0].contents;
  std::string path = contents->files[0].path;
  // The statement edited after signing (role claim raised): the signature no longer verifies.
  std::string tampered = file;
  tampered.replace(tampered.find("role senior"), 11, "role admins");
  ASSERT_TRUE(store::add(r, {{path, tampered}}, "tamper"));
  auto a = f.approvals_of(ApprovalSet::load(r, f.trust()), f.head);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, Status::bad_signature) << a[0].reason;

  // Truncated, then garbage.
  ASSERT_TRUE(store::add(r, {{path, file.substr(0, file.size() / 2)}}, "truncate"));
  a = f.approvals_of(ApprovalSet::load(r, f.trust()), f.head);
  EXPECT_EQ(a[0].status, Status::malformed) << a[0].reason;
  ASSERT_TRUE(store::add(r, {{path, std::string("\x00\xff garbage", 10)}}, "garbage"));
  a = f.approvals_of(ApprovalSet::load(r, f.trust()), f.head);
  EXPECT_EQ(a[0].status, Status::malformed) << a[0].reason;

  // Signed by mallory's key but filed under carol's name and naming carol.
  auto forged = approve(r, t, "senior", std::nullopt, f.as(f.mallory));
  ASSERT_TRUE(forged);
  contents = store::read(r);
  for (const auto& x : contents->files)
    if (x.path == forged->front().path) {
      ASSERT_TRUE(store::add(r, {{path, x.contents}}, "forge"));
    }
  a = f.approvals_of(ApprovalSet::load(r, f.trust()), f.head);
  ASSERT_EQ(a.size(), 2u);
  for (auto& c : a) EXPECT_NE(c.status, Status::valid) << c.path;
}

TEST(Verify, RevocationExpiryRangesAndStaleness) {
  Fixture f;
  auto r = f.repo();
  std::vector<std::string> t{f.head};
  ASSERT_TRUE(approve(r, t, "senior", std::nullopt, f.as(f.carol)));
  ASSERT_TRUE(revoke(r, t, "looked again", f.as(f.carol)));
  auto a = f.approvals_of(ApprovalSet::load(r, f.trust()), f.head);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, Status::revoked) << a[0].reason;
  // Approving again after the revocation counts.
  auto later = f.as(f.carol);
  later.now += 5;
  ASSERT_TRUE(approve(r, t, "senior", std::nullopt, later));
  a = f.approvals_of(ApprovalSet::load(r, f.trust()), f.head);
  EXPECT_EQ(a[0].status, Status::valid) << a[0].reason;

  // An approval that expires.
  auto past = f.as(f.carol);
  past.now -= 7200;
  ASSERT_TRUE(approve(r, t, "senior", 3600, past));
  a = f.approvals_of(ApprovalSet::load(r, f.trust()), f.head);
  EXPECT_EQ(a[0].status, Status::expired) << a[0].reason;

  // Naming someone else on the approver line.
  ASSERT_TRUE(approve(r, t, "senior", std::nullopt, f.as(f.carol, "boss@example.com")));
  a = f.approvals_of(ApprovalSet::load(r, f.trust()), f.head);
  EXPECT_EQ(a[0].status, Status::wrong_approver) << a[0].reason;

  // A range approval covers its members.
  f.g.write("b.txt", "more\n");
  auto second = f.g.commit("second");
  std::vector<std::string> range{f.base + "..HEAD"};
  ASSERT_TRUE(approve(r, range, "senior", std::nullopt, f.as(f.carol)));
  auto set = ApprovalSet::load(r, f.trust());
  a = f.approvals_of(set, f.head);
  ASSERT_EQ(a.size(), 2u);
  int valid = 0;
  for (auto& c : a) valid += c.status == Status::valid;
  EXPECT_EQ(valid, 1);

  // Amend the second commit's content: the range approval naming it is found by commit id, stale.
  f.g.write("a.txt", "2 \n");
  f.g.git("commit -q -a --amend --no-edit");
  auto r2 = f.repo();
  auto set2 = ApprovalSet::load(r2, f.trust());
  EXPECT_TRUE(f.approvals_of(set2, "HEAD").empty());
  auto amended = r2.commit(*r2.resolve("HEAD"));
  auto stale = set2->stale_for(*git::ObjectId::from_hex(second), **commit_digest(r2, *amended));
  EXPECT_EQ(stale.size(), 1u);
}

TEST(Verify, CollectAndBreakGlass) {
  Fixture f;
  auto r = f.repo();
  auto trust = f.trust();
  trust.people[0].roles = {"senior"};
  trust.people.push_back({"sam", "Sam", {"sam@example.com"}, {"sre"}, {pub(f.mallory)}, false});
  std::string range = f.base + ".." + f.head;
  auto ov = record_override(r, range, "sre", "payments down", 3600, f.as(f.mallory, "sam@example.com"));
  ASSERT_TRUE(ov) << ov.error().describe();
  auto set = ApprovalSet::load(r, trust);
  ASSERT_TRUE(set);
  std::vector<git::ObjectId> ids{*git::ObjectId::from_hex(f.head)};
  auto got = collect(r, *set, ids, 1);
  ASSERT_TRUE(got) << got.error().describe();
  ASSERT_EQ(got->size(), 1u);
  ASSERT_EQ((*got)[0].overrides.size(), 1u);
  const Checked& o = *(*got)[0].overrides[0];
  EXPECT_EQ(o.status, Status::valid) << o.reason;

  BreakGlassRules rules;
  EXPECT_TRUE(override_refusal(o, rules));  // nobody may override by default
  rules.roles = {"incident-commander"};
  EXPECT_NE(override_refusal(o, rules).value_or("").find("may not override"), std::string::npos);
  rules.roles = {"sre"};
  EXPECT_FALSE(override_refusal(o, rules));
  rules.max_ttl = 600;
  EXPECT_NE(override_refusal(o, rules).value_or("").find("max_ttl"), std::string::npos);
  rules.max_ttl = 4 * 3600;

  // Who made the change, as the gate tells it: nobody here, unless a case below says so.
  PartyOf nobody = [](const ChangeDigest&, const Signatory&) { return std::optional<std::string>(""); };
  auto open = reviews(*set, rules, nobody);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_FALSE(open[0].done());
  EXPECT_FALSE(open[0].overdue(f.now));
  EXPECT_TRUE(open[0].overdue(f.now + rules.review_within + 10));
  // A senior's approval of the change closes the review.
  std::vector<std::string> t{f.head};
  ASSERT_TRUE(approve(r, t, "senior", std::nullopt, f.as(f.carol)));
  auto set2 = ApprovalSet::load(r, trust);
  auto closed = reviews(*set2, rules, nobody);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_TRUE(closed[0].done());
  EXPECT_EQ(closed[0].reviewed_by, std::vector<std::string>{"carol"});
  // Not when the reviewer made the change, nor when who made it is unknown.
  PartyOf carol_wrote_it = [](const ChangeDigest&, const Signatory& p) {
    return std::optional<std::string>(p.id == "carol" ? "author" : "");
  };
  EXPECT_FALSE(reviews(*set2, rules, carol_wrote_it)[0].done());
  PartyOf unknown = [](const ChangeDigest&, const Signatory&) { return std::optional<std::string>(); };
  EXPECT_FALSE(reviews(*set2, rules, unknown)[0].done());
}

TEST(Verify, Eligibility) {
  Signatory carol{"carol", "Carol", {"carol@example.com"}, {"senior"}, {}, false};
  std::vector<Excluded> ex{{"author", "Carol@Example.com", "Someone"}};
  std::vector<std::string> roles{"senior"};
  EXPECT_NE(ineligibility(carol, ex, roles).value_or("").find("author"), std::string::npos);
  EXPECT_FALSE(ineligibility(carol, {}, roles));
  std::vector<Excluded> sub{{"author", "CAROL+ci@example.com", ""}};
  EXPECT_NE(ineligibility(carol, sub, roles).value_or("").find("author"), std::string::npos);
  std::vector<Excluded> by_id{{"committer", "root@laptop.local", "carol"}};
  EXPECT_NE(ineligibility(carol, by_id, roles).value_or("").find("committer"), std::string::npos);
  std::vector<std::string> admin{"policy-admin"};
  EXPECT_NE(ineligibility(carol, {}, admin).value_or("").find("policy-admin"), std::string::npos);
  Signatory bot{"claude", "Claude", {"noreply@anthropic.com"}, {"senior"}, {}, true};
  EXPECT_NE(ineligibility(bot, {}, roles).value_or("").find("agent"), std::string::npos);
}

}  // namespace
}  // namespace cs::signoff
