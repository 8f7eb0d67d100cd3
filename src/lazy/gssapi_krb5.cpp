// The GSS-API functions the static libgit2 calls for HTTP Negotiate (Kerberos/SPNEGO)
// authentication, standing in for libgssapi_krb5. Linking the real library makes the loader map
// seven libraries (libgssapi_krb5, libkrb5, libk5crypto, libcom_err, libkrb5support,
// libkeyutils, libresolv) at every start, a third of a millisecond of each
// `countersign guard --agent` call; this file opens it only when libgit2 first calls into
// GSS-API, and forwards every call to it unchanged.
//
// When the library cannot be opened, each function fails with GSS_S_FAILURE and
// gss_display_status() explains why, so libgit2 reports a Negotiate failure naming the missing
// library (where a binary linked to it would not have started at all); nothing else changes.
//
// The types are those of the GSS-API C bindings (RFC 2744), which MIT Kerberos implements.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "lazy/library.h"

extern "C" {

using OM_uint32 = std::uint32_t;
struct gss_buffer_desc {
  std::size_t length;
  void* value;
};
using gss_buffer_t = gss_buffer_desc*;
struct gss_OID_desc {
  OM_uint32 length;
  void* elements;
};
using gss_OID = gss_OID_desc*;
struct gss_OID_set_desc {
  std::size_t count;
  gss_OID elements;
};
using gss_OID_set = gss_OID_set_desc*;
using gss_name_t = struct gss_name_struct*;
using gss_ctx_id_t = struct gss_ctx_id_struct*;
using gss_cred_id_t = struct gss_cred_id_struct*;
using gss_channel_bindings_t = struct gss_channel_bindings_struct*;

OM_uint32 gss_indicate_mechs(OM_uint32* minor, gss_OID_set* mech_set);
OM_uint32 gss_import_name(OM_uint32* minor, gss_buffer_t input_name, gss_OID input_name_type, gss_name_t* output_name);
OM_uint32 gss_init_sec_context(OM_uint32* minor, gss_cred_id_t initiator_cred, gss_ctx_id_t* context,
                               gss_name_t target_name, gss_OID mech_type, OM_uint32 req_flags, OM_uint32 time_req,
                               gss_channel_bindings_t input_chan_bindings, gss_buffer_t input_token,
                               gss_OID* actual_mech_type, gss_buffer_t output_token, OM_uint32* ret_flags,
                               OM_uint32* time_rec);
OM_uint32 gss_delete_sec_context(OM_uint32* minor, gss_ctx_id_t* context, gss_buffer_t output_token);
OM_uint32 gss_display_status(OM_uint32* minor, OM_uint32 status_value, int status_type, gss_OID mech_type,
                             OM_uint32* message_context, gss_buffer_t status_string);
OM_uint32 gss_release_buffer(OM_uint32* minor, gss_buffer_t buffer);
OM_uint32 gss_release_name(OM_uint32* minor, gss_name_t* name);
OM_uint32 gss_release_oid_set(OM_uint32* minor, gss_OID_set* set);

// RFC 2744's name type for "service@host", OID 1.2.840.113554.1.2.1.4. libgit2 passes its
// address to gss_import_name(), which hands the library's own object on.
extern gss_OID GSS_C_NT_HOSTBASED_SERVICE;

}  // extern "C"

namespace {

constexpr OM_uint32 kComplete = 0;
constexpr OM_uint32 kFailure = 13u << 16;  // GSS_S_FAILURE

gss_OID_desc hostbased_service{10, const_cast<char*>("\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04")};

struct GssApi {
  cs::lazy::Library library{"libgssapi_krb5.so.2"};
  decltype(&gss_indicate_mechs) indicate_mechs = library.get<decltype(gss_indicate_mechs)>("gss_indicate_mechs");
  decltype(&gss_import_name) import_name = library.get<decltype(gss_import_name)>("gss_import_name");
  decltype(&gss_init_sec_context) init_sec_context =
      library.get<decltype(gss_init_sec_context)>("gss_init_sec_context");
  decltype(&gss_delete_sec_context) delete_sec_context =
      library.get<decltype(gss_delete_sec_context)>("gss_delete_sec_context");
  decltype(&gss_display_status) display_status = library.get<decltype(gss_display_status)>("gss_display_status");
  decltype(&gss_release_buffer) release_buffer = library.get<decltype(gss_release_buffer)>("gss_release_buffer");
  decltype(&gss_release_name) release_name = library.get<decltype(gss_release_name)>("gss_release_name");
  decltype(&gss_release_oid_set) release_oid_set = library.get<decltype(gss_release_oid_set)>("gss_release_oid_set");
  gss_OID* hostbased_service = library.get<gss_OID>("GSS_C_NT_HOSTBASED_SERVICE");

  // All or nothing: a library missing any of these is not the one libgit2 was built against.
  bool usable() const {
    return indicate_mechs && import_name && init_sec_context && delete_sec_context && display_status &&
           release_buffer && release_name && release_oid_set && hostbased_service;
  }
};

// Opened on the first call of any function below, once.
GssApi& opened() {
  static GssApi api;
  return api;
}

GssApi* gssapi() {
  GssApi& api = opened();
  return api.usable() ? &api : nullptr;
}

OM_uint32 unavailable(OM_uint32* minor) {
  if (minor) *minor = 0;
  return kFailure;
}

}  // namespace

extern "C" {

gss_OID GSS_C_NT_HOSTBASED_SERVICE = &hostbased_service;

OM_uint32 gss_indicate_mechs(OM_uint32* minor, gss_OID_set* mech_set) {
  if (auto* api = gssapi()) return api->indicate_mechs(minor, mech_set);
  if (mech_set) *mech_set = nullptr;
  return unavailable(minor);
}

OM_uint32 gss_import_name(OM_uint32* minor, gss_buffer_t input_name, gss_OID input_name_type, gss_name_t* output_name) {
  auto* api = gssapi();
  if (!api) return unavailable(minor);
  if (input_name_type == &hostbased_service) input_name_type = *api->hostbased_service;
  return api->import_name(minor, input_name, input_name_type, output_name);
}

OM_uint32 gss_init_sec_context(OM_uint32* minor, gss_cred_id_t initiator_cred, gss_ctx_id_t* context,
                               gss_name_t target_name, gss_OID mech_type, OM_uint32 req_flags, OM_uint32 time_req,
                               gss_channel_bindings_t input_chan_bindings, gss_buffer_t input_token,
                               gss_OID* actual_mech_type, gss_buffer_t output_token, OM_uint32* ret_flags,
                               OM_uint32* time_rec) {
  auto* api = gssapi();
  if (!api) return unavailable(minor);
  return api->init_sec_context(minor, initiator_cred, context, target_name, mech_type, req_flags, time_req,
                               input_chan_bindings, input_token, actual_mech_type, output_token, ret_flags, time_rec);
}

OM_uint32 gss_delete_sec_context(OM_uint32* minor, gss_ctx_id_t* context, gss_buffer_t output_token) {
  if (auto* api = gssapi()) return api->delete_sec_context(minor, context, output_token);
  return unavailable(minor);
}

// Without the library, the one status there is to display is why it is missing; the message is
// allocated with malloc, which gss_release_buffer() below frees (as the library's own does).
OM_uint32 gss_display_status(OM_uint32* minor, OM_uint32 status_value, int status_type, gss_OID mech_type,
                             OM_uint32* message_context, gss_buffer_t status_string) {
  if (auto* api = gssapi()) {
    return api->display_status(minor, status_value, status_type, mech_type, message_context, status_string);
  }
  const std::string& why = opened().library.error();
  if (minor) *minor = 0;
  if (message_context) *message_context = 0;
  if (!status_string) return kFailure;
  status_string->length = 0;
  status_string->value = std::malloc(why.size());
  if (!status_string->value) return kFailure;
  std::memcpy(status_string->value, why.data(), why.size());
  status_string->length = why.size();
  return kComplete;
}

OM_uint32 gss_release_buffer(OM_uint32* minor, gss_buffer_t buffer) {
  if (auto* api = gssapi()) return api->release_buffer(minor, buffer);
  if (minor) *minor = 0;
  if (buffer) {
    std::free(buffer->value);
    buffer->value = nullptr;
    buffer->length = 0;
  }
  return kComplete;
}

OM_uint32 gss_release_name(OM_uint32* minor, gss_name_t* name) {
  if (auto* api = gssapi()) return api->release_name(minor, name);
  if (minor) *minor = 0;
  return kComplete;  // nothing was ever imported
}

OM_uint32 gss_release_oid_set(OM_uint32* minor, gss_OID_set* set) {
  if (auto* api = gssapi()) return api->release_oid_set(minor, set);
  if (minor) *minor = 0;
  return kComplete;  // nothing was ever indicated
}

}  // extern "C"
