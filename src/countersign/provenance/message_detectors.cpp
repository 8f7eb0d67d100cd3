// Detectors that read the commit object itself: author and committer identities, trailers,
// body markers, subject prefixes; and the branch name the range was given as.
#include <algorithm>

#include "countersign/core/text.h"
#include "countersign/provenance/detectors.h"

namespace cs::provenance {
namespace {

std::string ident(std::string_view name, std::string_view email) {
  std::string s(name);
  s += " <";
  s += email;
  s += '>';
  return s;
}

// "Claude:claude-sonnet-4-6 [tool]" -> "Claude"; "Claude Code 1.0" -> first word as fallback.
std::string_view agent_name_of(std::string_view value) {
  value = text::trim(value);
  auto end = value.find_first_of(":[(<");
  return text::trim(value.substr(0, end));
}

const AgentSpec* agent_in_value(const Registry& reg, std::string_view value) {
  auto name = agent_name_of(value);
  if (const AgentSpec* s = reg.by_alias(name)) return s;
  auto space = name.find(' ');
  if (space != std::string_view::npos) return reg.by_alias(name.substr(0, space));
  return nullptr;
}

// An agent named in a trailer the registry does not know is still an agent: it is reported
// under its own (lower-cased) name.
std::string fallback_id(std::string_view name) {
  std::string id = text::lower(text::trim(name));
  std::replace(id.begin(), id.end(), ' ', '-');
  return id.empty() ? "unknown-agent" : id;
}

}  // namespace

void Findings::agent(std::string_view id) {
  if (std::find(out.agents.begin(), out.agents.end(), id) == out.agents.end()) out.agents.emplace_back(id);
}

std::string Findings::source_of(std::string_view detector) const {
  return source.empty() ? std::string(detector) : source;
}

bool Findings::is_trusted(std::string_view src) const {
  return can_be_trusted(src) && std::find(trusted_sources.begin(), trusted_sources.end(), src) != trusted_sources.end();
}

void Findings::add(std::optional<Class> implies, std::string detector, std::string signal, std::string_view text) {
  std::string src = source_of(detector);
  for (Claims* c : {&all, is_trusted(src) ? &trusted : nullptr}) {
    if (!c) continue;
    if (implies == Class::ai_authored && !c->authored) c->authored = src;
    if (implies == Class::ai_assisted && !c->assisted) c->assisted = src;
  }
  out.evidence.push_back({std::move(detector), std::move(signal), std::string(text), std::move(src)});
}

void Findings::attest_human() {
  for (Claims* c : {&all, is_trusted(source) ? &trusted : nullptr})
    if (c && !c->human_attested) c->human_attested = source;
}

void Findings::attest_lines(const LineCounts& n) {
  // A later attestation replaces an earlier one's counts, as it always has for the class.
  for (Claims* c : {&all, is_trusted(source) ? &trusted : nullptr})
    if (c) c->lines = n, c->lines_source = source;
}

void detect_identities(const Registry& reg, const git::Commit& commit, Findings& f) {
  const auto& a = commit.author;
  if (const AgentSpec* s = reg.identity(a.name, a.email)) {
    if (s->bot) {
      f.author_is_bot = true;
      f.out.bot = true;
      f.add(std::nullopt, "identity", "author is " + s->display + " (automation, not AI)", ident(a.name, a.email));
    } else {
      f.author_is_agent = true;
      f.agent(s->id);
      f.add(Class::ai_authored, "identity", "author is " + s->display, ident(a.name, a.email));
    }
  } else {
    std::string_view human;
    if (const AgentSpec* s = reg.by_name_suffix(a.name, &human)) {
      f.author_is_agent = true;
      f.agent(s->id);
      f.named_operators.push_back({std::string(human), a.email, "author name"});
      f.add(Class::ai_authored, "identity", "author name carries the " + s->display + " suffix",
            ident(a.name, a.email));
    }
  }
  const auto& c = commit.committer;
  if (c.name == a.name && c.email == a.email) return;
  if (const AgentSpec* s = reg.identity(c.name, c.email)) {
    if (s->bot) {
      f.add(std::nullopt, "identity", "committer is " + s->display + " (automation, not AI)", ident(c.name, c.email));
    } else {
      f.agent(s->id);
      f.add(Class::ai_assisted, "identity", "committer is " + s->display, ident(c.name, c.email));
    }
  }
}

namespace {

// The signal of a trailer read outside git's trailer block says where, starting with the
// placement's name ("in-prose: ..."), so that scan's output says why it counted.
std::string placed(std::string signal, Placement where) {
  std::string_view why;
  switch (where) {
    case Placement::block: return signal;
    case Placement::below_text: why = "outside the trailer block, under a line that is not a trailer"; break;
    case Placement::in_prose: why = "outside the trailer block, in a paragraph with prose"; break;
    case Placement::after_divider: why = "after a --- line, where git reads no trailers"; break;
  }
  return signal + " (" + std::string(to_string(where)) + ": " + std::string(why) + ")";
}

// One trailer. Outside git's trailer block only what names a registered agent counts: a
// co-author there is no operator, and an agent the registry does not know is not guessed.
void detect_trailer(const Registry& reg, const Trailer& t, Findings& f) {
  bool in_block = t.placement == Placement::block;
  auto add = [&](Class c, std::string signal) {
    f.add(c, "trailer", placed(std::move(signal), t.placement), t.text);
  };
  if (text::iequals(t.key, "Co-authored-by")) {
    auto who = split_identity(t.value);
    const AgentSpec* s = reg.identity(who.name, who.email);
    if (s && !s->bot) {
      f.agent(s->id);
      add(Class::ai_assisted, "co-author is " + s->display);
    } else if (!s && in_block && (!who.email.empty() || !who.name.empty())) {
      f.human_coauthors.push_back({std::string(who.name), std::string(who.email), "co-author"});
    }
  } else if (text::iequals(t.key, "Assisted-by") || text::iequals(t.key, "Generated-by")) {
    bool generated = text::iequals(t.key, "Generated-by");
    const AgentSpec* s = agent_in_value(reg, t.value);
    if (!s && !in_block) return;
    f.agent(s ? s->id : fallback_id(agent_name_of(t.value)));
    std::string name = s ? s->display : std::string(agent_name_of(t.value));
    add(generated ? Class::ai_authored : Class::ai_assisted, (generated ? "generated by " : "assisted by ") + name);
  } else if (text::iequals(t.key, "Agent-Operator") && in_block) {
    auto who = split_identity(t.value);
    f.named_operators.push_back({std::string(who.name), std::string(who.email), "Agent-Operator trailer"});
    f.add(std::nullopt, "trailer", "agent operator named", t.text);
  }
  for (const auto& spec : reg.specs())
    for (const auto& rule : spec.trailers) {
      if (!text::iequals(t.key, rule.key)) continue;
      if (rule.value && !text::iequals(t.value, *rule.value)) continue;
      f.agent(spec.id);
      add(rule.cls, std::string(t.key) + " trailer of " + spec.display);
    }
}

// Every line of `region` holding one of the spec's markers.
void detect_markers(const AgentSpec& spec, std::string_view region, bool after_divider, Findings& f) {
  for (const auto& m : spec.markers) {
    auto pos = region.find(m.text);
    if (pos == std::string_view::npos) continue;
    auto bol = region.rfind('\n', pos);
    bol = bol == std::string_view::npos ? 0 : bol + 1;
    auto eol = region.find('\n', pos);
    f.agent(spec.id);
    std::string signal = "message says it was generated with " + spec.display;
    if (after_divider) signal += " (after-divider: after a --- line)";
    f.add(m.cls, "marker", std::move(signal),
          region.substr(bol, eol == std::string_view::npos ? std::string_view::npos : eol - bol));
  }
}

}  // namespace

void detect_message(const Registry& reg, const ParsedMessage& msg, Findings& f) {
  for (const auto& t : msg.trailers) detect_trailer(reg, t, f);
  for (const auto& t : msg.loose) detect_trailer(reg, t, f);
  for (const auto& spec : reg.specs()) {
    detect_markers(spec, msg.message, false, f);
    detect_markers(spec, msg.after_divider, true, f);
    for (const auto& prefix : spec.subject_prefixes)
      if (msg.subject.starts_with(prefix)) {
        f.agent(spec.id);
        f.add(Class::ai_authored, "marker", "subject carries the " + spec.display + " prefix", msg.subject);
      }
  }
}

void detect_branch(const Registry& reg, std::string_view branch, Findings& f) {
  std::string_view name = branch;
  for (std::string_view strip : {"refs/heads/", "refs/remotes/"})
    if (name.starts_with(strip)) name.remove_prefix(strip.size());
  if (branch.starts_with("refs/remotes/")) {
    auto slash = name.find('/');
    if (slash != std::string_view::npos) name.remove_prefix(slash + 1);  // the remote's name
  }
  for (const auto& spec : reg.specs())
    for (const auto& prefix : spec.branch_prefixes)
      if (name.starts_with(prefix) && name.size() > prefix.size()) {
        f.agent(spec.id);
        f.add(Class::ai_assisted, "branch", "branch was created by " + spec.display, branch);
        return;
      }
}

}  // namespace cs::provenance
