// The client half of the ssh-agent protocol (draft-miller-ssh-agent): list identities and ask
// for signatures over the agent's Unix socket. Keys that countersign cannot read itself
// (encrypted, hardware-backed) sign this way.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "countersign/signoff/ssh_key.h"

namespace cs::signoff {
namespace {

constexpr std::uint8_t kFailure = 5;
constexpr std::uint8_t kRequestIdentities = 11;
constexpr std::uint8_t kIdentitiesAnswer = 12;
constexpr std::uint8_t kSignRequest = 13;
constexpr std::uint8_t kSignResponse = 14;
constexpr std::uint32_t kRsaSha2_256 = 2;
constexpr std::uint32_t kRsaSha2_512 = 4;
constexpr std::uint32_t kMaxReply = 256 * 1024;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Result<void> write_all(int fd, ByteView data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(Errc::io, fmt::format("writing to ssh-agent: {}", std::strerror(errno)));
    data = data.subspan(std::size_t(n));
  }
  return {};
}

Result<void> read_all(int fd, std::uint8_t* out, std::size_t len) {
  while (len > 0) {
    const ssize_t n = ::read(fd, out, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(Errc::io, fmt::format("reading from ssh-agent: {}", std::strerror(errno)));
    if (n == 0) return fail(Errc::io, "ssh-agent closed the connection");
    out += n;
    len -= std::size_t(n);
  }
  return {};
}

// Sends one request (type + payload) and returns the reply message (type byte first).
Result<Bytes> transact(const std::filesystem::path& socket, std::uint8_t type, ByteView payload) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string path = socket.string();
  if (path.size() >= sizeof(addr.sun_path)) return fail(Errc::invalid_argument, "SSH_AUTH_SOCK path is too long");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return fail(Errc::io, fmt::format("socket: {}", std::strerror(errno)));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
    return fail(Errc::io, fmt::format("cannot connect to ssh-agent at {}: {}", path, std::strerror(errno)));

  WireWriter request;
  request.u32(std::uint32_t(payload.size() + 1));
  request.byte(type);
  request.raw(payload);
  if (auto w = write_all(fd.get(), request.bytes()); !w) return std::unexpected(w.error());

  std::uint8_t header[4];
  if (auto r = read_all(fd.get(), header, 4); !r) return std::unexpected(r.error());
  const std::uint32_t len = (std::uint32_t(header[0]) << 24) | (std::uint32_t(header[1]) << 16) |
                            (std::uint32_t(header[2]) << 8) | header[3];
  if (len == 0 || len > kMaxReply) return fail(Errc::io, fmt::format("ssh-agent sent a reply of {} bytes", len));
  Bytes reply(len);
  if (auto r = read_all(fd.get(), reply.data(), len); !r) return std::unexpected(r.error());
  return reply;
}

class AgentSigner final : public Signer {
 public:
  AgentSigner(std::filesystem::path socket, PublicKey key) : socket_(std::move(socket)), key_(std::move(key)) {}
  const PublicKey& public_key() const override { return key_; }

  Result<Bytes> sign(ByteView data, std::string_view rsa_algorithm) override {
    WireWriter payload;
    payload.string(key_.blob);
    payload.string(data);
    std::uint32_t flags = 0;
    if (key_.type == "ssh-rsa") {
      if (rsa_algorithm == "rsa-sha2-256")
        flags = kRsaSha2_256;
      else if (rsa_algorithm == "rsa-sha2-512")
        flags = kRsaSha2_512;
      else
        return fail(Errc::unsupported, fmt::format("refusing to sign with RSA algorithm \"{}\"", rsa_algorithm));
    }
    payload.u32(flags);
    auto reply = transact(socket_, kSignRequest, payload.bytes());
    if (!reply) return std::unexpected(reply.error());
    WireReader r(*reply);
    auto type = r.byte();
    if (type && *type == kFailure)
      return fail(Errc::crypto, fmt::format("ssh-agent refused to sign with {} ({}): the key may need a touch, a PIN, "
                                            "or confirmation",
                                            key_.fingerprint(), key_.comment));
    if (!type || *type != kSignResponse) return fail(Errc::io, "ssh-agent sent an unexpected reply to a sign request");
    auto sig = r.string();
    if (!sig) return fail(Errc::io, "ssh-agent sign response: " + sig.error().message);
    return Bytes(sig->begin(), sig->end());
  }

 private:
  std::filesystem::path socket_;
  PublicKey key_;
};

}  // namespace

Result<std::vector<PublicKey>> agent_identities(const std::filesystem::path& socket) {
  auto reply = transact(socket, kRequestIdentities, {});
  if (!reply) return std::unexpected(reply.error());
  WireReader r(*reply);
  auto type = r.byte();
  if (!type || *type != kIdentitiesAnswer) return fail(Errc::io, "ssh-agent did not answer the identities request");
  auto count = r.u32();
  if (!count) return fail(Errc::io, "ssh-agent identities answer: " + count.error().message);
  std::vector<PublicKey> keys;
  for (std::uint32_t i = 0; i < *count; ++i) {
    auto blob = r.string();
    auto comment = blob ? r.text() : Result<std::string_view>(std::unexpected(blob.error()));
    if (!comment) return fail(Errc::io, "ssh-agent identities answer: " + comment.error().message);
    // Keys of types we cannot verify (certificates, DSA) are skipped rather than fatal.
    if (auto key = PublicKey::from_blob(*blob, std::string(*comment))) keys.push_back(std::move(*key));
  }
  return keys;
}

std::unique_ptr<Signer> agent_signer(std::filesystem::path socket, PublicKey key) {
  return std::make_unique<AgentSigner>(std::move(socket), std::move(key));
}

}  // namespace cs::signoff
