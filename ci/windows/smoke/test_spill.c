/* Spill files (win32/spill.c) and flags (win32/flag.c), the two pieces a
 * queue needs from the backend, through the backend's own calls.
 *
 * Spill files: bytes written at offsets read back, across the 4 GiB line
 * (an OVERLAPPED's high offset word) and near the end of the span (2^40);
 * a read past what was written is MP_EBROKEN; a discarded range leaves the
 * bytes around it alone; the handle is not inheritable; the file lives in
 * the temporary directory exactly while a handle to it is open, the copy a
 * child would get (a duplicate) included.
 *
 * Flags: the sentinel is ready exactly while the flag is raised (level,
 * not edge: a wait does not take it), and raising it from another thread
 * wakes an mp_wait() that sleeps on it.
 *
 * Then both under a real queue: made, given a spilled message, waited on
 * through its sentinel (a watcher thread), emptied and destroyed, many
 * times, leave no handle behind (file, event, thread, mapping). */
#include <stdlib.h>
#include <string.h>

#include "smoke.h"

#include "mp_backend.h"
#include "win32_internal.h"

/* The test pattern's byte at `offset` + `i`: a function of the position
 * in the file alone (so any part of a message can be checked on its own),
 * with the high bits in it (so 4 GiB apart is not the same). */
static unsigned char pattern(uint64_t offset, size_t i)
{
    uint64_t pos = offset + i;
    return (unsigned char)(pos * 13 + (pos >> 16) * 31 + (pos >> 32) * 7 + 1);
}

/* Write `len` pattern bytes at `offset`. */
static bool put(mp__os_spill_t *spill, uint64_t offset, size_t len)
{
    unsigned char *buf = malloc(len);
    if (!CHECK(buf != NULL, "malloc"))
        return false;
    for (size_t i = 0; i < len; i++)
        buf[i] = pattern(offset, i);
    bool ok = CHECK_RC(mp__os_spill_write(spill, offset, buf, len), 0);
    free(buf);
    return ok;
}

/* Read `len` bytes at `offset` and compare them with the pattern. */
static bool check_at(mp__os_spill_t *spill, uint64_t offset, size_t len)
{
    unsigned char *buf = malloc(len);
    if (!CHECK(buf != NULL, "malloc"))
        return false;
    bool ok = CHECK_RC(mp__os_spill_read(spill, offset, buf, len), 0);
    for (size_t i = 0; ok && i < len; i++)
        ok = CHECK(buf[i] == pattern(offset, i), "offset %llu + %zu: byte %u, expected %u",
                   (unsigned long long)offset, i, buf[i], pattern(offset, i));
    free(buf);
    return ok;
}

static void test_spill_offsets(void)
{
    mp__os_spill_t *spill = NULL;
    if (!CHECK_RC(mp__os_spill_create(&spill), 0))
        return;
    /* Three places: the start, across 4 GiB, the last bytes of the span. */
    const uint64_t four_gib = (uint64_t)1 << 32;
    const struct {
        uint64_t offset;
        size_t len;
    } at[] = {
        {0, 3 * 1024 * 1024 + 5},
        {four_gib - 1000, 70000},
        {MP__SPILL_SPAN - 4096, 4096},
    };
    for (size_t i = 0; i < sizeof at / sizeof *at; i++)
        put(spill, at[i].offset, at[i].len);
    for (size_t i = 0; i < sizeof at / sizeof *at; i++)
        check_at(spill, at[i].offset, at[i].len);
    /* The file ends at the span: nothing more to read there. */
    char tail[4];
    CHECK_RC(mp__os_spill_read(spill, MP__SPILL_SPAN, tail, 1), MP_EBROKEN);
    CHECK_RC(mp__os_spill_read(spill, MP__SPILL_SPAN - 2, tail, sizeof tail), MP_EBROKEN);
    /* Discarding the middle of the first message (whole pages and ragged
     * ends) leaves its head and tail as they were; the others too. */
    mp__os_spill_discard(spill, 5000, 2 * 1024 * 1024);
    check_at(spill, 0, 5000);
    check_at(spill, 5000 + 2 * 1024 * 1024, 1024 * 1024 + 5 - 5000);
    check_at(spill, at[1].offset, at[1].len);
    /* A discarded range is rewritten as the ring goes round: it reads back. */
    put(spill, 8192, 65536);
    check_at(spill, 8192, 65536);
    mp__os_spill_free(spill);
    mp__os_spill_free(NULL);
}

/* Whether a file of that path exists now. */
static bool exists(const wchar_t *path)
{
    return GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES;
}

static void test_spill_lifetime(void)
{
    mp__os_spill_t *spill = NULL, *copy = NULL;
    if (!CHECK_RC(mp__os_spill_create(&spill), 0))
        return;
    HANDLE h = mp__win_handle(mp__os_spill_handle(spill));
    DWORD flags = 0;
    CHECK(GetHandleInformation(h, &flags) && !(flags & HANDLE_FLAG_INHERIT),
          "the spill file's handle is inheritable (flags %lu)", (unsigned long)flags);
    wchar_t path[MAX_PATH + 64];
    DWORD n = GetFinalPathNameByHandleW(h, path, MAX_PATH + 64, 0);
    if (!CHECK(n > 0 && n < MAX_PATH + 64, "GetFinalPathNameByHandleW: error %lu",
               (unsigned long)GetLastError()))
        goto out;
    CHECK(exists(path), "the spill file is not in the temporary directory");
    /* The duplicate a child would inherit: same file, same bytes. */
    HANDLE dup = NULL, self = GetCurrentProcess();
    if (!CHECK(DuplicateHandle(self, h, self, &dup, 0, FALSE, DUPLICATE_SAME_ACCESS),
               "DuplicateHandle") ||
        !CHECK_RC(mp__os_spill_from_handle(mp__win_sentinel(dup), &copy), 0))
        goto out;
    put(spill, 123, 100000);
    mp__os_spill_free(spill);
    spill = NULL;
    /* The producer is gone; the message is still there for the consumer. */
    check_at(copy, 123, 100000);
    CHECK(exists(path), "the spill file went with the first of its two handles");
    mp__os_spill_free(copy);
    copy = NULL;
    CHECK(!exists(path), "the spill file outlived its last handle");
out:
    mp__os_spill_free(spill);
    mp__os_spill_free(copy);
}

/* Whether the flag's sentinel is ready in an mp_wait() that polls. */
static bool ready(mp__os_flag_t *flag)
{
    mp_sentinel_t s = mp__os_flag_sentinel(flag);
    unsigned char r = 0;
    return mp_wait(&s, 1, 0, &r) == 1 && r;
}

static DWORD WINAPI raise_later(void *arg)
{
    Sleep(300);
    mp__os_flag_set(arg, true);
    return 0;
}

static void test_flag(void)
{
    mp__os_flag_t *flag = NULL;
    if (!CHECK_RC(mp__os_flag_create(&flag), 0))
        return;
    CHECK(!ready(flag), "a new flag is ready");
    mp__os_flag_set(flag, true);
    CHECK(ready(flag), "a raised flag is not ready");
    CHECK(ready(flag), "a wait took the raised flag's signal");
    mp__os_flag_set(flag, true); /* a no-op */
    CHECK(ready(flag), "raising twice lowered it");
    mp__os_flag_set(flag, false);
    CHECK(!ready(flag), "a lowered flag is ready");
    mp__os_flag_set(flag, false);
    CHECK(!ready(flag), "lowering twice raised it");
    /* Raised by another thread while this one sleeps on it. */
    HANDLE thread = CreateThread(NULL, 0, raise_later, flag, 0, NULL);
    if (CHECK(thread != NULL, "CreateThread")) {
        mp_sentinel_t s = mp__os_flag_sentinel(flag);
        unsigned char r = 0;
        CHECK(mp_wait(&s, 1, 30, &r) == 1 && r, "mp_wait did not see the flag raised");
        WaitForSingleObject(thread, INFINITE);
        CloseHandle(thread);
    }
    mp__os_flag_free(flag);
    mp__os_flag_free(NULL);
}

/* One queue's life: a spilled message (over a quarter of the ring), seen
 * through the sentinel, taken, and the handle destroyed with its watcher. */
static void queue_cycle(void)
{
    enum { RING = 64 * 1024, BIG = RING / 4 + 1000 };
    mp_queue_t *q = NULL;
    if (!CHECK_RC(mp_queue_create(&q, &(mp_queue_opts_t){.ring_size = RING}), 0))
        return;
    static unsigned char msg[BIG], got[BIG];
    mp_sentinel_t s;
    unsigned char r = 0;
    size_t len = 0;
    if (CHECK_RC(mp_queue_sentinel(q, &s), 0) &&
        CHECK(mp_wait(&s, 1, 0, &r) == 0, "an empty queue's sentinel is ready") &&
        CHECK_RC(mp_queue_put(q, msg, sizeof msg, 10), 0) &&
        CHECK(mp_wait(&s, 1, 30, &r) == 1, "the sentinel missed a put") &&
        CHECK_RC(mp_queue_get(q, got, sizeof got, &len, 0), 0)) {
        CHECK(len == sizeof msg, "got %zu bytes of %zu", len, sizeof msg);
        mp_queue_stats_t st;
        CHECK(mp_queue_stats(q, &st) == 0 && st.spilled == 1, "the message was not spilled");
    }
    mp_queue_destroy(q);
}

static void test_queue_handles(void)
{
    /* What may stay open after any number of queues: the futex code's
     * cache of semaphores for words it slept on (win32/futex.c's
     * CACHE_SLOTS; every queue has new words), and a few handles a process
     * makes once, the first time it needs them (one, measured: the count
     * settles at the cache plus one after about 140 queues). A handle that
     * each queue leaked would be 100 more. */
    enum { CYCLES = 100, FUTEX_CACHE = 64, ONCE = 4 };
    queue_cycle();
    unsigned long before = smoke_open_handles();
    for (int i = 0; i < CYCLES; i++)
        queue_cycle();
    unsigned long after = smoke_open_handles();
    CHECK(before > 0 && after <= before + FUTEX_CACHE + ONCE,
          "handles: %lu before, %lu after %d queues", before, after, CYCLES);
}

const smoke_test_t spill_tests[] = {
    {"spill_offsets", test_spill_offsets},
    {"spill_lifetime", test_spill_lifetime},
    {"flag", test_flag},
    {"queue_handles", test_queue_handles},
    {NULL, NULL},
};
