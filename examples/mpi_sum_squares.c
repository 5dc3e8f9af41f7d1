/*
 * One source, two executors: a CPU-bound sum of squares split in chunks,
 * run on the local process executor and on the MPI executor (the worker
 * ranks of an MPI job), which differ by one option (`.kind`).
 *
 *     ./mpi_sum_squares [--n N]                 local only: one process is
 *                                               no MPI job (it says so)
 *     mpirun -n 4 ./mpi_sum_squares [--n N]     local, then 3 worker ranks
 *     MULTIPROC_MPI_SPAWN=3 ./mpi_sum_squares   the same: mp_mpi_init()
 *                                               starts the 3 worker ranks
 *                                               (MPI_Comm_spawn)
 *
 * (as root, Open MPI also wants --allow-run-as-root; more ranks than CPUs,
 * --oversubscribe). Across machines it is the same program, placed by
 * MPI's own means: `mpirun -n 8 --hostfile hosts ./mpi_sum_squares`.
 *
 * It prints, under mpirun -n 4,
 *
 *     sum of i*i mod 1000000007 for i in 1..3000000000, in 24 chunks
 *     local: 3 worker processes, 999997137 in T1 seconds
 *     mpi: 3 worker ranks, 999997137 in T2 seconds
 *     formula n(n+1)(2n+1)/6 mod 1000000007: 999997137
 *
 * The sums are the same every run, and the formula's: that is what the
 * test checks. The times are measured and printed, never checked: on a
 * machine with fewer CPUs than ranks (4 ranks on 2 CPUs), the MPI run
 * shares them with MPI's own polling and is slower than the local one;
 * the MPI executor pays off when the ranks are on other machines.
 *
 * Why modulo a prime: the sum of squares of 1..n overflows 64 bits from
 * n of about 3 million, and a plain `s += i * i` loop is one that a
 * compiler may replace by the formula (clang does), which would leave no
 * work to split. Each term reduced mod P is real work, and P < 2^30 keeps
 * a chunk's running sum of terms far from overflow.
 *
 * Every rank runs this same main(): mp_mpi_init() returns only on rank 0
 * (and in a single process); the other ranks serve rank 0's tasks from
 * the task table below until it calls mp_mpi_finalize(). Each task runs
 * in a child process of its rank, so a task that crashes fails only its
 * own future. Those children and the local executor's workers start by
 * the default start method (forkserver, or MP_START_METHOD's).
 */
#include <inttypes.h>
#include <stdint.h>

#include <multiproc/mpi.h>

#include "example_support.h"

/* The modulus: a prime below 2^30 (see above). */
#define P UINT64_C(1000000007)

/* Chunks the range is split into: a few per worker, so that a worker
 * that finishes early takes another (24 divides evenly among 2, 3, 4,
 * 6 or 8 workers). */
enum { CHUNKS = 24 };

/* The default n: about two seconds of work on one CPU here. */
#define DEFAULT_N INT64_C(3000000000)

/* A chunk: the terms first .. last, both included. */
typedef struct chunk {
    int64_t first, last;
} chunk_t;

/* The task: the sum of i*i mod P over its chunk, mod P. */
static int sum_squares(mp_task_t *task)
{
    const void *data;
    size_t len;
    int rc = mp_task_arg(task, &data, &len);
    if (rc < 0)
        return rc;
    if (len != sizeof(chunk_t))
        return mp_task_fail(task, MP_EINVAL, "a chunk is %zu bytes, not %zu", sizeof(chunk_t), len);
    chunk_t c;
    memcpy(&c, data, sizeof c); /* the bytes may not be aligned for int64 */
    /* Terms are below P < 2^30: 2^34 of them fit in 64 bits before the
     * reduction below, and a chunk is far smaller. */
    uint64_t sum = 0;
    for (uint64_t i = (uint64_t)c.first; i <= (uint64_t)c.last; i++)
        sum += (i * i) % P;
    return mp_task_return_i64(task, (int64_t)(sum % P));
}

static const mp_task_def_t tasks[] = {MP_TASK(sum_squares), MP_TASK_END};

/* n(n+1)(2n+1)/6 mod P, dividing the factors first so that nothing
 * overflows: one of n, n+1 is even and one of n, n+1, 2n+1 is a multiple
 * of 3. */
static uint64_t formula(uint64_t n)
{
    uint64_t a = n, b = n + 1, c = 2 * n + 1;
    if (a % 2 == 0)
        a /= 2;
    else
        b /= 2;
    if (a % 3 == 0)
        a /= 3;
    else if (b % 3 == 0)
        b /= 3;
    else
        c /= 3;
    return a % P * (b % P) % P * (c % P) % P;
}

/* Map the chunks of 1..n over an executor of `opts` and print the sum and
 * the time it took, workers' starts included, labelled `label` and
 * `workers` (what the workers are). @return the sum. */
static int64_t run_on(const char *label, const char *workers, const mp_executor_opts_t *opts,
                      int64_t n)
{
    chunk_t chunks[CHUNKS];
    for (int k = 0; k < CHUNKS; k++)
        chunks[k] = (chunk_t){.first = n * k / CHUNKS + 1, .last = n * (k + 1) / CHUNKS};

    double start = example_now();
    mp_executor_t *executor;
    example_check(mp_executor_create(&executor, opts), "mp_executor_create");
    mp_map_t *map;
    /* One chunk per message: each is long enough to pay for its own. */
    example_check(mp_executor_map(executor, &map, "sum_squares", chunks, sizeof(chunk_t), CHUNKS,
                                  &(mp_map_opts_t){.chunksize = 1}),
                  "mp_executor_map");
    uint64_t sum = 0;
    for (size_t k = 0; k < CHUNKS; k++) {
        int64_t part;
        example_check(mp_map_get_i64(map, k, &part), "mp_map_get_i64");
        sum = (sum + (uint64_t)part) % P;
    }
    mp_map_destroy(map);
    mp_executor_destroy(executor);
    double seconds = example_now() - start;

    char text[48];
    example_py_repr(example_py_round(seconds, 2), text, sizeof text);
    example_say("%s: %d %s, %" PRIu64 " in %s seconds\n", label, opts->max_workers, workers, sum,
                text);
    return (int64_t)sum;
}

/* n from `--n N` (CHUNKS .. 2^32 - 1, where i*i stays in 64 bits), else
 * the default; exits 2 on a bad argument. */
static int64_t parse_n(int argc, char **argv)
{
    if (argc == 1)
        return DEFAULT_N;
    char *end = NULL;
    long long n = argc == 3 && strcmp(argv[1], "--n") == 0 ? strtoll(argv[2], &end, 10) : 0;
    if (!end || *end != '\0' || n < CHUNKS || n > (long long)UINT32_MAX) {
        fprintf(stderr, "usage: %s [--n N]  (%d <= N < 2^32; default %" PRId64 ")\n", argv[0],
                CHUNKS, DEFAULT_N);
        exit(2);
    }
    return n;
}

int main(int argc, char **argv)
{
    /* First in main, on every rank: only rank 0 (or a lone process)
     * returns. */
    example_check(mp_mpi_init(&argc, &argv, tasks), "mp_mpi_init");
    int64_t n = parse_n(argc, argv);
    int ranks = mp_mpi_size();

    example_say("sum of i*i mod %" PRIu64 " for i in 1..%" PRId64 ", in %d chunks\n", P, n, CHUNKS);
    /* As many local workers as the MPI job has worker ranks, so that the
     * two times compare the same parallelism; one per CPU without one. */
    int workers = ranks > 1 ? ranks - 1 : mp_cpu_count();
    int64_t local = run_on("local", "worker processes",
                           &(mp_executor_opts_t){.max_workers = workers}, n);
    if (ranks > 1) {
        /* Each worker rank runs the tasks in a child of its own, started
         * by the executor's context; without one it would fork, and a rank
         * is multi-threaded (MPI's threads), where fork() is what
         * multiproc warns about (MP_FORK_POLICY). The default context
         * instead (forkserver here, or MP_START_METHOD's), as the local
         * executor's workers. max_workers 0 would mean every worker rank
         * too; given, so that the line printed says how many. */
        mp_context_t *children;
        example_check(mp_get_context(&children, NULL), "mp_get_context");
        int64_t mpi = run_on("mpi", "worker ranks",
                             &(mp_executor_opts_t){.kind = MP_EXECUTOR_MPI,
                                                   .max_workers = workers,
                                                   .context = children},
                             n);
        if (mpi != local) {
            fprintf(stderr, "the MPI executor's sum %" PRId64 " is not the local one %" PRId64 "\n",
                    mpi, local);
            return 1;
        }
    } else {
        example_say("mpi: not run: one process is no MPI job (start it as "
                    "`mpirun -n 4 ./mpi_sum_squares`, or alone with MULTIPROC_MPI_SPAWN=3, "
                    "for 3 worker ranks)\n");
    }
    uint64_t expected = formula((uint64_t)n);
    example_say("formula n(n+1)(2n+1)/6 mod %" PRIu64 ": %" PRIu64 "\n", P, expected);
    if ((uint64_t)local != expected) {
        fprintf(stderr, "the sum %" PRId64 " is not the formula's\n", local);
        return 1;
    }
    /* Stops the worker ranks (they exit 0), then MPI_Finalize. */
    example_check(mp_mpi_finalize(), "mp_mpi_finalize");
    return 0;
}
