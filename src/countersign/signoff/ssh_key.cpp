#include "countersign/signoff/ssh_key.h"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "countersign/core/text.h"
#include "countersign/signoff/ssh_crypto.h"

namespace cs::signoff {

std::string PublicKey::fingerprint() const { return "SHA256:" + base64_encode(digest("sha256", blob), false); }

std::string PublicKey::to_line() const {
  std::string line = type + " " + base64_encode(blob);
  if (!comment.empty()) line += " " + comment;
  return line;
}

Result<PublicKey> PublicKey::from_blob(ByteView blob, std::string comment) {
  auto key = cached_public_key(blob);
  if (!key) return std::unexpected(key.error());
  return PublicKey{(*key)->type, Bytes(blob.begin(), blob.end()), std::move(comment)};
}

bool operator==(const PublicKey& a, const PublicKey& b) { return a.blob == b.blob; }

Result<PublicKey> parse_public_key(std::string_view line) {
  line = text::trim(line);
  const auto space = line.find_first_of(" \t");
  if (space == std::string_view::npos) return fail(Errc::parse, "expected \"<key type> <base64 key> [comment]\"");
  const std::string_view type = line.substr(0, space);
  std::string_view rest = text::trim(line.substr(space));
  const auto end = rest.find_first_of(" \t");
  const std::string_view b64 = rest.substr(0, end);
  const std::string_view comment = end == std::string_view::npos ? "" : text::trim(rest.substr(end));
  if (!known_key_type(type)) return fail(Errc::unsupported, fmt::format("unsupported SSH key type \"{}\"", type));
  auto blob = base64_decode(b64);
  if (!blob) return fail(Errc::parse, "SSH public key: " + blob.error().message);
  auto key = PublicKey::from_blob(*blob, std::string(comment));
  if (!key) return std::unexpected(key.error());
  if (key->type != type)
    return fail(Errc::parse, fmt::format("key line says {} but the key inside is {}", type, key->type));
  return key;
}

namespace {

Result<std::string> slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::not_found, fmt::format("cannot read {}", path.string()));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

constexpr std::string_view kBegin = "-----BEGIN OPENSSH PRIVATE KEY-----";
constexpr std::string_view kEnd = "-----END OPENSSH PRIVATE KEY-----";
constexpr std::string_view kMagic{"openssh-key-v1\0", 15};

// The cleartext envelope of an openssh-key-v1 file: the public key is readable even when the
// private part is encrypted.
struct PrivateKeyFile {
  std::string cipher;
  Bytes public_blob;
  Bytes private_section;
};

Result<PrivateKeyFile> read_envelope(std::string_view pem, std::string_view filename) {
  const auto begin = pem.find(kBegin);
  const auto end = pem.find(kEnd);
  if (begin == std::string_view::npos || end == std::string_view::npos || end < begin) {
    if (pem.find("-----BEGIN") != std::string_view::npos)
      return fail(Errc::unsupported, fmt::format("{}: not an OpenSSH-format private key; convert it with "
                                                 "`ssh-keygen -p -f {}` or add it to ssh-agent",
                                                 filename, filename));
    return fail(Errc::parse, fmt::format("{}: not an OpenSSH private key", filename));
  }
  auto data = base64_decode(pem.substr(begin + kBegin.size(), end - begin - kBegin.size()));
  if (!data) return fail(Errc::parse, fmt::format("{}: {}", filename, data.error().message));
  WireReader r(*data);
  auto magic = r.raw(kMagic.size());
  if (!magic || as_text(*magic) != kMagic) return fail(Errc::parse, fmt::format("{}: bad openssh-key-v1 magic", filename));
  auto cipher = r.text();
  auto kdf = cipher ? r.text() : cipher;
  auto kdf_options = kdf ? r.string() : Result<ByteView>(std::unexpected(kdf.error()));
  auto count = kdf_options ? r.u32() : Result<std::uint32_t>(std::unexpected(kdf_options.error()));
  if (!count) return fail(Errc::parse, fmt::format("{}: {}", filename, count.error().message));
  if (*count != 1) return fail(Errc::unsupported, fmt::format("{}: holds {} keys; expected exactly one", filename, *count));
  auto pub = r.string();
  auto priv = pub ? r.string() : pub;
  if (!priv) return fail(Errc::parse, fmt::format("{}: {}", filename, priv.error().message));
  if (auto e = r.expect_end("private key file"); !e) return fail(Errc::parse, fmt::format("{}: {}", filename, e.error().message));
  return PrivateKeyFile{std::string(*cipher), Bytes(pub->begin(), pub->end()), Bytes(priv->begin(), priv->end())};
}

class KeyFileSigner final : public Signer {
 public:
  KeyFileSigner(PublicKey key, EvpPkeyPtr pkey, KeyKind kind, int bits)
      : key_(std::move(key)), pkey_(std::move(pkey)), kind_(kind), bits_(bits) {}
  const PublicKey& public_key() const override { return key_; }
  Result<Bytes> sign(ByteView data, std::string_view rsa_algorithm) override {
    return sign_with_pkey(pkey_.get(), kind_, bits_, data, rsa_algorithm);
  }

 private:
  PublicKey key_;
  EvpPkeyPtr pkey_;
  KeyKind kind_;
  int bits_;
};

Result<EvpPkeyPtr> read_private_fields(WireReader& r, const VerifyKey& pub) {
  switch (pub.kind) {
    case KeyKind::ed25519: {
      auto pk = r.string();
      auto sk = pk ? r.string() : pk;
      if (!sk) return std::unexpected(sk.error());
      if (sk->size() != 64) return fail(Errc::parse, "Ed25519 private key must be 64 bytes");
      return ed25519_private_key(sk->first(32));
    }
    case KeyKind::ecdsa: {
      auto curve = r.text();
      auto point = curve ? r.string() : Result<ByteView>(std::unexpected(curve.error()));
      auto scalar = point ? r.mpint() : point;
      if (!scalar) return std::unexpected(scalar.error());
      return ecdsa_private_key(pub.ecdsa_bits, *point, *scalar);
    }
    case KeyKind::rsa: {
      ByteView v[6];  // n, e, d, iqmp, p, q
      for (auto& x : v) {
        auto m = r.mpint();
        if (!m) return std::unexpected(m.error());
        x = *m;
      }
      return rsa_private_key(v[0], v[1], v[2], v[3], v[4], v[5]);
    }
    default:
      return fail(Errc::unsupported, fmt::format("{} is a hardware security key: it signs only through ssh-agent",
                                                 pub.type));
  }
}

}  // namespace

Result<std::unique_ptr<Signer>> load_private_key(std::string_view pem, std::string_view filename) {
  auto file = read_envelope(pem, filename);
  if (!file) return std::unexpected(file.error());
  if (file->cipher != "none")
    return fail(Errc::unsupported, fmt::format("{} is encrypted (cipher {}); countersign does not read passphrases: "
                                               "add the key to ssh-agent with `ssh-add {}` and sign through the agent",
                                               filename, file->cipher, filename));
  auto pub = decode_public_key(file->public_blob);
  if (!pub) return fail(pub.error().code, fmt::format("{}: {}", filename, pub.error().message));
  WireReader r(file->private_section);
  auto check1 = r.u32();
  auto check2 = check1 ? r.u32() : check1;
  if (!check2 || *check1 != *check2) return fail(Errc::parse, fmt::format("{}: corrupt private key (check bytes)", filename));
  auto type = r.text();
  if (!type || *type != (*pub)->type)
    return fail(Errc::parse, fmt::format("{}: private key type does not match its public key", filename));
  auto pkey = read_private_fields(r, **pub);
  if (!pkey) return fail(pkey.error().code, fmt::format("{}: {}", filename, pkey.error().message));
  auto comment = r.text();
  if (!comment) return fail(Errc::parse, fmt::format("{}: {}", filename, comment.error().message));
  for (std::uint8_t i = 1; !r.empty(); ++i)
    if (auto pad = r.byte(); !pad || *pad != i) return fail(Errc::parse, fmt::format("{}: corrupt private key padding", filename));

  // A private half that does not belong to the public half would sign unverifiable approvals.
  const std::string_view probe = "countersign key self-test";
  auto sig = sign_with_pkey(pkey->get(), (*pub)->kind, (*pub)->ecdsa_bits, as_bytes(probe), "rsa-sha2-512");
  if (!sig || !verify_signature(**pub, *sig, as_bytes(probe)))
    return fail(Errc::crypto, fmt::format("{}: the private key does not match its public key", filename));
  PublicKey key{(*pub)->type, file->public_blob, std::string(*comment)};
  return std::make_unique<KeyFileSigner>(std::move(key), std::move(*pkey), (*pub)->kind, (*pub)->ecdsa_bits);
}

Result<std::unique_ptr<Signer>> read_private_key_file(const std::filesystem::path& path) {
  auto pem = slurp(path);
  if (!pem) return std::unexpected(pem.error());
  return load_private_key(*pem, path.string());
}

Result<PublicKey> read_public_key_file(const std::filesystem::path& path) {
  auto line = slurp(path);
  if (!line) return std::unexpected(line.error());
  auto key = parse_public_key(*line);
  if (!key) return fail(key.error().code, fmt::format("{}: {}", path.string(), key.error().message));
  return key;
}

namespace {

Result<std::unique_ptr<Signer>> agent_signer_for(const PublicKey& wanted, const std::filesystem::path& origin,
                                                 const std::optional<std::filesystem::path>& socket,
                                                 std::string_view why) {
  if (!socket)
    return fail(Errc::not_found, fmt::format("{} {}, and no ssh-agent is running (SSH_AUTH_SOCK is unset): "
                                             "start one and `ssh-add` the key",
                                             origin.string(), why));
  auto ids = agent_identities(*socket);
  if (!ids) return std::unexpected(ids.error());
  for (auto& id : *ids)
    if (id == wanted) return agent_signer(*socket, std::move(id));
  return fail(Errc::not_found, fmt::format("{} {}, and ssh-agent does not hold it ({}): run `ssh-add {}`",
                                           origin.string(), why, wanted.fingerprint(), origin.string()));
}

}  // namespace

Result<std::unique_ptr<Signer>> choose_signer(const std::optional<std::filesystem::path>& key_file,
                                              const std::optional<std::filesystem::path>& agent_socket) {
  if (!key_file) {
    if (!agent_socket)
      return fail(Errc::not_found, "no signing key: pass --key FILE or start ssh-agent (SSH_AUTH_SOCK is unset)");
    auto ids = agent_identities(*agent_socket);
    if (!ids) return std::unexpected(ids.error());
    if (ids->empty()) return fail(Errc::not_found, "ssh-agent holds no keys: `ssh-add` one or pass --key FILE");
    return agent_signer(*agent_socket, std::move(ids->front()));
  }
  auto contents = slurp(*key_file);
  if (!contents) return std::unexpected(contents.error());
  if (contents->find("PRIVATE KEY-----") == std::string::npos) {
    auto pub = parse_public_key(*contents);
    if (!pub) return fail(pub.error().code, fmt::format("{}: {}", key_file->string(), pub.error().message));
    return agent_signer_for(*pub, *key_file, agent_socket, "is a public key");
  }
  auto signer = load_private_key(*contents, key_file->string());
  if (signer || signer.error().code != Errc::unsupported) return signer;
  // Encrypted or hardware keys: their public half is in the clear; the agent does the signing.
  auto envelope = read_envelope(*contents, key_file->string());
  if (!envelope) return std::unexpected(signer.error());
  auto pub = PublicKey::from_blob(envelope->public_blob);
  if (!pub) return std::unexpected(pub.error());
  return agent_signer_for(*pub, *key_file, agent_socket,
                          envelope->cipher != "none" ? "is encrypted" : "is a hardware security key");
}

Result<std::unique_ptr<Signer>> choose_signer(const std::optional<std::filesystem::path>& key_file) {
  std::optional<std::filesystem::path> socket;
  if (const char* s = std::getenv("SSH_AUTH_SOCK"); s && *s) socket = s;
  return choose_signer(key_file, socket);
}

}  // namespace cs::signoff
