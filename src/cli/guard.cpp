#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <string>

#include "cli/command_release.h"
#include "cli/commands.h"
#include "cli/trusted_policy.h"
#include "countersign/gate/gate.h"
#include "countersign/git/git.h"
#include "countersign/guard/guard.h"
#include "countersign/signoff/signoff.h"

extern char** environ;

namespace cs::cli {
namespace {

std::map<std::string, std::string> process_env() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string_view::npos) env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return env;
}

std::string current_dir() {
  char buf[4096];
  return ::getcwd(buf, sizeof buf) ? std::string(buf) : std::string();
}

// "90s", "15m", "2h", or plain seconds.
long parse_ttl(const std::string& s) {
  if (s.empty()) return -1;
  size_t used = 0;
  long n = 0;
  try {
    n = std::stol(s, &used);
  } catch (...) {
    return -1;
  }
  std::string unit = s.substr(used);
  if (unit.empty() || unit == "s") return n;
  if (unit == "m") return n * 60;
  if (unit == "h") return n * 3600;
  return -1;
}

// A block given as the argument itself, a file holding it, or ("-" or nothing) standard input.
Result<std::string> read_block(const std::string& given) {
  constexpr size_t kLimit = 64 * 1024;
  if (given.find("-----BEGIN ") != std::string::npos) return given;
  std::string text;
  if (given.empty() || given == "-") {
    char buf[4096];
    size_t n;
    while (text.size() <= kLimit && (n = std::fread(buf, 1, sizeof buf, stdin)) > 0) text.append(buf, n);
  } else {
    std::FILE* f = std::fopen(given.c_str(), "rb");
    if (!f) return fail(Errc::not_found, "cannot read " + given);
    char buf[4096];
    size_t n;
    while (text.size() <= kLimit && (n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
  }
  if (text.size() > kLimit) return fail(Errc::invalid_argument, "the input is too large to be one block");
  return text;
}

// A word as the senior should read it: printable, quoted when it holds anything but plain
// characters, control characters and non-ASCII bytes escaped so that no terminal trick hides them.
std::string shown(const std::string& word) {
  bool plain = !word.empty();
  std::string out;
  for (unsigned char c : word) {
    bool safe = std::isalnum(c) || std::string_view("-_./=:,@%+").find(char(c)) != std::string_view::npos;
    plain = plain && safe;
    if (c == '\'' || c == '\\')
      out += std::string("\\") + char(c);
    else if (c >= 0x20 && c < 0x7f)
      out += char(c);
    else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return plain ? out : "$'" + out + "'";
}

void show_request(const guard::CommandRequest& r) {
  std::fprintf(stderr, "countersign: held command request %s\n", r.id.c_str());
  std::fprintf(stderr, "  agent %s, run by the account %s, held at %s\n", shown(r.agent).c_str(),
               shown(r.operator_).c_str(), shown(r.created).c_str());
  std::fprintf(stderr, "  directory:   %s\n  environment: %s\n  what will run (each command, exactly):\n",
               shown(r.cwd).c_str(), shown(r.environment).c_str());
  for (const auto& cmd : r.argv) {
    std::string line;
    for (const auto& a : cmd) line += (line.empty() ? "" : " ") + shown(a);
    std::fprintf(stderr, "    %s\n", line.c_str());
  }
  std::fprintf(stderr, "  as the agent wrote it: %s\n", shown(r.command).c_str());
}

struct ApproveArgs {
  std::string request, ttl = "15m", key, approver, repo = ".";
};

// The approver's principal: --approver, else the key's owner in the trusted people directory of
// the repository at --repo, else its git user.email.
Result<std::string> approver_of(const ApproveArgs& a, const signoff::SigningOptions& signing) {
  if (!a.approver.empty()) return a.approver;
  auto repo = git::Repository::open(a.repo);
  if (!repo) return fail(Errc::invalid_argument, "who is approving? pass --approver (your id or email in people.yaml)");
  if (auto root = gate::choose_trust_root(*repo, gate::TrustQuery{}); root && root->commit)
    if (auto trusted = signoff::load_trusted(*repo, root->ref, signing.now))
      if (auto owner = signoff::key_owner(trusted->trust, signing); owner && owner->person) {
        if (!owner->problem.empty()) std::fprintf(stderr, "countersign: warning: %s\n", owner->problem.c_str());
        return owner->person->id;
      }
  if (auto email = repo->config("user.email"); email && !email->empty()) return *email;
  return fail(Errc::invalid_argument, "who is approving? pass --approver (your id or email in people.yaml)");
}

void add_approve(CLI::App& guard, int& exit_code) {
  auto* cmd = guard.add_subcommand(
      "approve", "Sign a held command's request block with your key (a senior, on their own machine)");
  auto a = std::make_shared<ApproveArgs>();
  cmd->add_option("request", a->request, "The request block, a file holding it, or - for standard input (default)");
  cmd->add_option("--ttl", a->ttl, "How long the approval stays usable: 90s, 15m, 2h, at most 24h (default 15m)");
  cmd->add_option("--key", a->key,
                  "Private key file, or the .pub of a key in ssh-agent (default: the agent's first key)");
  cmd->add_option("--approver", a->approver,
                  "Your id or email in people.yaml (default: the key's owner, or user.email)");
  cmd->add_option("--repo", a->repo, "Repository whose trusted people directory names you (default: .)");
  cmd->callback([a, &exit_code] {
    exit_code = 2;
    auto say = [](const Error& e) { std::fprintf(stderr, "countersign: %s\n", e.describe().c_str()); };
    long seconds = parse_ttl(a->ttl);
    if (seconds <= 0 || seconds > signoff::kMaxCommandApprovalTtl) {
      std::fprintf(stderr, "countersign: --ttl %s is not a duration between 1s and 24h like 90s, 15m or 2h\n",
                   a->ttl.c_str());
      return;
    }
    if (a->request.size() == 16 && a->request.find_first_not_of("0123456789abcdef") == std::string::npos) {
      std::fprintf(stderr,
                   "countersign: %s is a request id; approve the request block the held answer printed "
                   "(`countersign guard pending` on the agent's machine shows it)\n",
                   a->request.c_str());
      return;
    }
    auto text = read_block(a->request);
    if (!text) return say(text.error());
    auto request = guard::parse_request_block(*text);
    if (!request) return say(request.error());
    show_request(*request);
    signoff::SigningOptions signing;
    if (!a->key.empty()) signing.key_file = a->key;
    signing.now = static_cast<int64_t>(std::time(nullptr));
    auto approver = approver_of(*a, signing);
    if (!approver) return say(approver.error());
    signoff::CommandApproval approval{request->id, request->binding, *approver, signing.now, signing.now + seconds};
    auto block = signoff::sign_command_approval(approval, signing);
    if (!block) return say(block.error());
    std::fprintf(stderr,
                 "countersign: approved by %s until %s: exactly one retry of exactly this command, there, will pass.\n"
                 "Send this block back; it is pasted into `countersign guard accept` on the agent's machine:\n",
                 shown(*approver).c_str(), signoff::format_time(approval.expires).c_str());
    std::fwrite(block->data(), 1, block->size(), stdout);
    exit_code = 0;
  });
}

void add_accept(CLI::App& guard, int& exit_code) {
  auto* cmd =
      guard.add_subcommand("accept", "Store a senior's command approval block for the next retry of its command");
  static std::string given;
  cmd->add_option("approval", given, "The approval block, a file holding it, or - for standard input (default)");
  cmd->callback([&exit_code] {
    exit_code = 2;
    auto text = read_block(given);
    if (!text) return (void)std::fprintf(stderr, "countersign: %s\n", text.error().describe().c_str());
    auto read = signoff::read_command_approval(*text);
    if (!read) return (void)std::fprintf(stderr, "countersign: %s\n", read.error().describe().c_str());
    auto env = process_env();
    std::string block = *text;
    while (!block.empty() && std::isspace(static_cast<unsigned char>(block.back()))) block.pop_back();
    block.erase(0, std::min(block.size(), block.find_first_not_of(" \t\r\n")));
    block += "\n";
    auto stored = guard::accept_approval(read->approval.request, block, env);
    if (!stored) return (void)std::fprintf(stderr, "countersign: %s\n", stored.error().describe().c_str());
    bool known = false;
    if (auto pending = guard::pending_requests(env))
      for (const auto& r : *pending) known = known || r.id == read->approval.request;
    std::printf("stored the approval of request %s by %s (until %s) at %s\n", read->approval.request.c_str(),
                read->approval.approver.c_str(), signoff::format_time(read->approval.expires).c_str(), stored->c_str());
    std::printf(known ? "the next retry of exactly that command verifies it against the trusted people directory\n"
                      : "note: no command with that request id is held here\n");
    exit_code = 0;
  });
}

void add_pending(CLI::App& guard, int& exit_code) {
  auto* cmd = guard.add_subcommand("pending", "List held commands waiting for approval, with their request blocks");
  cmd->callback([&exit_code] {
    auto pending = guard::pending_requests(process_env());
    if (!pending) {
      std::fprintf(stderr, "countersign: %s\n", pending.error().describe().c_str());
      exit_code = 2;
      return;
    }
    if (pending->empty()) std::printf("no held commands\n");
    for (const auto& r : *pending) {
      std::string rules;
      for (const auto& rule : r.rules) rules += (rules.empty() ? "" : ", ") + rule;
      std::printf("%s  %s  %s%s\n  %s\n  cwd %s, environment %s, rules %s\n", r.id.c_str(), r.created.c_str(),
                  r.agent.c_str(), r.approvals ? "  (approval accepted, retry pending)" : "", r.command.c_str(),
                  r.cwd.c_str(), r.environment.c_str(), rules.c_str());
      if (!r.block.empty()) std::printf("%s", r.block.c_str());
    }
    exit_code = 0;
  });
}

void add_doctor(CLI::App& guard, int& exit_code) {
  auto* cmd = guard.add_subcommand("doctor", "Show where the agent hooks are installed and prove each one blocks a canary");
  static std::string project;
  cmd->add_option("--project", project, "Project directory (default: the current directory)");
  cmd->callback([&exit_code] {
    auto env = process_env();
    auto checks = guard::doctor(project.empty() ? current_dir() : project, env["HOME"], env);
    int installed = 0, failing = 0;
    for (const auto& c : checks) {
      if (!c.installed) continue;
      ++installed;
      if (!c.blocks_canary) ++failing;
      std::printf("%-4s %-12s %s\n     command: %s\n     %s\n", c.blocks_canary ? "ok" : "FAIL", c.agent.c_str(),
                  c.file.c_str(), c.command.c_str(), c.detail.c_str());
    }
    for (const auto& c : checks)
      if (!c.installed && c.detail != "no settings file")
        std::printf("--   %-12s %s: %s\n", c.agent.c_str(), c.file.c_str(), c.detail.c_str());
    if (installed == 0)
      std::printf("no countersign hook is installed for any agent; run `countersign install-hook <agent>`\n");
    // The configuration the hooks will load: where it comes from, and what of the work tree's is ignored.
    guard::Config config;
    config.project_dir = guard::find_project_dir(project.empty() ? current_dir() : project);
    config.trusted_config = trusted_guard_config(config.project_dir);
    std::printf("configuration: trusted revision %s\n", config.trusted_config->revision.empty()
                                                            ? "none (built-in environments, no allow-list)"
                                                            : config.trusted_config->revision.c_str());
    auto loaded = guard::Guard::load(config);
    if (!loaded) {
      std::printf("FAIL configuration: %s\n", loaded.error().describe().c_str());
      ++failing;
    } else {
      for (const auto& w : loaded->warnings()) std::printf("     %s\n", w.describe().c_str());
    }
    exit_code = installed > 0 && failing == 0 ? 0 : 1;
  });
}

std::string read_stdin_limited() {
  // One byte over the parser's limit is enough to know the input is too large.
  constexpr size_t kLimit = (4u << 20) + 1;
  std::string input;
  char buf[65536];
  size_t n;
  while (input.size() < kLimit && (n = std::fread(buf, 1, sizeof buf, stdin)) > 0) input.append(buf, n);
  return input;
}

void add_guard(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("guard", "Judge an agent's shell command from its pre-tool hook (JSON on stdin)");
  static std::string agent;
  cmd->add_option("--agent", agent, "The agent whose hook protocol to speak: " + [] {
    std::string names;
    for (const auto& a : guard::hook_agents()) names += (names.empty() ? "" : ", ") + a;
    return names;
  }());
  cmd->require_subcommand(0, 1);
  add_approve(*cmd, exit_code);
  add_accept(*cmd, exit_code);
  add_pending(*cmd, exit_code);
  add_doctor(*cmd, exit_code);
  cmd->callback([cmd, &exit_code] {
    if (!cmd->get_subcommands().empty()) return;
    if (agent.empty()) {
      std::fprintf(stderr,
                   "countersign: guard needs --agent NAME, or a subcommand: approve, accept, pending, doctor\n");
      exit_code = 2;
      return;
    }
    exit_code = guard_hook(agent.c_str());
  });
}

const Registrar registrar(40, add_guard);

}  // namespace

int guard_hook(const char* agent) {
  auto reply =
      guard::run_hook(agent, read_stdin_limited(),
                      guard::HookEnvironment{process_env(), current_dir(), trusted_guard_policy, trusted_guard_config,
                                             release_held_command});
  std::fwrite(reply.out.data(), 1, reply.out.size(), stdout);
  std::fwrite(reply.err.data(), 1, reply.err.size(), stderr);
  std::fflush(stdout);
  return reply.exit_code;
}

}  // namespace cs::cli
