#include "countersign/guard/audit.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "countersign/core/text.h"
#include "countersign/guard/files.h"

namespace cs::guard::audit {
namespace {

constexpr size_t kMaxCommand = 4096;  // keeps each line one small write

void field(std::string& out, std::string_view key, std::string_view value) {
  out += ',';
  out += text::json_quote(key);
  out += ':';
  out += text::json_quote(value);
}

}  // namespace

std::string line(const Record& r) {
  std::string command = redact(r.command);
  if (command.size() > kMaxCommand) {
    command.resize(kMaxCommand);
    command += "…[truncated]";
  }
  std::string out = "{\"time\":" + text::json_quote(files::rfc3339(r.time));
  field(out, "agent", r.agent);
  field(out, "tool", r.tool);
  field(out, "cwd", r.cwd);
  field(out, "command", command);
  field(out, "decision", r.decision);
  out += ",\"rules\":[";
  for (size_t i = 0; i < r.rules.size(); ++i) {
    if (i) out += ',';
    out += text::json_quote(r.rules[i]);
  }
  out += ']';
  field(out, "environment", r.environment);
  out += std::string(",\"production\":") + (r.production ? "true" : "false");
  out += ",\"request\":";
  out += r.request_id.empty() ? std::string("null") : text::json_quote(r.request_id);
  if (!r.approved_by.empty()) field(out, "approved_by", r.approved_by);
  field(out, "reason", redact(r.reason));
  out += "}\n";
  return out;
}

Result<void> append(const std::string& state, const Record& r) {
  if (auto made = files::make_private_dirs(state); !made) return made;
  std::string path = state + "/guard.jsonl";
  std::string text = line(r);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return fail(Errc::io, "cannot open audit log " + path + ": " + std::strerror(errno));
  ssize_t n;
  do {
    n = ::write(fd, text.data(), text.size());
  } while (n < 0 && errno == EINTR);
  int saved = errno;
  ::close(fd);
  if (n != ssize_t(text.size()))
    return fail(Errc::io, "cannot append to audit log " + path + ": " + std::strerror(n < 0 ? saved : EIO));
  return {};
}

}  // namespace cs::guard::audit
