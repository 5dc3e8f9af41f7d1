/* Pipes and connections on named pipes in message mode (win32/conn.c):
 * messages both ways and of every size class, timeouts, the sentinel (a
 * zero-byte overlapped read) before and after reads, end-of-file, 16 MiB
 * messages, receives that time out in the middle of a message, ends given
 * to a child, and no handle left behind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smoke.h"

/* The backend's own calls, for the byte-stream test below (the static
 * library exports them; the public API frames messages over them). */
#include "mp_backend.h"

/* Byte i of message `seed`: position and message both show. */
int smoke_conn_write(struct mp__os_conn *c, const void *data, size_t len)
{
    size_t sent = 0;
    return mp__os_conn_send(c, &(mp__os_piece_t){data, len}, 1, MP_FOREVER, &sent);
}

static unsigned char msg_byte(size_t i, unsigned seed)
{
    return (unsigned char)(i * 131 + (i >> 8) * 7 + seed * 17 + 1);
}

static unsigned char *make_msg(size_t n, unsigned seed)
{
    unsigned char *m = malloc(n ? n : 1);
    for (size_t i = 0; m && i < n; i++)
        m[i] = msg_byte(i, seed);
    return m;
}

/* Whether `m` is message `seed` of `n` bytes; says where it differs. */
static bool msg_ok(const unsigned char *m, size_t got, size_t n, unsigned seed)
{
    if (!CHECK(got == n, "message %u: %lu bytes, expected %lu", seed, (unsigned long)got,
               (unsigned long)n))
        return false;
    for (size_t i = 0; i < n; i++)
        if (m[i] != msg_byte(i, seed))
            return CHECK(false, "message %u differs at byte %lu", seed, (unsigned long)i);
    return true;
}

/* Whether mp_wait() sees the sentinel ready within `timeout`. */
static int ready_within(mp_sentinel_t s, double timeout)
{
    unsigned char ready = 0;
    int n = mp_wait(&s, 1, timeout, &ready);
    return n < 0 ? n : ready;
}

/* ---- a sender on a thread (one thread per end) ------------------------ */

typedef struct sender {
    mp_connection_t *c;
    size_t len;
    unsigned seed;
    DWORD delay_ms; /* before sending */
    int rc;
    HANDLE thread;
} sender_t;

static DWORD WINAPI sender_main(LPVOID arg)
{
    sender_t *s = arg;
    if (s->delay_ms)
        Sleep(s->delay_ms);
    unsigned char *m = make_msg(s->len, s->seed);
    s->rc = m ? mp_connection_send(s->c, m, s->len, MP_FOREVER) : MP_ENOMEM;
    free(m);
    return 0;
}

static void sender_start(sender_t *s)
{
    s->rc = 1;
    s->thread = CreateThread(NULL, 0, sender_main, s, 0, NULL);
    CHECK(s->thread != NULL, "CreateThread");
}

/* The sender's return code (1: it is still blocked after `timeout_ms`). */
static int sender_join(sender_t *s, DWORD timeout_ms)
{
    if (!s->thread)
        return MP_ESYS;
    if (WaitForSingleObject(s->thread, timeout_ms) != WAIT_OBJECT_0)
        return 1;
    CloseHandle(s->thread);
    s->thread = NULL;
    return s->rc;
}

/* ---- the tests --------------------------------------------------------- */

/* Both ways on a duplex pipe, sizes around the header and the core's
 * coalescing limit (all within the pipe's buffer: one thread); a buffer
 * too small keeps the message; a one-way pipe's ends go one way. */
static void test_pipe_roundtrip(void)
{
    static const size_t sizes[] = {0, 1, 7, 8, 9, 4095, 4096, 4097, 20000, 60000};
    mp_connection_t *a = NULL, *b = NULL;
    if (!CHECK_RC(mp_pipe_create(&a, &b, NULL), 0))
        return;
    for (unsigned i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        unsigned char *m = make_msg(sizes[i], i);
        void *got = NULL;
        size_t len = 0;
        CHECK_RC(mp_connection_send(a, m, sizes[i], MP_FOREVER), 0);
        if (CHECK_RC(mp_connection_recv_alloc(b, &got, &len, 5), 0))
            msg_ok(got, len, sizes[i], i);
        mp_free(got);
        unsigned char buf[60000];
        CHECK_RC(mp_connection_send(b, m, sizes[i], MP_FOREVER), 0);
        if (CHECK_RC(mp_connection_recv(a, buf, sizeof buf, &len, 5), 0))
            msg_ok(buf, len, sizes[i], i);
        free(m);
    }
    /* Several queued messages arrive whole and in order. */
    for (unsigned i = 0; i < 5; i++) {
        unsigned char *m = make_msg(1000 + i, 100 + i);
        CHECK_RC(mp_connection_send(a, m, 1000 + i, MP_FOREVER), 0);
        free(m);
    }
    for (unsigned i = 0; i < 5; i++) {
        unsigned char buf[2000];
        size_t len = 0;
        if (i == 2 && CHECK_RC(mp_connection_recv(b, buf, 10, &len, 5), MP_ETOOSMALL))
            CHECK(len == 1002, "needed %lu", (unsigned long)len); /* refused, and kept */
        if (CHECK_RC(mp_connection_recv(b, buf, sizeof buf, &len, 5), 0))
            msg_ok(buf, len, 1000 + i, 100 + i);
    }
    mp_connection_destroy(a);
    mp_connection_destroy(b);

    mp_connection_t *r = NULL, *w = NULL;
    if (!CHECK_RC(mp_pipe_create(&r, &w, &(mp_pipe_opts_t){.one_way = true}), 0))
        return;
    CHECK(mp_connection_is_readable(r) == 1 && mp_connection_is_writable(r) == 0, "reader's ways");
    CHECK(mp_connection_is_readable(w) == 0 && mp_connection_is_writable(w) == 1, "writer's ways");
    size_t len = 0;
    char buf[16];
    CHECK_RC(mp_connection_send(r, "x", 1, MP_FOREVER), MP_ESTATE);
    CHECK_RC(mp_connection_recv(w, buf, sizeof buf, &len, 0), MP_ESTATE);
    CHECK_RC(mp_connection_send(w, "one way", 7, MP_FOREVER), 0);
    if (CHECK_RC(mp_connection_recv(r, buf, sizeof buf, &len, 5), 0))
        CHECK(len == 7 && memcmp(buf, "one way", 7) == 0, "one-way message");
    mp_connection_destroy(r);
    mp_connection_destroy(w);
}

/* Receives and polls time out on time; the sentinel is ready while a
 * message waits and not once the receives have taken everything (the
 * probe is re-armed after each read). */
static void test_pipe_timeouts(void)
{
    mp_connection_t *a = NULL, *b = NULL;
    if (!CHECK_RC(mp_pipe_create(&a, &b, NULL), 0))
        return;
    char buf[64];
    size_t len = 0;
    double t0 = smoke_now();
    CHECK_RC(mp_connection_recv(b, buf, sizeof buf, &len, 0), MP_ETIMEDOUT);
    CHECK_RC(mp_connection_recv(b, buf, sizeof buf, &len, -1), MP_EINVAL); /* negative: refused */
    CHECK(smoke_now() - t0 < 0.5, "polls took %.3f s", smoke_now() - t0);
    t0 = smoke_now();
    CHECK_RC(mp_connection_recv(b, buf, sizeof buf, &len, 0.3), MP_ETIMEDOUT);
    double took = smoke_now() - t0;
    CHECK(took >= 0.29 && took < 3, "a 0.3 s receive took %.3f s", took);
    CHECK(mp_connection_poll(b, 0) == 0, "poll: nothing there");
    t0 = smoke_now();
    CHECK(mp_connection_poll(b, 0.2) == 0, "poll(0.2): nothing there");
    took = smoke_now() - t0;
    CHECK(took >= 0.19 && took < 3, "a 0.2 s poll took %.3f s", took);

    mp_sentinel_t s = 0;
    if (!CHECK_RC(mp_connection_sentinel(b, &s), 0))
        goto out;
    CHECK(ready_within(s, 0.1) == 0, "sentinel ready on an empty pipe");
    CHECK_RC(mp_connection_send(a, "x", 1, MP_FOREVER), 0);
    CHECK(ready_within(s, 5) == 1, "sentinel not ready with a message there");
    CHECK(ready_within(s, 0) == 1, "sentinel: still ready before the receive");
    CHECK(mp_connection_poll(b, 0) == 1, "poll: a message is there");
    if (CHECK_RC(mp_connection_recv(b, buf, sizeof buf, &len, 5), 0))
        CHECK(len == 1 && buf[0] == 'x', "message x");
    /* Read everything: the same sentinel handle must be reset now, without
     * another mp_connection_sentinel() call. */
    CHECK(ready_within(s, 0) == 0, "sentinel still ready after the message was taken");
    CHECK(mp_connection_poll(b, 0) == 0, "poll after the message was taken");
    CHECK(ready_within(s, 0) == 0, "sentinel ready after a poll on an empty pipe");

    /* Two messages: ready after the first is taken, not after the second. */
    CHECK_RC(mp_connection_send(a, "one", 3, MP_FOREVER), 0);
    CHECK_RC(mp_connection_send(a, "two", 3, MP_FOREVER), 0);
    CHECK(ready_within(s, 5) == 1, "two messages");
    CHECK_RC(mp_connection_recv(b, buf, sizeof buf, &len, 5), 0);
    CHECK(ready_within(s, 0) == 1, "one message left");
    CHECK_RC(mp_connection_recv(b, buf, sizeof buf, &len, 5), 0);
    CHECK(len == 3 && memcmp(buf, "two", 3) == 0, "second message");
    CHECK(ready_within(s, 0) == 0, "none left");

    /* A message that comes later wakes a wait, a poll and a receive. */
    sender_t late = {.c = a, .len = 10, .seed = 7, .delay_ms = 300};
    sender_start(&late);
    t0 = smoke_now();
    CHECK(ready_within(s, 10) == 1, "a late message");
    took = smoke_now() - t0;
    CHECK(took > 0.2 && took < 5, "woke after %.3f s", took);
    CHECK_RC(sender_join(&late, 10000), 0);
    if (CHECK_RC(mp_connection_recv(b, buf, sizeof buf, &len, 5), 0))
        msg_ok((unsigned char *)buf, len, 10, 7);
    late.delay_ms = 200;
    sender_start(&late);
    CHECK(mp_connection_poll(b, 10) == 1, "poll: a late message");
    CHECK_RC(sender_join(&late, 10000), 0);
    CHECK_RC(mp_connection_recv(b, buf, sizeof buf, &len, 0), 0);
    sender_start(&late);
    t0 = smoke_now();
    if (CHECK_RC(mp_connection_recv(b, buf, sizeof buf, &len, 10), 0))
        msg_ok((unsigned char *)buf, len, 10, 7);
    CHECK(smoke_now() - t0 > 0.1, "the receive waited");
    CHECK_RC(sender_join(&late, 10000), 0);
    CHECK(ready_within(s, 0) == 0, "empty again");
out:
    mp_connection_destroy(a);
    mp_connection_destroy(b);
}

/* The peer's close: what was sent still arrives, then MP_EEOF, with the
 * sentinel ready; a write to a closed peer is MP_EEOF, also when it was
 * already blocked; an end closes with its probe pending. */
static void test_pipe_eof(void)
{
    mp_connection_t *a = NULL, *b = NULL;
    if (!CHECK_RC(mp_pipe_create(&a, &b, NULL), 0))
        return;
    mp_sentinel_t s = 0;
    CHECK_RC(mp_connection_sentinel(b, &s), 0); /* a probe pending through it all */
    CHECK_RC(mp_connection_send(a, "one", 3, MP_FOREVER), 0);
    CHECK_RC(mp_connection_send(a, "two", 3, MP_FOREVER), 0);
    CHECK_RC(mp_connection_close(a), 0);
    char buf[16];
    size_t len = 0;
    CHECK(mp_connection_poll(b, 0) == 1, "poll: messages then end-of-file");
    CHECK_RC(mp_connection_recv(b, buf, sizeof buf, &len, 5), 0);
    CHECK(len == 3 && memcmp(buf, "one", 3) == 0, "first message");
    CHECK_RC(mp_connection_recv(b, buf, sizeof buf, &len, 5), 0);
    CHECK(len == 3 && memcmp(buf, "two", 3) == 0, "second message");
    CHECK(ready_within(s, 0) == 1, "sentinel at end-of-file");
    CHECK_RC(mp_connection_recv(b, buf, sizeof buf, &len, 5), MP_EEOF);
    CHECK_RC(mp_connection_recv(b, buf, sizeof buf, &len, 5), MP_EEOF);
    CHECK(mp_connection_poll(b, 0) == 1, "poll at end-of-file");
    CHECK(ready_within(s, 0) == 1, "sentinel stays ready at end-of-file");
    CHECK_RC(mp_connection_send(b, "x", 1, MP_FOREVER), MP_EEOF);
    CHECK_RC(mp_connection_send(a, "x", 1, MP_FOREVER), MP_ECLOSED);
    mp_connection_destroy(a);
    mp_connection_destroy(b);

    /* One-way: the reader waits on its sentinel, the writer goes away. */
    mp_connection_t *r = NULL, *w = NULL;
    if (!CHECK_RC(mp_pipe_create(&r, &w, &(mp_pipe_opts_t){.one_way = true}), 0))
        return;
    if (CHECK_RC(mp_connection_sentinel(r, &s), 0)) {
        CHECK(ready_within(s, 0.05) == 0, "nothing yet");
        mp_connection_destroy(w);
        w = NULL;
        CHECK(ready_within(s, 5) == 1, "writer closed: sentinel ready");
        CHECK_RC(mp_connection_recv(r, buf, sizeof buf, &len, 5), MP_EEOF);
    }
    mp_connection_destroy(r);

    /* The reader goes away: a write is MP_EEOF, a blocked one too. */
    if (!CHECK_RC(mp_pipe_create(&r, &w, &(mp_pipe_opts_t){.one_way = true}), 0))
        return;
    sender_t big = {.c = w, .len = 4 << 20, .seed = 1};
    sender_start(&big);
    CHECK(sender_join(&big, 300) == 1, "a 4 MiB send blocks while nobody reads");
    mp_connection_destroy(r);
    CHECK_RC(sender_join(&big, 10000), MP_EEOF);
    CHECK_RC(mp_connection_send(w, "x", 1, MP_FOREVER), MP_EEOF);
    mp_connection_destroy(w);

    /* Destroying ends with probes pending (theirs and the peer's). */
    for (int i = 0; i < 3; i++) {
        if (!CHECK_RC(mp_pipe_create(&a, &b, NULL), 0))
            return;
        mp_sentinel_t sa, sb;
        CHECK_RC(mp_connection_sentinel(a, &sa), 0);
        CHECK_RC(mp_connection_sentinel(b, &sb), 0);
        if (i == 1)
            CHECK_RC(mp_connection_send(a, "left unread", 11, MP_FOREVER), 0);
        mp_connection_destroy(i == 2 ? b : a);
        mp_connection_destroy(i == 2 ? a : b);
    }
}

/* 16 MiB messages, far beyond the pipe's buffer: whole, then received in
 * receives of a few milliseconds each that time out in the middle of the
 * message again and again, losing nothing. */
static void test_pipe_big(void)
{
    enum { BIG = 16 << 20 };
    mp_connection_t *a = NULL, *b = NULL;
    if (!CHECK_RC(mp_pipe_create(&a, &b, NULL), 0))
        return;
    sender_t s = {.c = a, .len = BIG, .seed = 3};
    sender_start(&s);
    void *got = NULL;
    size_t len = 0;
    double t0 = smoke_now();
    if (CHECK_RC(mp_connection_recv_alloc(b, &got, &len, 60), 0))
        msg_ok(got, len, BIG, 3);
    printf("    16 MiB in %.3f s\n", smoke_now() - t0);
    mp_free(got);
    CHECK_RC(sender_join(&s, 30000), 0);

    /* The other way, received in slices that time out. */
    s = (sender_t){.c = b, .len = BIG, .seed = 4};
    sender_start(&s);
    unsigned char *buf = malloc(BIG);
    int timeouts = 0, rc = MP_ETIMEDOUT;
    t0 = smoke_now();
    while (buf && rc == MP_ETIMEDOUT && smoke_now() - t0 < 60) {
        rc = mp_connection_recv(a, buf, BIG, &len, timeouts % 3 == 0 ? 0 : 0.002);
        timeouts += rc == MP_ETIMEDOUT;
    }
    if (CHECK_RC(rc, 0))
        msg_ok(buf, len, BIG, 4);
    printf("    16 MiB in %.3f s through %d timed-out receives\n", smoke_now() - t0, timeouts);
    CHECK(timeouts > 0, "no receive timed out: the test proved nothing");
    CHECK_RC(sender_join(&s, 30000), 0);
    free(buf);
    /* And a message behind it is intact. */
    CHECK_RC(mp_connection_send(b, "after", 5, MP_FOREVER), 0);
    char small[8];
    if (CHECK_RC(mp_connection_recv(a, small, sizeof small, &len, 5), 0))
        CHECK(len == 5 && memcmp(small, "after", 5) == 0, "the message after");
    mp_connection_destroy(a);
    mp_connection_destroy(b);
}

/* Ends given to children: an echo over a duplex end (16 MiB included),
 * end-of-file in the child when the parent closes, in the parent once the
 * child has ended; a one-way writer in a child, waited on together with
 * the child's process sentinel. */
static void test_pipe_child(void)
{
    static const size_t sizes[] = {0, 5, 5000, 16 << 20};
    mp_connection_t *a = NULL, *b = NULL;
    if (!CHECK_RC(mp_pipe_create(&a, &b, NULL), 0))
        return;
    mp_process_t *p = smoke_start(&(mp_process_opts_t){.task = "task_conn_echo", MP_OBJECTS(b)});
    /* The child has its copy: ours goes, so our end sees end-of-file once
     * the child's is closed. */
    CHECK_RC(mp_connection_close(b), 0);
    mp_sentinel_t s[2] = {0, 0};
    unsigned char ready[2];
    if (p && CHECK_RC(mp_process_sentinel(p, &s[0]), 0) &&
        CHECK_RC(mp_connection_sentinel(a, &s[1]), 0))
        CHECK(mp_wait(s, 2, 0.2, ready) == 0, "nothing ready before the first message");
    for (unsigned i = 0; p && i < sizeof sizes / sizeof *sizes; i++) {
        unsigned char *m = make_msg(sizes[i], 20 + i);
        CHECK_RC(mp_connection_send(a, m, sizes[i], MP_FOREVER), 0);
        free(m);
        void *got = NULL;
        size_t len = 0;
        if (CHECK_RC(mp_connection_recv_alloc(a, &got, &len, 60), 0))
            msg_ok(got, len, sizes[i], 20 + i);
        mp_free(got);
    }
    CHECK(mp_connection_poll(a, 0) == 0, "nothing more from the child");
    CHECK_RC(mp_connection_close(a), 0); /* the child's receive: MP_EEOF */
    CHECK(smoke_join(p) == 4, "the child echoed 4 messages");
    mp_process_destroy(p);
    mp_connection_destroy(a);
    mp_connection_destroy(b);

    /* A one-way writer in a child: messages, then end-of-file when it ends. */
    mp_connection_t *r = NULL, *w = NULL;
    if (!CHECK_RC(mp_pipe_create(&r, &w, &(mp_pipe_opts_t){.one_way = true}), 0))
        return;
    p = smoke_start(
        &(mp_process_opts_t){.task = "task_conn_late_writer", MP_ARG_I64(3), MP_OBJECTS(w)});
    mp_connection_destroy(w);
    if (p && CHECK_RC(mp_process_sentinel(p, &s[0]), 0) &&
        CHECK_RC(mp_connection_sentinel(r, &s[1]), 0)) {
        double t0 = smoke_now();
        int n = mp_wait(s, 2, 30, ready);
        /* The connection's sentinel wakes the wait; on a busy machine the
         * child may have ended too by the time the wait looks. */
        CHECK(n >= 1 && ready[1], "the message wakes the wait (n %d, %d %d)", n, ready[0],
              ready[1]);
        CHECK(smoke_now() - t0 > 0.1, "the child sends after 0.3 s");
        for (unsigned i = 0; i < 3; i++) {
            unsigned char buf[256];
            size_t len = 0;
            if (CHECK_RC(mp_connection_recv(r, buf, sizeof buf, &len, 30), 0))
                msg_ok(buf, len, 100 + i, 40 + i);
        }
        CHECK(smoke_join(p) == 0, "writer child");
        CHECK(mp_wait(s, 2, 5, ready) == 2, "process ended and end-of-file");
        size_t len = 0;
        char buf[4];
        CHECK_RC(mp_connection_recv(r, buf, sizeof buf, &len, 5), MP_EEOF);
    }
    mp_process_destroy(p);
    mp_connection_destroy(r);
}

/* Many pipes, with sentinels armed and messages left unread: no handle
 * (pipe, event) is left behind, and none is inheritable. */
static void test_pipe_handles(void)
{
    /* One pipe first: what a process sets up once, on first use (the
     * thread-local error detail a destroy saves and restores, which
     * mingw's emulated TLS builds on winpthreads' objects), is no leak. */
    mp_connection_t *warm_a = NULL, *warm_b = NULL;
    if (CHECK_RC(mp_pipe_create(&warm_a, &warm_b, NULL), 0)) {
        CHECK_RC(mp_connection_send(warm_b, "warm", 4, MP_FOREVER), 0);
        mp_connection_destroy(warm_a);
        mp_connection_destroy(warm_b);
    }
    unsigned long before = smoke_open_handles();
    for (int i = 0; i < 200; i++) {
        mp_connection_t *a = NULL, *b = NULL;
        if (!CHECK_RC(mp_pipe_create(&a, &b, &(mp_pipe_opts_t){.one_way = i % 2 == 1}), 0))
            break;
        mp_sentinel_t s;
        if (CHECK_RC(mp_connection_sentinel(a, &s), 0) && i == 0) {
            DWORD flags = 0;
            CHECK(GetHandleInformation((HANDLE)(intptr_t)s, &flags) &&
                      !(flags & HANDLE_FLAG_INHERIT),
                  "the sentinel is inheritable");
            unsigned long now = smoke_open_handles(); /* 2 pipe ends, 2 I/O events, 1 sentinel */
            CHECK(now == before + 5, "a pipe with a sentinel: %lu handles, not 5", now - before);
        }
        CHECK_RC(mp_connection_send(b, "unread", 6, MP_FOREVER), 0);
        if (i % 3 == 0)
            CHECK(mp_connection_poll(a, 0) == 1, "poll");
        mp_connection_destroy(a);
        mp_connection_destroy(b);
    }
    unsigned long after = smoke_open_handles();
    CHECK(before > 0 && after == before, "handles: %lu before, %lu after 200 pipes", before, after);
}

/* ---- the backend's byte stream under the core ----------------------- */

/* Byte k of the stream the writer thread sends. */
static unsigned char stream_byte(uint64_t k)
{
    return (unsigned char)(k * 2654435761u >> 13);
}

typedef struct stream_writer {
    mp__os_conn_t *c;
    uint64_t total; /* out: bytes written */
    int rc;
} stream_writer_t;

/* Writes the stream in writes of 1..3000 bytes (each a message on the
 * pipe), pausing often, 2 MB in all, then closes its end. */
static DWORD WINAPI stream_writer_main(LPVOID arg)
{
    stream_writer_t *w = arg;
    static unsigned char buf[3000];
    uint32_t x = 12345;
    w->rc = 0;
    for (int i = 0; w->rc == 0 && w->total < 2000000; i++) {
        x = x * 1103515245u + 12345u;
        size_t n = 1 + (x >> 8) % sizeof buf;
        for (size_t j = 0; j < n; j++)
            buf[j] = stream_byte(w->total + j);
        w->rc = smoke_conn_write(w->c, buf, n);
        w->total += w->rc == 0 ? n : 0;
        if (i % 3 == 0)
            Sleep(1); /* the reader's short deadlines pass meanwhile */
        else
            Sleep(0);
    }
    mp__os_conn_free(w->c);
    return 0;
}

/* mp__os_conn_read() itself: a read shorter than a message takes part of
 * it (the rest comes next), a poll issues no I/O, and reads with deadlines
 * of 0 to 1 ms, cancelled again and again while messages arrive and the
 * probe comes and goes, lose no byte and invent none; then end-of-file. */
static void test_pipe_stream(void)
{
    mp__os_conn_t *a = NULL, *b = NULL;
    if (!CHECK_RC(mp__os_conn_pair(true, &a, &b), 0))
        return;
    unsigned char buf[5000];
    size_t got = 0;
    CHECK_RC(smoke_conn_write(b, "0123456789", 10), 0);
    if (CHECK_RC(mp__os_conn_read(a, buf, 4, &got, mp__os_now() + 5), 0))
        CHECK(got == 4 && memcmp(buf, "0123", 4) == 0, "part of a message: %lu bytes",
              (unsigned long)got);
    if (CHECK_RC(mp__os_conn_read(a, buf, sizeof buf, &got, mp__os_now() + 5), 0))
        CHECK(got == 6 && memcmp(buf, "456789", 6) == 0, "the rest: %lu bytes", (unsigned long)got);
    double t0 = smoke_now();
    CHECK_RC(mp__os_conn_read(a, buf, sizeof buf, &got, mp__os_now() - 1), MP_ETIMEDOUT);
    CHECK(got == 0 && smoke_now() - t0 < 0.5, "a poll");

    stream_writer_t w = {.c = b};
    HANDLE thread = CreateThread(NULL, 0, stream_writer_main, &w, 0, NULL);
    if (!CHECK(thread != NULL, "CreateThread")) {
        mp__os_conn_free(a);
        mp__os_conn_free(b);
        return;
    }
    static const double slices[] = {-1, 0, 0.0001, 0.0005, 0.001};
    uint64_t k = 0;
    int timeouts = 0, reads = 0, waits = 0, rc = 0;
    uint32_t x = 777;
    t0 = smoke_now();
    for (; smoke_now() - t0 < 60; reads++) {
        x = x * 1103515245u + 12345u;
        if (reads % 7 == 0) {
            /* The probe armed, re-armed, waited on, between the reads. */
            mp_sentinel_t s;
            unsigned char ready = 0;
            if (!CHECK_RC(mp__os_conn_sentinel(a, &s), 0) ||
                mp__os_wait_handles(&s, 1, 0.0005, &ready) < 0)
                break;
            waits += ready;
        }
        size_t want = 1 + (x >> 8) % sizeof buf;
        rc = mp__os_conn_read(a, buf, want, &got, mp__os_now() + slices[(x >> 4) % 5]);
        if (rc == MP_ETIMEDOUT) {
            timeouts++;
            if (!CHECK(got == 0, "a timeout with %lu bytes", (unsigned long)got))
                break;
            continue;
        }
        if (!CHECK_RC(rc, 0) || got == 0)
            break; /* end-of-file */
        size_t bad = got;
        for (size_t j = 0; j < got && bad == got; j++)
            if (buf[j] != stream_byte(k + j))
                bad = j;
        if (!CHECK(bad == got, "stream byte %llu is wrong (read %d)", (unsigned long long)(k + bad),
                   reads))
            break;
        k += got;
    }
    WaitForSingleObject(thread, 30000);
    CloseHandle(thread);
    CHECK_RC(w.rc, 0);
    CHECK(rc == 0 && got == 0, "end-of-file at the end");
    CHECK(k == w.total, "read %llu bytes of %llu", (unsigned long long)k,
          (unsigned long long)w.total);
    /* How many time out depends on the machine's speed; one proves the
     * path was taken (the count is printed below). */
    CHECK(timeouts > 0, "no read timed out: the test proved nothing");
    printf("    %llu bytes in %d reads, %d timed out, %d waits ready (%.2f s)\n",
           (unsigned long long)k, reads, timeouts, waits, smoke_now() - t0);
    mp__os_conn_free(a);
}

const smoke_test_t conn_tests[] = {
    {"pipe_roundtrip", test_pipe_roundtrip},
    {"pipe_timeouts", test_pipe_timeouts},
    {"pipe_eof", test_pipe_eof},
    {"pipe_big", test_pipe_big},
    {"pipe_child", test_pipe_child},
    {"pipe_handles", test_pipe_handles},
    {"pipe_stream", test_pipe_stream},
    {NULL, NULL},
};

/* ---- the children's side ---------------------------------------------- */

/* Object: a duplex end. Sends back every message until end-of-file; exits
 * with the number of messages. */
int task_conn_echo(mp_task_t *t)
{
    mp_connection_t *c;
    int rc = mp_task_connection(t, 0, &c);
    int n = 0;
    while (rc == 0) {
        void *m = NULL;
        size_t len = 0;
        rc = mp_connection_recv_alloc(c, &m, &len, 60);
        if (rc == 0) {
            rc = mp_connection_send(c, m, len, MP_FOREVER);
            n++;
        }
        mp_free(m);
    }
    return rc == MP_EEOF ? n : mp_task_fail(t, rc, "echo: %s", mp_errdetail());
}

/* Object: a writing end. After 0.3 s, sends its int64 argument's number of
 * messages (100 + i bytes, seed 40 + i), then ends. */
int task_conn_late_writer(mp_task_t *t)
{
    int64_t n;
    mp_connection_t *c;
    int rc = mp_task_arg_i64(t, &n);
    if (rc == 0)
        rc = mp_task_connection(t, 0, &c);
    Sleep(300);
    for (int64_t i = 0; rc == 0 && i < n; i++) {
        unsigned char *m = make_msg(100 + (size_t)i, 40 + (unsigned)i);
        rc = m ? mp_connection_send(c, m, 100 + (size_t)i, MP_FOREVER) : MP_ENOMEM;
        free(m);
    }
    return rc < 0 ? mp_task_fail(t, rc, "late writer: %s", mp_errdetail()) : 0;
}
