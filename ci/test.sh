#!/usr/bin/env bash
# ci/test.sh: the one test command. On a fresh Debian/Ubuntu machine it
# installs what is missing, then runs these stages (in this order):
#
#   format   clang-format --dry-run -Werror (.clang-format) on every tracked
#            .c and .h file; fails naming the files that are off
#   docs     Doxygen's API reference from the public headers (docs/Doxyfile)
#            into build/docs/html; any warning, an undocumented public
#            symbol included, fails it
#   gcc      preset gcc-werror: gcc, Release, -Werror; ctest
#   clang    preset clang-werror: clang, Release, -Werror; ctest
#   asan     preset asan: ASan + UBSan; ctest
#   tsan     preset tsan: ThreadSanitizer; ctest on the tests TSan applies to
#            (see tsan_stage)
#   install  install build/gcc-werror into a temporary prefix and build the
#            outside consumer against it (CMake package and pkg-config)
#   fuzz     preset fuzz: libFuzzer on the record decoders, bounded in time
#   soak     (Linux) tests/soak's mp_soak on the gcc-werror build, short form:
#            SIGKILLs parents holding a tracker, a fork server, listeners,
#            named segments and children (5 rounds per method within 300 ms
#            of start, 5 within 40 ms); fails if anything is left; then
#            mp_executor_soak: 50 worker deaths per method in a busy executor,
#            then 50 more among retiring workers
#   mpi      the MPI component (mpi/, tests/mpi): installs Open MPI, builds
#            gcc-werror with it and runs the MPI suite under mpirun -n 4 (each
#            start method, and a worker rank SIGKILLed); skipped, saying so,
#            where there is no MPI
#   windows  the Win32 cross-build (mingw-w64), run under wine
#
# The suite registers its process tests once per start method, labelled with
# the method (fork, spawn, forkserver), and the rest once (label "any"); the
# examples' smoke tests carry the label "examples" (and their method's), so
# ctest runs all of them.
#
# Environment:
#   MP_TEST_STAGES   space-separated subset of the stages above (default: all)
#   MP_CTEST_METHOD  one start method: skip the tests labelled with the other
#                    methods (method-independent tests still run); the CI
#                    matrix's cells use it
#   MP_CTEST_LABEL   run only the tests with this ctest label (regex, ctest -L)
#   MP_TEST_TIMEOUT  per-test timeout in seconds for ctest (default 300)
#   MP_FUZZ_SECONDS  how long the fuzz stage fuzzes (default 30)
#   MP_SOAK_ROUNDS   rounds per start method of the soak stage (default 5)
#   MP_SOAK_SEED     the soak stage's seed, to replay a run (default: random)
#   CMAKE_GENERATOR  defaults to Ninja when ninja is installed
#
# Ends with one line "N passed, N failed": the sum of ctest's counts over the
# ctest stages, plus one per other stage; exits non-zero if anything failed.
set -euo pipefail

# shellcheck source=ci/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$MP_ROOT"

all_stages="format docs gcc clang asan tsan install fuzz soak mpi windows"
stages=${MP_TEST_STAGES:-$all_stages}
for s in $stages; do
    case " $all_stages " in
    *" $s "*) ;;
    *) mp_die "unknown stage '$s' in MP_TEST_STAGES (known: $all_stages)" ;;
    esac
done
wants() {
    case " $stages " in *" $1 "*) return 0 ;; esac
    return 1
}

timeout_s=${MP_TEST_TIMEOUT:-300}
fuzz_s=${MP_FUZZ_SECONDS:-30}
# ctest filters for the suite stages, from MP_CTEST_METHOD and MP_CTEST_LABEL.
methods="fork spawn forkserver" # the start-method labels of tests/ and examples/
ctest_filter=()
if [ -n "${MP_CTEST_METHOD:-}" ]; then
    case " $methods " in
    *" $MP_CTEST_METHOD "*) ;;
    *) mp_die "MP_CTEST_METHOD='$MP_CTEST_METHOD' is not one of: $methods" ;;
    esac
    others=""
    for m in $methods; do
        [ "$m" = "$MP_CTEST_METHOD" ] || others=${others:+$others|}$m
    done
    ctest_filter+=(-LE "^($others)\$")
fi
[ -z "${MP_CTEST_LABEL:-}" ] || ctest_filter+=(-L "$MP_CTEST_LABEL")
logdir=$MP_ROOT/build/logs
mkdir -p "$logdir"

! wants mpi || export MP_WANT_MPI=1
if wants clang || wants asan || wants tsan || wants fuzz; then
    mp_install_deps clang
else
    mp_install_deps base
fi
mp_log "machine: $(uname -sm), $(nproc 2>/dev/null || sysctl -n hw.ncpu) cores; generator: ${CMAKE_GENERATOR:-default}"

total_passed=0
total_failed=0
report=()

# record STAGE PASSED FAILED SECONDS NOTE
record() {
    total_passed=$((total_passed + $2))
    total_failed=$((total_failed + $3))
    report+=("$(printf '%-8s %4d passed %4d failed %5ss  %s' "$1" "$2" "$3" "$4" "$5")")
}

# A command that ctest runs under, when a stage needs one (tsan_stage).
ctest_runner=()

# run_ctest STAGE BUILD_DIR START [ctest args...]: run ctest, keep its log,
# and record its own counts ("N tests failed out of M"). A run that prints no
# such line (no tests found, ctest itself failed) counts as one failure.
run_ctest() {
    local stage=$1 dir=$2 start=$3 log rc=0 line failed total
    shift 3
    log=$logdir/$stage-ctest.log
    ${ctest_runner[@]+"${ctest_runner[@]}"} ctest --test-dir "$dir" --output-on-failure -j2 --timeout "$timeout_s" \
        --no-tests=error "$@" 2>&1 | tee "$log" || rc=$?
    line=$(grep -E '[0-9]+ tests failed out of [0-9]+' "$log" | tail -n 1 || true)
    if [ -n "$line" ]; then
        failed=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")
        total=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/' <<<"$line")
        if [ "$failed" -eq 0 ] && [ "$rc" -ne 0 ]; then
            # All tests passed yet ctest failed: count that too.
            record "$stage" "$total" 1 $(($(mp_now) - start)) "ctest exited $rc"
        else
            record "$stage" $((total - failed)) "$failed" $(($(mp_now) - start)) "ctest"
        fi
    else
        record "$stage" 0 1 $(($(mp_now) - start)) "ctest ran no test (exit $rc), see $log"
    fi
}

# suite_stage STAGE PRESET [ctest args...]: a build + ctest stage on one
# preset.
suite_stage() {
    local stage=$1 preset=$2 start
    shift 2
    start=$(mp_now)
    mp_log "stage $stage: preset $preset"
    if ! mp_configure_build "$preset" 2>&1 | tee "$logdir/$stage-build.log"; then
        record "$stage" 0 1 $(($(mp_now) - start)) "build failed, see $logdir/$stage-build.log"
        return 0
    fi
    # ${a[@]+...}: an empty array is "unbound" to set -u in bash < 4.4 (macOS).
    run_ctest "$stage" "build/$preset" "$start" ${ctest_filter[@]+"${ctest_filter[@]}"} "$@"
}

# ---- format ----------------------------------------------------------------
# Every tracked C file, checked against .clang-format (ci/lib.sh picks the
# clang-format major it is written for): all in one run, and only when that
# fails, one at a time, to name exactly the files to `clang-format -i`.
format_stage() {
    local start files=() off=() f log=$logdir/format.log
    start=$(mp_now)
    mp_find_clang_format
    mp_log "stage format: $MP_CLANG_FORMAT ($(mp_clang_format_major "$MP_CLANG_FORMAT")) --dry-run -Werror"
    if ! git -C "$MP_ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        record format 0 1 $(($(mp_now) - start)) "not a git checkout: no tracked files to check"
        return 0
    fi
    # A while-read loop, not mapfile: macOS's bash is 3.2.
    while IFS= read -r f; do
        files+=("$f")
    done < <(git -C "$MP_ROOT" ls-files '*.c' '*.h')
    if [ ${#files[@]} -eq 0 ] ||
        "$MP_CLANG_FORMAT" --dry-run -Werror "${files[@]}" >"$log" 2>&1; then
        record format 1 0 $(($(mp_now) - start)) "${#files[@]} files formatted"
        return 0
    fi
    for f in "${files[@]}"; do
        "$MP_CLANG_FORMAT" --dry-run -Werror "$f" >/dev/null 2>&1 || off+=("$f")
    done
    printf 'not formatted (clang-format -i FILE; the differences are in %s):\n' "$log"
    printf '  %s\n' "${off[@]}"
    record format 0 1 $(($(mp_now) - start)) "${#off[@]} of ${#files[@]} files not formatted: ${off[*]}"
}

# ---- docs ------------------------------------------------------------------
# The API reference, built by docs/doxygen.cmake (the CMake project's `docs`
# target runs the same script): public headers only, main page
# api/CONVENTIONS.md when it exists and README.md otherwise, into
# build/docs/html. Every Doxygen warning is an error (an undocumented public
# function, parameter or field among them); all are listed before it fails.
docs_stage() {
    local start n log=$logdir/docs.log
    start=$(mp_now)
    mp_install_tool doxygen
    mp_log "stage docs: doxygen $(doxygen --version) on api/include into build/docs/html"
    if cmake -DOUT="$MP_ROOT/build/docs" -P docs/doxygen.cmake 2>&1 | tee "$log"; then
        record docs 1 0 $(($(mp_now) - start)) "build/docs/html/index.html"
    else
        n=$(grep -cE ':[0-9]+: (warning|error): ' "$log" || true)
        record docs 0 1 $(($(mp_now) - start)) "$n doxygen warnings, see $log"
    fi
}

# ---- tsan ------------------------------------------------------------------
# ThreadSanitizer where it applies. It sees the threads of one process and
# the atomics they synchronise with; it cannot see another process, and it
# does not support a fork() from a multi-threaded process (the child may
# deadlock or report nonsense, and dies if it starts a thread). So the stage
# runs, from the conformance suite:
#   - the suites under spawn: every child is a fresh program, TSan-built too;
#   - the suites under forkserver: children are forked from the server, a
#     freshly spawned single-threaded process;
#   - the method-independent suites ("any": errors, runtime, bad arguments,
#     timeouts), whose threads share objects inside the test process;
# and not the suites under fork, which fork from the test process while its
# helper threads (sync suites' waiters) run: TSan's unsupported case, and
# the same in-process code the spawn suites already cover. The examples and
# benchmarks are not built: they time themselves, and TSan slows them 5-15x.
# The selection (a label regex) and TSAN_OPTIONS are the `tsan` test preset
# in CMakePresets.json, the one place they are kept; this stage runs it.
#
# A report in a child whose exit status nobody checks would pass unseen, so
# every process writes its reports to files (log_path) and any file counts
# as a failure. False positives go in ci/tsan.supp, each with its reason.
tsan_stage() {
    local start reports=$logdir/tsan-reports n
    start=$(mp_now)
    if ! mp_find_tsan_runner; then
        record tsan 0 1 0 "clang cannot build or run a -fsanitize=thread program"
        return 0
    fi
    [ ${#MP_TSAN_RUNNER[@]} -eq 0 ] || mp_log "TSan needs address randomisation off here: ${MP_TSAN_RUNNER[*]}"
    rm -rf "$reports"
    mkdir -p "$reports"
    # The preset appends this to its own TSAN_OPTIONS: a caller's settings
    # (after log_path here) win.
    local -x TSAN_OPTIONS="log_path=$reports/tsan ${TSAN_OPTIONS:-}"
    ctest_runner=(${MP_TSAN_RUNNER[@]+"${MP_TSAN_RUNNER[@]}"})
    suite_stage tsan tsan --preset tsan
    ctest_runner=()
    n=$(find "$reports" -type f | wc -l | tr -d ' ')
    if [ "$n" -gt 0 ]; then
        cat "$reports"/*
        record tsan 0 "$n" 0 "TSan reports from $n process(es), in $reports"
    fi
}

install_stage() {
    local start
    start=$(mp_now)
    mp_log "stage install: cmake --install + outside consumer"
    # Reuses the gcc stage's build when it ran; builds it otherwise.
    if ! mp_configure_build gcc-werror 2>&1 | tee "$logdir/install-build.log"; then
        record install 0 1 $(($(mp_now) - start)) "build failed, see $logdir/install-build.log"
        return 0
    fi
    if bash ci/install-test.sh build/gcc-werror 2>&1 | tee "$logdir/install.log"; then
        record install 1 0 $(($(mp_now) - start)) "CMake package + pkg-config consumers"
    else
        record install 0 1 $(($(mp_now) - start)) "see $logdir/install.log"
    fi
}

fuzz_stage() {
    local start
    start=$(mp_now)
    mp_log "stage fuzz: fuzz_records, fuzz_conn, fuzz_queue, fuzz_var and fuzz_manager for ${fuzz_s}s each, side by side"
    # The fuzz build preset builds only the fuzzer and its seed corpus, and
    # the fuzz test preset's label picks only the fuzzing test.
    if ! mp_configure_build fuzz -DMP_FUZZ_SECONDS="$fuzz_s" 2>&1 | tee "$logdir/fuzz-build.log"; then
        record fuzz 0 1 $(($(mp_now) - start)) \
            "build failed (is tests/fuzz added to CMakeLists.txt?), see $logdir/fuzz-build.log"
        return 0
    fi
    run_ctest fuzz build/fuzz "$start" -L fuzz
}

# ---- soak ------------------------------------------------------------------
# tests/soak/README.md: a few rounds per start method of SIGKILLing a parent
# that holds every kind of resource, then counting the leftover processes,
# /dev/shm names and temp files. Its log's first line has the seed, to
# replay a failure (MP_SOAK_SEED). Linux only: it reads /proc.
soak_stage() {
    local start log=$logdir/soak.log rounds=${MP_SOAK_ROUNDS:-5}
    start=$(mp_now)
    if [ "$(uname -s)" != Linux ]; then
        record soak 0 0 0 "skipped: Linux only"
        return 0
    fi
    mp_log "stage soak: mp_soak, $rounds rounds per start method"
    if ! mp_configure_build gcc-werror 2>&1 | tee "$logdir/soak-build.log"; then
        record soak 0 1 $(($(mp_now) - start)) "build failed, see $logdir/soak-build.log"
        return 0
    fi
    # Two passes: kills anywhere in the victim's first 300 ms, then kills
    # in its first 40 ms, where the tracker, the fork server and the first
    # listener start (the kill points that leaked names and directories).
    if build/gcc-werror/tests/soak/mp_soak --rounds "$rounds" \
        ${MP_SOAK_SEED:+--seed "$MP_SOAK_SEED"} 2>&1 | tee "$log" &&
        build/gcc-werror/tests/soak/mp_soak --rounds "$rounds" --max-delay-ms 40 \
            ${MP_SOAK_SEED:+--seed "$MP_SOAK_SEED"} 2>&1 | tee -a "$log" &&
        build/gcc-werror/tests/soak/mp_executor_soak --deaths 50 \
            ${MP_SOAK_SEED:+--seed "$MP_SOAK_SEED"} 2>&1 | tee -a "$log" &&
        build/gcc-werror/tests/soak/mp_executor_soak --deaths 50 --max-tasks-per-child 10 \
            ${MP_SOAK_SEED:+--seed "$MP_SOAK_SEED"} 2>&1 | tee -a "$log"; then
        record soak 1 0 $(($(mp_now) - start)) "no leftovers, 2 x $rounds rounds per method; 2 x 50 executor deaths"
    else
        record soak 0 1 $(($(mp_now) - start)) "leftovers or errors, see $log"
    fi
}

# ---- mpi -------------------------------------------------------------------
# The MPI component on the gcc-werror build: its suite under mpirun (CTest
# label mpi). Without an MPI (mpirun and mpicc not found after the deps
# step) the stage is skipped with a line saying so.
mpi_stage() {
    local start
    start=$(mp_now)
    if ! command -v mpirun >/dev/null 2>&1 || ! command -v mpicc >/dev/null 2>&1; then
        record mpi 0 0 0 "skipped: no MPI installed (openmpi-bin, libopenmpi-dev)"
        return 0
    fi
    mp_log "stage mpi: gcc-werror with MPI; the MPI suite under mpirun"
    if ! mp_configure_build gcc-werror -DMP_WITH_MPI=ON "-DMP_MPIRUN_FLAGS=$MP_MPIRUN_FLAGS" \
        2>&1 | tee "$logdir/mpi-build.log"; then
        record mpi 0 1 $(($(mp_now) - start)) "build failed, see $logdir/mpi-build.log"
        return 0
    fi
    run_ctest mpi build/gcc-werror "$start" -L '^mpi$'
}

# ---- Windows ---------------------------------------------------------------
# Cross-builds the library, the examples, the conformance suite and the
# backend's smoke suite with mingw-w64 (dependencies from Debian's source
# packages, cached in build/windows-deps) and runs them all under wine
# (ci/windows/), the conformance suite under spawn, Windows' only method.
windows_stage() {
    local start line
    start=$(mp_now)
    mp_log "stage windows: mingw-w64 cross-build, run under wine"
    bash ci/windows/build-and-test.sh 2>&1 |
        tee "$logdir/windows.log" || true
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$logdir/windows.log" | tail -n 1)
    if [ -n "$line" ]; then
        record windows "${line%% *}" "$(sed -E 's/.* ([0-9]+) failed/\1/' <<<"$line")" \
            $(($(mp_now) - start)) "mingw-w64 + wine"
    else
        record windows 0 1 $(($(mp_now) - start)) "see $logdir/windows.log"
    fi
}

started=$(mp_now)
for s in $stages; do
    case $s in
    format) format_stage ;;
    docs) docs_stage ;;
    gcc) suite_stage gcc gcc-werror ;;
    clang) suite_stage clang clang-werror ;;
    asan)
        # Stack traces for UBSan reports; ASan's defaults (leak checks on)
        # stay. A caller's own settings win.
        export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
        suite_stage asan asan
        ;;
    tsan) tsan_stage ;;
    install) install_stage ;;
    fuzz) fuzz_stage ;;
    soak) soak_stage ;;
    mpi) mpi_stage ;;
    windows) windows_stage ;;
    esac
done

mp_log "summary ($(($(mp_now) - started))s; logs in $logdir)"
[ ${#report[@]} -eq 0 ] || printf '%s\n' "${report[@]}"
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
