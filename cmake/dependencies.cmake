# Dependencies come from the platform's packages (Debian: libapr1-dev,
# libmsgpack-dev, libsodium-dev, libcunit1-dev); none of their types reach a
# public header, so they are PRIVATE to the library and gathered in mp_deps.
find_package(PkgConfig REQUIRED)
pkg_check_modules(APR REQUIRED IMPORTED_TARGET apr-1)
pkg_check_modules(MSGPACK REQUIRED IMPORTED_TARGET msgpack)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
find_package(Threads REQUIRED)

add_library(mp_deps INTERFACE)
target_link_libraries(mp_deps INTERFACE PkgConfig::APR PkgConfig::MSGPACK PkgConfig::SODIUM
                      Threads::Threads)
# ceil() and friends: glibc keeps them in libm.
if(UNIX AND NOT APPLE)
  target_link_libraries(mp_deps INTERFACE m)
endif()
