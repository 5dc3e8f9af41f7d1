# shellcheck shell=bash
# Shared by ci/test.sh and ci/demo.sh (sourced, never run): logging, and
# installing what a build needs on a fresh machine. Debian/Ubuntu use apt
# (as root, or through sudo); macOS uses Homebrew (the CI's macOS job).
#
# Callers set `set -euo pipefail` themselves; nothing here relies on it being
# off.

MP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export MP_ROOT

mp_log() {
    printf '\n==> %s\n' "$*"
}

mp_die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# Run a command as root: directly when we are root (CI, containers), through
# sudo otherwise. env(1) carries DEBIAN_FRONTEND past sudo's env_reset.
mp_as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        env DEBIAN_FRONTEND=noninteractive "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo env DEBIAN_FRONTEND=noninteractive "$@"
    else
        mp_die "need root (or sudo) to run: $*"
    fi
}

# Wall-clock seconds since the epoch, for stage timings.
mp_now() {
    date +%s
}

# Milliseconds since the epoch; BSD date (macOS) has no %N and prints it
# literally, so fall back to whole seconds there.
mp_now_ms() {
    local t
    t=$(date +%s%N)
    case $t in
    *N) echo $((${t%N} * 1000)) ;;
    *) echo $((t / 1000000)) ;;
    esac
}

# ---- Debian / Ubuntu --------------------------------------------------

# Whether a Debian package is installed (not merely known or removed).
mp_deb_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

MP_APT_UPDATED=0

# `apt-get update`, at most once per run.
mp_apt_update_once() {
    [ "$MP_APT_UPDATED" -eq 1 ] && return 0
    mp_as_root apt-get update -q
    MP_APT_UPDATED=1
}

# Install the named packages that are not installed yet. `apt-get update`
# runs once, and only when something is actually missing: on a machine that
# has everything this costs nothing and needs no network.
mp_apt_install() {
    local missing=() pkg
    for pkg in "$@"; do
        mp_deb_installed "$pkg" || missing+=("$pkg")
    done
    [ ${#missing[@]} -gt 0 ] || return 0
    mp_log "installing: ${missing[*]}"
    mp_apt_update_once
    mp_as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Whether apt knows a package (so that we only ask for ones that exist on
# this release: the clang runtime package is named per LLVM version).
mp_apt_has() {
    apt-cache show "$1" >/dev/null 2>&1
}

# A tool counts as present when its command is on PATH, however it got
# there (CI images ship cmake outside dpkg, for instance).
mp_cmake_ok() {
    command -v cmake >/dev/null 2>&1 || return 1
    local v major minor
    v=$(cmake --version | sed -n 's/^cmake version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
    read -r major minor <<<"$v"
    [ "${major:-0}" -gt 3 ] || { [ "${major:-0}" -eq 3 ] && [ "${minor:-0}" -ge 25 ]; }
}

# Whether clang can build and link a libFuzzer + ASan + UBSan program: the
# fuzz and asan stages need exactly that, and it is the only reliable test
# for the runtime libraries, whose package names vary between releases.
mp_clang_runtime_ok() {
    local tmp rc=0
    tmp=$(mktemp -d)
    printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
        >"$tmp/f.c"
    clang -fsanitize=fuzzer,address,undefined "$tmp/f.c" -o "$tmp/f" >/dev/null 2>&1 || rc=1
    rm -rf "$tmp"
    return "$rc"
}

mp_deps_debian() {
    local want_clang=$1 pkgs=()
    mp_cmake_ok || pkgs+=(cmake)
    # Either build tool will do; ninja is preferred and small.
    command -v ninja >/dev/null 2>&1 || command -v make >/dev/null 2>&1 || pkgs+=(ninja-build)
    command -v pkg-config >/dev/null 2>&1 || pkgs+=(pkg-config)
    command -v gcc >/dev/null 2>&1 || pkgs+=(gcc)
    command -v g++ >/dev/null 2>&1 || pkgs+=(g++) # bench_sync's Boost peer (C++)
    command -v python3 >/dev/null 2>&1 || pkgs+=(python3)
    [ "$want_clang" = 0 ] || command -v clang >/dev/null 2>&1 || pkgs+=(clang)
    # The libraries of cmake/dependencies.cmake and tests/ (CUnit).
    pkgs+=(libapr1-dev libcunit1-dev libmsgpack-dev libsodium-dev)
    [ "${MP_WANT_MPI:-0}" = 0 ] || pkgs+=(openmpi-bin libopenmpi-dev) # the mpi stage: Open MPI
    # The benchmarks' peers (bench/CMakeLists.txt: each optional): libuv for
    # bench_process and bench_conn, Boost.Interprocess (headers) for bench_sync.
    pkgs+=(libuv1-dev libboost-dev)
    mp_apt_install "${pkgs[@]}"
    mp_cmake_ok || mp_die "CMake >= 3.25 is needed; this release's cmake package is older"

    # The sanitizer and libFuzzer runtimes come in a package named after the
    # LLVM version of the clang we have (Debian 12: libclang-rt-14-dev).
    if [ "$want_clang" = 1 ] && ! mp_clang_runtime_ok; then
        local major
        major=$(clang -dumpversion | cut -d. -f1)
        mp_apt_update_once
        if mp_apt_has "libclang-rt-$major-dev"; then
            mp_apt_install "libclang-rt-$major-dev"
        else
            # Older releases ship the runtimes in libclang-common-N-dev.
            mp_apt_install "libclang-common-$major-dev"
        fi
        mp_clang_runtime_ok || mp_die "clang $major cannot link -fsanitize=fuzzer,address,undefined"
    fi
}

# ---- macOS (Homebrew) -------------------------------------------------

mp_deps_macos() {
    command -v brew >/dev/null 2>&1 || mp_die "on macOS, install Homebrew first (https://brew.sh)"
    local formula missing=()
    for formula in cmake ninja pkg-config apr msgpack cunit libsodium; do
        brew list --versions "$formula" >/dev/null 2>&1 || missing+=("$formula")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        mp_log "brew install ${missing[*]}"
        brew install "${missing[@]}"
    fi
    # apr is keg-only (macOS has its own): point pkg-config at it, and at the
    # others for good measure, for CMake and the pkg-config consumer alike.
    local extra="" prefix
    for formula in apr msgpack cunit libsodium; do
        prefix=$(brew --prefix "$formula")
        extra="${extra:+$extra:}$prefix/lib/pkgconfig"
    done
    export PKG_CONFIG_PATH="$extra${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
}

# ---- single tools (format and docs stages) ---------------------------------

# mp_install_tool COMMAND [PACKAGE]: make sure COMMAND is on PATH, installing
# PACKAGE (default: COMMAND; the same name for apt and Homebrew) if it is not.
mp_install_tool() {
    local cmd=$1 pkg=${2:-$1}
    command -v "$cmd" >/dev/null 2>&1 && return 0
    case "$(uname -s)" in
    Linux)
        command -v apt-get >/dev/null 2>&1 || mp_die "no apt-get: install $pkg by hand"
        mp_apt_install "$pkg"
        ;;
    Darwin)
        command -v brew >/dev/null 2>&1 || mp_die "on macOS, install Homebrew first (https://brew.sh)"
        mp_log "brew install $pkg"
        brew install "$pkg"
        ;;
    *) mp_die "install $pkg by hand" ;;
    esac
    command -v "$cmd" >/dev/null 2>&1 || mp_die "$pkg is installed, yet there is no $cmd on PATH"
}

# .clang-format is written for clang-format 14 (its header says so), and
# other majors lay some constructs out differently: the format stage uses 14
# wherever the release packages it (Debian 12: clang-format, also installed
# as clang-format-14; Ubuntu 24.04: clang-format-14), any other only when
# there is no 14.
MP_CLANG_FORMAT_MAJOR=14

# The major version of the clang-format command $1.
mp_clang_format_major() {
    "$1" --version 2>/dev/null | sed -n 's/.*clang-format version \([0-9]*\).*/\1/p'
}

# Set MP_CLANG_FORMAT to the clang-format to run, installing one if needed.
# shellcheck disable=SC2034 # MP_CLANG_FORMAT is read by ci/test.sh
mp_find_clang_format() {
    local want=clang-format-$MP_CLANG_FORMAT_MAJOR
    if command -v "$want" >/dev/null 2>&1; then
        MP_CLANG_FORMAT=$want
        return 0
    fi
    if command -v clang-format >/dev/null 2>&1 &&
        [ "$(mp_clang_format_major clang-format)" = "$MP_CLANG_FORMAT_MAJOR" ]; then
        MP_CLANG_FORMAT=clang-format
        return 0
    fi
    if [ "$(uname -s)" = Linux ] && command -v apt-get >/dev/null 2>&1; then
        mp_apt_update_once
        if mp_apt_has "$want"; then
            mp_apt_install "$want"
            MP_CLANG_FORMAT=$want
            return 0
        fi
    fi
    mp_install_tool clang-format
    MP_CLANG_FORMAT=clang-format
}

# clang < 18's ThreadSanitizer cannot place its shadow memory when the kernel
# randomises mmap addresses with more than 28 bits (vm.mmap_rnd_bits = 32, as
# on Ubuntu 24.04's kernels): every program dies at start with "unexpected
# memory mapping". Without address randomisation (setarch -R, which every
# child inherits) it runs. Sets MP_TSAN_RUNNER to the command prefix the
# tsan stage needs (empty when none is), or fails when even that cannot run.
# shellcheck disable=SC2034 # MP_TSAN_RUNNER is read by ci/test.sh
mp_find_tsan_runner() {
    local tmp rc=0
    MP_TSAN_RUNNER=()
    tmp=$(mktemp -d)
    printf '%s\n' 'int main(void) { return 0; }' >"$tmp/t.c"
    clang -fsanitize=thread "$tmp/t.c" -o "$tmp/t" >/dev/null 2>&1 || rc=1
    if [ "$rc" -eq 0 ] && ! "$tmp/t" >/dev/null 2>&1; then
        if setarch "$(uname -m)" -R "$tmp/t" >/dev/null 2>&1; then
            MP_TSAN_RUNNER=(setarch "$(uname -m)" -R)
        else
            rc=1
        fi
    fi
    rm -rf "$tmp"
    return "$rc"
}

# ---- entry point ----------------------------------------------------------

# mp_install_deps base|clang: make sure everything a build needs is there;
# "clang" adds clang with its sanitizer and libFuzzer runtimes.
mp_install_deps() {
    local want_clang=0
    case $1 in
    base) ;;
    clang) want_clang=1 ;;
    *) mp_die "mp_install_deps: unknown set '$1'" ;;
    esac
    case "$(uname -s)" in
    Linux)
        command -v apt-get >/dev/null 2>&1 ||
            mp_die "no apt-get: install cmake, pkg-config, a C compiler, APR, CUnit, msgpack-c and libsodium by hand"
        mp_deps_debian "$want_clang"
        ;;
    Darwin)
        mp_deps_macos
        ;;
    *)
        mp_die "unsupported system $(uname -s) (Windows: see the windows stage in ci/test.sh)"
        ;;
    esac
    # Ninja when present (faster, one job pool); presets fix no generator.
    if [ -z "${CMAKE_GENERATOR:-}" ] && command -v ninja >/dev/null 2>&1; then
        export CMAKE_GENERATOR=Ninja
    fi
}

# mp_install_vips: libvips (Debian's libvips-dev, Homebrew's vips), which
# only the image example and bench_image need (ci/demo.sh runs the example;
# CMake skips both without it). Optional: where it cannot be installed this
# warns and goes on. ci/test.sh does not call it: libvips-dev brings in
# over a hundred packages (165 and 267 MB on a Debian 12 machine, with its
# recommends) for one example; where it is installed, the test stages build
# and run that example too.
mp_install_vips() {
    case "$(uname -s)" in
    Linux)
        command -v apt-get >/dev/null 2>&1 && mp_apt_install libvips-dev && return 0
        ;;
    Darwin)
        brew list --versions vips >/dev/null 2>&1 && return 0
        mp_log "brew install vips"
        brew install vips && return 0
        ;;
    esac
    mp_log "warning: libvips could not be installed: the image example will be skipped"
}

# A build directory made by another generator cannot be reused: CMake
# refuses to switch. Start such a directory afresh.
mp_fresh_if_other_generator() {
    local dir=$1 cached
    [ -f "$dir/CMakeCache.txt" ] || return 0
    cached=$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' "$dir/CMakeCache.txt")
    if [ -n "${CMAKE_GENERATOR:-}" ] && [ "$cached" != "$CMAKE_GENERATOR" ]; then
        mp_log "$dir was made by '$cached', not '$CMAKE_GENERATOR': starting it afresh"
        rm -rf "$dir"
    fi
}

# mp_configure_build PRESET [extra cmake -D args...]: configure and build
# one preset into build/PRESET.
# How this machine runs an MPI job, in one place (the MPI suite's CTest
# cache variable MP_MPIRUN_FLAGS gets it): --oversubscribe, as the suite
# runs 4 ranks on however few cores; --allow-run-as-root, as containers
# run CI as root. Open MPI 4.1's shared-memory transport worked here as it
# is (no btl_vader_single_copy_mechanism setting was needed).
MP_MPIRUN_FLAGS="--oversubscribe --allow-run-as-root"

mp_configure_build() {
    local preset=$1
    shift
    mp_fresh_if_other_generator "$MP_ROOT/build/$preset"
    cmake --preset "$preset" "$@" && cmake --build --preset "$preset"
}
