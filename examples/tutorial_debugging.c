/*
 * C twin of the tutorial's section 5, "Multiprocessing Debugging &
 * Profiling": see which processes are alive, and where a pool spends its
 * time.
 *
 *     print("Active Processes:", multiprocessing.active_children())
 *
 * It starts three children that wait for an Event, lists them the way
 * Python prints active_children() (pids vary from run to run), lets them
 * end, lists them again (an empty list), then turns the library's log on
 * (Python's multiprocessing.log_to_stderr(logging.DEBUG)) and squares 1..6
 * on an executor of two workers. stdout:
 *
 *     Active Processes: [<Process name='Process-1' pid=4242 parent=4241 started>, ...]
 *     Active Processes: []
 *     Squares: [1, 4, 9, 16, 25, 36]
 *
 * stderr, the log, one line per event, with time, pid, level and process:
 *
 *     [2026-12-07T19:44:37.123Z 4241 INFO/MainProcess] worker Process-4 (pid 4250) started in slot 0
 *     [2026-12-07T19:44:37.131Z 4241 DEBUG/MainProcess] task 'square' (3 args) queued 0.210 ms, ran 0.004 ms on worker pid 4250
 *     [2026-12-07T19:44:37.140Z 4241 INFO/MainProcess] executor shutting down (0 tasks pending)
 *     [2026-12-07T19:44:37.141Z 4250 INFO/Process-4] process shutting down
 *     ...
 *
 * The start method is the default one, or MP_START_METHOD's.
 */
#include "example_support.h"

enum { NCHILDREN = 3, NSQUARES = 6 };

/* A child: waits until the parent sets the Event it was given. */
static int wait_for_event(mp_task_t *task)
{
    mp_event_t *go;
    int rc = mp_task_event(task, 0, &go);
    return rc < 0 ? rc : mp_event_wait(go, MP_FOREVER);
}

/* A worker's task: n * n. */
static int square(mp_task_t *task)
{
    int64_t n;
    int rc = mp_task_arg_i64(task, &n);
    return rc < 0 ? rc : mp_task_return_i64(task, n * n);
}

static const mp_task_def_t tasks[] = {MP_TASK(wait_for_event), MP_TASK(square), MP_TASK_END};

/* Python's repr() of a started process, for the list. */
static void print_process(mp_process_t *p, const char *separator)
{
    mp_pid_t pid = 0;
    mp_process_info_t me;
    example_check(mp_process_pid(p, &pid), "mp_process_pid");
    example_check(mp_current_process(&me), "mp_current_process");
    printf("%s<Process name='%s' pid=%lld parent=%lld started>", separator, mp_process_name(p),
           (long long)pid, (long long)me.pid);
}

/* Names "Process-N" in the order they were created: N's order. */
static int by_name(const void *a, const void *b)
{
    const char *x = mp_process_name(*(mp_process_t *const *)a);
    const char *y = mp_process_name(*(mp_process_t *const *)b);
    size_t lx = strlen(x), ly = strlen(y);
    return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x, y);
}

/* print("Active Processes:", multiprocessing.active_children()) */
static void print_active_children(void)
{
    mp_process_t *live[16];
    size_t n = 0;
    example_check(mp_active_children(live, 16, &n), "mp_active_children");
    n = n < 16 ? n : 16;
    qsort(live, n, sizeof live[0], by_name);
    printf("Active Processes: [");
    for (size_t i = 0; i < n; i++)
        print_process(live[i], i ? ", " : "");
    printf("]\n");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    example_check(mp_init(&argc, &argv, tasks), "mp_init");

    mp_event_t *go;
    example_check(mp_event_create(&go, NULL), "mp_event_create");
    mp_process_t *children[NCHILDREN];
    for (int i = 0; i < NCHILDREN; i++) {
        example_check(mp_process_create(&children[i],
                                        &(mp_process_opts_t){
                                            .task = "wait_for_event",
                                            MP_OBJECTS(go),
                                        }),
                      "mp_process_create");
        example_check(mp_process_start(children[i]), "mp_process_start");
    }
    print_active_children();
    example_check(mp_event_set(go), "mp_event_set");
    for (int i = 0; i < NCHILDREN; i++) {
        example_join(children[i]);
        mp_process_destroy(children[i]);
    }
    print_active_children();
    mp_event_destroy(go);

    /* multiprocessing.log_to_stderr(logging.DEBUG): from here on every
     * worker start and exit, and each job's timing, is a line on stderr. */
    example_check(mp_log_to_stderr(MP_LOG_DEBUG), "mp_log_to_stderr");
    mp_executor_t *executor;
    example_check(mp_executor_create(&executor, &(mp_executor_opts_t){.max_workers = 2}),
                  "mp_executor_create");
    int64_t in[NSQUARES] = {1, 2, 3, 4, 5, 6}, out[NSQUARES];
    example_check(mp_executor_map_i64(executor, "square", in, out, NSQUARES, MP_FOREVER),
                  "mp_executor_map_i64");
    mp_executor_destroy(executor);
    printf("Squares: [");
    for (int i = 0; i < NSQUARES; i++)
        printf("%s%lld", i ? ", " : "", (long long)out[i]);
    printf("]\n");
    return 0;
}
