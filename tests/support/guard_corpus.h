// The labelled guard corpus (tests/fixtures/guard/*.txt), read by the corpus test and the
// classification benchmark. Header-only so that the benchmark can use it without GoogleTest.
//
// Format, one command a line:  <allow|ask|deny> <command>
//   "⏎" in a command stands for a newline (heredocs, multi-line scripts).
//   @env NAME=VALUE ...   environment for the following lines (@env alone: back to the base)
//   @kubecontext NAME     a kubeconfig whose current-context is NAME (KUBECONFIG points at it)
//   # comment
// Every command runs with cwd /home/agent/project, HOME=/home/agent, project dir = cwd.
#pragma once

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace cs::test::guard_corpus {

struct Case {
  std::string file;
  int line = 0;
  std::string expected;  // allow | ask | deny
  std::string command;
  std::map<std::string, std::string> env;
};

inline std::map<std::string, std::string> base_env() {
  return {{"HOME", "/home/agent"}, {"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"USER", "agent"},
          {"PWD", "/home/agent/project"}};
}

inline std::string unescape(std::string s) {
  const std::string mark = "\xE2\x8F\x8E";  // ⏎
  for (std::size_t p = s.find(mark); p != std::string::npos; p = s.find(mark, p + 1)) s.replace(p, mark.size(), "\n");
  return s;
}

// Reads every corpus file; kubeconfigs are written under `scratch`.
inline std::vector<Case> load(const std::filesystem::path& dir, const std::filesystem::path& scratch,
                              std::vector<std::string>& errors) {
  std::vector<Case> cases;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".txt") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  int kube = 0;
  for (const auto& f : files) {
    std::ifstream in(f);
    std::string line;
    int n = 0;
    auto env = base_env();
    while (std::getline(in, line)) {
      ++n;
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      std::string where = f.filename().string() + ":" + std::to_string(n);
      if (line.starts_with("@env")) {
        env = base_env();
        std::istringstream words(line.substr(4));
        std::string kv;
        while (words >> kv) {
          auto eq = kv.find('=');
          if (eq == std::string::npos) errors.push_back(where + ": @env needs NAME=VALUE");
          else env[kv.substr(0, eq)] = kv.substr(eq + 1);
        }
        continue;
      }
      if (line.starts_with("@kubecontext ")) {
        std::string name = line.substr(13);
        auto path = scratch / ("kubeconfig-" + std::to_string(++kube));
        std::ofstream(path) << "apiVersion: v1\nkind: Config\nclusters: []\ncurrent-context: " << name << "\n";
        env["KUBECONFIG"] = path.string();
        continue;
      }
      auto sp = line.find(' ');
      std::string label = line.substr(0, sp);
      if (sp == std::string::npos || (label != "allow" && label != "ask" && label != "deny")) {
        errors.push_back(where + ": a line must start with allow, ask or deny");
        continue;
      }
      std::string cmd = line.substr(sp + 1);
      while (!cmd.empty() && cmd[0] == ' ') cmd.erase(0, 1);
      cases.push_back({f.filename().string(), n, label, unescape(cmd), env});
    }
  }
  return cases;
}

}  // namespace cs::test::guard_corpus
