# CMake toolchain file: cross-compile multiproc for 64-bit Windows with
# Debian's mingw-w64 (package gcc-mingw-w64-x86-64) and run what it builds
# (ctest tests) under wine.
#
#   cmake -S . -B build/windows -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake \
#         -DMP_WIN_DEPS_PREFIX=/path/to/prefix
#
# MP_WIN_DEPS_PREFIX (a -D cache variable, or the environment variable of the
# same name) is where ci/windows/deps.sh installed the Windows builds of APR,
# msgpack-c, libsodium and CUnit, static libraries with pkg-config files.
# cmake/dependencies.cmake finds them with pkg-config exactly as on Linux:
# this file only points pkg-config at that prefix and nowhere else, so a
# Linux library can never be picked up by mistake.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(MP_MINGW_TRIPLET x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${MP_MINGW_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${MP_MINGW_TRIPLET}-g++)
set(CMAKE_RC_COMPILER ${MP_MINGW_TRIPLET}-windres)
set(CMAKE_AR ${MP_MINGW_TRIPLET}-ar CACHE FILEPATH "archiver")
set(CMAKE_RANLIB ${MP_MINGW_TRIPLET}-ranlib CACHE FILEPATH "ranlib")

# try_compile() projects re-read this file without the cache: hand them the
# prefix too.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES MP_WIN_DEPS_PREFIX)
if(NOT MP_WIN_DEPS_PREFIX AND DEFINED ENV{MP_WIN_DEPS_PREFIX})
  set(MP_WIN_DEPS_PREFIX "$ENV{MP_WIN_DEPS_PREFIX}")
endif()

# Headers and libraries only from the target's root and the deps prefix;
# programs (pkg-config, wine) from the build machine.
set(CMAKE_FIND_ROOT_PATH /usr/${MP_MINGW_TRIPLET})
if(MP_WIN_DEPS_PREFIX)
  list(APPEND CMAKE_FIND_ROOT_PATH "${MP_WIN_DEPS_PREFIX}")
  # pkg-config reads only the prefix's .pc files (PKG_CONFIG_LIBDIR replaces
  # the default search path, PKG_CONFIG_PATH would only add to it).
  set(ENV{PKG_CONFIG_LIBDIR} "${MP_WIN_DEPS_PREFIX}/lib/pkgconfig")
  set(ENV{PKG_CONFIG_PATH} "")
  unset(ENV{PKG_CONFIG_SYSROOT_DIR})
else()
  # No prefix: no .pc file at all rather than the build machine's.
  set(ENV{PKG_CONFIG_LIBDIR} "/nonexistent")
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# The GCC runtime linked in, so every .exe runs without a DLL beside it (the
# win32 thread model needs no libwinpthread either).
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static-libgcc")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc")

# ctest runs every test whose COMMAND is a target through this. Debian puts
# the 64-bit loader in /usr/lib/wine (there is no wine64 on PATH); calling it
# directly also avoids /usr/bin/wine's "wine32 is missing" warning.
find_program(MP_WINE_EXECUTABLE NAMES wine64 wine PATHS /usr/lib/wine NO_CMAKE_FIND_ROOT_PATH)
if(MP_WINE_EXECUTABLE)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${MP_WINE_EXECUTABLE}")
endif()
