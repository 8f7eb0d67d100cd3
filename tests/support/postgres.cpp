#include "support/postgres.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace cs::test {
namespace fs = std::filesystem;
namespace {

// The newest installed server programs: $CS_PG_BINDIR, /usr/lib/postgresql/<n>/bin (Debian),
// or initdb on PATH.
fs::path find_bindir() {
  if (const char* env = std::getenv("CS_PG_BINDIR"); env && fs::exists(fs::path(env) / "initdb")) return env;
  fs::path best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    int v = std::atoi(e.path().filename().c_str());
    if (v > best_version && fs::exists(e.path() / "bin" / "initdb")) {
      best_version = v;
      best = e.path() / "bin";
    }
  }
  if (!best.empty()) return best;
  auto r = sh("command -v initdb");
  if (r.exit_code == 0) return fs::path(chomp(r.out)).parent_path();
  return {};
}

// A port nobody listens on now: bind port 0 on 127.0.0.1 and read what the kernel chose.
int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

}  // namespace

std::string PostgresServer::as_server_user(const std::string& command) const {
  if (!as_root_) return command;
  return "runuser -u postgres -- sh -c " + quote(command);
}

std::unique_ptr<PostgresServer> PostgresServer::start(std::string& why) {
  std::unique_ptr<PostgresServer> s(new PostgresServer());
  s->bindir_ = find_bindir();
  if (s->bindir_.empty()) {
    why = "PostgreSQL server programs (initdb, pg_ctl) are not installed";
    return nullptr;
  }
  if (sh("command -v psql").exit_code != 0) {
    why = "psql is not on PATH";
    return nullptr;
  }
  std::string tmpl = (fs::temp_directory_path() / "cs-pg-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) {
    why = "mkdtemp failed";
    return nullptr;
  }
  s->root_ = tmpl;
  s->data_ = s->root_ / "data";
  s->socket_dir_ = s->root_ / "socket";
  s->as_root_ = geteuid() == 0;
  if (s->as_root_) {
    const passwd* pw = getpwnam("postgres");
    if (!pw || chown(s->root_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      why = "running as root, and there is no postgres user to run the server as";
      return nullptr;  // the destructor removes the directory
    }
  }
  auto bin = [&](const char* program) { return quote((s->bindir_ / program).string()); };
  auto init =
      sh(s->as_server_user("mkdir " + quote(s->socket_dir_.string()) + " && " + bin("initdb") + " -D " +
                           quote(s->data_.string()) + " -A trust -U postgres -E UTF8 --locale=C -N --no-instructions"));
  if (init.exit_code != 0) {
    why = "initdb failed: " + init.err;
    return nullptr;
  }
  // The port can be taken between free_port() and the postmaster's bind: try a few.
  for (int attempt = 0; attempt < 5 && !s->running_; ++attempt) {
    s->port_ = free_port();
    std::string options = "-k " + s->socket_dir_.string() + " -c listen_addresses=127.0.0.1 -p " +
                          std::to_string(s->port_) + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
    auto r =
        sh(s->as_server_user(bin("pg_ctl") + " -D " + quote(s->data_.string()) + " -l " +
                             quote((s->root_ / "server.log").string()) + " -w -t 60 -o " + quote(options) + " start"));
    s->running_ = r.exit_code == 0;
    if (!s->running_) why = "pg_ctl start failed: " + r.err + read_file(s->root_ / "server.log");
  }
  if (!s->running_) return nullptr;
  why.clear();

  // The watchdog: a process in its own session that waits for this one to close the pipe. A
  // byte first means the server was already stopped; end of file alone means this process died
  // without its destructors (a timeout, a crash), and the watchdog stops the server and removes
  // the directory instead.
  const std::string cleanup =
      s->as_server_user(bin("pg_ctl") + " -D " + quote(s->data_.string()) + " -m immediate stop") +
      " >/dev/null 2>&1; rm -rf " + quote(s->root_.string());
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) == 0) {
    pid_t pid = fork();
    if (pid == 0) {
      close(fds[1]);
      setsid();
      char c;
      ssize_t n;
      do n = read(fds[0], &c, 1);
      while (n < 0);
      if (n == 0) execl("/bin/sh", "sh", "-c", cleanup.c_str(), static_cast<char*>(nullptr));
      _exit(0);
    }
    close(fds[0]);
    if (pid > 0)
      s->watchdog_fd_ = fds[1];
    else
      close(fds[1]);
  }
  return s;
}

PostgresServer* PostgresServer::shared(std::string& why) {
  static std::string start_error;
  static std::unique_ptr<PostgresServer> server = start(start_error);
  why = start_error;
  return server.get();
}

void PostgresServer::stop() {
  if (running_)
    sh(as_server_user(quote((bindir_ / "pg_ctl").string()) + " -D " + quote(data_.string()) + " -m immediate stop"));
  running_ = false;
}

PostgresServer::~PostgresServer() {
  stop();
  std::error_code ec;
  if (!root_.empty()) fs::remove_all(root_, ec);
  if (watchdog_fd_ >= 0) {
    (void)!write(watchdog_fd_, "x", 1);
    close(watchdog_fd_);
  }
}

std::string PostgresServer::conninfo(const std::string& database) const {
  return "host=" + socket_dir_.string() + " port=" + std::to_string(port_) + " user=postgres dbname=" + database;
}

RunResult PostgresServer::psql(const std::string& database, const std::vector<std::string>& args,
                               const std::string& input) const {
  std::string cmd = "psql -X -q -v ON_ERROR_STOP=1 " + quote("--dbname=" + conninfo(database));
  for (const auto& a : args) cmd += " " + a;
  return sh(cmd, {}, input);
}

std::string PostgresServer::query(const std::string& database, const std::string& sql) const {
  auto r = psql(database, {"-At", "-f", "-"}, sql);
  EXPECT_EQ(r.exit_code, 0) << "psql failed on " << database << ": " << r.err << "\n" << sql.substr(0, 400);
  return r.out;
}

void PostgresServer::create_database(const std::string& name, const std::string& template_db) const {
  query("postgres",
        "CREATE DATABASE \"" + name + "\" TEMPLATE " + (template_db.empty() ? "template0" : template_db) + ";");
}

std::string PostgresServer::fresh_name(const std::string& prefix) {
  return prefix + "_" + std::to_string(++counter_);
}

}  // namespace cs::test
