// Releasing a held command, end to end through the built binary: a real Claude Code hook payload
// is held, its request block goes to a senior who signs it with a real ssh-keygen key (file or
// ssh-agent), the approval block comes back through `guard accept`, and one retry passes. Then,
// as the attacker (an agent with the operator's account, shell, files and own key), every way to
// make an approval the hook accepts without a senior of the trusted revision.
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <regex>

#include "countersign/guard/guard.h"
#include "countersign/guard/json.h"
#include "countersign/signoff/signoff.h"
#include "support/ssh_keys.h"
#include "support/test_support.h"

namespace cs::test {
namespace {

constexpr const char* kDelete = "kubectl --context prod delete deployment web";

bool has(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

std::string login_name() {
  const auto* pw = ::getpwuid(::getuid());
  return pw && pw->pw_name ? pw->pw_name : "";
}

// The block between BEGIN and END lines of `label` in `text`, as printed.
std::string block_in(const std::string& text, const std::string& label) {
  auto b = text.find("-----BEGIN " + label + "-----");
  auto e = text.find("-----END " + label + "-----");
  if (b == std::string::npos || e == std::string::npos) return "";
  return text.substr(b, e + 14 + label.size() - b) + "\n";
}

// A hook payload's JSON string of `s`.
std::string json(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

struct People {
  std::string extra_policy;  // appended to policy.yaml
  bool people = true;
};

// The agent's machine: a repository whose main branch (pushed to a bare origin, origin/HEAD set)
// holds the trusted people directory; the agent works on a feature branch. The operator's git
// user.email is dev@example.com; dev is listed as a senior too, with the operator's own key.
struct Release {
  TempDir remote, home, senior_home, keys;
  GitRepo g;
  std::filesystem::path carol, erin, dev, bot, mallory;

  explicit Release(const People& p = {}) {
    carol = make_ssh_key(keys.path(), "carol", {"ed25519"});
    erin = make_ssh_key(keys.path(), "erin", {"ecdsa", 256});
    dev = make_ssh_key(keys.path(), "dev", {"ed25519"});
    bot = make_ssh_key(keys.path(), "bot", {"ed25519"});
    mallory = make_ssh_key(keys.path(), "mallory", {"ed25519"});
    sh("git init -q --bare " + quote(remote.path().string()));
    g.git("config user.email dev@example.com");
    g.write(".countersign/policy.yaml", "version: 1\nrules: []\n" + p.extra_policy);
    if (p.people)
      g.write(".countersign/people.yaml", "people:\n" + person("carol", "Carol", "carol@example.com", carol) +
                                              person("erin", "Erin", "erin@example.com", erin) +
                                              person("dev", "Dev", "dev@example.com", dev) +
                                              person("claude", "Claude", "noreply@anthropic.com", bot));
    g.write("README", "x\n");
    g.commit("trusted policy and people", "Carol", "carol@example.com");
    g.git("remote add origin " + quote(remote.path().string()));
    g.git("push -q origin main");
    g.git("fetch -q origin");
    g.git("remote set-head origin main");
    g.git("checkout -q -b feature");
  }
  static std::string person(const std::string& id, const std::string& name, const std::string& email,
                            const std::filesystem::path& key) {
    return "  - id: " + id + "\n    name: " + name + "\n    emails: [" + email +
           "]\n    roles: [senior]\n    keys: [\"" + pub_line(key) + "\"]\n";
  }
  std::string state() const { return (home.path() / ".local/state/countersign").string(); }

  // The agent's hook (claude-code), in the repository or `cwd`.
  RunResult hook(const std::string& command = kDelete, std::string cwd = "") {
    if (cwd.empty()) cwd = g.path().string();
    std::string payload = R"({"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Bash","cwd":)" + json(cwd) +
                          R"(,"tool_input":{"command":)" + json(command) + "}}";
    return sh(agent_env() + " guard --agent claude-code", cwd, payload);
  }
  std::string agent_env() const {
    return "env -u XDG_STATE_HOME -u SSH_AUTH_SOCK -u KUBECONFIG HOME=" + quote(home.path().string()) + " " +
           quote(CS_BINARY);
  }
  // Held: the request block from the hook's answer (one JSON line; the reason has the block).
  std::string held_block(const std::string& command = kDelete, std::string cwd = "") {
    auto r = hook(command, cwd);
    EXPECT_TRUE(has(r.out, "\"permissionDecision\":\"ask\"")) << r.out << r.err;
    auto doc = guard::json::parse(r.out);
    if (!doc) return "";
    const auto* hso = doc->get("hookSpecificOutput");
    const auto* reason = hso ? hso->get("permissionDecisionReason") : nullptr;
    return reason ? block_in(reason->text, "COUNTERSIGN COMMAND REQUEST") : "";
  }
  // The senior, on another machine (their own HOME, no repository): signs the block.
  RunResult approve(const std::string& request, const std::filesystem::path& key, const std::string& approver,
                    const std::string& extra = "") {
    TempDir elsewhere;
    return sh("env -u XDG_STATE_HOME HOME=" + quote(senior_home.path().string()) + " " + quote(CS_BINARY) +
                  " guard approve - --key " + quote(key.string()) + " --approver " + quote(approver) + " " + extra,
              elsewhere.path(), request);
  }
  std::string approval(const std::string& request, const std::filesystem::path& key, const std::string& approver,
                       const std::string& extra = "") {
    auto r = approve(request, key, approver, extra);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return block_in(r.out, "COUNTERSIGN COMMAND APPROVAL");
  }
  RunResult accept(const std::string& block) { return sh(agent_env() + " guard accept", g.path(), block); }
  bool released(const RunResult& r) const { return r.exit_code == 0 && r.out.empty(); }
  // held → approved by `key` → accepted → is the retry released?
  RunResult round(const std::filesystem::path& key, const std::string& approver) {
    auto request = held_block();
    auto block = approval(request, key, approver);
    EXPECT_EQ(accept(block).exit_code, 0);
    return hook();
  }
};

TEST(GuardRelease, ASeniorsSignatureReleasesExactlyOneRetryThenTheCommandIsHeldAgain) {
  Release t;
  auto held = t.hook();
  EXPECT_TRUE(has(held.out, "Only a senior's signed approval releases it")) << held.out;
  auto request = t.held_block();
  ASSERT_FALSE(request.empty());
  auto parsed = guard::parse_request_block(request);
  ASSERT_TRUE(parsed) << parsed.error().describe();
  EXPECT_EQ(parsed->command, kDelete);
  EXPECT_EQ(parsed->cwd, t.g.path().string());
  EXPECT_EQ(parsed->agent, "claude-code");
  EXPECT_EQ(parsed->operator_, login_name());
  // `guard pending` on the agent's machine shows the same request with its block.
  auto pending = sh(t.agent_env() + " guard pending");
  EXPECT_TRUE(has(pending.out, parsed->id)) << pending.out;
  EXPECT_TRUE(guard::parse_request_block(block_in(pending.out, "COUNTERSIGN COMMAND REQUEST")));

  // The senior sees exactly what will run, then signs.
  auto signed_ = t.approve(request, t.carol, "carol@example.com", "--ttl 10m");
  ASSERT_EQ(signed_.exit_code, 0) << signed_.err;
  EXPECT_TRUE(has(signed_.err, "kubectl --context prod delete deployment web")) << signed_.err;
  EXPECT_TRUE(has(signed_.err, "environment: prod")) << signed_.err;
  auto approval = block_in(signed_.out, "COUNTERSIGN COMMAND APPROVAL");
  ASSERT_FALSE(approval.empty()) << signed_.out;
  // ssh-keygen verifies our signature in namespace countersign-command-approval.
  auto read = signoff::read_command_approval(approval);
  ASSERT_TRUE(read) << read.error().describe();
  auto verify = ssh_keygen_verify(pub_line(t.carol), read->signature, read->text, "countersign-command-approval",
                                  "carol@example.com");
  EXPECT_EQ(verify.exit_code, 0) << verify.err;

  auto accepted = t.accept(approval);
  ASSERT_EQ(accepted.exit_code, 0) << accepted.err;
  EXPECT_TRUE(has(accepted.out, "stored the approval of request " + parsed->id)) << accepted.out;
  auto retry = t.hook();
  EXPECT_TRUE(t.released(retry)) << retry.out << retry.err;
  auto again = t.hook();
  EXPECT_TRUE(has(again.out, "\"ask\"")) << again.out;
  EXPECT_TRUE(has(again.out, parsed->id));
  auto log = read_file(t.state() + "/guard.jsonl");
  EXPECT_TRUE(has(log, "\"approved_by\":\"carol\"")) << log;
}

// A private ssh-agent on a socket in a temporary directory, killed by its pid at the end.
struct SshAgent {
  std::filesystem::path socket;
  int pid = -1;
  explicit SshAgent(const std::filesystem::path& dir) : socket(dir / "agent.sock") {
    auto r = sh("ssh-agent -s -a " + quote(socket.string()));
    std::smatch m;
    if (r.exit_code == 0 && std::regex_search(r.out, m, std::regex("SSH_AGENT_PID=([0-9]+)")))
      pid = std::stoi(m[1]);
    else
      ADD_FAILURE() << "ssh-agent did not start: " << r.out << r.err;
  }
  ~SshAgent() {
    if (pid > 0) ::kill(pid, SIGTERM);
  }
};

TEST(GuardRelease, ASeniorMaySignThroughTheirSshAgent) {
  Release t;
  TempDir dir;
  SshAgent agent(dir.path());
  ASSERT_EQ(sh("SSH_AUTH_SOCK=" + quote(agent.socket.string()) + " ssh-add -q " + quote(t.erin.string())).exit_code, 0);
  std::filesystem::remove(t.erin);  // only the agent holds the private key now
  auto request = t.held_block();
  TempDir elsewhere;
  auto r = sh("env -u XDG_STATE_HOME HOME=" + quote(t.senior_home.path().string()) +
                  " SSH_AUTH_SOCK=" + quote(agent.socket.string()) + " " + quote(CS_BINARY) +
                  " guard approve - --key " + quote(t.erin.string() + ".pub") + " --approver erin@example.com",
              elsewhere.path(), request);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(t.accept(block_in(r.out, "COUNTERSIGN COMMAND APPROVAL")).exit_code, 0);
  EXPECT_TRUE(t.released(t.hook()));
}

TEST(GuardRelease, TheOperatorsOwnKeyListedAsASeniorIsRefused) {
  Release t;  // dev@example.com is this repository's user.email: the operator
  auto retry = t.round(t.dev, "dev@example.com");
  EXPECT_FALSE(t.released(retry));
  EXPECT_TRUE(has(retry.out, "operator the agent runs as")) << retry.out;
}

TEST(GuardRelease, TheOperatorsLoginNameNamesThemToo) {
  Release t;
  // The trusted directory lists the account the agent runs as under its login name as id.
  t.g.git("checkout -q main");
  t.g.write(".countersign/people.yaml", "people:\n" + Release::person(login_name(), "Op", "op@example.com", t.mallory));
  t.g.commit("operator is a senior", "Carol", "carol@example.com");
  t.g.git("push -q origin main");
  t.g.git("fetch -q origin");
  t.g.git("checkout -q feature");
  t.g.git("merge -q main");
  auto retry = t.round(t.mallory, "op@example.com");
  EXPECT_FALSE(t.released(retry));
  EXPECT_TRUE(has(retry.out, "operator the agent runs as")) << retry.out;
}

TEST(GuardRelease, AKeyOnlyInTheWorkTreesPeopleDirectoryIsRefused) {
  Release t;
  // The agent adds itself as a senior on its branch, in people.yaml and allowed_signers, commits.
  t.g.write(".countersign/people.yaml",
            "people:\n" + Release::person("mallory", "Mallory", "mallory@example.com", t.mallory));
  t.g.write(".countersign/allowed_signers", "mallory@example.com " + pub_line(t.mallory) + "\n");
  t.g.commit("add mallory", "Mallory", "mallory@example.com");
  auto retry = t.round(t.mallory, "mallory@example.com");
  EXPECT_FALSE(t.released(retry));
  EXPECT_TRUE(has(retry.out, "belongs to nobody in the trusted people directory")) << retry.out;
  // Pushing the branch changes nothing: the trusted revision is origin's default branch.
  t.g.git("push -q origin feature");
  EXPECT_FALSE(t.released(t.round(t.mallory, "mallory@example.com")));
}

TEST(GuardRelease, AnAgentIdentitysKeyIsRefused) {
  Release t;
  auto retry = t.round(t.bot, "noreply@anthropic.com");
  EXPECT_FALSE(t.released(retry));
  EXPECT_TRUE(has(retry.out, "AI agent identity")) << retry.out;
}

TEST(GuardRelease, AnApprovalForAnotherCommandDirectoryOrEnvironmentIsRefused) {
  Release t;
  auto request = t.held_block();
  auto id = guard::parse_request_block(request)->id;
  auto block = t.approval(request, t.carol, "carol");
  ASSERT_EQ(t.accept(block).exit_code, 0);
  // Another command, another directory, another environment: other requests, held.
  EXPECT_FALSE(t.released(t.hook("kubectl --context prod delete deployment api")));
  std::filesystem::create_directories(t.g.path() / "sub");
  EXPECT_FALSE(t.released(t.hook(kDelete, (t.g.path() / "sub").string())));
  EXPECT_FALSE(t.released(t.hook("kubectl --context prod-eu delete deployment web")));
  // The approval filed under another request's id is read there, and refused: another binding.
  auto other = guard::parse_request_block(t.held_block("kubectl --context prod delete deployment api"));
  ASSERT_TRUE(other);
  std::filesystem::create_directories(t.state() + "/guard/approved/" + other->id);
  std::filesystem::rename(t.state() + "/guard/approved/" + id, t.state() + "/guard/approved/" + other->id + "/moved");
  for (const auto& e : std::filesystem::directory_iterator(t.state() + "/guard/approved/" + other->id + "/moved"))
    std::filesystem::rename(e.path(), t.state() + "/guard/approved/" + other->id + "/" + e.path().filename().string());
  auto moved = t.hook("kubectl --context prod delete deployment api");
  EXPECT_FALSE(t.released(moved));
  EXPECT_TRUE(has(moved.out, "another command, directory or environment")) << moved.out;
}

TEST(GuardRelease, AnExpiredApprovalIsRefused) {
  Release t;
  auto block = t.approval(t.held_block(), t.carol, "carol", "--ttl 1s");
  ASSERT_EQ(t.accept(block).exit_code, 0);
  ::sleep(2);
  auto retry = t.hook();
  EXPECT_FALSE(t.released(retry));
  EXPECT_TRUE(has(retry.out, "expired")) << retry.out;
}

TEST(GuardRelease, AReplayAfterUseIsRefused) {
  Release t;
  auto block = t.approval(t.held_block(), t.carol, "carol");
  ASSERT_EQ(t.accept(block).exit_code, 0);
  ASSERT_TRUE(t.released(t.hook()));
  // The agent pastes the used approval back, as sent and rewrapped with CRLF line ends.
  ASSERT_EQ(t.accept(block).exit_code, 0);
  auto replay = t.hook();
  EXPECT_FALSE(t.released(replay));
  EXPECT_TRUE(has(replay.out, "used up by an earlier retry")) << replay.out;
  std::string crlf;
  for (char c : block) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  ASSERT_EQ(t.accept(crlf).exit_code, 0);
  EXPECT_FALSE(t.released(t.hook()));
}

TEST(GuardRelease, AChangeApprovalOrCommitSignatureIsNotACommandApproval) {
  Release t;
  auto read = signoff::read_command_approval(t.approval(t.held_block(), t.carol, "carol"));
  ASSERT_TRUE(read);
  for (std::string ns : {"countersign-approval", "git"}) {
    auto forged = guard::armor("COUNTERSIGN COMMAND APPROVAL", read->text + ssh_keygen_sign(t.carol, read->text, ns));
    ASSERT_EQ(t.accept(forged).exit_code, 0);
    auto retry = t.hook();
    EXPECT_FALSE(t.released(retry)) << ns;
    EXPECT_TRUE(has(retry.out, "not a command approval")) << retry.out;
    std::filesystem::remove_all(t.state() + "/guard/approved");
  }
}

TEST(GuardRelease, TamperedBlocksAreRefused) {
  Release t;
  auto block = t.approval(t.held_block(), t.carol, "carol");
  // Appended data and a flipped byte: `accept` refuses the block outright.
  EXPECT_EQ(t.accept(block + "more\n").exit_code, 2);
  std::string flipped = block;
  flipped[block.find('\n') + 5] ^= 1;
  EXPECT_EQ(t.accept(flipped).exit_code, 2);
  // A statement edited after signing (a longer life), written straight into the state directory.
  auto read = signoff::read_command_approval(block);
  ASSERT_TRUE(read);
  auto text = read->text;
  text.replace(text.find("expires ") + 8, 4, "2099");
  auto edited = guard::armor("COUNTERSIGN COMMAND APPROVAL", text + read->signature);
  ASSERT_EQ(t.accept(edited).exit_code, 0);
  auto retry = t.hook();
  EXPECT_FALSE(t.released(retry));
  EXPECT_TRUE(has(retry.out, "signature does not verify")) << retry.out;
  // A request block with a flipped byte or trailing data is refused by the senior's approve.
  auto request = t.held_block();
  EXPECT_EQ(t.approve(request + "junk", t.carol, "carol").exit_code, 2);
  std::string bad = request;
  bad[request.find('\n') + 9] ^= 1;
  EXPECT_EQ(t.approve(bad, t.carol, "carol").exit_code, 2);
}

TEST(GuardRelease, AForgedPendingRequestCannotChangeWhatIsApproved) {
  Release t;
  auto real = guard::parse_request_block(t.held_block());
  ASSERT_TRUE(real);
  // The agent rewrites the pending request to show a harmless command under the real binding.
  auto harmless = *real;
  harmless.argv = {{"ls"}};
  harmless.command = "ls";
  auto forged = guard::armor("COUNTERSIGN COMMAND REQUEST",
                             *guard::dearmor("COUNTERSIGN COMMAND REQUEST", *guard::request_block(harmless)));
  auto pending_file = t.state() + "/guard/pending/" + real->id + ".json";
  auto doc = guard::json::parse(read_file(pending_file));
  ASSERT_TRUE(doc);
  doc->set("block", guard::json::Value::string_of(forged));
  sh("cat > " + quote(pending_file), {}, guard::json::write(*doc));
  auto pending = sh(t.agent_env() + " guard pending");
  auto r = t.approve(block_in(pending.out, "COUNTERSIGN COMMAND REQUEST"), t.carol, "carol");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.err, "binding is not that of its command")) << r.err;
  // A consistent harmless request (its own binding) is approved for what it shows: `ls`, not the delete.
  harmless.binding = guard::command_binding(harmless.argv, harmless.cwd, harmless.environment);
  harmless.id = harmless.binding.substr(0, 16);
  auto block = t.approval(*guard::request_block(harmless), t.carol, "carol");
  auto read = signoff::read_command_approval(block);
  ASSERT_TRUE(read);
  std::filesystem::create_directories(t.state() + "/guard/approved/" + real->id);
  sh("cat > " + quote(t.state() + "/guard/approved/" + real->id + "/forged.approval"), {}, block);
  EXPECT_FALSE(t.released(t.hook()));
}

TEST(GuardRelease, ApprovalsReachedThroughASymlinkAreRefused) {
  Release t;
  auto id = guard::parse_request_block(t.held_block())->id;
  ASSERT_EQ(t.accept(t.approval(t.held_block(), t.carol, "carol")).exit_code, 0);
  // approved/ moved elsewhere and linked back: the valid approval is not read through the link.
  TempDir elsewhere;
  std::filesystem::rename(t.state() + "/guard/approved", elsewhere.path() / "approved");
  std::filesystem::create_directory_symlink(elsewhere.path() / "approved", t.state() + "/guard/approved");
  auto retry = t.hook();
  EXPECT_FALSE(t.released(retry));
  EXPECT_TRUE(has(retry.out, "symlink")) << retry.out;
  // Nor a used/ that points elsewhere (where a marker would not stop a replay).
  std::filesystem::remove(t.state() + "/guard/approved");
  std::filesystem::rename(elsewhere.path() / "approved", t.state() + "/guard/approved");
  std::filesystem::create_directories(elsewhere.path() / "used");
  std::filesystem::create_directory_symlink(elsewhere.path() / "used", t.state() + "/guard/used");
  EXPECT_FALSE(t.released(t.hook()));
  EXPECT_TRUE(std::filesystem::is_empty(elsewhere.path() / "used"));
  EXPECT_TRUE(std::filesystem::exists(t.state() + "/guard/approved/" + id));
}

TEST(GuardRelease, OfTwoConcurrentRetriesExactlyOnePasses) {
  Release t;
  for (int round = 0; round < 3; ++round) {
    ASSERT_EQ(
        t.accept(t.approval(t.held_block(), t.carol, "carol", "--ttl " + std::to_string(600 + round) + "s")).exit_code,
        0);
    std::string payload = R"({"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Bash","cwd":)" +
                          json(t.g.path().string()) + R"(,"tool_input":{"command":)" + json(kDelete) + "}}";
    TempDir out;
    sh("cat > payload", out.path(), payload);
    auto one = t.agent_env() + " guard --agent claude-code < payload > ";
    sh("(" + one + "a.out & " + one + "b.out & wait)", out.path());
    int passed = int(read_file(out.path() / "a.out").empty()) + int(read_file(out.path() / "b.out").empty());
    EXPECT_EQ(passed, 1) << read_file(out.path() / "a.out") << read_file(out.path() / "b.out");
  }
}

TEST(GuardRelease, TwoSeniorsWhenThePolicyAsksForTwo) {
  Release t({"commands:\n  approvals: [{role: senior, count: 2}]\n"});
  auto request = t.held_block();
  ASSERT_EQ(t.accept(t.approval(request, t.carol, "carol")).exit_code, 0);
  auto one = t.hook();
  EXPECT_FALSE(t.released(one));
  EXPECT_TRUE(has(one.out, "need 2 senior")) << one.out;
  // The operator's and an agent's approval do not make up the second.
  ASSERT_EQ(t.accept(t.approval(request, t.dev, "dev")).exit_code, 0);
  ASSERT_EQ(t.accept(t.approval(request, t.bot, "claude")).exit_code, 0);
  EXPECT_FALSE(t.released(t.hook()));
  ASSERT_EQ(t.accept(t.approval(request, t.erin, "erin")).exit_code, 0);
  auto two = t.hook();
  EXPECT_TRUE(t.released(two)) << two.out;
  EXPECT_FALSE(t.released(t.hook()));
}

TEST(GuardRelease, WithoutAPeopleDirectoryTheCommandStaysHeldAndSaysHowToSetOneUp) {
  Release t({"", false});
  auto held = t.hook();
  EXPECT_TRUE(has(held.out, "Only a senior's signed approval releases it")) << held.out;
  EXPECT_TRUE(has(held.out, "Approving held commands")) << held.out;
  ASSERT_EQ(t.accept(t.approval(t.held_block(), t.carol, "carol")).exit_code, 0);
  auto retry = t.hook();
  EXPECT_FALSE(t.released(retry));
  EXPECT_TRUE(has(retry.out, "no people directory")) << retry.out;
  EXPECT_TRUE(has(retry.out, "Approving held commands")) << retry.out;
}

TEST(GuardRelease, SeniorsApproveOnlyRequestBlocks) {
  Release t;
  auto id = guard::parse_request_block(t.held_block())->id;
  auto r = sh(t.agent_env() + " guard approve " + id + " --key " + quote(t.carol.string()) + " --approver carol");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.err, "request block")) << r.err;
  EXPECT_EQ(t.approve(t.held_block(), t.carol, "carol", "--ttl 2d").exit_code, 2);
  EXPECT_EQ(t.approve("not a block", t.carol, "carol").exit_code, 2);
}

TEST(GuardReleasePolicy, LintChecksTheCommandsSection) {
  TempDir dir;
  sh("mkdir -p .countersign", dir.path());
  sh("cat > .countersign/policy.yaml", dir.path(),
     "version: 1\nrules: []\ncommands:\n  approvals: [{role: senior, count: 3}, {count: 1}, {role: senior, cuont: "
     "1}]\n");
  sh("cat > .countersign/people.yaml", dir.path(),
     "people:\n  - id: carol\n    name: Carol\n    emails: [carol@example.com]\n    roles: [senior]\n");
  auto r = countersign({"policy", "lint"}, dir.path());
  EXPECT_NE(r.exit_code, 0);
  auto all = r.out + r.err;
  EXPECT_TRUE(has(all, "a command approval needs role")) << all;
  EXPECT_TRUE(has(all, "cuont")) << all;
  EXPECT_TRUE(has(all, "no command the guard holds can ever be released")) << all;
  sh("cat > .countersign/policy.yaml", dir.path(),
     "version: 1\nrules: []\ncommands:\n  approvals: [{role: senior, count: 1}]\n");
  auto ok = countersign({"policy", "lint"}, dir.path());
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
}

}  // namespace
}  // namespace cs::test
