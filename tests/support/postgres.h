// A real PostgreSQL server for tests: initdb into a temporary directory, a postmaster on a free
// loopback port with its socket inside that directory, stopped and removed when the object goes
// (and by a watchdog process when the test binary dies without running destructors, as under a
// ctest timeout). Tests make a fresh database per case from a seeded template.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace cs::test {

class PostgresServer {
 public:
  // Starts a server, or returns null with `why` set when PostgreSQL is not installed or fails to
  // start (callers skip or fail with it). Server programs run as the `postgres` user when the
  // tests run as root (initdb refuses root).
  static std::unique_ptr<PostgresServer> start(std::string& why);
  // The server every test of this binary run shares: started on first use, stopped at exit.
  static PostgresServer* shared(std::string& why);
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  int port() const { return port_; }
  const std::filesystem::path& socket_dir() const { return socket_dir_; }
  // libpq connection string for `database`.
  std::string conninfo(const std::string& database) const;

  // psql -X -v ON_ERROR_STOP=1 on `database` with these extra (unquoted) arguments; `input` on
  // stdin.
  RunResult psql(const std::string& database, const std::vector<std::string>& args,
                 const std::string& input = {}) const;
  // Runs `sql` (one or more statements) and returns psql's unaligned, tuples-only output; fails
  // the current test when psql fails.
  std::string query(const std::string& database, const std::string& sql) const;
  // CREATE DATABASE name TEMPLATE template_db (template0 when empty); fails the test on error.
  void create_database(const std::string& name, const std::string& template_db = {}) const;
  // A database name not used before in this server's life.
  std::string fresh_name(const std::string& prefix);

 private:
  PostgresServer() = default;
  std::string as_server_user(const std::string& command) const;
  void stop();

  std::filesystem::path bindir_;
  std::filesystem::path root_;  // the temporary directory: data/, socket/, log
  std::filesystem::path data_, socket_dir_;
  int port_ = 0;
  bool as_root_ = false;
  bool running_ = false;
  int watchdog_fd_ = -1;
  int counter_ = 0;
};

}  // namespace cs::test
