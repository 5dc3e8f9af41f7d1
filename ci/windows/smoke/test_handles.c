/* What is particular to Windows: waiting on more handles than
 * WaitForMultipleObjects takes, handles a child must not inherit, the job
 * that ends exit_with_parent children with their parent, the CPU count. */
#include <stdlib.h>

#include "smoke.h"

/* 150 sentinels (distinct handles to two children): mp_wait blocks across
 * three groups until the short child ends, and marks exactly its copies. */
static void test_wait_many_handles(void)
{
    enum { N = 150 };
    mp_process_t *slow = smoke_start(&(mp_process_opts_t){.task = "task_sleep", MP_ARG_DOUBLE(30)});
    mp_process_t *fast = smoke_start(
        &(mp_process_opts_t){.task = "task_sleep", MP_ARG_DOUBLE(0.5)});
    mp_sentinel_t s[N], orig[2];
    unsigned char ready[N];
    if (!slow || !fast || !CHECK_RC(mp_process_sentinel(slow, &orig[0]), 0) ||
        !CHECK_RC(mp_process_sentinel(fast, &orig[1]), 0))
        goto out;
    HANDLE self = GetCurrentProcess();
    for (int i = 0; i < N; i++) {
        HANDLE h = NULL;
        /* The fast child's copies at the end: in the last group. */
        DuplicateHandle(self, (HANDLE)orig[i >= N - 5], self, &h, 0, FALSE, DUPLICATE_SAME_ACCESS);
        s[i] = (mp_sentinel_t)h;
    }
    double t0 = smoke_now();
    CHECK(mp_wait(s, N, 0.1, ready) == 0, "nothing ready after 0.1 s");
    int n = mp_wait(s, N, 30, ready);
    double took = smoke_now() - t0;
    CHECK(n == 5, "ready: %d, expected the fast child's 5 copies", n);
    for (int i = 0; i < N; i++)
        CHECK(ready[i] == (i >= N - 5), "ready[%d] = %d", i, ready[i]);
    CHECK(took > 0.3 && took < 10, "waited %.2f s", took);
    /* The same list with a repeated handle: duplicates are reported each. */
    mp_sentinel_t twice[3] = {orig[1], orig[0], orig[1]};
    CHECK(mp_wait(twice, 3, 1, ready) == 2 && ready[0] && !ready[1] && ready[2], "duplicates");
    for (int i = 0; i < N; i++)
        CloseHandle((HANDLE)s[i]);
    /* A handle that is not open is an error, not a crash. */
    mp_sentinel_t bad[3] = {(mp_sentinel_t)(intptr_t)0x7ffffff0, -1, 0};
    for (int i = 0; i < 3; i++)
        CHECK_RC(mp_wait(&bad[i], 1, 0, ready), MP_ESYS);
    mp_process_kill(slow);
    smoke_join(fast);
    smoke_join(slow);
out:
    mp_process_destroy(slow);
    mp_process_destroy(fast);
}

/* An inheritable handle of the parent's that was not given to the child
 * does not reach it (PROC_THREAD_ATTRIBUTE_HANDLE_LIST at work). */
static void test_no_stray_handles(void)
{
    SECURITY_ATTRIBUTES sa = {.nLength = sizeof sa, .bInheritHandle = TRUE};
    HANDLE decoy = CreateEventW(&sa, TRUE, FALSE, NULL);
    if (!CHECK(decoy != NULL, "CreateEventW"))
        return;
    mp_process_t *p = smoke_start(
        &(mp_process_opts_t){.task = "task_no_stray_handle", MP_ARG_I64((int64_t)(intptr_t)decoy)});
    CHECK(smoke_join(p) == 0, "the child inherited a handle it was not given");
    mp_process_destroy(p);
    CloseHandle(decoy);
}

static bool process_gone(DWORD pid, double timeout)
{
    HANDLE h = OpenProcess(SYNCHRONIZE, FALSE, pid);
    if (!h)
        return true;
    bool gone = WaitForSingleObject(h, (DWORD)(timeout * 1000)) == WAIT_OBJECT_0;
    CloseHandle(h);
    return gone;
}

static void kill_pid(DWORD pid)
{
    HANDLE h = OpenProcess(PROCESS_TERMINATE, FALSE, pid);
    if (h) {
        TerminateProcess(h, 1);
        CloseHandle(h);
    }
}

/* A child with an exit_with_parent grandchild and a plain one is killed:
 * the first grandchild ends with it (the job), the second lives on (a
 * non-daemon child outlives a parent that is killed, as on POSIX). */
static void test_exit_with_parent(void)
{
    mp_value_t *pids = NULL;
    if (!CHECK_RC(
            mp_value_create(&pids, &(mp_value_opts_t){.type = MP_INT64, .length = 2, .raw = true}),
            0))
        return;
    mp_process_t *p = smoke_start(
        &(mp_process_opts_t){.task = "task_two_grandchildren", MP_OBJECTS(pids)});
    int64_t bound = 0, free_one = 0;
    for (double t0 = smoke_now(); p && smoke_now() - t0 < 30 && !(bound && free_one);) {
        Sleep(20);
        mp_value_get_i64(pids, 0, &bound);
        mp_value_get_i64(pids, 1, &free_one);
    }
    if (CHECK(bound && free_one, "no grandchild pids")) {
        CHECK(!process_gone((DWORD)bound, 0) && !process_gone((DWORD)free_one, 0),
              "grandchildren run");
        CHECK_RC(mp_process_kill(p), 0);
        CHECK(smoke_join(p) == -15, "killed");
        CHECK(process_gone((DWORD)bound, 10), "exit_with_parent grandchild outlived its parent");
        CHECK(!process_gone((DWORD)free_one, 0.5), "the plain grandchild died with its parent");
    }
    if (free_one)
        kill_pid((DWORD)free_one);
    if (bound)
        kill_pid((DWORD)bound);
    mp_process_destroy(p);
    mp_value_destroy(pids);
}

static void test_cpu_count(void)
{
    int n = mp_cpu_count();
    DWORD all = GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
    CHECK(n >= 1 && (DWORD)n <= all, "mp_cpu_count %d, active processors %lu", n,
          (unsigned long)all);
}

const smoke_test_t handle_tests[] = {
    {"wait_many_handles", test_wait_many_handles},
    {"no_stray_handles", test_no_stray_handles},
    {"exit_with_parent", test_exit_with_parent},
    {"cpu_count", test_cpu_count},
    {NULL, NULL},
};
