// The GSS-API stand-in (src/lazy/gssapi_krb5.cpp): libgssapi_krb5 is not loaded at start, is
// loaded by the first GSS-API call, and libgit2's HTTP Negotiate authentication reaches the real
// Kerberos library through it, failing as the library says (here: no credentials). Without the
// library, the failure says why.
#include <dlfcn.h>
#include <git2.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "support/test_support.h"

#if CS_LAZY_LIBRARIES

extern "C" {
struct gss_OID_desc {
  std::uint32_t length;
  void* elements;
};
struct gss_OID_set_desc {
  std::size_t count;
  gss_OID_desc* elements;
};
std::uint32_t gss_indicate_mechs(std::uint32_t* minor, gss_OID_set_desc** mech_set);
std::uint32_t gss_release_oid_set(std::uint32_t* minor, gss_OID_set_desc** set);
}

namespace cs::test {
namespace {

constexpr const char* kLibrary = "libgssapi_krb5.so.2";

bool loaded() {
  void* handle = ::dlopen(kLibrary, RTLD_NOLOAD | RTLD_LAZY);
  if (handle) ::dlclose(handle);
  return handle != nullptr;
}

// An HTTP server on a loopback port that answers every request with 401 and
// `WWW-Authenticate: Negotiate`, as a Kerberos-protected git server does.
class NegotiateServer {
 public:
  NegotiateServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      ADD_FAILURE() << "cannot listen on a loopback port";
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~NegotiateServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://localhost:" + std::to_string(port_) + "/repo.git"; }

 private:
  void serve() {
    while (!stop_) {
      int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      char request[8192];
      if (::read(client, request, sizeof request) > 0) {
        const char* reply =
            "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Negotiate\r\nContent-Length: 0\r\n"
            "Connection: close\r\n\r\n";
        [[maybe_unused]] auto n = ::write(client, reply, std::strlen(reply));
      }
      ::close(client);
    }
  }
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Connects libgit2 to a Negotiate-only server, offering the default (Kerberos) credentials;
// returns libgit2's error message.
std::string negotiate_with_libgit2() {
  NegotiateServer server;
  git_libgit2_init();
  git_remote* remote = nullptr;
  EXPECT_EQ(git_remote_create_detached(&remote, server.url().c_str()), 0);
  git_remote_callbacks callbacks = GIT_REMOTE_CALLBACKS_INIT;
  callbacks.credentials = [](git_credential** out, const char*, const char*, unsigned int allowed, void*) {
    return (allowed & GIT_CREDENTIAL_DEFAULT) ? git_credential_default_new(out) : GIT_PASSTHROUGH;
  };
  int rc = git_remote_connect(remote, GIT_DIRECTION_FETCH, &callbacks, nullptr, nullptr);
  const git_error* e = git_error_last();
  std::string message = rc != 0 && e && e->message ? e->message : "connected";
  git_remote_free(remote);
  git_libgit2_shutdown();
  return message;
}

TEST(LazyGssapi, TheLibraryIsLoadedByTheFirstCallNotAtStart) {
  // Nothing before this test in the process calls GSS-API (ctest runs each test on its own).
  EXPECT_FALSE(loaded()) << kLibrary << " is loaded before any GSS-API call";
  std::uint32_t minor = 0;
  gss_OID_set_desc* mechs = nullptr;
  ASSERT_EQ(gss_indicate_mechs(&minor, &mechs), 0u) << "minor status " << minor;
  EXPECT_TRUE(loaded());
  ASSERT_NE(mechs, nullptr);
  const std::string krb5("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02", 9);  // 1.2.840.113554.1.2.2
  bool has_krb5 = false;
  for (std::size_t i = 0; i < mechs->count; ++i) {
    const auto& oid = mechs->elements[i];
    has_krb5 = has_krb5 || std::string(static_cast<const char*>(oid.elements), oid.length) == krb5;
  }
  EXPECT_TRUE(has_krb5) << "the real library lists the Kerberos 5 mechanism";
  EXPECT_EQ(gss_release_oid_set(&minor, &mechs), 0u);
}

TEST(LazyGssapi, Libgit2NegotiateAuthenticationReachesKerberos) {
  TempDir dir;
  // No ticket cache, so that the answer does not depend on the machine's Kerberos state.
  ::setenv("KRB5CCNAME", ("FILE:" + (dir.path() / "no-such-cache").string()).c_str(), 1);
  std::string message = negotiate_with_libgit2();
  ::unsetenv("KRB5CCNAME");
  EXPECT_TRUE(loaded());
  // MIT Kerberos's own words for a missing credential cache, through gss_display_status().
  EXPECT_NE(message.find("negotiate failure: No credentials were supplied"), std::string::npos) << message;
}

// Run by the next test in a child process whose loader finds a broken libgssapi_krb5.so.2.
TEST(LazyGssapi, ChildWithoutTheLibrary) {
  if (!::getenv("CS_GSSAPI_CHILD")) GTEST_SKIP() << "run by WithoutTheLibraryNegotiateFailsSayingWhy";
  std::printf("libgit2: %s\n", negotiate_with_libgit2().c_str());
  EXPECT_FALSE(loaded());
}

TEST(LazyGssapi, WithoutTheLibraryNegotiateFailsSayingWhy) {
  TempDir dir;
  std::ofstream(dir.path() / kLibrary) << "not a shared library\n";
  auto self = std::filesystem::read_symlink("/proc/self/exe");
  auto run = sh("CS_GSSAPI_CHILD=1 LD_LIBRARY_PATH=" + quote(dir.path().string()) + " " +
                      quote(self.string()) + " --gtest_filter=LazyGssapi.ChildWithoutTheLibrary");
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("libgit2: could not query mechanisms: libgssapi_krb5.so.2 could not be loaded: "),
            std::string::npos)
      << run.out;
}

}  // namespace
}  // namespace cs::test

#endif  // CS_LAZY_LIBRARIES
