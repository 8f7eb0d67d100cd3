// Pushing the approval store: fetch the remote's ref, merge it in as a tree union, push. The
// transport is git itself (spawned without a shell), so every remote git can reach works.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "countersign/signoff/signoff.h"
#include "countersign/signoff/store.h"

extern char** environ;

namespace cs::signoff {
namespace {

struct Ran {
  int status = -1;
  std::string output;
};

Result<Ran> run_git(const std::string& gitdir, std::vector<std::string> args) {
  args.insert(args.begin(), {"git", "--git-dir=" + gitdir});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int fds[2];
  if (pipe(fds) != 0) return fail(Errc::io, "cannot create a pipe to run git");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, "git", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return fail(Errc::io, "cannot run git");
  }
  Ran out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.output.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

}  // namespace

Result<void> push(const git::Repository& repo, const std::string& remote) {
  const std::string incoming = "refs/countersign/incoming/approvals";
  const std::string ref = store::kRef;
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto fetched = run_git(repo.gitdir(), {"fetch", "--quiet", remote, "+" + ref + ":" + incoming});
    if (!fetched) return std::unexpected(fetched.error());
    if (fetched->status == 0) {
      auto theirs = repo.reference(incoming);
      if (!theirs) return std::unexpected(theirs.error());
      if (*theirs)
        if (auto m = store::merge(repo, **theirs); !m) return std::unexpected(m.error());
    }
    // A remote without the ref yet fails the fetch; the push below creates it.
    auto pushed = run_git(repo.gitdir(), {"push", "--quiet", remote, ref + ":" + ref});
    if (!pushed) return std::unexpected(pushed.error());
    if (pushed->status == 0) return {};
    if (pushed->output.find("rejected") == std::string::npos && pushed->output.find("fetch first") == std::string::npos)
      return fail(Errc::git, "git push " + remote + " " + ref + " failed: " + pushed->output);
  }
  return fail(Errc::git, "the remote's approvals kept moving; push again");
}

}  // namespace cs::signoff
