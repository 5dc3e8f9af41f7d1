#!/usr/bin/env bash
# ci/install-test.sh BUILD_DIR
#
# Proves that an installed multiproc is usable from outside the source tree:
# installs BUILD_DIR into a temporary prefix, then
#   1. builds tests/consumer with CMake (find_package(multiproc CONFIG)),
#      against both multiproc::multiproc and multiproc::multiproc_static,
#      and runs both programs;
#   2. builds tests/consumer/main.c with plain cc and
#      `pkg-config --cflags --libs multiproc`, and runs it.
# Each program must print "consumer ok". Exits non-zero on the first failure.
set -euo pipefail

[ $# -eq 1 ] || {
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "$1" && pwd)
[ -f "$build/CMakeCache.txt" ] || {
    echo "error: $build is not a configured build directory" >&2
    exit 2
}

work=$(mktemp -d "${TMPDIR:-/tmp}/multiproc-install.XXXXXX")
# Keep the temporary tree when asked to, to look at what was installed.
if [ "${MP_KEEP_INSTALL:-0}" = 1 ]; then
    echo "keeping $work"
else
    trap 'rm -rf "$work"' EXIT
fi
prefix=$work/prefix

echo "== install $build into $prefix"
cmake --install "$build" --prefix "$prefix"

# The installed tree must hold what users include and link, and nothing from
# the build's internals (api/src headers are private).
for f in include/multiproc.h include/multiproc/process.h; do
    [ -f "$prefix/$f" ] || {
        echo "error: $f was not installed" >&2
        exit 1
    }
done
if [ -e "$prefix/include/mp_backend.h" ] || [ -e "$prefix/include/mp_core.h" ]; then
    echo "error: internal headers were installed" >&2
    exit 1
fi
pcfile=$(find "$prefix" -name multiproc.pc -print -quit)
config=$(find "$prefix" -name multiprocConfig.cmake -print -quit)
if [ -z "$pcfile" ] || [ -z "$config" ]; then
    echo "error: multiproc.pc or multiprocConfig.cmake missing" >&2
    exit 1
fi
libdir=$(dirname "$(dirname "$pcfile")")

# Runs one consumer and checks its last line. The library is in a prefix the
# dynamic loader does not search; CMake's build RPATH covers the CMake
# consumer, the loader path covers the plain-cc one.
run_consumer() {
    local out
    out=$(LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
        DYLD_LIBRARY_PATH="$libdir${DYLD_LIBRARY_PATH:+:$DYLD_LIBRARY_PATH}" "$@")
    printf '%s\n' "$out"
    [ "$(printf '%s\n' "$out" | tail -n 1)" = "consumer ok" ] || {
        echo "error: $* did not print 'consumer ok'" >&2
        exit 1
    }
}

echo "== CMake consumer (find_package(multiproc CONFIG REQUIRED))"
# The consumer uses the generator the build used, and whatever compiler the
# environment gives: it is an outside project.
gen=$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' "$build/CMakeCache.txt")
cmake -S "$root/tests/consumer" -B "$work/consumer" -G "$gen" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release
cmake --build "$work/consumer"
run_consumer "$work/consumer/consumer"
run_consumer "$work/consumer/consumer_static"

echo "== pkg-config consumer (cc main.c \$(pkg-config --cflags --libs multiproc))"
export PKG_CONFIG_PATH="$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
pkg-config --validate multiproc
flags=$(pkg-config --cflags --libs multiproc)
echo "flags: $flags"
# Word splitting of $flags is intended: it is a list of compiler arguments.
# shellcheck disable=SC2086
${CC:-cc} -std=c11 -Wall -Wextra -Werror -o "$work/consumer_pc" "$root/tests/consumer/main.c" $flags
run_consumer "$work/consumer_pc"

# The MPI component, where it was built: a CMake consumer and a pkg-config
# one, each run as a 2-rank job.
if [ -f "$(dirname "$config")/multiprocMpiTargets.cmake" ]; then
    mpirun_flags=(--oversubscribe --allow-run-as-root) # as ci/lib.sh's MP_MPIRUN_FLAGS
    echo "== MPI consumer (find_package(multiproc CONFIG REQUIRED COMPONENTS mpi))"
    cmake -S "$root/tests/consumer/mpi" -B "$work/consumer-mpi" -G "$gen" \
        -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release
    cmake --build "$work/consumer-mpi"
    run_consumer mpirun "${mpirun_flags[@]}" -n 2 "$work/consumer-mpi/consumer_mpi"
    echo "== MPI pkg-config consumer (cc main.c \$(pkg-config --cflags --libs --static multiproc-mpi))"
    pkg-config --validate multiproc-mpi
    flags=$(pkg-config --cflags --libs --static multiproc-mpi)
    # shellcheck disable=SC2086
    ${CC:-cc} -std=c11 -Wall -Wextra -Werror -o "$work/consumer_mpi_pc" \
        "$root/tests/consumer/mpi/main.c" $flags
    run_consumer mpirun "${mpirun_flags[@]}" -n 2 "$work/consumer_mpi_pc"
else
    echo "== no MPI component installed: its consumers skipped"
fi

echo "install test: ok"
