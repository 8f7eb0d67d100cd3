// Command approvals as the attacker meets them: an agent with the operator's account, shell and
// files, and the operator's own key, tries to make an approval that releases its held command.
// Real keys from ssh-keygen; signatures checked against ssh-keygen -Y verify.
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>

#include "countersign/guard/guard.h"
#include "countersign/signoff/signoff.h"
#include "countersign/signoff/ssh_key.h"
#include "countersign/signoff/sshsig.h"
#include "support/ssh_keys.h"
#include "support/test_support.h"

namespace cs::signoff {
namespace {

struct CommandApprovalCheck : ::testing::Test {
  test::TempDir keys;
  std::filesystem::path carol = test::make_ssh_key(keys.path(), "carol", {"ed25519"});
  std::filesystem::path erin = test::make_ssh_key(keys.path(), "erin", {"ecdsa", 256});
  std::filesystem::path dev = test::make_ssh_key(keys.path(), "dev", {"ed25519"});
  std::filesystem::path bot = test::make_ssh_key(keys.path(), "bot", {"ed25519"});
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::string binding =
      guard::command_binding({{"kubectl", "--context", "prod", "delete", "deployment", "web"}}, "/srv/shop", "prod");
  std::string id = binding.substr(0, 16);
  std::vector<Excluded> operators{{"operator", "", "dev"}, {"operator", "dev@example.com", ""}};
  std::vector<CommandRule> one_senior{{"senior", 1}};

  Trust trust() const {
    Trust t;
    t.repo_id = "example.com/acme/app";
    t.now = now;
    t.people.push_back({"carol", "Carol", {"carol@example.com"}, {"senior"}, {test::pub_line(carol)}, false});
    t.people.push_back({"erin", "Erin", {"erin@example.com"}, {"senior"}, {test::pub_line(erin)}, false});
    // The operator is a senior too: still never releases their own agent's command.
    t.people.push_back({"dev", "Dev", {"dev@example.com"}, {"senior"}, {test::pub_line(dev)}, false});
    t.people.push_back({"bot", "Deploy Bot", {"bot@example.com"}, {"senior"}, {test::pub_line(bot)}, true});
    return t;
  }
  std::string sign(const std::filesystem::path& key, std::string approver, int64_t ttl = 900, std::string request = "",
                   std::string bind = "") {
    CommandApproval a{request.empty() ? id : request, bind.empty() ? binding : bind, std::move(approver), now,
                      now + ttl};
    auto block = sign_command_approval(a, {key.string(), a.approver, now});
    EXPECT_TRUE(block) << block.error().describe();
    return block ? *block : std::string();
  }
  CommandCheck check(const std::vector<std::string>& blocks, std::vector<CommandRule> rules = {},
                     std::function<bool(const std::string&)> used = {}) {
    auto t = trust();
    if (rules.empty()) rules = one_senior;
    return check_command_approvals(t, blocks, id, binding, operators, rules, false, used);
  }
  static std::string reasons(const CommandCheck& c) {
    std::string out;
    for (const auto& r : c.refusals) out += r + "\n";
    return out;
  }
};

TEST_F(CommandApprovalCheck, ASeniorsApprovalReleasesAndSshKeygenVerifiesIt) {
  auto block = sign(carol, "carol@example.com");
  auto c = check({block});
  EXPECT_TRUE(c.released) << reasons(c);
  EXPECT_EQ(c.approvers, std::vector<std::string>{"carol"});
  ASSERT_EQ(c.uses.size(), 1u);
  auto read = read_command_approval(block);
  ASSERT_TRUE(read);
  EXPECT_EQ(c.uses[0], ChangeDigest::of(read->text).hex());
  auto r = test::ssh_keygen_verify(test::pub_line(carol), read->signature, read->text, "countersign-command-approval",
                                   "carol@example.com");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // And ssh-keygen's own signature of the statement is one of ours.
  auto theirs = test::ssh_keygen_sign(erin, read->text, "countersign-command-approval");
  auto wrong = read->text;
  wrong.replace(wrong.find("carol@example.com"), 17, "erin@example.com");
  auto mine = test::ssh_keygen_sign(erin, wrong, "countersign-command-approval");
  EXPECT_TRUE(check({guard::armor("COUNTERSIGN COMMAND APPROVAL", wrong + mine)}).released);
  EXPECT_FALSE(check({guard::armor("COUNTERSIGN COMMAND APPROVAL", read->text + theirs)}).released);  // names carol
}

TEST_F(CommandApprovalCheck, TheOperatorsOwnKeyListedAsASeniorIsRefused) {
  auto c = check({sign(dev, "dev@example.com")});
  EXPECT_FALSE(c.released);
  EXPECT_NE(reasons(c).find("operator"), std::string::npos) << reasons(c);
  // Matched by login name alone (the person's id) too.
  std::vector<Excluded> login{{"operator", "", "dev"}};
  auto t = trust();
  std::vector<std::string> blocks{sign(dev, "dev")};
  EXPECT_FALSE(check_command_approvals(t, blocks, id, binding, login, one_senior, false, {}).released);
}

TEST_F(CommandApprovalCheck, AnAgentIdentitysKeyIsRefused) {
  auto c = check({sign(bot, "bot@example.com")});
  EXPECT_FALSE(c.released);
  EXPECT_NE(reasons(c).find("agent"), std::string::npos) << reasons(c);
}

TEST_F(CommandApprovalCheck, AKeyOfNobodyInTheTrustedDirectoryIsRefused) {
  auto stranger = test::make_ssh_key(keys.path(), "stranger", {"ed25519"});
  auto c = check({sign(stranger, "carol@example.com")});
  EXPECT_FALSE(c.released);
  EXPECT_NE(reasons(c).find("belongs to nobody"), std::string::npos) << reasons(c);
}

TEST_F(CommandApprovalCheck, AnApprovalOfAnotherRequestOrBindingIsRefused) {
  auto other =
      guard::command_binding({{"kubectl", "--context", "prod", "delete", "deployment", "web"}}, "/srv/other", "prod");
  EXPECT_FALSE(check({sign(carol, "carol@example.com", 900, other.substr(0, 16), other)}).released);
  auto other_env =
      guard::command_binding({{"kubectl", "--context", "prod", "delete", "deployment", "web"}}, "/srv/shop", "staging");
  EXPECT_FALSE(check({sign(carol, "carol@example.com", 900, other_env.substr(0, 16), other_env)}).released);
  // Same id prefix, another binding: the statement parser refuses an id that is not its prefix,
  // and a binding sharing the prefix but differing after it is another command.
  std::string same_prefix = binding;
  same_prefix.back() = same_prefix.back() == '0' ? '1' : '0';
  auto c = check({sign(carol, "carol@example.com", 900, id, same_prefix)});
  EXPECT_FALSE(c.released);
  EXPECT_NE(reasons(c).find("another command"), std::string::npos) << reasons(c);
}

TEST_F(CommandApprovalCheck, ExpiredOrOverlongApprovalsAreRefused) {
  CommandApproval a{id, binding, "carol@example.com", now - 3600, now - 60};
  auto expired = sign_command_approval(a, {carol.string(), a.approver, now});
  ASSERT_TRUE(expired);
  auto c = check({*expired});
  EXPECT_FALSE(c.released);
  EXPECT_NE(reasons(c).find("expired"), std::string::npos) << reasons(c);
  EXPECT_FALSE(check({sign(carol, "carol@example.com", 2 * 24 * 3600)}).released);
}

TEST_F(CommandApprovalCheck, AUsedApprovalIsRefused) {
  auto block = sign(carol, "carol@example.com");
  auto c = check({block}, {}, [](const std::string&) { return true; });
  EXPECT_FALSE(c.released);
  EXPECT_NE(reasons(c).find("used up"), std::string::npos) << reasons(c);
}

TEST_F(CommandApprovalCheck, AChangeApprovalOrGitSignatureIsNotACommandApproval) {
  auto read = read_command_approval(sign(carol, "carol@example.com"));
  ASSERT_TRUE(read);
  for (std::string ns : {"countersign-approval", "git", "file"}) {
    auto sig = test::ssh_keygen_sign(carol, read->text, ns);
    auto c = check({guard::armor("COUNTERSIGN COMMAND APPROVAL", read->text + sig)});
    EXPECT_FALSE(c.released) << ns;
    EXPECT_NE(reasons(c).find("not a command approval"), std::string::npos) << reasons(c);
  }
  // A key restricted to change approvals in allowed_signers may not sign command approvals.
  auto t = trust();
  t.people[0].keys = {"namespaces=\"countersign-approval\" " + test::pub_line(carol)};
  std::vector<std::string> blocks{sign(carol, "carol@example.com")};
  EXPECT_FALSE(check_command_approvals(t, blocks, id, binding, operators, one_senior, false, {}).released);
}

TEST_F(CommandApprovalCheck, TamperedBlocksAreRefused) {
  auto block = sign(carol, "carol@example.com");
  EXPECT_FALSE(check({block + "appended"}).released);
  EXPECT_FALSE(check({"junk\n" + block}).released);
  auto read = read_command_approval(block);
  ASSERT_TRUE(read);
  // The statement edited after signing: a later expiry, another approver, another binding.
  auto later = read->text;
  later.replace(later.find("expires ") + 8, 4, "2099");
  EXPECT_FALSE(check({guard::armor("COUNTERSIGN COMMAND APPROVAL", later + read->signature)}).released);
  // Data after the signature, inside the block.
  EXPECT_FALSE(read_command_approval(guard::armor("COUNTERSIGN COMMAND APPROVAL", read->text + read->signature + "x")));
  EXPECT_FALSE(read_command_approval(
      guard::armor("COUNTERSIGN COMMAND APPROVAL", read->text + read->signature + read->signature)));
  // Every flipped character of the block is refused (or, in the base64 padding bits, a parse error).
  size_t body = block.find('\n') + 1, stop = block.find("-----END");
  for (size_t i = body; i < stop; i += 3) {
    if (block[i] == '\n') continue;
    std::string t = block;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(check({t}).released) << "flipped at " << i;
  }
}

TEST_F(CommandApprovalCheck, TwoSeniorsMeanTwoDistinctPeople) {
  std::vector<CommandRule> two{{"senior", 2}};
  auto by_carol = sign(carol, "carol@example.com");
  EXPECT_FALSE(check({by_carol}, two).released);
  // The same person twice (two approvals, same key) is one person.
  EXPECT_FALSE(check({by_carol, sign(carol, "carol", 600)}, two).released);
  // The operator and an agent do not make up the count.
  EXPECT_FALSE(check({by_carol, sign(dev, "dev@example.com"), sign(bot, "bot@example.com")}, two).released);
  auto c = check({by_carol, sign(erin, "erin@example.com")}, two);
  EXPECT_TRUE(c.released) << reasons(c);
  EXPECT_EQ(c.uses.size(), 2u);
}

TEST_F(CommandApprovalCheck, StatementsAreParsedStrictly) {
  CommandApproval a{id, binding, "carol@example.com", now, now + 60};
  auto text = render(a);
  EXPECT_TRUE(parse_command_approval(text));
  EXPECT_FALSE(parse_command_approval(text + "x\n"));
  EXPECT_FALSE(parse_command_approval(text.substr(0, text.size() - 1)));
  auto bad_approver = a;
  bad_approver.approver = "carol\x1b[2K";
  EXPECT_FALSE(parse_command_approval(render(bad_approver)));
  auto bad_id = a;
  bad_id.request = "0123456789abcdef";
  EXPECT_FALSE(parse_command_approval(render(bad_id)));
  EXPECT_FALSE(sign_command_approval(bad_id, {carol.string(), "carol", now}));
}

}  // namespace
}  // namespace cs::signoff

namespace cs::signoff {
namespace {

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

std::string person_yaml(const std::string& id, const std::string& roles, const std::string& key) {
  return "  - id: " + id + "\n    name: " + id + "\n    emails: [" + id + "@example.com]\n    roles: [" + roles +
         "]\n    keys: [\"" + key + "\"]\n";
}

// The agent's account can make a repository of its own whose trusted revision lists the agent's
// key as a senior; the administrator's people directory is the anchor it cannot write. Where it
// exists, command approvals are checked against it alone.
TEST(SystemTrust, TheAdministratorsPeopleDirectoryIsTheOnlyAnchor) {
  test::TempDir keys, sys;
  auto carol = test::make_ssh_key(keys.path(), "carol", {"ed25519"});
  auto agent = test::make_ssh_key(keys.path(), "mallory", {"ed25519"});
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  // A repository the agent made, whose own people.yaml makes its key a senior (what it controls).
  test::GitRepo fake;
  fake.write(".countersign/people.yaml", "people:\n" + person_yaml("mallory", "senior", test::pub_line(agent)));
  fake.commit("trusted, says the agent");
  fake.git("config countersign.repo acme/app");
  auto repo = git::Repository::open(fake.path().string());
  ASSERT_TRUE(repo);
  // No administrator's directory: nullopt (the trusted revision is used, as before).
  auto none = load_system_trust((sys.path() / "absent").string(), *repo, now);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  // The administrator lists carol only.
  write_file(sys.path() / "people.yaml", "people:\n" + person_yaml("carol", "senior", test::pub_line(carol)));
  auto loaded = load_system_trust(sys.path().string(), *repo, now);
  ASSERT_TRUE(loaded) << loaded.error().describe();
  ASSERT_TRUE(*loaded);
  std::string binding = guard::command_binding({{"kubectl", "delete", "ns", "prod"}}, "/srv/shop", "prod");
  std::string id = binding.substr(0, 16);
  auto sign = [&](const std::filesystem::path& key, const std::string& approver) {
    CommandApproval a{id, binding, approver, now, now + 900};
    auto block = sign_command_approval(a, {key.string(), approver, now});
    EXPECT_TRUE(block) << block.error().describe();
    return block ? *block : std::string();
  };
  std::vector<Excluded> operators{{"operator", "", "dev"}};
  std::vector<CommandRule> rules = (*loaded)->command_rules.empty() ? std::vector<CommandRule>{{"senior", 1}}
                                                                      : (*loaded)->command_rules;
  std::vector<std::string> forged{sign(agent, "mallory@example.com")};
  EXPECT_FALSE(check_command_approvals((*loaded)->trust, forged, id, binding, operators, rules, false, {}).released)
      << "the agent's key, senior only in the repository it made";
  std::vector<std::string> real{sign(carol, "carol@example.com")};
  EXPECT_TRUE(check_command_approvals((*loaded)->trust, real, id, binding, operators, rules, false, {}).released);
  // A people.yaml there that does not load is an error, never an empty directory.
  write_file(sys.path() / "people.yaml", "people: [\n");
  EXPECT_FALSE(load_system_trust(sys.path().string(), *repo, now));
}

}  // namespace
}  // namespace cs::signoff
