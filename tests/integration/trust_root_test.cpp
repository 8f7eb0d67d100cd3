// The revision the gate trusts, tried as an agent that wants its change deployed would: with a
// real bare remote, real pushes (`git push -u`), real ssh-keygen keys and the real binary. The
// candidate promotes its own author in people.yaml and approves itself; whatever the commands are
// given (or not given), the gate must read policy and people from the branch the change goes
// into, refuse names that mean more than one ref, and never pass an empty or cut-short range.
#include <gtest/gtest.h>

#include "support/ssh_keys.h"
#include "support/test_support.h"
#include "support/trust_remote.h"

namespace cs::test {
namespace {

void expect_blocked(const RunResult& r, const std::string& reason) {
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find(reason), std::string::npos) << "expected '" << reason << "' in:\n" << r.out << r.err;
}

void expect_error(const RunResult& r, const std::string& reason) {
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find(reason), std::string::npos) << "expected '" << reason << "' in:\n" << r.out << r.err;
}

constexpr const char* kTrustedMain = "refs/remotes/origin/main (the branch the change goes into: main";

// Section 1: with no --trusted-ref, after `git push -u origin feature`, the upstream is the
// candidate itself; the gate must read people from origin/main whatever form the range takes.
TEST(TrustRoot, PushedBranchDoesNotTrustItsOwnUpstream) {
  Remote t;
  auto head = t.promote_and_change();
  t.git("push -q -u origin feature");
  t.self_approve("origin/main..feature");
  t.self_approve(head);
  expect_blocked(t.run({"check"}), kTrustedMain);
  expect_blocked(t.run({"check", "origin/main..feature"}), kTrustedMain);
  expect_blocked(t.run({"check", "origin/main..origin/feature"}), kTrustedMain);
  expect_blocked(t.run({"check", "origin/main..HEAD", "--format", "json"}), "\"ref\":\"refs/remotes/origin/main\"");
  expect_blocked(t.run({"check", "origin/main..@{upstream}"}), kTrustedMain);
  expect_blocked(t.run({"check", "--into", "main"}), "main (--into)");
  auto listed = t.run({"approvals"});
  EXPECT_EQ(listed.exit_code, 0) << listed.out << listed.err;
  EXPECT_NE(listed.out.find("refs/remotes/origin/main"), std::string::npos) << listed.out;
}

TEST(TrustRoot, DeployFormTrustsTheDeployedRevision) {
  Remote t;
  t.promote_and_change();
  t.git("push -q -u origin feature");
  t.self_approve("origin/main..feature");
  auto r = t.run({"check", "--deployed", t.base, "--candidate", "feature"});
  expect_blocked(r, "the deployed revision (deploy form)");
  expect_blocked(t.run({"check", "--deployed", "origin/main", "--candidate", "origin/feature"}), "deployed revision");
}

// The left side of a push range is not trusted just for being the left side: an earlier push
// that nobody approved edited people.yaml.
TEST(TrustRoot, PushRangeDoesNotTrustItsLeftSide) {
  Remote t;
  t.write(".countersign/people.yaml", "people:\n" + person("carol", "senior, policy-admin", Remote::pub(t.carol)) +
                                          person("dev", "senior, policy-admin", Remote::pub(t.dev)));
  auto before = t.commit(std::string("make dev a senior") + kAi);
  t.git("push -q -u origin feature");
  t.write("app.py", "def cost(x):\n    return 0\n");
  auto after = t.commit(std::string("fix cost") + kAi);
  t.git("push -q");
  t.self_approve(after);
  expect_blocked(t.run({"check", before + ".." + after}), kTrustedMain);
  expect_blocked(t.run({"check", "HEAD~1..HEAD"}), kTrustedMain);
  expect_blocked(t.run({"check", "origin/feature~1..origin/feature"}), kTrustedMain);
}

// A --trusted-ref (or a branch chosen by the rule) that already holds commits of the range.
TEST(TrustRoot, TrustedRevisionMayNotContainTheRange) {
  Remote t;
  auto head = t.promote_and_change();
  t.git("push -q -u origin feature");
  t.self_approve("origin/main..feature");
  expect_error(t.run({"check", "origin/main..feature", "--trusted-ref", "feature"}), "already contains commit");
  expect_error(t.run({"check", "origin/main..feature", "--trusted-ref", "origin/feature"}), "already contains commit");
  expect_error(t.run({"check", "origin/main..feature", "--trusted-ref", head}), "already contains commit");
  expect_error(t.run({"check", "origin/main..feature", "--trusted-ref", "feature~1"}), "already contains commit");
  // A single revision's range is its whole history, which origin/main shares.
  expect_error(t.run({"check", "feature"}), "already contains commit");
  expect_error(t.run({"approvals", "feature"}), "already contains commit");
  // The change merged into origin/main: checking it against origin/main trusts the change.
  t.git("push -q origin feature:main");
  t.git("fetch -q");
  expect_error(t.run({"check", t.base + "..feature"}), "already contains commit");
  // The deploy form still works: the deployed revision does not hold the change.
  expect_blocked(t.run({"check", "--deployed", t.base, "--candidate", "origin/main"}), "deployed revision");
}

// A CI checkout made with git init + git fetch records no refs/remotes/origin/HEAD: the gate must
// not guess the default branch from the names the remote has (anyone can push a `main`).
TEST(TrustRoot, UnrecordedDefaultBranchIsNotGuessed) {
  Remote t;
  t.promote_and_change();
  t.git("push -q -u origin feature");
  t.git("push -q origin feature:refs/heads/master");  // a branch named like a default one
  auto ci = t.dir.path() / "ci";
  sh("git init -q " + quote(ci.string()));
  sh("git remote add origin " + quote("file://" + t.bare.string()) + " && git fetch -q --no-tags origin "
     "'+refs/heads/*:refs/remotes/origin/*' && git checkout -q refs/remotes/origin/feature",
     ci);
  sh("git config countersign.repo acme/app", ci);
  ASSERT_NE(sh("git rev-parse -q --verify refs/remotes/origin/HEAD", ci).exit_code, 0);
  expect_error(t.run({"check"}, ci), "git remote set-head origin --auto");
  expect_error(t.run({"check", "refs/remotes/origin/master..HEAD"}, ci), "does not record the default branch");
  // The CI names the branch: taken as given.
  expect_blocked(t.run({"check", "refs/remotes/origin/main..HEAD", "--into", "main"}, ci),
                 "refs/remotes/origin/main (the branch the change goes into: main (--into;");
  expect_blocked(t.run({"check", "--into", "main"}, ci), "--into");
  sh("git remote set-head origin main", ci);
  expect_blocked(t.run({"check"}, ci), kTrustedMain);
}

// With no range, the range is what HEAD adds to the trusted revision: a --trusted-ref naming the
// candidate itself would make it empty. It must not hold what HEAD adds to the branch it goes into.
TEST(TrustRoot, TrustedRefNamingTheCandidateWithNoRange) {
  Remote t;
  t.promote_and_change();
  t.git("push -q -u origin feature");
  t.self_approve("origin/main..feature");
  for (const char* candidate : {"@{u}", "HEAD", "refs/remotes/origin/feature", "feature", "HEAD~1"}) {
    expect_error(t.run({"check", "--trusted-ref", candidate}), "already contains commit");
    expect_error(t.run({"approvals", "--trusted-ref", candidate}), "already contains commit");
  }
  expect_blocked(t.run({"check", "--trusted-ref", "refs/remotes/origin/main"}), "--trusted-ref");
  expect_blocked(t.run({"check", "--trusted-ref", t.base}), "--trusted-ref");
}

// A protected branch named on the left side, or with --into, is the branch the change goes into;
// a branch that is not protected is not trusted by --into.
TEST(TrustRoot, ProtectedBranchesComeFromTheDefaultBranch) {
  Remote t(
      "version: 1\nbranches: { protected: [\"release/*\"] }\nrules:\n"
      "  - name: ai\n    match: { provenance: [ai_assisted, ai_authored, unknown] }\n"
      "    require: { approvals: 1, roles: [senior] }\n");
  t.git("push -q origin " + t.base + ":refs/heads/release/1");
  t.git("fetch -q");
  t.promote_and_change();
  t.git("push -q -u origin feature");
  t.self_approve("origin/main..feature");
  expect_blocked(t.run({"check", "origin/release/1..feature"}),
                 "refs/remotes/origin/release/1 (the branch the change goes into: release/1 (the left side");
  expect_blocked(t.run({"check", "--into", "release/1"}), "release/1 (--into)");
  expect_error(t.run({"check", "--into", "feature"}), "not a protected branch");
  // The candidate cannot make its own branch protected: the list is read from origin/main.
  t.write(".countersign/policy.yaml", "version: 1\nbranches: { protected: [feature] }\nrules: []\n");
  t.commit("protect me");
  t.git("push -q");
  expect_error(t.run({"check", "--into", "feature"}), "not a protected branch");
  expect_blocked(t.run({"check", "origin/feature~3..feature"}), kTrustedMain);
}

// `overdue` read HEAD: the candidate could remove break_glass so that no review was owed.
TEST(TrustRoot, OverdueReadsTheDefaultBranch) {
  Remote t(
      "version: 1\nbreak_glass: { roles: [senior] }\nrules:\n"
      "  - name: ai\n    match: { provenance: [ai_assisted, ai_authored, unknown] }\n"
      "    require: { approvals: 1, roles: [senior] }\n");
  t.write("app.py", "def cost(x):\n    return 0\n");
  auto c = t.commit(std::string("fix cost") + kAi);
  auto o = t.run({"override", c, "--reason", "outage", "--role", "senior", "--key", t.carol.string(), "--approver",
                  "carol@example.com"});
  ASSERT_EQ(o.exit_code, 0) << o.out << o.err;
  t.write(".countersign/policy.yaml", "version: 1\nrules: []\n");
  t.commit("no break glass");
  t.git("push -q -u origin feature");
  auto r = t.run({"overdue"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("1 open"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(kTrustedMain), std::string::npos) << r.out;
}

// Section 3: a tag or branch named like the ref CI compares against shadows it; git would
// quietly take one of them. Every such name is refused, listing what it could mean.
TEST(TrustRoot, AmbiguousNamesAreRefused) {
  Remote t;
  auto head = t.promote_and_change();
  t.git("push -q -u origin feature");
  t.self_approve("origin/main..feature");
  t.git("tag origin/main " + head);  // makes origin/main..feature empty under git's rules
  expect_error(t.run({"check", "origin/main..feature"}), "refs/tags/origin/main, refs/remotes/origin/main");
  expect_error(t.run({"check", "--deployed", "origin/main", "--candidate", "feature"}), "ambiguous revision name");
  // Full names always work.
  expect_blocked(t.run({"check", "refs/remotes/origin/main..refs/heads/feature"}), kTrustedMain);
  t.git("tag -d origin/main");
  // A tag named like the deployed branch.
  t.git("branch production " + t.base);
  t.git("tag production " + head);
  expect_error(t.run({"check", "--deployed", "production", "--candidate", "feature"}), "refs/tags/production");
  expect_blocked(t.run({"check", "--deployed", "refs/heads/production", "--candidate", "feature"}), "deployed");
  // A local branch named like the remote-tracking one.
  t.git("branch origin/main " + head);
  expect_error(t.run({"check", "origin/main..feature"}), "refs/heads/origin/main");
  t.git("branch -D origin/main");
  // A branch named like an abbreviated object id.
  std::string abbrev = t.base.substr(0, 8);
  t.git("branch " + abbrev + " " + head);
  expect_error(t.run({"check", abbrev + "..feature"}), "the object " + abbrev);
  t.git("branch -D " + abbrev);
  // A tag named HEAD shadows nothing git would show, but is refused all the same.
  t.git("update-ref refs/tags/HEAD " + head);
  expect_error(t.run({"check"}), "ambiguous revision name 'HEAD'");
  expect_error(t.run({"check", "--trusted-ref", "HEAD"}), "ambiguous");
}

// Section 4: an empty range is a pass only when the candidate adds nothing to the trusted revision.
TEST(TrustRoot, EmptyRangesAreNotAPass) {
  Remote t;
  auto head = t.promote_and_change();
  t.git("push -q -u origin feature");
  // Before: `check` with no range checked HEAD's commits not on its upstream: 0, pass.
  expect_blocked(t.run({"check"}), "2 commit");
  // An empty range whose tip the trusted revision lacks is what that tip deploys: trusted..tip.
  expect_blocked(t.run({"check", "feature..feature"}), "2 commit");
  expect_blocked(t.run({"check", "feature..feature"}), "every commit it would deploy is checked");
  expect_blocked(t.run({"check", "HEAD..HEAD~1"}), "1 commit");
  // Nothing added: main itself is checked against origin/main.
  t.git("checkout -q main");
  auto nothing = t.run({"check"});
  EXPECT_EQ(nothing.exit_code, 0) << nothing.out << nothing.err;
  EXPECT_NE(nothing.out.find(kTrustedMain), std::string::npos) << nothing.out;
  // A rollback deploys nothing new: pass.
  auto rollback = t.run({"check", "--deployed", head, "--candidate", t.base});
  EXPECT_EQ(rollback.exit_code, 0) << rollback.out << rollback.err;
}

// A second push's before..after leaves out the first push's commits, which its tip deploys too:
// the range is widened to trusted..after, whatever form before takes.
TEST(TrustRoot, APushRangeNarrowerThanTheChangeIsWidenedToTheTrustedRevision) {
  Remote t;
  t.write("app.py", "def cost(x):\n    return 0\n");
  auto first = t.commit(std::string("fix cost") + kAi);  // the first push: AI, needs a senior
  t.git("push -q -u origin feature");
  t.write("README.md", "cost calculator\n");
  auto second = t.commit("docs: describe the calculator");  // the second push: a human's, needs nothing
  t.git("push -q origin feature");
  // Before: `check first..second` passed, and deploying `second` shipped `first` unreviewed.
  for (const std::string& range : std::vector<std::string>{first + ".." + second, first.substr(0, 12) + "..feature",
                                   "origin/feature@{1}..origin/feature", "HEAD~1..HEAD", "feature~..feature"}) {
    auto r = t.run({"check", range});
    expect_blocked(r, "2 commit");
    expect_blocked(r, "leaves out what its tip carries beyond the trusted revision");
    expect_blocked(r, first.substr(0, 12));
  }
  // The widened range is reported as checked, in JSON too.
  expect_blocked(t.run({"check", first + "..feature", "--format", "json"}), "refs/remotes/origin/main..feature");
  // A senior's approval of the second commit alone does not deploy the first.
  auto approved = t.run({"approve", second, "--key", t.carol.string(), "--approver", "carol@example.com"});
  EXPECT_EQ(approved.exit_code, 0) << approved.out << approved.err;
  expect_blocked(t.run({"check", first + ".." + second}), "fix cost");
  // A range with two tips that would need widening is refused, naming what to check.
  t.git("checkout -q -b side " + first);
  t.write("other.py", "x = 1\n");
  t.commit("side work");
  expect_error(t.run({"check", "feature...side"}), "check each tip against it instead");
  // A range whose hidden end is the trusted revision is walked as given, without a note.
  auto plain = t.run({"check", "origin/main..feature"});
  EXPECT_EQ(plain.out.find("leaves out"), std::string::npos) << plain.out;
}

// approve judges exactly its target: a commit whose parent is not yet trusted is approved for
// itself, not refused for what lies between it and the trusted revision.
TEST(TrustRoot, ApproveJudgesExactlyItsTargetNotTheWidenedRange) {
  Remote t;
  t.write("app.py", "def cost(x):\n    return x * 3\n");
  t.git("add -A");
  t.git("-c user.name=Carol -c user.email=carol@example.com commit -q -m " + quote(std::string("carol's change") + kAi));
  t.write("README.md", "cost calculator\n");
  auto second = t.commit(std::string("docs") + kAi);
  auto approved = t.run({"approve", second, "--key", t.carol.string(), "--approver", "carol@example.com"});
  EXPECT_EQ(approved.exit_code, 0) << approved.out << approved.err;
  // The check of the branch still needs someone other than carol for her own commit.
  expect_blocked(t.run({"check"}), "carol's change");
}

TEST(TrustRoot, ShallowAndSingleBranchClonesSayWhatToFetch) {
  Remote t;
  t.promote_and_change();
  t.git("push -q -u origin feature");
  // The single-branch clone CI systems make: no origin/main at all.
  auto single = t.dir.path() / "single";
  t.clone(single, "--depth 1 --single-branch --branch feature");
  expect_error(t.run({"check"}, single), "--trusted-ref");
  expect_error(t.run({"check"}, single), "git fetch origin");
  // Both branches, one commit deep: the range reaches the cut.
  auto shallow = t.dir.path() / "shallow";
  t.clone(shallow, "--depth 1 --no-single-branch --branch feature");
  expect_error(t.run({"check"}, shallow), "--unshallow");
  expect_error(t.run({"check", "origin/main..feature"}, shallow), "shallow");
  // Deep enough: blocked like the full clone (no approvals fetched: says what to fetch).
  auto deep = t.dir.path() / "deep";
  t.clone(deep, "--depth 3 --no-single-branch --branch feature");
  expect_blocked(t.run({"check"}, deep), "git fetch origin 'refs/countersign/*:refs/countersign/*'");
}

}  // namespace
}  // namespace cs::test
