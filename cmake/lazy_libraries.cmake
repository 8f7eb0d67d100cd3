# Stand-ins for shared libraries, opened on first use instead of at every start (src/lazy/).
# Included by CMakeLists.txt when CS_STATIC_DEPS is on.

# GSS-API for the static libgit2's Negotiate authentication: listed after libgit2.a, so that
# the archive member is linked only when libgit2 refers to GSS-API.
add_library(cs_lazy_gssapi STATIC ${CMAKE_SOURCE_DIR}/src/lazy/gssapi_krb5.cpp)
target_include_directories(cs_lazy_gssapi PRIVATE ${CMAKE_SOURCE_DIR}/src)
target_link_libraries(cs_lazy_gssapi PRIVATE cs_warnings ${CMAKE_DL_LIBS})

# simdjson: its header, compiled as the shared library was (SIMDJSON_THREADS_ENABLED), the data
# tables the header reads, and get_active_implementation() opening the shared library that
# find_package(simdjson) found.
add_library(cs_lazy_simdjson STATIC
  ${CMAKE_SOURCE_DIR}/src/lazy/simdjson.cpp ${CMAKE_SOURCE_DIR}/src/lazy/simdjson_data.cpp)
target_include_directories(cs_lazy_simdjson PRIVATE ${CMAKE_SOURCE_DIR}/src)
target_include_directories(cs_lazy_simdjson SYSTEM PUBLIC
  $<TARGET_PROPERTY:simdjson::simdjson,INTERFACE_INCLUDE_DIRECTORIES>)
target_compile_definitions(cs_lazy_simdjson
  PUBLIC $<TARGET_PROPERTY:simdjson::simdjson,INTERFACE_COMPILE_DEFINITIONS>
  PRIVATE CS_SIMDJSON_SONAME="$<TARGET_SONAME_FILE_NAME:simdjson::simdjson>")
target_link_libraries(cs_lazy_simdjson PUBLIC Threads::Threads PRIVATE cs_warnings ${CMAKE_DL_LIBS})
