// The repository id an approval names on its `repo` line, so that an approval copied into
// another repository does not count there.
#include "countersign/core/text.h"
#include "countersign/signoff/signoff.h"

namespace cs::signoff {

std::string normalise_remote_url(std::string_view url) {
  std::string_view u = text::trim(url);
  std::string host, path;
  if (auto scheme = u.find("://"); scheme != std::string_view::npos) {
    std::string_view rest = u.substr(scheme + 3);
    bool file = u.substr(0, scheme) == "file";
    auto slash = rest.find('/');
    std::string_view authority = file ? std::string_view() : rest.substr(0, slash);
    path = slash == std::string_view::npos ? "" : std::string(file ? rest : rest.substr(slash));
    if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
    if (!authority.starts_with('[')) {  // an IPv6 literal keeps its colons
      if (auto colon = authority.find(':'); colon != std::string_view::npos) authority = authority.substr(0, colon);
    }
    host = text::lower(authority);
  } else if (auto colon = u.find(':'); colon != std::string_view::npos && u.substr(0, colon).find('/') == std::string_view::npos) {
    // scp-like syntax: [user@]host:path
    std::string_view authority = u.substr(0, colon);
    if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
    host = text::lower(authority);
    path = std::string(u.substr(colon + 1));
  } else {
    path = std::string(u);  // a local path
  }
  // Collapse repeated slashes, then drop the trailing slash and ".git".
  std::string clean;
  for (char c : path)
    if (!(c == '/' && !clean.empty() && clean.back() == '/')) clean += c;
  while (!clean.empty() && clean.back() == '/') clean.pop_back();
  if (clean.ends_with(".git")) clean.resize(clean.size() - 4);
  while (!clean.empty() && clean.back() == '/') clean.pop_back();
  if (host.empty()) return clean;
  while (!clean.empty() && clean.front() == '/') clean.erase(0, 1);
  return clean.empty() ? host : host + "/" + clean;
}

Result<std::string> repository_id(const git::Repository& repo) {
  if (auto name = repo.config("countersign.repo")) {
    auto id = std::string(text::trim(*name));
    if (!id.empty()) return id;
  }
  if (auto url = repo.config("remote.origin.url")) {
    auto id = normalise_remote_url(*url);
    if (!id.empty()) return id;
  }
  return fail(Errc::not_found,
              "cannot tell which repository this is: set `git config countersign.repo <name>` or add an `origin` remote");
}

}  // namespace cs::signoff
