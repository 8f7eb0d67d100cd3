// The detectors of provenance, private to the stage. Each reads one kind of signal and records
// evidence into Findings; classification combines them afterwards (assessor.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "countersign/provenance/provenance.h"
#include "countersign/provenance/registry.h"
#include "countersign/provenance/trailers.h"

namespace cs::provenance {

// What some evidence says about the class and share, with the source that said it first.
struct Claims {
  std::optional<std::string> authored;        // some evidence says an agent wrote the change
  std::optional<std::string> assisted;        // some evidence says an agent helped
  std::optional<std::string> human_attested;  // every added line attested to a known human
  std::optional<std::string> lines_source;    // where `lines` came from
  std::optional<LineCounts> lines;
};

// What the detectors found about one commit, before classification.
struct Findings {
  Findings(Provenance& p, const std::vector<std::string>& trusted) : out(p), trusted_sources(trusted) {}
  Provenance& out;
  const std::vector<std::string>& trusted_sources;
  Claims all;      // every source
  Claims trusted;  // sources the policy trusts (AssessOptions::trusted_sources)
  bool author_is_agent = false;
  bool author_is_bot = false;
  std::vector<Operator> named_operators;     // the aider suffix's human, Agent-Operator trailers
  std::vector<Operator> human_coauthors;     // Co-authored-by lines naming no agent or bot
  std::optional<std::string> session_human;  // git-ai session human_author
  std::string source;  // where the evidence being read comes from; empty: the detector's name

  void agent(std::string_view id);
  // Records evidence; `implies` raises the class (ai_assisted or ai_authored), nullopt for none.
  void add(std::optional<Class> implies, std::string detector, std::string signal, std::string_view text);
  // Records that every added line is attested to a known human / the attested line counts.
  void attest_human();
  void attest_lines(const LineCounts& n);

 private:
  std::string source_of(std::string_view detector) const;
  bool is_trusted(std::string_view source) const;
};

// Author and committer against the registry (also the " (aider)" name suffix).
void detect_identities(const Registry& reg, const git::Commit& commit, Findings& f);
// Trailers, body markers and subject prefixes.
void detect_message(const Registry& reg, const ParsedMessage& msg, Findings& f);
// Branch name prefixes of agent tools.
void detect_branch(const Registry& reg, std::string_view branch, Findings& f);

// Line attestations of one commit read from a git-ai note or Agent Trace records.
struct FileRanges {
  std::string path;
  std::vector<std::pair<uint32_t, uint32_t>> ai, human;  // inclusive 1-based line ranges
};
struct Attestation {
  std::vector<FileRanges> files;
  std::vector<std::string> tools;            // agent names as the source spells them
  std::optional<std::string> human_author;   // who drove the session, when recorded
  bool usable = true;                        // false: read, but its ranges mean nothing (old schema)
  std::string summary;                       // one line describing what was read
};

// Parses a git-ai authorship note (authorship/3.0.0). Malformed input is an error value.
Result<Attestation> parse_git_ai_note(std::string_view note);
// Parses Agent Trace v0.1.0 records: one JSON object, or JSON Lines of them.
Result<Attestation> parse_agent_trace(std::string_view records);

// Counts added lines of `commit` attested as AI / human by `att` (diffs the commit).
Result<LineCounts> count_attested_lines(const git::Repository& repo, const git::Commit& commit, const Attestation& att);

// Records the evidence and line counts of an attestation.
void apply_attestation(const Registry& reg, const std::string& detector, const Attestation& att,
                       const std::optional<LineCounts>& lines, Findings& f);

}  // namespace cs::provenance
