#include <gtest/gtest.h>

#include "countersign/policy/policy.h"

namespace cs::policy {
namespace {

const char* kPeople = R"(people:
  - id: alice
    name: Alice Doe
    emails: [alice@example.com]
    roles: [senior, policy-admin]
    keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBlah alice@laptop"]
  - id: bob
    emails: [bob@example.com]
    roles: [senior]
agents:
  - id: release-bot
    emails: [release-bot@example.com]
)";

const char* kPolicy = R"(version: 1
rules:
  - name: ai-changes-need-a-senior
    match: { provenance: [ai_assisted, ai_authored, unknown] }
    require: { approvals: 1, roles: [senior] }
  - name: infra-needs-two
    match: { paths: ["infra/**"], provenance: [ai_assisted, ai_authored] }
    require: { approvals: 2, roles: [senior] }
)";

Loaded load_texts(const std::string& policy, const std::string& people = kPeople) {
  return load(SourceText{"policy.yaml", policy}, SourceText{"people.yaml", people});
}

// The single error diagnostic, or a test failure listing them all.
const Diagnostic* only_error(const Loaded& l) {
  const Diagnostic* found = nullptr;
  int n = 0;
  for (const auto& d : l.diagnostics.items)
    if (d.level == Level::error) {
      found = &d;
      ++n;
    }
  EXPECT_EQ(n, 1) << l.diagnostics.format();
  return n == 1 ? found : nullptr;
}

TEST(PolicyLoad, TheIssueExampleLoadsClean) {
  auto l = load_texts(kPolicy);
  EXPECT_TRUE(l.diagnostics.items.empty()) << l.diagnostics.format();
  ASSERT_EQ(l.policy.rules.size(), 2u);
  EXPECT_EQ(l.policy.rules[1].name, "infra-needs-two");
  EXPECT_EQ(l.policy.rules[1].require.approvals, 2);
  EXPECT_EQ(l.policy.rules[1].where.line, 6);
  EXPECT_TRUE(l.policy.rules[1].match.paths.matches("infra/x.tf"));
  EXPECT_TRUE(l.policy.rules[0].require.exclude.author && l.policy.rules[0].require.exclude.operator_);
  EXPECT_FALSE(l.policy.builtin_default);
  ASSERT_EQ(l.people.people.size(), 2u);
  EXPECT_EQ(l.people.people[0].keys.size(), 1u);
  EXPECT_EQ(l.people.by_email("ALICE@example.com")->id, "alice");
  ASSERT_EQ(l.people.agents.size(), 1u);
  EXPECT_EQ(l.people.agents[0].emails[0], "release-bot@example.com");
}

TEST(PolicyLoad, AuthorshipAndSelfOverride) {
  auto l = load_texts(std::string(kPolicy) +
                      "authorship: verified\nbreak_glass:\n  roles: [senior]\n  self_override: [senior]\n");
  EXPECT_FALSE(l.diagnostics.has_errors()) << l.diagnostics.format();
  EXPECT_EQ(l.policy.authorship, Authorship::verified);
  EXPECT_EQ(l.policy.break_glass.self_override, std::vector<std::string>{"senior"});
  EXPECT_EQ(load_texts(kPolicy).policy.authorship, Authorship::claimed);
  EXPECT_TRUE(load_texts(kPolicy).policy.break_glass.self_override.empty());
  auto bad = load_texts(std::string(kPolicy) + "authorship: signed\n");
  auto* e = only_error(bad);
  ASSERT_TRUE(e);
  EXPECT_NE(e->error.message.find("authorship must be claimed or verified"), std::string::npos);
}

// One address is one person: a sub-address or another case of it cannot be claimed twice.
TEST(PolicyLoad, AnAddressUnderASubAddressBelongsToOnePerson) {
  std::string people = kPeople;
  people.insert(people.find("agents:"), "  - id: mallory\n    emails: [Alice+me@example.com]\n    roles: [senior]\n");
  auto l = load_texts(kPolicy, people);
  EXPECT_TRUE(l.diagnostics.has_errors()) << l.diagnostics.format();
  EXPECT_NE(l.diagnostics.format().find("already belongs to person 'alice'"), std::string::npos)
      << l.diagnostics.format();
  EXPECT_EQ(l.people.by_email("alice+ci@EXAMPLE.com")->id, "alice");
}

TEST(PolicyLoad, DuplicateKeyIsReportedAtTheSecondKey) {
  auto l = load_texts("version: 1\nrules: []\nversion: 1\n");
  auto* d = only_error(l);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->error.where.file, "policy.yaml");
  EXPECT_EQ(d->error.where.line, 3);
  EXPECT_EQ(d->error.where.column, 1);
  EXPECT_EQ(d->error.where.snippet, "version: 1");
  EXPECT_NE(d->error.message.find("duplicate key 'version'"), std::string::npos);
  EXPECT_NE(d->error.message.find("line 1"), std::string::npos);
}

TEST(PolicyLoad, DuplicateKeyInsideAFlowMap) {
  auto l = load_texts("version: 1\nrules:\n  - name: r\n    require: { approvals: 1, approvals: 2, roles: [senior] }\n");
  auto* d = only_error(l);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->error.where.line, 4);
  EXPECT_EQ(d->error.where.column, 30);
}

TEST(PolicyLoad, WrongTypesAreReportedWithPositions) {
  auto l = load_texts("version: 1\nrules:\n  - name: r\n    require: { approvals: two, roles: senior }\n");
  ASSERT_EQ(l.diagnostics.count(Level::error), 2u) << l.diagnostics.format();
  const auto& a = l.diagnostics.items[0].error;
  EXPECT_EQ(a.where.line, 4);
  EXPECT_EQ(a.where.column, 27);
  EXPECT_NE(a.message.find("require.approvals must be an integer"), std::string::npos) << a.message;
  const auto& b = l.diagnostics.items[1].error;
  EXPECT_EQ(b.where.column, 39);
  EXPECT_NE(b.message.find("must be a list"), std::string::npos) << b.message;
  EXPECT_NE(b.message.find("[senior]"), std::string::npos) << b.message;
}

TEST(PolicyLoad, QuotedNumberIsAString) {
  auto l = load_texts("version: 1\nrules:\n  - name: r\n    require: { approvals: \"2\", roles: [senior] }\n");
  auto* d = only_error(l);
  ASSERT_TRUE(d);
  EXPECT_NE(d->error.message.find("not a quoted string"), std::string::npos) << d->error.message;
}

TEST(PolicyLoad, UnknownFieldGetsASuggestion) {
  auto l = load_texts("version: 1\nrules:\n  - name: r\n    requires: { approvals: 1, roles: [senior] }\n");
  const Error* found = nullptr;
  for (const auto& d : l.diagnostics.items)
    if (d.error.message.starts_with("unknown field")) found = &d.error;
  ASSERT_TRUE(found) << l.diagnostics.format();
  const auto& e = *found;
  EXPECT_EQ(e.where.line, 4);
  EXPECT_EQ(e.where.column, 5);
  EXPECT_NE(e.message.find("unknown field 'requires'"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("did you mean 'require'?"), std::string::npos) << e.message;
}

TEST(PolicyLoad, UnknownProvenanceClassGetsASuggestion) {
  auto l = load_texts("version: 1\nrules:\n  - name: r\n    match: { provenance: [ai_asisted] }\n    require: { roles: [senior] }\n");
  auto* d = only_error(l);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->error.where.line, 4);
  EXPECT_EQ(d->error.where.column, 27);
  EXPECT_NE(d->error.message.find("did you mean 'ai_assisted'?"), std::string::npos) << d->error.message;
}

TEST(PolicyLoad, UndefinedRoleIsAnErrorWithSuggestion) {
  auto l = load_texts("version: 1\nrules:\n  - name: r\n    require: { roles: [senoir] }\n");
  auto* d = only_error(l);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->error.where.line, 4);
  EXPECT_EQ(d->error.where.column, 24);
  EXPECT_NE(d->error.message.find("rule 'r' requires role 'senoir'"), std::string::npos) << d->error.message;
  EXPECT_NE(d->error.message.find("did you mean 'senior'?"), std::string::npos) << d->error.message;
}

TEST(PolicyLoad, DeclaredRoleWithNobodyInItIsDefined) {
  auto l = load_texts("version: 1\nrules:\n  - name: r\n    require: { roles: [dba] }\n",
                      std::string(kPeople) + "roles: [dba]\n");
  EXPECT_FALSE(l.diagnostics.has_errors()) << l.diagnostics.format();
}

TEST(PolicyLoad, KeepsGoingAndReportsEveryProblem) {
  auto l = load_texts(R"(version: 1
rules:
  - name: a
    match: { paths: ["infra/[x"] }
    require: { approvals: 0, roles: [senior] }
  - name: a
    require: { roles: [nobody] }
    extra: 1
max_age: forever
)");
  EXPECT_EQ(l.diagnostics.count(Level::error), 6u) << l.diagnostics.format();
  auto text = l.diagnostics.format();
  EXPECT_NE(text.find("policy.yaml:5:27: error: require.approvals must be between 1 and 20"), std::string::npos) << text;
  EXPECT_NE(text.find("policy.yaml:6:11: error: duplicate rule name 'a'"), std::string::npos) << text;
  EXPECT_NE(text.find("policy.yaml:8:5: error: unknown field 'extra'"), std::string::npos) << text;
  EXPECT_NE(text.find("policy.yaml:9:10: error: max_age must be a duration"), std::string::npos) << text;
  EXPECT_NE(text.find("policy.yaml:4:22: error: bad glob 'infra/[x'"), std::string::npos) << text;
  EXPECT_NE(text.find("policy.yaml:7:24: error: rule 'a' requires role 'nobody'"), std::string::npos) << text;
  // The snippet and a caret under the column.
  EXPECT_NE(text.find("\n    max_age: forever\n             ^\n"), std::string::npos) << text;
}

TEST(PolicyLoad, InvalidYamlHasAPosition) {
  auto l = load_texts("version: 1\nrules:\n  - name: [unclosed\n");
  auto* d = only_error(l);
  ASSERT_TRUE(d);
  EXPECT_GT(d->error.where.line, 0);
  EXPECT_NE(d->error.message.find("not valid YAML"), std::string::npos);
}

TEST(PolicyLoad, KeyLinesMayCarryAllowedSignersOptions) {
  auto l = load(std::nullopt, SourceText{"people.yaml", R"(people:
  - id: alice
    emails: [alice@example.com]
    keys:
      - 'valid-before="20270101Z",namespaces="countersign-approval,git" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBlah alice@laptop'
      - 'valid-after="20240101" ecdsa-sha2-nistp256 AAAAE2VjZHNh x'
      - 'namespaces="a b" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBlah'
      - 'permit-pty ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBlah'
      - 'from="10.0.0.1" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBlah'
      - 'valid-before="2027 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBlah'
      - "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBlah\nx ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBlah"
)"});
  auto text = l.diagnostics.format();
  ASSERT_EQ(l.people.people.size(), 1u) << text;
  EXPECT_EQ(l.people.people[0].keys.size(), 3u) << text;
  EXPECT_NE(text.find("people.yaml:8:9: error: not an OpenSSH public key line"), std::string::npos) << text;
  EXPECT_NE(text.find("people.yaml:9:9: error: unknown allowed_signers option 'from'"), std::string::npos) << text;
  EXPECT_NE(text.find("people.yaml:10:9: error: not an OpenSSH public key line"), std::string::npos) << text;
  EXPECT_NE(text.find("people.yaml:11:9: error: a key line must be a single line"), std::string::npos) << text;
}

TEST(PolicyLoad, PeopleProblems) {
  auto l = load(std::nullopt, SourceText{"people.yaml", R"(people:
  - id: alice
    emails: [alice@example.com, not-an-email]
    keys: ["ecdsa-sha2-nistp256 AAAA x", "garbage"]
  - id: alice
    emails: [ALICE@example.com]
  - name: No Id
agents:
  - id: bot
)"});
  auto text = l.diagnostics.format();
  EXPECT_NE(text.find("people.yaml:3:33: error: 'not-an-email' is not an email address"), std::string::npos) << text;
  EXPECT_NE(text.find("people.yaml:4:42: error: not an OpenSSH public key line"), std::string::npos) << text;
  EXPECT_NE(text.find("people.yaml:5:9: error: duplicate id 'alice'"), std::string::npos) << text;
  EXPECT_NE(text.find("people.yaml:6:14: error: email ALICE@example.com already belongs to person 'alice'"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("people.yaml:7:5: error: a person needs an id"), std::string::npos) << text;
  EXPECT_NE(text.find("people.yaml:9:5: error: agent 'bot' needs emails or names"), std::string::npos) << text;
  EXPECT_TRUE(l.policy.builtin_default);
}

TEST(PolicyLoad, AbsentPolicyGivesTheBuiltInDefault) {
  auto l = load(std::nullopt, std::nullopt);
  EXPECT_FALSE(l.diagnostics.has_errors());
  EXPECT_TRUE(l.policy.builtin_default);
  ASSERT_EQ(l.policy.rules.size(), 1u);
  EXPECT_EQ(l.policy.rules[0].name, "ai-changes-need-a-senior");
  EXPECT_FALSE(l.people.present);
}

TEST(PolicyLoad, LaterSectionsAreReadWithDefaults) {
  auto l = load_texts(R"(version: 1
rules: []
max_age: 7d
break_glass: { roles: [senior], max_ttl: 2h, review_within: 3d }
environments: { production: [prod, live], default: staging }
risk:
  escalate: [{ severity: high, approvals: 2, roles: [senior] }]
  protected: ["aws_db_instance.*"]
  suppress:
    - { rule: stateful-delete, resource: aws_s3_bucket.scratch, expires: 2030-01-01, reason: test bucket }
  migrations: ["db/**/*.sql"]
  env_rebuild: { min_resources: 3, min_share: 60% }
unknown: { treat_as: unknown }
)");
  EXPECT_TRUE(l.diagnostics.items.empty()) << l.diagnostics.format();
  const Policy& p = l.policy;
  EXPECT_EQ(p.max_age, std::chrono::seconds(7 * 86400));
  EXPECT_EQ(p.break_glass.max_ttl, std::chrono::seconds(7200));
  EXPECT_EQ(p.break_glass.review_within, std::chrono::seconds(3 * 86400));
  EXPECT_TRUE(p.environments.is_production("LIVE"));
  EXPECT_FALSE(p.environments.is_production("production"));
  EXPECT_EQ(p.environments.default_name, "staging");
  ASSERT_EQ(p.risk.escalate.size(), 1u);
  EXPECT_EQ(p.risk.escalate[0].severity, Severity::high);
  ASSERT_EQ(p.risk.suppress.size(), 1u);
  EXPECT_EQ(p.risk.suppress[0].expires_at, 1893456000);
  EXPECT_TRUE(p.risk.migrations.matches("db/x/1.sql"));
  EXPECT_FALSE(p.risk.migrations.matches("migrations/1.sql"));
  EXPECT_TRUE(p.risk.plan_files.matches("envs/prod/plan.json"));  // default kept
  EXPECT_DOUBLE_EQ(p.risk.env_rebuild.min_share, 0.6);
  EXPECT_EQ(p.unknown.treat_as, provenance::Class::unknown);
}

TEST(PolicyLoad, DefaultsOfLaterSections) {
  auto l = load_texts(kPolicy);
  const Policy& p = l.policy;
  EXPECT_FALSE(p.max_age.has_value());
  EXPECT_TRUE(p.break_glass.roles.empty());
  EXPECT_TRUE(p.environments.is_production("prod"));
  ASSERT_EQ(p.risk.escalate.size(), 1u);
  EXPECT_EQ(p.risk.escalate[0].severity, Severity::critical);
  EXPECT_EQ(p.risk.escalate[0].approvals, 2);
  EXPECT_EQ(p.unknown.treat_as, provenance::Class::ai_assisted);
}

TEST(PolicyLoad, NoEvidenceSourceIsTrustedByDefault) {
  EXPECT_TRUE(load_texts(kPolicy).policy.provenance_trust.sources.empty());
}

TEST(PolicyLoad, OnlyNotesRefsCanBeTrusted) {
  auto ok = load_texts(std::string(kPolicy) + "provenance:\n  trusted: [refs/notes/ai, refs/notes/agent-trace]\n");
  EXPECT_FALSE(ok.diagnostics.has_errors()) << ok.diagnostics.format();
  EXPECT_EQ(ok.policy.provenance_trust.sources, (std::vector<std::string>{"refs/notes/ai", "refs/notes/agent-trace"}));
  for (std::string source :
       {".agent-trace/traces.jsonl", "trailer", "marker", "identity", "branch", "refs/notes/commits"}) {
    auto bad = load_texts(std::string(kPolicy) + "provenance:\n  trusted: [refs/notes/ai, \"" + source + "\"]\n");
    const Diagnostic* d = only_error(bad);
    ASSERT_TRUE(d) << source;
    EXPECT_NE(d->error.message.find("'" + source + "' cannot be trusted"), std::string::npos) << d->error.message;
    EXPECT_EQ(d->error.where.line, 10) << source;
    EXPECT_EQ(bad.policy.provenance_trust.sources, std::vector<std::string>{"refs/notes/ai"});
  }
  auto typo = load_texts(std::string(kPolicy) + "provenance:\n  trust: [refs/notes/ai]\n");
  EXPECT_TRUE(typo.diagnostics.has_errors());
}

TEST(PolicyLoad, SuppressionWithoutExpiryIsRejected) {
  auto l = load_texts("version: 1\nrules: []\nrisk:\n  suppress:\n    - { rule: env-rebuild, resource: main }\n");
  auto* d = only_error(l);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->error.where.line, 5);
  EXPECT_NE(d->error.message.find("expires"), std::string::npos);
}

TEST(PolicyLoad, SuppressionWithoutResourceIsRejected) {
  auto l = load_texts("version: 1\nrules: []\nrisk:\n  suppress:\n    - { rule: env-rebuild, expires: 2030-01-01 }\n");
  auto* d = only_error(l);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->error.where.line, 5);
  EXPECT_NE(d->error.message.find("resource"), std::string::npos);
}

TEST(PolicyLoad, RiskDefaultsAndInputSelection) {
  auto defaults = load_texts("version: 1\nrules: []\n");
  const auto& d = defaults.policy.risk;
  EXPECT_DOUBLE_EQ(d.env_rebuild.min_share, 0.30);  // issue 4: default 30%
  EXPECT_EQ(d.env_rebuild.count, 0);
  EXPECT_EQ(d.sql_dialect, risk::SqlDialect::postgresql);
  EXPECT_TRUE(d.manifests.matches("deploy/k8s/app.yaml"));
  EXPECT_TRUE(d.plan_files.matches("stacks/prod.changeset.json"));
  EXPECT_TRUE(d.migrations.matches("db/001_init.sql"));
  EXPECT_FALSE(d.manifests.matches("src/config.yaml"));

  auto l = load_texts(
      "version: 1\nrules: []\nrisk:\n  dialect: mysql\n  manifests: [\"rendered/*.yaml\"]\n"
      "  env_rebuild: { count: 7 }\n");
  EXPECT_FALSE(l.diagnostics.has_errors()) << l.diagnostics.format();
  EXPECT_EQ(l.policy.risk.sql_dialect, risk::SqlDialect::mysql);
  EXPECT_EQ(l.policy.risk.env_rebuild.count, 7);
  EXPECT_DOUBLE_EQ(l.policy.risk.env_rebuild.min_share, 0.30);  // untouched fields keep their default
  EXPECT_TRUE(l.policy.risk.manifests.matches("rendered/all.yaml"));
  EXPECT_FALSE(l.policy.risk.manifests.matches("deploy/k8s/app.yaml"));

  auto bad = load_texts("version: 1\nrules: []\nrisk:\n  dialect: oracle\n");
  auto* e = only_error(bad);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->error.where.line, 4);
}

TEST(PolicyLoad, AliasBombIsCutShort) {
  std::string y = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'j'; ++c) {
    y += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) y += std::string(i ? ", *" : "*") + prev;
    y += "]\n";
    prev = c;
  }
  y += "version: 1\nrules: []\nrisk: { protected: *j }\n";
  auto l = load_texts(y);
  EXPECT_TRUE(l.diagnostics.has_errors());  // unknown fields a..j, then the budget
}

TEST(PolicyLoad, NonUtf8AndBinaryInputDoNotCrash) {
  auto l = load_texts(std::string("version: 1\nrules:\n  - name: \xff\xfe\n    require: { roles: [senior] }\n"));
  EXPECT_TRUE(l.diagnostics.has_errors());
  auto l2 = load_texts(std::string("\0\1\2\3", 4));
  EXPECT_TRUE(l2.diagnostics.has_errors());
  auto l3 = load_texts(std::string(100000, '['));
  EXPECT_TRUE(l3.diagnostics.has_errors());
}

TEST(Suggestions, ClosestWithinAFewEdits) {
  constexpr std::string_view words[] = {"require", "match", "name"};
  EXPECT_EQ(closest("requrie", words), "require");
  EXPECT_EQ(closest("MATCH", words), "match");
  EXPECT_FALSE(closest("zzzzzzzz", words).has_value());
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

}  // namespace
}  // namespace cs::policy
