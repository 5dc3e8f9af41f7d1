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

# ---- Windows --------------------------------------------------------------
# The lookups above are the same on Windows: cmake/mingw-w64-x86_64.cmake
# points pkg-config at the static builds that ci/windows/deps.sh makes, whose
# .pc files carry what a static link needs (APR_DECLARE_STATIC and APR's
# system libraries, SODIUM_STATIC). What is left is the backend's own use of
# the system: BCryptGenRandom (win32/clock.c) is in bcrypt.dll, Winsock (TCP
# listeners and clients, win32/listener.c and win32/conn.c) in ws2_32.dll.
if(WIN32)
  target_link_libraries(mp_deps INTERFACE bcrypt ws2_32)
endif()
