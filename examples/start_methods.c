/*
 * The same program under every start method, chosen at run time: the C
 * counterpart of the tutorial's parallel examples (sections 2 and 3) run
 * through Python's multiprocessing.get_context(method) for each method.
 *
 * For each method mp_get_all_start_methods() lists (the platform default
 * first), it starts four processes from that method's context. Child k
 * sums the squares of k*100000+1 .. (k+1)*100000 and reports that sum and
 * the start method it finds itself started by (mp_current_process()). The
 * parent checks both and prints one line per method, e.g.
 *
 *     fork: 4 processes ran under fork, sums of squares 333338333350000
 *     2333348333350000 6333358333350000 12333368333350000, start+join 1.52 ms
 *
 * (on one line), the time being from the first start to the last join. The
 * fork server's line includes starting the server itself: its first start
 * pays for that, later ones do not.
 */
#include <inttypes.h>
#include <stdint.h>

#include "example_support.h"

enum { NPROCESSES = 4 };
#define RANGE INT64_C(100000)

/* What a child reports back, as the result bytes of its task. */
typedef struct child_report {
    int64_t sum;
    char method[16]; /* the start method that started the child */
} child_report_t;

/* Sum of i*i for i in 1..n, in closed form, to check the children. */
static int64_t squares_up_to(int64_t n)
{
    return n * (n + 1) * (2 * n + 1) / 6;
}

static int sum_of_squares(mp_task_t *task)
{
    int64_t k;
    int rc = mp_task_arg_i64(task, &k);
    if (rc < 0)
        return rc;
    child_report_t report = {0};
    for (int64_t i = k * RANGE + 1; i <= (k + 1) * RANGE; i++)
        report.sum += i * i;
    mp_process_info_t me;
    if ((rc = mp_current_process(&me)) < 0)
        return rc;
    snprintf(report.method, sizeof report.method, "%s", me.start_method ? me.start_method : "?");
    /* Bytes out: the general path, for a result that is not one number. */
    return mp_task_return(task, &report, sizeof report);
}

static const mp_task_def_t tasks[] = {MP_TASK(sum_of_squares), MP_TASK_END};

/* Run the four children under `method` and print its line. */
static void run_under(const char *method)
{
    mp_context_t *ctx;
    example_check(mp_get_context(&ctx, method), "mp_get_context");

    mp_process_t *procs[NPROCESSES];
    for (int k = 0; k < NPROCESSES; k++)
        example_check(mp_process_create(&procs[k], &(mp_process_opts_t){.task = "sum_of_squares",
                                                                        MP_ARG_I64(k),
                                                                        .context = ctx}),
                      "mp_process_create");

    double start = example_now();
    for (int k = 0; k < NPROCESSES; k++)
        example_check(mp_process_start(procs[k]), "mp_process_start");
    for (int k = 0; k < NPROCESSES; k++)
        example_join(procs[k]);
    double elapsed_ms = (example_now() - start) * 1e3;

    int64_t sums[NPROCESSES];
    for (int k = 0; k < NPROCESSES; k++) {
        const void *data;
        size_t len;
        example_check(mp_process_result(procs[k], &data, &len), "mp_process_result");
        child_report_t report;
        if (len != sizeof report) {
            fprintf(stderr, "%s: child %d returned %zu bytes, not %zu\n", method, k, len,
                    sizeof report);
            exit(1);
        }
        memcpy(&report, data, sizeof report); /* the bytes need not be aligned */
        int64_t expected = squares_up_to((k + 1) * RANGE) - squares_up_to(k * RANGE);
        if (report.sum != expected || strcmp(report.method, method) != 0) {
            fprintf(stderr,
                    "%s: child %d reported sum %" PRId64 " under '%s', expected %" PRId64
                    " under '%s'\n",
                    method, k, report.sum, report.method, expected, method);
            exit(1);
        }
        sums[k] = report.sum;
        mp_process_destroy(procs[k]);
    }

    printf("%s: %d processes ran under %s, sums of squares", method, NPROCESSES, method);
    for (int k = 0; k < NPROCESSES; k++)
        printf(" %" PRId64, sums[k]);
    printf(", start+join %.2f ms\n", elapsed_ms);
}

int main(int argc, char **argv)
{
    example_check(mp_init(&argc, &argv, tasks), "mp_init");

    const char *const *methods;
    size_t count;
    example_check(mp_get_all_start_methods(&methods, &count), "mp_get_all_start_methods");
    for (size_t i = 0; i < count; i++)
        run_under(methods[i]);
    return 0;
}
