#!/usr/bin/env bash
# ci/windows/deps.sh PREFIX: build multiproc's dependencies for 64-bit
# Windows with mingw-w64, from Debian's own source packages, into PREFIX.
#
#   APR 1.7 (source package apr)        CMake build, static, 8 small edits below
#   msgpack-c 4 (msgpack-c)             CMake build, static, no tests/examples
#   libsodium 1.0.18 (libsodium)        ./configure --host, static
#   CUnit 2.1-3 (cunit)                 ci/windows/cunit/CMakeLists.txt, static
#
# PREFIX gets include/, lib/*.a and lib/pkgconfig/*.pc (every library static,
# so test programs need no DLL under wine); cmake/mingw-w64-x86_64.cmake
# points pkg-config there (-DMP_WIN_DEPS_PREFIX=PREFIX). Nothing is vendored:
# the sources come from the machine's own Debian mirror with a private apt
# state (deb-src lines made from its deb lines; /etc/apt is not touched).
#
# Cached: each library is rebuilt only when its Debian version or this
# recipe (this script, the CUnit wrapper, the toolchain file) changed; a
# stamp in PREFIX/share/mp-windows-deps says what was built. With everything
# cached this takes about a second and needs no network.
#
# Installs what is missing with apt-get (gcc-mingw-w64-x86-64, dpkg-dev,
# autoconf, automake, libtool, cmake, make, pkg-config...); wine is not
# needed here (ci/windows/build-and-test.sh installs it).
#
# Environment: JOBS (default: nproc), MP_WIN_WORK (scratch directory for
# sources and build trees; default PREFIX/.work).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=ci/lib.sh
. "$here/../lib.sh" # mp_log, mp_die, mp_apt_install, mp_now

[ $# -eq 1 ] || mp_die "usage: $0 PREFIX"
mkdir -p "$1"
PREFIX=$(cd "$1" && pwd)
WORK=${MP_WIN_WORK:-$PREFIX/.work}
JOBS=${JOBS:-$(nproc)}
TOOLCHAIN=$MP_ROOT/cmake/mingw-w64-x86_64.cmake
TRIPLET=x86_64-w64-mingw32
STAMPS=$PREFIX/share/mp-windows-deps
mkdir -p "$WORK" "$STAMPS" "$PREFIX/lib/pkgconfig" "$PREFIX/include"
started=$(mp_now)

# What the build recipe is: a change to any of these files rebuilds all.
recipe=$(cat "${BASH_SOURCE[0]}" "$here/cunit/CMakeLists.txt" "$TOOLCHAIN" | sha256sum | cut -c1-16)

# ---- tools ------------------------------------------------------------------
need=()
command -v "$TRIPLET-gcc" >/dev/null 2>&1 || need+=(gcc-mingw-w64-x86-64)
command -v dpkg-source >/dev/null 2>&1 || need+=(dpkg-dev)
command -v cmake >/dev/null 2>&1 || need+=(cmake)
command -v make >/dev/null 2>&1 || need+=(make)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v cc >/dev/null 2>&1 || need+=(gcc)
command -v bzip2 >/dev/null 2>&1 || need+=(bzip2)
command -v xz >/dev/null 2>&1 || need+=(xz-utils)
# libsodium's Debian source is its git tree: configure is made by autoreconf.
command -v autoreconf >/dev/null 2>&1 || need+=(autoconf)
command -v automake >/dev/null 2>&1 || need+=(automake)
command -v libtoolize >/dev/null 2>&1 || need+=(libtool)
[ ${#need[@]} -eq 0 ] || mp_apt_install "${need[@]}"

# ---- sources: a private apt state with deb-src lines ----------------------
SRCAPT=$WORK/srcapt
APT_OPTS=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$SRCAPT/sources.list.d"
          -o "Dir::State::Lists=$SRCAPT/lists" -o "Dir::Cache=$SRCAPT/cache")

# deb-src twins of the machine's own deb sources (deb822 and one-line
# formats), so the source versions are those of the binary packages.
make_source_list() {
    mkdir -p "$SRCAPT/sources.list.d" "$SRCAPT/lists/partial" "$SRCAPT/cache/archives/partial"
    local f out=$SRCAPT/sources.list.d
    rm -f "$out"/*
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -e "$f" ] || continue
        sed -E 's/^Types:.*$/Types: deb-src/' "$f" >"$out/$(basename "$f")"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -e "$f" ] || continue
        sed -nE 's/^[[:space:]]*deb[[:space:]]+/deb-src /p' "$f" >"$out/$(basename "$f").list"
    done
    ls "$out"/* >/dev/null 2>&1 || mp_die "no apt sources found in /etc/apt to derive deb-src lines from"
}

src_updated=0
src_update() {
    [ "$src_updated" -eq 0 ] || return 0
    make_source_list
    mp_log "apt-get update (deb-src, private state in $SRCAPT)"
    apt-get "${APT_OPTS[@]}" update -q >"$WORK/apt-update.log" 2>&1 ||
        { cat "$WORK/apt-update.log"; mp_die "apt-get update of the deb-src lists failed"; }
    src_updated=1
}

# The newest version of source package $1 that the mirror has.
src_version() {
    apt-cache "${APT_OPTS[@]}" showsrc "$1" 2>/dev/null |
        sed -n 's/^Version: //p' | sort -V | tail -n 1
}

# fetch PKG VERSION MODE: download and unpack the source package into
# $WORK/src-PKG (Debian's patches applied, or with MODE=orig skipped), and
# print the tree's path.
fetch() {
    local pkg=$1 version=$2 mode=$3 dir=$WORK/src-$1 dsc
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && apt-get "${APT_OPTS[@]}" source --download-only "$pkg=$version" \
        >"$WORK/fetch-$pkg.log" 2>&1) || { cat "$WORK/fetch-$pkg.log" >&2; mp_die "apt-get source $pkg failed"; }
    dsc=$(ls "$dir"/*.dsc)
    local opts=()
    [ "$mode" != orig ] || opts+=(--skip-patches)
    (cd "$dir" && dpkg-source "${opts[@]}" -x "$dsc" tree >>"$WORK/fetch-$pkg.log" 2>&1) ||
        { cat "$WORK/fetch-$pkg.log" >&2; mp_die "dpkg-source -x $dsc failed"; }
    echo "$dir/tree"
}

# cached PKG: whether PKG is built from the mirror's version with this recipe.
# Sets `version`. Without network, a stamp with this recipe is trusted.
cached() {
    local stamp=$STAMPS/$1.stamp
    version=""
    if [ -f "$stamp" ] && [ "$(cut -d' ' -f2 "$stamp")" = "$recipe" ]; then
        version=$(cut -d' ' -f1 "$stamp")
        return 0
    fi
    src_update
    version=$(src_version "$1")
    [ -n "$version" ] || mp_die "the mirror has no source package '$1'"
    return 1
}

stamp() {
    echo "$version $recipe" >"$STAMPS/$1.stamp"
}

cmake_cross() {
    cmake -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_INSTALL_PREFIX="$PREFIX" "$@"
}

# pc NAME VERSION CFLAGS LIBS: write a pkg-config file for a static library.
pc() {
    cat >"$PREFIX/lib/pkgconfig/$1.pc" <<EOF
prefix=$PREFIX
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: $1
Description: $1 for Windows (static, cross-built by ci/windows/deps.sh)
Version: $2
Cflags: $3
Libs: $4
EOF
}

# ---- APR ------------------------------------------------------------------
# APR's own CMakeLists.txt works for mingw-w64 with the edits below (see
# shared/windows/windows-crossbuild.md for how each failure looked).
# Debian's patches are for the autotools build on Unix and Hurd, so the
# pristine upstream tree is used.
build_apr() {
    local src build=$WORK/build-apr log=$WORK/build-apr.log
    mp_log "APR $version"
    src=$(fetch apr "$version" orig)
    # 1. gen_test_char runs at build time to make a header: build it for
    #    this machine (it is plain C with no APR dependency) rather than
    #    running the Windows one under wine.
    cc -O2 -o "$WORK/gen_test_char" "$src/tools/gen_test_char.c"
    sed -i 's|COMMAND \$<TARGET_FILE:gen_test_char> >|COMMAND ${MP_HOST_GEN_TEST_CHAR} >|' \
        "$src/CMakeLists.txt"
    # 2. A header name that only a case-insensitive file system forgives.
    sed -i 's/#include "ShellAPI.h"/#include <shellapi.h>/' "$src/misc/win32/apr_app.c"
    # 3. mingw's wtypes.h (from accctrl.h and aclapi.h) pulls in ole2.h,
    #    which does not compile under apr.h's NOUSER; COM_NO_WINDOWS_H stops it.
    perl -0pi -e 's/#ifdef __wtypes_h__\n#include <accctrl.h>\n#else\n#define __wtypes_h__\n#include <accctrl.h>\n#undef __wtypes_h__\n#endif/#ifndef COM_NO_WINDOWS_H\n#define COM_NO_WINDOWS_H\n#endif\n#include <accctrl.h>/' \
        "$src/include/arch/win32/apr_private.h"
    perl -0pi -e 's/#include <aclapi.h>\n/#define COM_NO_WINDOWS_H\n#include <aclapi.h>\n#undef COM_NO_WINDOWS_H\n/' \
        "$src/file_io/win32/filestat.c"
    # 4. IPv6 scope names: mingw's iphlpapi.h drags in ole2.h too; declare
    #    the three things APR needs from it instead.
    perl -0pi -e 's/#if defined\(HAVE_IF_INDEXTONAME\) && defined\(_MSC_VER\)\n#include <Iphlpapi.h>\n#endif/#if defined(HAVE_IF_INDEXTONAME) && defined(_MSC_VER)\n#include <Iphlpapi.h>\n#elif defined(HAVE_IF_INDEXTONAME) && defined(__MINGW32__)\n#include <ifdef.h>\n#ifndef IF_NAMESIZE\n#define IF_NAMESIZE 256\n#endif\n#ifndef NETIOAPI_API_\n#define NETIOAPI_API_ WINAPI\n#endif\n#endif/' \
        "$src/include/arch/win32/apr_arch_misc.h"
    sed -i 's/^#if defined(HAVE_IF_INDEXTONAME) && defined(_MSC_VER)$/#if defined(HAVE_IF_INDEXTONAME) \&\& (defined(_MSC_VER) || defined(__MINGW32__))/' \
        "$src/network_io/unix/sockaddr.c"
    # 5. The Unix atomics header asks GCC builds for the generic 64-bit
    #    atomics, which the win32 build (native Interlocked*64) never compiles.
    sed -i 's/^#if defined (NEED_ATOMICS_GENERIC64)$/#if defined (NEED_ATOMICS_GENERIC64) \&\& !defined(__MINGW32__)/' \
        "$src/atomic/win32/apr_atomic.c"
    # Every edit must have applied: a new APR version fails here, loudly.
    grep -q 'MP_HOST_GEN_TEST_CHAR' "$src/CMakeLists.txt"
    grep -q '<shellapi.h>' "$src/misc/win32/apr_app.c"
    grep -q 'COM_NO_WINDOWS_H' "$src/include/arch/win32/apr_private.h"
    grep -q 'COM_NO_WINDOWS_H' "$src/file_io/win32/filestat.c"
    grep -q 'NETIOAPI_API_ WINAPI' "$src/include/arch/win32/apr_arch_misc.h"
    grep -q '__MINGW32__))' "$src/network_io/unix/sockaddr.c"
    grep -q '!defined(__MINGW32__)' "$src/atomic/win32/apr_atomic.c"

    rm -rf "$build"
    { cmake_cross -S "$src" -B "$build" -DMP_HOST_GEN_TEST_CHAR="$WORK/gen_test_char" \
          -DINSTALL_PDB=OFF &&
      cmake --build "$build" -j "$JOBS" --target apr-1; } >"$log" 2>&1 ||
        { tail -n 40 "$log"; mp_die "APR build failed (log: $log)"; }
    # The static library alone (target apr-1); APR's install rule would also
    # build the DLL, and its header list misses apr_encode.h.
    rm -rf "$PREFIX/include/apr-1" && mkdir -p "$PREFIX/include/apr-1"
    cp "$src"/include/apr_*.h "$build/apr.h" "$PREFIX/include/apr-1/"
    cp "$build/libapr-1.a" "$PREFIX/lib/"
    pc apr-1 "${version%%-*}" "-I\${includedir}/apr-1 -DAPR_DECLARE_STATIC" \
        "-L\${libdir} -lapr-1 -lws2_32 -lmswsock -lrpcrt4"
}

# ---- msgpack-c ------------------------------------------------------------
build_msgpack() {
    local src build=$WORK/build-msgpack log=$WORK/build-msgpack.log
    mp_log "msgpack-c $version"
    src=$(fetch msgpack-c "$version" debian)
    # msgpack-c is C, but its project() enables C++ too, for which there is
    # no cross compiler here (g++-mingw-w64 would be 150 MB for nothing).
    sed -i 's/^PROJECT (msgpack)$/PROJECT (msgpack C)/' "$src/CMakeLists.txt"
    grep -q '^PROJECT (msgpack C)$' "$src/CMakeLists.txt"
    rm -rf "$build"
    { cmake_cross -S "$src" -B "$build" -DBUILD_SHARED_LIBS=OFF -DMSGPACK_BUILD_TESTS=OFF \
          -DMSGPACK_BUILD_EXAMPLES=OFF &&
      cmake --build "$build" -j "$JOBS" && cmake --install "$build"; } >"$log" 2>&1 ||
        { tail -n 40 "$log"; mp_die "msgpack-c build failed (log: $log)"; }
    [ -f "$PREFIX/lib/pkgconfig/msgpack.pc" ] || mp_die "msgpack-c installed no msgpack.pc"
}

# ---- libsodium --------------------------------------------------------------
build_sodium() {
    local src log=$WORK/build-sodium.log
    mp_log "libsodium $version"
    src=$(fetch libsodium "$version" debian)
    # As Debian's build does (dh --with autoreconf); autogen.sh would also
    # try to download config.guess.
    (cd "$src" && autoreconf -fi) >"$log" 2>&1 ||
        { tail -n 40 "$log"; mp_die "autoreconf of libsodium failed (log: $log)"; }
    # Out of tree, so a rebuild starts clean.
    rm -rf "$WORK/build-sodium" && mkdir -p "$WORK/build-sodium"
    (cd "$WORK/build-sodium" &&
        "$src/configure" --host="$TRIPLET" --prefix="$PREFIX" --disable-shared --enable-static \
            --disable-dependency-tracking &&
        make -j "$JOBS" && make install) >>"$log" 2>&1 ||
        { tail -n 40 "$log"; mp_die "libsodium build failed (log: $log)"; }
    # A static libsodium must be compiled against with SODIUM_STATIC, or its
    # header declares every function __declspec(dllimport).
    sed -i -E 's/^Cflags: (.*)$/Cflags: \1 -DSODIUM_STATIC/' "$PREFIX/lib/pkgconfig/libsodium.pc"
    grep -q 'SODIUM_STATIC' "$PREFIX/lib/pkgconfig/libsodium.pc"
}

# ---- CUnit ----------------------------------------------------------------
build_cunit() {
    local src build=$WORK/build-cunit log=$WORK/build-cunit.log
    mp_log "CUnit $version"
    src=$(fetch cunit "$version" debian)
    rm -rf "$build"
    { cmake_cross -S "$here/cunit" -B "$build" -DCUNIT_SRC="$src" &&
      cmake --build "$build" -j "$JOBS" && cmake --install "$build"; } >"$log" 2>&1 ||
        { tail -n 40 "$log"; mp_die "CUnit build failed (log: $log)"; }
    pc cunit "2.1-3" "-I\${includedir}" "-L\${libdir} -lcunit"
}

# ---- all ------------------------------------------------------------------
for pkg in apr msgpack-c libsodium cunit; do
    t=$(mp_now)
    if cached "$pkg"; then
        echo "$pkg $version: cached in $PREFIX"
        continue
    fi
    case $pkg in
    apr) build_apr ;;
    msgpack-c) build_msgpack ;;
    libsodium) build_sodium ;;
    cunit) build_cunit ;;
    esac
    stamp "$pkg"
    echo "$pkg $version: built in $(($(mp_now) - t)) s"
done

# Every library and pkg-config module the multiproc build asks for.
for f in lib/libapr-1.a lib/libmsgpackc.a lib/libsodium.a lib/libcunit.a \
    lib/pkgconfig/apr-1.pc lib/pkgconfig/msgpack.pc lib/pkgconfig/libsodium.pc lib/pkgconfig/cunit.pc; do
    [ -f "$PREFIX/$f" ] || mp_die "$PREFIX/$f is missing"
done
echo "windows deps ready in $PREFIX ($(($(mp_now) - started)) s)"
