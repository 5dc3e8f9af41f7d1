#!/usr/bin/env bash
# ci/demo.sh: installs what is missing, builds a Release multiproc with its
# examples (preset demo, into build/demo), and runs the tutorial's programs
# with timings: the sequential one once, the parallel ones under each start
# method (fork, spawn, forkserver), then the start-method tour, the
# Process example and the debugging section (with the log on), then the
# tutorial's concurrent.futures programs (section 4) and its Pool under the
# default method, then its Manager example and counters in a managed dict,
# the MPI example (where Open MPI is installed: as one process, then under
# mpirun -n 4), and last the flagship: the tutorial's image processing on
# libvips (image_thumbnails, which it installs), ending with its speedup
# line.
#
# A program that is not built yet is reported and skipped; the script exits
# non-zero if any program was missing or failed, after running the rest.
set -euo pipefail

# shellcheck source=ci/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$MP_ROOT"

mp_install_deps base
mp_install_vips
mp_log "building (preset demo: Release, library + examples)"
mp_configure_build demo

bin=$MP_ROOT/build/demo/examples
problems=0

# The command that starts the examples (empty: none; the MPI example's
# second run sets it to mpirun).
launch=()

# run_example NAME [METHOD]: run one example (under METHOD when given,
# started by ${launch[@]} when set) and time it. The programs print their
# own "Finished in ..." line as in the tutorial; the wall time here
# includes process start-up and exit.
run_example() {
    local name=$1 method=${2:-} start end rc=0 what
    what=$name${method:+ (MP_START_METHOD=$method)}${launch[*]:+ (under ${launch[*]})}
    if [ ! -x "$bin/$name" ]; then
        mp_log "$what: not built ($bin/$name is missing), skipping"
        problems=$((problems + 1))
        return 0
    fi
    mp_log "$what"
    start=$(mp_now_ms)
    # Its output is kept too (build/demo/<name>.out), for the summary.
    if [ -n "$method" ]; then
        (cd "$bin" && MP_START_METHOD=$method "${launch[@]}" "./$name") |
            tee "$bin/../$name.out" || rc=$?
    else
        (cd "$bin" && "${launch[@]}" "./$name") | tee "$bin/../$name.out" || rc=$?
    fi
    end=$(mp_now_ms)
    printf -- '--- %s: exit %d, %d.%03d s wall\n' "$what" "$rc" $(((end - start) / 1000)) \
        $(((end - start) % 1000))
    [ "$rc" -eq 0 ] || problems=$((problems + 1))
}

run_example tutorial_sequential
for m in fork spawn forkserver; do
    run_example tutorial_parallel "$m"
    run_example tutorial_args "$m"
done
run_example start_methods
run_example tutorial_process
# The debugging section: active_children(), then the log of an executor's
# workers and tasks (on stderr, with time, pid, level and process name).
run_example tutorial_debugging
for name in tutorial_executor_submit tutorial_executor_as_completed tutorial_executor_map \
    tutorial_executor_compute executor_processes_vs_threads tutorial_pool; do
    run_example "$name"
done
# Managers: the tutorial's list (a child appends, the parent prints it), and
# four workers adding word counts into a managed dict under a managed Lock.
run_example tutorial_manager_list
run_example manager_counters
# Beyond one machine (multiproc::mpi), where Open MPI is installed: a sum of
# squares on the local process executor, as one process (which says that
# MPI needs mpirun) and then as a job of 4 ranks, whose rank 0 runs it on
# the local executor and on the MPI executor's 3 worker ranks. Allowed as
# root and on fewer CPUs than ranks, as in cmake/mp_mpirun.cmake.
if command -v mpirun >/dev/null 2>&1; then
    run_example mpi_sum_squares
    launch=(env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
        OMPI_MCA_rmaps_base_oversubscribe=1 mpirun -n 4)
    run_example mpi_sum_squares
    launch=()
else
    mp_log "mpi_sum_squares: Open MPI is not installed (Debian: openmpi-bin libopenmpi-dev), skipping"
fi
# Last, so that the demo ends with its speedup: a dozen 3000x2000 photos
# (drawn into build/demo/examples/thumbnail-input on the first run),
# serially, then with the executor and a Pool of 2 workers.
run_example image_thumbnails

if [ "$problems" -ne 0 ]; then
    mp_log "demo: $problems program(s) missing or failed"
    exit 1
fi
mp_log "demo: all programs ran; the image example's speedup:"
# The flagship's figures, last (the example printed them above too).
grep -i 'speedup' "$bin/../image_thumbnails.out" || true
