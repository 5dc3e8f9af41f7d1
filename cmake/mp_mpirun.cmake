# How the tests start a program as an MPI job: the MPI example's smoke test
# (examples/) and bench_mpi (bench/), which both need the same command line
# and the same environment. Included where the MPI component was built
# (TARGET multiproc::mpi), after mpi/ found MPI with find_package(MPI), whose
# MPIEXEC_* cache variables give the launcher.
#
#   mp_mpirun_command(<var> <ranks>)
#     sets <var> to the launcher and its arguments for <ranks> ranks, as a
#     list, to which the program and its arguments are appended:
#     "/usr/bin/mpiexec;-n;4".
#   MP_MPIEXEC_NUMPROC_FLAG
#     the launcher's flag for the number of ranks (-n).
#   MP_MPIRUN_ENV
#     the environment such a launcher runs in (a list for the ENVIRONMENT
#     test property).
#   MP_MPI_TEST_ENV
#     the environment of every test of a program that calls MPI_Init, under
#     a launcher or alone (empty but under a sanitizer, see below).
#
# Open MPI's settings travel as environment variables (OMPI_*), not as
# command-line flags, because an MPI without them (MPICH) would refuse an
# unknown flag but ignores a variable it does not read:
#   - OMPI_ALLOW_RUN_AS_ROOT(_CONFIRM): CI runs as root in a container, where
#     Open MPI refuses to start unless both are set (--allow-run-as-root);
#   - OMPI_MCA_rmaps_base_oversubscribe: the tests start 4 ranks on a
#     2-CPU machine, which Open MPI refuses by default (--oversubscribe).
# No include_guard: examples/ and bench/ each include it, and the variables
# below live in the scope of the directory that includes it.

if(NOT MPIEXEC_EXECUTABLE)
  find_package(MPI QUIET COMPONENTS C)
endif()

# The launcher's flag for the number of ranks (FindMPI's, else the
# standard's mpiexec -n).
set(MP_MPIEXEC_NUMPROC_FLAG ${MPIEXEC_NUMPROC_FLAG})
if(NOT MP_MPIEXEC_NUMPROC_FLAG)
  set(MP_MPIEXEC_NUMPROC_FLAG -n)
endif()

function(mp_mpirun_command var ranks)
  set(${var} ${MPIEXEC_EXECUTABLE} ${MP_MPIEXEC_NUMPROC_FLAG} ${ranks} ${MPIEXEC_PREFLAGS}
      PARENT_SCOPE)
endfunction()

set(MP_MPIRUN_ENV OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
                  OMPI_MCA_rmaps_base_oversubscribe=1)

# Under AddressSanitizer (MP_SANITIZE): at the exit of Open MPI's own
# threads, ASan's teardown of its alternate signal stack reports a
# stack-use-after-scope in sigaltstack() that is ASan's (use_sigaltstack=0:
# it sets none), and Open MPI's plugins, unloaded by MPI_Finalize, leave
# allocations that LeakSanitizer cannot name or suppress by library ("unknown
# module"), so leaks are not checked in these tests (detect_leaks=0);
# everything else ASan and UBSan check still is.
set(MP_MPI_TEST_ENV "")
if(MP_SANITIZE MATCHES "address")
  list(APPEND MP_MPI_TEST_ENV "ASAN_OPTIONS=use_sigaltstack=0:detect_leaks=0")
endif()
