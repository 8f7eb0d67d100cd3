// Command approvals: a senior's SSHSIG over one held command's request id and binding, in the
// namespace countersign-command-approval, travelling as one armored block. Signing and
// verification are the same SSHSIG code as change approvals; only the statement and the rule
// (the policy's `commands` section, never the operator, never an agent) differ.
#include <algorithm>
#include <functional>

#include "countersign/guard/guard.h"
#include "countersign/signoff/allowed_signers.h"
#include "countersign/signoff/signoff.h"
#include "countersign/signoff/sshsig.h"
#include "countersign/signoff/store.h"
#include "countersign/signoff/trusted_keys.h"

namespace cs::signoff {
namespace {

constexpr std::string_view kApprovalLabel = "COUNTERSIGN COMMAND APPROVAL";
constexpr std::string_view kMagic = "countersign-command-approval v1";
constexpr std::string_view kSignatureBegin = "-----BEGIN SSH SIGNATURE-----";
constexpr int64_t kClockSkew = 300;
constexpr size_t kMaxApprover = 256;

bool lower_hex(std::string_view s, size_t n) {
  return s.size() == n && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

bool printable(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// The one person of `trust` whose key `key` is, or why there is none.
std::optional<size_t> owner_index(const AllowedSigners& signers, const PublicKey& key, size_t people,
                                  std::string& why) {
  std::vector<size_t> owners;
  for (const AllowedSigner* e : signers.entries_for(key))
    if (auto p = person_of(e->principals, people); p && std::find(owners.begin(), owners.end(), *p) == owners.end())
      owners.push_back(*p);
  if (owners.size() == 1) return owners[0];
  why = "key " + key.fingerprint() +
        (owners.empty() ? " belongs to nobody in the trusted people directory" : " is listed for several people");
  return std::nullopt;
}

// Why one approval does not count for (request, binding), or nullopt; `person` is its signer.
std::optional<std::string> refusal(const Trust& trust, const AllowedSigners& signers, const std::string& block,
                                   std::string_view request, std::string_view binding, size_t& person,
                                   std::string& key) {
  auto read = read_command_approval(block);
  if (!read) return "unreadable approval: " + read.error().message;
  const CommandApproval& a = read->approval;
  key = ChangeDigest::of(read->text).hex();
  auto sig = sshsig_parse(read->signature);
  if (!sig) return "unreadable signature: " + sig.error().message;
  if (auto v = sshsig_verify(*sig, read->text, kCommandApprovalNamespace); !v) {
    if (v.error().code == Errc::invalid_argument)
      return "signed in namespace " + sig->sig_namespace + ", not " + std::string(kCommandApprovalNamespace) +
             ": it is not a command approval";
    return "signature does not verify: " + v.error().message;
  }
  std::string why;
  auto owner = owner_index(signers, sig->key, trust.people.size(), why);
  if (!owner) return why;
  const Signatory& p = trust.people[*owner];
  if (auto d = signers.check(sig->key, principal_of(*owner), kCommandApprovalNamespace, trust.now); !d.allowed())
    return "key " + sig->key.fingerprint() + " of " + p.id + ": " + d.reason;
  if (!p.is(a.approver)) return "signed with " + p.id + "'s key but names approver " + a.approver;
  if (a.request != request || a.binding != binding)
    return "by " + p.id + " for request " + a.request + ", another command, directory or environment";
  if (a.time > trust.now + kClockSkew) return "by " + p.id + ": dated " + format_time(a.time) + ", in the future";
  if (a.expires <= trust.now) return "by " + p.id + ": expired at " + format_time(a.expires);
  if (a.expires - a.time > kMaxCommandApprovalTtl) return "by " + p.id + ": lives longer than 24 hours";
  person = *owner;
  return std::nullopt;
}

// Whether distinct people of `candidates` (indices into trust.people) meet every rule: each rule
// needs its count of people holding its role; one person fills one place in all of them unless
// `many_roles`, then one place per rule.
bool meets(const Trust& trust, const std::vector<size_t>& candidates, std::span<const CommandRule> rules,
           bool many_roles, std::vector<size_t>& chosen) {
  std::vector<std::pair<std::string, int>> places;
  for (const auto& r : rules) places.push_back({r.role, r.count});
  std::function<bool(size_t, int, std::vector<size_t>&)> fill = [&](size_t rule, int left,
                                                                    std::vector<size_t>& in_rule) -> bool {
    if (rule == places.size()) return true;
    if (left == 0) {
      std::vector<size_t> next;
      return fill(rule + 1, rule + 1 < places.size() ? places[rule + 1].second : 0, next);
    }
    for (size_t c : candidates) {
      const Signatory& p = trust.people[c];
      bool taken = std::find(in_rule.begin(), in_rule.end(), c) != in_rule.end() ||
                   (!many_roles && std::find(chosen.begin(), chosen.end(), c) != chosen.end());
      if (taken || !p.has_role(places[rule].first)) continue;
      in_rule.push_back(c);
      chosen.push_back(c);
      if (fill(rule, left - 1, in_rule)) return true;
      chosen.pop_back();
      in_rule.pop_back();
    }
    return false;
  };
  std::vector<size_t> first;
  return places.empty() ? false : fill(0, places[0].second, first);
}

}  // namespace

std::string render(const CommandApproval& a) {
  return std::string(kMagic) + "\nrequest " + a.request + "\nbinding " + a.binding + "\napprover " + a.approver +
         "\ntime " + format_time(a.time) + "\nexpires " + format_time(a.expires) + "\n";
}

Result<CommandApproval> parse_command_approval(std::string_view text) {
  CommandApproval a;
  std::string_view rest = text;
  auto line = [&](std::string_view tag) -> Result<std::string> {
    auto eol = rest.find('\n');
    if (eol == std::string_view::npos) return fail(Errc::parse, "the command approval ends early");
    std::string_view l = rest.substr(0, eol);
    rest.remove_prefix(eol + 1);
    if (tag.empty()) return std::string(l);
    if (!l.starts_with(tag) || l.size() <= tag.size() || l[tag.size()] != ' ')
      return fail(Errc::parse, "the command approval has no " + std::string(tag) + " line where one belongs");
    return std::string(l.substr(tag.size() + 1));
  };
  auto magic = line("");
  if (!magic || *magic != kMagic) return fail(Errc::parse, "not a " + std::string(kMagic));
  auto request = line("request"), binding = line("binding"), approver = line("approver"), time = line("time"),
       expires = line("expires");
  for (const auto* r : {&request, &binding, &approver, &time, &expires})
    if (!*r) return std::unexpected(r->error());
  if (!rest.empty()) return fail(Errc::parse, "the command approval has data after its last line");
  if (!lower_hex(*request, 16) || !lower_hex(*binding, 64) || request->substr(0, 16) != binding->substr(0, 16))
    return fail(Errc::parse, "the command approval's request and binding are malformed");
  if (approver->empty() || approver->size() > kMaxApprover || !printable(*approver))
    return fail(Errc::parse, "the command approval's approver is malformed");
  auto t = parse_time(*time), e = parse_time(*expires);
  if (!t || !e) return fail(Errc::parse, "the command approval's times are malformed");
  a = CommandApproval{*request, *binding, *approver, *t, *e};
  if (render(a) != text) return fail(Errc::parse, "the command approval is not in canonical form");
  return a;
}

Result<std::string> sign_command_approval(const CommandApproval& approval, const SigningOptions& signing) {
  std::string text = render(approval);
  if (auto back = parse_command_approval(text); !back)
    return fail(Errc::invalid_argument, "cannot sign this command approval: " + back.error().message);
  std::optional<std::filesystem::path> key;
  if (signing.key_file) key = *signing.key_file;
  auto signer = choose_signer(key);
  if (!signer) return std::unexpected(signer.error());
  auto armored = sshsig_sign(**signer, text, kCommandApprovalNamespace);
  if (!armored) return std::unexpected(armored.error());
  return guard::armor(kApprovalLabel, text + *armored);
}

Result<CommandApprovalBlock> read_command_approval(std::string_view block) {
  auto payload = guard::dearmor(kApprovalLabel, block);
  if (!payload) return std::unexpected(payload.error());
  auto begin = payload->find(kSignatureBegin);
  if (begin == std::string::npos) return fail(Errc::parse, "the command approval carries no SSH signature");
  CommandApprovalBlock out;
  out.text = payload->substr(0, begin);
  out.signature = payload->substr(begin);
  if (out.signature.find(kSignatureBegin, kSignatureBegin.size()) != std::string::npos)
    return fail(Errc::parse, "the command approval carries more than one signature");
  // The signature as ssh-keygen writes it, ending in one newline, nothing after.
  if (!out.signature.ends_with("-----END SSH SIGNATURE-----\n"))
    return fail(Errc::parse, "the command approval has data after its signature");
  auto a = parse_command_approval(out.text);
  if (!a) return std::unexpected(a.error());
  out.approval = std::move(*a);
  return out;
}

CommandCheck check_command_approvals(const Trust& trust, std::span<const std::string> blocks, std::string_view request,
                                     std::string_view binding, std::span<const Excluded> operators,
                                     std::span<const CommandRule> rules, bool one_person_many_roles,
                                     const std::function<bool(const std::string& key)>& used) {
  CommandCheck out;
  std::vector<store::Problem> ignored;
  AllowedSigners signers = trusted_signers(trust, ignored);
  std::vector<std::string> roles;
  for (const auto& r : rules) roles.push_back(r.role);
  std::vector<size_t> eligible;
  std::vector<std::string> keys;  // of eligible[i]'s approval
  for (const auto& block : blocks) {
    size_t person = 0;
    std::string key;
    if (auto why = refusal(trust, signers, block, request, binding, person, key)) {
      out.refusals.push_back(*why);
      continue;
    }
    if (used && used(key)) {
      out.refusals.push_back("the approval by " + trust.people[person].id + " was used up by an earlier retry");
      continue;
    }
    const Signatory& p = trust.people[person];
    if (auto no = ineligibility(p, operators, roles)) {
      if (auto at = no->find("the change's operator"); at != std::string::npos)
        no->replace(at, 21, "the operator the agent runs as: nobody approves their own agent's command");
      out.refusals.push_back(*no);
      continue;
    }
    if (std::find(eligible.begin(), eligible.end(), person) == eligible.end()) {
      eligible.push_back(person);
      keys.push_back(key);
    }
  }
  std::vector<size_t> chosen;
  out.released = meets(trust, eligible, rules, one_person_many_roles, chosen);
  if (out.released) {
    for (size_t c : chosen) {
      if (std::find(out.approvers.begin(), out.approvers.end(), trust.people[c].id) != out.approvers.end()) continue;
      out.approvers.push_back(trust.people[c].id);
      out.uses.push_back(keys[size_t(std::find(eligible.begin(), eligible.end(), c) - eligible.begin())]);
    }
    return out;
  }
  std::string need;
  for (const auto& r : rules) need += (need.empty() ? "" : " and ") + std::to_string(r.count) + " " + r.role;
  out.refusals.push_back("the policy's commands.approvals need " + (need.empty() ? std::string("nobody") : need) +
                         " (distinct people, not the operator, not an agent); " + std::to_string(eligible.size()) +
                         " eligible approval" + (eligible.size() == 1 ? "" : "s") + " verified");
  return out;
}

}  // namespace cs::signoff
