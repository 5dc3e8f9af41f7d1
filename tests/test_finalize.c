/* Suite "finalize": multiproc/finalize.h, checklist items 139 and 140.
 * Finalisers run at a child's exit in Python's order; one run by the
 * program runs once; registering while another thread runs them is safe;
 * and the library's after-fork state does not grow with fork depth. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "log_tasks.h"
#include "mp_finalize.h" /* mp__finalizers_run(), mp__afterfork_state_size(): test hooks */

/* Item 139: a child registers Python's test_finalize finalisers and exits;
 * the file they write says which ran, in which order. */
static void test_finalize_exit_order(void)
{
    char dir[512], path[600], text[256] = "";
    if (!make_temp_dir(dir, sizeof dir))
        return;
    snprintf(path, sizeof path, "%s/order.txt", dir);
    ctl_arg_t ctl = make_ctl(path, 0, 0);
    mp_process_t *p = run_process(&(mp_process_opts_t){.task = "task_finalize_order",
                                                       .context = method_context(),
                                                       .arg = &ctl,
                                                       .arg_len = sizeof ctl});
    if (p) {
        const char *message = "";
        mp_process_error(p, NULL, &message);
        EXPECT(exitcode_of(p) == 0, "the child failed: %s", message);
        read_text_file(path, text, sizeof text);
        EXPECT_STR(text, FINALIZE_EXPECTED);
    }
    dispose_process(p);
    remove_tree(dir);
}

static void count_call(void *arg)
{
    atomic_fetch_add((_Atomic int *)arg, 1);
}

/* Run, cancel and ask, each once and again; bad handles. */
static void test_finalize_run_once(void)
{
    _Atomic int calls = 0;
    mp_finalizer_t *f = NULL, *g = NULL;
    EXPECT_RC(mp_finalizer_register(&f, count_call, (void *)&calls, 5), 0);
    EXPECT_EQ(mp_finalizer_is_pending(f), 1);
    EXPECT_EQ(mp_finalizer_run(f), 1);
    EXPECT_EQ(mp_finalizer_run(f), 0);
    EXPECT_EQ(mp_finalizer_cancel(f), 0);
    EXPECT_EQ(mp_finalizer_is_pending(f), 0);
    EXPECT_EQ(atomic_load(&calls), 1);
    /* Not run at exit either: a pass over every priority skips it. */
    mp__finalizers_run(MP_FINALIZE_NO_PRIORITY);
    EXPECT_EQ(atomic_load(&calls), 1);

    EXPECT_RC(mp_finalizer_register(&g, count_call, (void *)&calls, MP_FINALIZE_NO_PRIORITY), 0);
    mp__finalizers_run(MP_FINALIZE_NO_PRIORITY); /* no priority: not an exit one */
    EXPECT_EQ(mp_finalizer_is_pending(g), 1);
    EXPECT_EQ(mp_finalizer_cancel(g), 1);
    EXPECT_EQ(mp_finalizer_run(g), 0);
    EXPECT_EQ(atomic_load(&calls), 1);

    EXPECT_RC(mp_finalizer_run(NULL), MP_EINVAL);
    EXPECT_RC(mp_finalizer_cancel((mp_finalizer_t *)&calls), MP_EINVAL);
    EXPECT_RC(mp_finalizer_is_pending(NULL), MP_EINVAL);
    EXPECT_RC(mp_finalizer_register(&g, NULL, NULL, 0), MP_EINVAL);
    /* Another kind's handle is not a finaliser. */
    mp_lock_t *lock = NULL;
    EXPECT_RC(mp_lock_create(&lock, NULL), 0);
    EXPECT_RC(mp_finalizer_run((mp_finalizer_t *)lock), MP_EINVAL);
    mp_lock_destroy(lock);
    EXPECT_RC(mp_finalizer_run((mp_finalizer_t *)lock), MP_EINVAL);
}

/* Python's test_thread_safety: threads register finalisers (and run some
 * of their own) while another thread runs the exit passes again and
 * again; every finaliser runs exactly once. */
enum { REGISTRARS = 4, PER_THREAD = 300 };
static _Atomic int runs[REGISTRARS][PER_THREAD];
static _Atomic bool registering;

static void *registrar(void *arg)
{
    int t = (int)(intptr_t)arg;
    for (int i = 0; i < PER_THREAD; i++) {
        mp_finalizer_t *f;
        if (mp_finalizer_register(&f, count_call, (void *)&runs[t][i], i % 7 - 3) < 0)
            continue;
        if (i % 5 == 0) /* one in five is run by the program, maybe after an exit pass did */
            mp_finalizer_run(f);
    }
    return NULL;
}

static void *exit_passes(void *arg)
{
    (void)arg;
    while (atomic_load(&registering))
        mp__finalizers_run(MP_FINALIZE_NO_PRIORITY);
    return NULL;
}

static void test_finalize_thread_safety(void)
{
    memset(runs, 0, sizeof runs);
    atomic_store(&registering, true);
    pthread_t runner, threads[REGISTRARS];
    pthread_create(&runner, NULL, exit_passes, NULL);
    for (int t = 0; t < REGISTRARS; t++)
        pthread_create(&threads[t], NULL, registrar, (void *)(intptr_t)t);
    for (int t = 0; t < REGISTRARS; t++)
        pthread_join(threads[t], NULL);
    atomic_store(&registering, false);
    pthread_join(runner, NULL);
    mp__finalizers_run(MP_FINALIZE_NO_PRIORITY);
    int wrong = 0;
    for (int t = 0; t < REGISTRARS; t++)
        for (int i = 0; i < PER_THREAD; i++)
            wrong += atomic_load(&runs[t][i]) != 1;
    EXPECT(wrong == 0, "%d finalisers did not run exactly once", wrong);
}

/* Item 140: five nested generations of fork children, each registering a
 * finaliser: the deepest has no more after-fork state than we have. */
static void test_finalize_fork_depth(void)
{
    mp_finalizer_t *mine = NULL;
    EXPECT_RC(mp_finalizer_register(&mine, count_call, NULL, MP_FINALIZE_NO_PRIORITY), 0);
    size_t here = mp__afterfork_state_size();
    ctl_arg_t ctl = make_ctl(NULL, 5, 0);
    mp_process_t *p = run_process(&(mp_process_opts_t){.task = "task_finalize_fork_depth",
                                                       .context = method_context(),
                                                       .arg = &ctl,
                                                       .arg_len = sizeof ctl});
    int64_t deepest = -1;
    if (p && exitcode_of(p) == 0 && result_of(p, &deepest, sizeof deepest))
        EXPECT(deepest >= 0 && (size_t)deepest <= here,
               "after 5 generations the after-fork state is %lld, here %zu", (long long)deepest,
               here);
    dispose_process(p);
    mp_finalizer_cancel(mine);
}

static const test_case_t tests[] = {
    {"finalize_exit_order", test_finalize_exit_order, ON_ALL},
    {"finalize_run_once", test_finalize_run_once, ON_ALL},
    {"finalize_thread_safety", test_finalize_thread_safety, ON_ALL},
    {"finalize_fork_depth", test_finalize_fork_depth, ON_FORK},
    {NULL, NULL, 0},
};

const test_suite_t suite_finalize = {"finalize", true, tests};
