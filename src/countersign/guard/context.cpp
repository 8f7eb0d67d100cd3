// Finding the environment a command acts on. Each tool has its own way to name it: an option
// on the command line wins over the environment variable, which wins over the tool's own
// configuration file (kubeconfig's current-context, terraform's .terraform/environment).
#include "countersign/guard/context.h"

#include <cctype>
#include <fstream>
#include <vector>

#include "countersign/core/text.h"

namespace cs::guard {
namespace {

std::string env_value(const MatchInput& in, std::string_view name) {
  for (auto it = in.unit.env.rbegin(); it != in.unit.env.rend(); ++it)
    if (it->first == name) return it->second;
  if (auto it = in.context.env.find(std::string(name)); it != in.context.env.end()) return it->second;
  return {};
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A pattern without globs matches a word of the name: "prod" in "eks-prod-eu".
bool pattern_matches(std::string_view pattern, std::string_view name) {
  std::string p = lower(pattern);
  if (p.find_first_of("*?") != std::string::npos) return text::wildcard_match(p, name);
  if (p == name) return true;
  std::size_t i = 0;
  while (i < name.size()) {
    std::size_t j = i;
    while (j < name.size() && std::isalnum(static_cast<unsigned char>(name[j]))) ++j;
    if (j > i && name.substr(i, j - i) == p) return true;
    i = j + 1;
  }
  return false;
}

std::string first_line_value(const std::string& path, std::string_view key) {
  std::ifstream in(path);
  std::string line;
  while (in && std::getline(in, line)) {
    if (!line.starts_with(key)) continue;
    std::string v = line.substr(key.size());
    auto b = v.find_first_not_of(" \t\"'");
    auto e = v.find_last_not_of(" \t\"'\r");
    return b == std::string::npos ? std::string() : v.substr(b, e - b + 1);
  }
  return {};
}

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (in) std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

std::string dir_of(const MatchInput& in, std::string_view chdir) {
  std::string cwd = in.context.cwd;
  if (chdir.empty()) return cwd;
  if (chdir.starts_with("/")) return std::string(chdir);
  return cwd.empty() ? std::string(chdir) : cwd + "/" + std::string(chdir);
}

// host of a DSN: postgres://user:pw@host:5432/db, mysql://..., redis://..., host=x in conninfo
std::string dsn_host(std::string_view dsn) {
  auto scheme = dsn.find("://");
  if (scheme != std::string_view::npos) {
    std::string_view rest = dsn.substr(scheme + 3);
    auto slash = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, slash);
    if (auto at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
    if (auto colon = authority.rfind(':'); colon != std::string_view::npos && authority.find(']') == std::string_view::npos)
      authority = authority.substr(0, colon);
    return std::string(authority);
  }
  if (auto h = dsn.find("host="); h != std::string_view::npos) {
    std::string_view rest = dsn.substr(h + 5);
    return std::string(rest.substr(0, rest.find(' ')));
  }
  return {};
}

TargetEnvironment found(std::string name, std::string source) { return {std::move(name), std::move(source), true}; }

TargetEnvironment from_option(const MatchInput& in, std::initializer_list<std::string_view> options,
                              std::initializer_list<std::string_view> vars) {
  for (auto o : options)
    if (auto v = in.args.value(o); v && !v->empty()) return found(std::string(*v), std::string(o));
  for (auto var : vars)
    if (auto v = env_value(in, var); !v.empty()) return found(v, std::string(var));
  return {};
}

TargetEnvironment kubernetes(const MatchInput& in) {
  if (auto t = from_option(in, {"--context", "--kube-context"}, {}); !t.name.empty()) return t;
  std::string path;
  if (auto v = in.args.value("--kubeconfig")) path = std::string(*v);
  if (path.empty()) path = env_value(in, "KUBECONFIG");
  if (auto colon = path.find(':'); colon != std::string::npos) path = path.substr(0, colon);
  if (path.empty()) {
    std::string home = env_value(in, "HOME");
    if (!home.empty()) path = home + "/.kube/config";
  }
  if (path.empty()) return {};
  std::string ctx = first_line_value(path, "current-context:");
  if (ctx.empty()) return {};
  return found(ctx, "kubeconfig current-context (" + path + ")");
}

TargetEnvironment terraform(const MatchInput& in) {
  if (auto v = env_value(in, "TF_WORKSPACE"); !v.empty()) return found(v, "TF_WORKSPACE");
  std::string chdir;
  if (auto v = in.args.value("-chdir")) chdir = std::string(*v);
  std::string dir = dir_of(in, chdir);
  if (dir.empty()) return {};
  std::string ws = read_first_line(dir + "/.terraform/environment");
  if (!ws.empty()) return found(ws, ".terraform/environment");
  return found("default", "terraform default workspace");
}

TargetEnvironment database(const MatchInput& in) {
  const std::string& cmd = in.unit.words[0].text;
  if (cmd == "sqlite3") return found("local", "sqlite file");
  if (auto v = in.args.value("--host"); v && !v->empty()) return found(std::string(*v), "--host");
  if (cmd != "sqlite3")
    if (auto v = in.args.value("-h"); v && !v->empty()) return found(std::string(*v), "-h");
  for (auto opt : {"-u", "--uri", "--url", "-d", "--dbname", "--database-url"})
    if (auto v = in.args.value(opt); v && v->find("://") != std::string_view::npos) return found(dsn_host(*v), opt);
  for (auto p : in.args.positional) {
    if (p.find("://") != std::string_view::npos || p.find("host=") != std::string_view::npos) {
      std::string h = dsn_host(p);
      if (!h.empty()) return found(h, "connection string");
    }
  }
  for (auto var : {"PGHOST", "MYSQL_HOST", "REDIS_HOST"})
    if (auto v = env_value(in, var); !v.empty()) return found(v, var);
  for (auto var : {"DATABASE_URL", "REDIS_URL", "MONGODB_URI", "MONGO_URL"})
    if (auto v = env_value(in, var); !v.empty()) {
      std::string h = dsn_host(v);
      if (!h.empty()) return found(h, var);
    }
  if (cmd == "psql" || cmd == "mysql" || cmd == "mariadb" || cmd == "redis-cli" || cmd == "valkey-cli" ||
      cmd == "mongosh" || cmd == "mongo" || cmd == "dropdb" || cmd == "createdb" || cmd == "mysqladmin")
    return found("localhost", cmd + " default (local server)");
  if (cmd == "rails" || cmd == "rake" || cmd == "bin/rails") {
    if (auto v = env_value(in, "RAILS_ENV"); !v.empty()) return found(v, "RAILS_ENV");
  }
  if (auto v = env_value(in, "NODE_ENV"); !v.empty() && cmd == "prisma") return found(v, "NODE_ENV");
  return {};
}

// The bucket an object storage command removes from, when its name is production: a bucket
// called acme-prod-data is production whatever profile the command runs under.
std::string production_bucket(const MatchInput& in, const Environments& envs) {
  auto bucket_of = [](std::string_view url) -> std::string_view {
    for (std::string_view scheme : {"s3://", "gs://"})
      if (url.starts_with(scheme)) {
        url.remove_prefix(scheme.size());
        return url.substr(0, url.find('/'));
      }
    return {};
  };
  std::vector<std::string_view> names;
  for (auto p : in.args.positional)
    if (auto b = bucket_of(p); !b.empty()) names.push_back(b);
  for (const auto& o : in.args.options)
    if (o.name == "--bucket" && !o.value.empty()) names.push_back(o.value);
  for (auto b : names)  // named production, not merely unknown
    for (const auto& p : envs.production)
      if (pattern_matches(p, lower(b))) return std::string(b);
  return {};
}

}  // namespace

bool is_production(std::string_view name, const Environments& envs) {
  std::string n = lower(name);
  for (const auto& p : envs.production)
    if (pattern_matches(p, n)) return true;
  for (const auto& p : envs.non_production)
    if (pattern_matches(p, n)) return false;
  return envs.default_production;
}

TargetEnvironment target_environment(const MatchInput& in, const Environments& envs) {
  TargetEnvironment t;
  if (!in.unit.host.empty()) {
    t = found(in.unit.host, "ssh host");
  } else {
    switch (in.pack.target) {
      case Target::local: t = found("local", "this machine"); break;
      case Target::aws:
        if (auto b = production_bucket(in, envs); !b.empty()) t = found(b, "bucket name");
        else t = from_option(in, {"--profile"}, {"AWS_PROFILE", "AWS_DEFAULT_PROFILE"});
        break;
      case Target::kubernetes: t = kubernetes(in); break;
      case Target::terraform: t = terraform(in); break;
      case Target::pulumi: t = from_option(in, {"--stack", "-s"}, {"PULUMI_STACK"}); break;
      case Target::database: t = database(in); break;
      case Target::gcloud:
        if (auto b = production_bucket(in, envs); !b.empty()) {
          t = found(b, "bucket name");
          break;
        }
        t = from_option(in, {"--project"}, {"CLOUDSDK_CORE_PROJECT", "GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT"});
        break;
      case Target::azure:
        t = from_option(in, {"--subscription", "--resource-group", "-g"}, {"AZURE_SUBSCRIPTION_ID"});
        break;
      case Target::app: t = from_option(in, {"--app", "-a"}, {"HEROKU_APP", "FLY_APP"}); break;
      case Target::vault: t = from_option(in, {"-address", "--address"}, {"VAULT_ADDR"}); break;
    }
  }
  if (t.name.empty()) {
    t.source = "not found";
    t.production = envs.default_production;
    return t;
  }
  // "local" (this machine) is judged as production: rm -rf ~ is as bad on a laptop.
  t.production = in.pack.target == Target::local && in.unit.host.empty() ? true : is_production(t.name, envs);
  return t;
}

}  // namespace cs::guard
