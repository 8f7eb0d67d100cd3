// Verified authorship: a commit's SSH signature (gpg.format=ssh) checked in-process as
// `git verify-commit` would with gpg.ssh.allowedSignersFile, against the trusted people's keys.
#include <algorithm>

#include "countersign/signoff/signoff.h"
#include "countersign/signoff/sshsig.h"
#include "countersign/signoff/trusted_keys.h"

namespace cs::signoff {
namespace {

struct SplitCommit {
  std::string payload;    // the object without its signature header: what was signed
  std::string signature;  // the header's value, continuation lines joined
  bool signed_ = false;
};

// git writes the signature as a header "gpgsig <first line>" followed by continuation lines that
// start with one space; the signed payload is the object without that header.
SplitCommit split_signature(std::string_view raw) {
  SplitCommit out;
  size_t end_of_headers = raw.find("\n\n");
  if (end_of_headers == std::string_view::npos) end_of_headers = raw.size();
  size_t pos = 0;
  while (pos < raw.size()) {
    size_t eol = raw.find('\n', pos);
    size_t next = eol == std::string_view::npos ? raw.size() : eol + 1;
    std::string_view line = raw.substr(pos, next - pos);
    if (pos < end_of_headers && !out.signed_ && line.starts_with("gpgsig ")) {
      out.signed_ = true;
      out.signature += line.substr(7);
      while (next <= end_of_headers && next < raw.size() && raw[next] == ' ') {
        size_t e = raw.find('\n', next);
        size_t n = e == std::string_view::npos ? raw.size() : e + 1;
        out.signature += raw.substr(next + 1, n - next - 1);
        next = n;
      }
    } else {
      out.payload += line;
    }
    pos = next;
  }
  return out;
}

}  // namespace

struct CommitSigners::State {
  Trust trust;
  AllowedSigners signers;
};

CommitSigners::CommitSigners(Trust trust) : state_(std::make_unique<State>()) {
  state_->trust = std::move(trust);
  std::vector<store::Problem> ignored;  // the approval store reports unusable key lines
  state_->signers = trusted_signers(state_->trust, ignored);
}
CommitSigners::CommitSigners(CommitSigners&&) noexcept = default;
CommitSigners::~CommitSigners() = default;

CommitSignature CommitSigners::signer_of(std::string_view raw) const {
  const State& s = *state_;
  CommitSignature out;
  auto problem = [&](std::string why) {
    out.problem = std::move(why);
    return out;
  };
  SplitCommit split = split_signature(raw);
  if (!split.signed_)
    return problem("the commit is not signed (sign it with an SSH key: git config gpg.format ssh; git commit -S)");
  if (split.signature.find("-----BEGIN SSH SIGNATURE-----") == std::string::npos)
    return problem("the commit is signed, but not with an SSH key (gpg.format=ssh)");
  auto sig = sshsig_parse(split.signature);
  if (!sig) return problem("unreadable commit signature: " + sig.error().message);
  out.fingerprint = sig->key.fingerprint();
  if (auto v = sshsig_verify(*sig, split.payload, kGitNamespace); !v)
    return problem("the commit signature does not verify: " + v.error().message);
  std::vector<size_t> owners;
  for (const AllowedSigner* e : s.signers.entries_for(sig->key))
    if (auto p = person_of(e->principals, s.trust.people.size());
        p && std::find(owners.begin(), owners.end(), *p) == owners.end())
      owners.push_back(*p);
  if (owners.empty())
    return problem("signed with key " + out.fingerprint + ", which belongs to nobody in the trusted people directory");
  if (owners.size() > 1) return problem("signed with key " + out.fingerprint + ", which is listed for several people");
  const Signatory& who = s.trust.people[owners[0]];
  auto decision = s.signers.check(sig->key, principal_of(owners[0]), kGitNamespace, s.trust.now);
  if (!decision.allowed())
    return problem("signed with key " + out.fingerprint + " of " + who.id + ": " + decision.reason);
  out.person = &who;
  return out;
}

}  // namespace cs::signoff
