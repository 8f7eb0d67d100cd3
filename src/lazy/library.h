// A shared library opened on first use rather than by the dynamic loader at start-up.
// `countersign guard --agent` starts once per shell command an agent runs; every library the
// loader maps and relocates before main() is paid on each of those starts, even when the
// command never needs it. The stand-ins in src/lazy/ define a library's entry points, open the
// real library through this class the first time one of them is called, and forward to it.
#pragma once

#include <dlfcn.h>

#include <string>

namespace cs::lazy {

class Library {
 public:
  // Opens `soname` now (call it from a function-local static, so that this happens once, on
  // first use, and thread-safely). A failure is kept and reported by error().
  explicit Library(const char* soname) : soname_(soname) {
    handle_ = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!handle_) {
      const char* why = ::dlerror();
      error_ = std::string(soname) + " could not be loaded: " + (why ? why : "unknown error");
    }
  }
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;
  // Never closed: callers hold pointers into it until the process ends.
  ~Library() = default;

  bool loaded() const { return handle_ != nullptr; }
  const std::string& error() const { return error_; }
  const char* soname() const { return soname_; }

  // The address of `name` in the library, or nullptr (and error() says why).
  void* symbol(const char* name) {
    if (!handle_) return nullptr;
    void* address = ::dlsym(handle_, name);
    if (!address && error_.empty()) error_ = std::string(soname_) + " has no symbol " + name;
    return address;
  }

  // symbol() with the type of the function or object it names.
  template <typename T>
  T* get(const char* name) {
    return reinterpret_cast<T*>(symbol(name));
  }

 private:
  const char* soname_;
  void* handle_ = nullptr;
  std::string error_;
};

}  // namespace cs::lazy
