/* Suite "connection": Pipe() and Connection (checklist section 3, items
 * 38-52, after CPython's test_connection and test_wait). Run once per start
 * method: the ends children use are handed over with MP_OBJECTS() and
 * fetched with mp_task_connection(). Tests that need no child use both ends
 * in the test process; a message to oneself must then fit the pipe's
 * buffer, so the big ones always go through a child. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_tasks.h"
#include "helpers.h"

/* How long the parent waits for a message or a state that should come (a
 * loaded machine is slow to spawn; a hang must fail the test, not the run). */
#define WAIT_S 30.0

/* ---- helpers ------------------------------------------------------------ */

/* mp_pipe_create(), asserted; on failure both ends are NULL. */
static bool make_pipe(mp_connection_t **first, mp_connection_t **second, bool duplex)
{
    *first = *second = NULL;
    if (EXPECT_RC(mp_pipe_create(first, second, &(mp_pipe_opts_t){.one_way = !duplex}), 0))
        return true;
    *first = *second = NULL;
    return false;
}

/* Send a NUL-free text as one message (without its NUL); asserted. */
#define SEND_TEXT(c, text) EXPECT_RC(mp_connection_send((c), (text), strlen(text), MP_FOREVER), 0)

/* Receive one message within `timeout` into a buffer and compare it with
 * `want` (bytes, without a NUL); asserted, naming the caller's line. */
#define EXPECT_RECV(c, want, timeout) expect_recv((c), (want), (timeout), __FILE__, __LINE__)
static bool expect_recv(mp_connection_t *c, const char *want, double timeout, const char *file,
                        int line)
{
    char buf[256];
    size_t len = (size_t)-1;
    int rc = mp_connection_recv(c, buf, sizeof buf - 1, &len, timeout);
    if (!check_true(rc == 0, file, line, "recv returned %d (%s), expected 0, message \"%s\"; %s",
                    rc, mp_err_name(rc), want, mp_errdetail()))
        return false;
    buf[len < sizeof buf ? len : sizeof buf - 1] = '\0';
    return check_true(len == strlen(want) && memcmp(buf, want, len) == 0, file, line,
                      "received \"%.*s\" (%zu bytes), expected \"%s\" (%zu bytes)", (int)len, buf,
                      len, want, strlen(want));
}

/* The same through mp_connection_recv_alloc(): the library's buffer. */
#define EXPECT_RECV_ALLOC(c, want, timeout) \
    expect_recv_alloc((c), (want), (timeout), __FILE__, __LINE__)
static bool expect_recv_alloc(mp_connection_t *c, const char *want, double timeout,
                              const char *file, int line)
{
    void *data = NULL;
    size_t len = (size_t)-1;
    int rc = mp_connection_recv_alloc(c, &data, &len, timeout);
    if (!check_true(rc == 0, file, line,
                    "recv_alloc returned %d (%s), expected 0, message \"%s\"; %s", rc,
                    mp_err_name(rc), want, mp_errdetail()))
        return false;
    bool ok = check_true(data != NULL, file, line, "recv_alloc gave NULL data (%zu bytes)", len) &&
              check_true(len == strlen(want) && memcmp(data, want, len) == 0, file, line,
                         "received \"%.*s\" (%zu bytes), expected \"%s\" (%zu bytes)",
                         (int)(len < 200 ? len : 200), (const char *)data, len, want, strlen(want));
    mp_free(data);
    return ok;
}

/* A child given `end` (object 0) that runs `task` with an int64 argument. */
static mp_process_t *start_with_end(const char *task, mp_connection_t *end, int64_t arg)
{
    return start_process(&(mp_process_opts_t){.task = task, MP_ARG_I64(arg), MP_OBJECTS(end)});
}

/* Join a child that should end by itself; its exit code must be 0 and its
 * int64 result (when `result` is not NULL) is read. */
static bool join_ok(mp_process_t *p, int64_t *result)
{
    if (!p || !EXPECT_RC(mp_process_join(p, JOIN_LIMIT_S), 0) || !EXPECT_EQ(exitcode_of(p), 0))
        return false;
    return !result || result_of(p, result, sizeof *result);
}

/* Where a big message first differs from conn_pattern_byte(): its index,
 * or `len` when it is all as sent. */
static size_t pattern_mismatch(const unsigned char *data, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (data[i] != conn_pattern_byte(i))
            return i;
    return len;
}

#define EXPECT_PATTERN(data, len)                                                          \
    do {                                                                                   \
        size_t at_ = pattern_mismatch((const unsigned char *)(data), (len));               \
        EXPECT(at_ == (len), "byte %zu of %zu is 0x%02x, sent 0x%02x", at_, (size_t)(len), \
               at_ < (len) ? ((const unsigned char *)(data))[at_] : 0,                     \
               at_ < (len) ? conn_pattern_byte(at_) : 0);                                  \
    } while (0)

/* ---- item 38: a duplex pipe between parent and child ---------------------- */

/* Checklist item 38: a duplex pipe carries messages both ways between the
 * parent and a child: the echo child sends back each of the parent's
 * messages (short, empty, longer), in order, and reports the count. */
static void test_conn_duplex_echo(void)
{
    static const char *const msgs[] = {"hello", "", "x",
                                       "a somewhat longer message than the others", "bye"};
    enum { N = sizeof msgs / sizeof *msgs };
    mp_connection_t *a, *b;
    if (!make_pipe(&a, &b, true))
        return;
    mp_process_t *p = start_with_end("task_conn_echo", b, N);
    bool ok = p != NULL;
    for (int i = 0; ok && i < N; i++)
        ok = SEND_TEXT(a, msgs[i]) &&
             (i % 2 ? EXPECT_RECV(a, msgs[i], WAIT_S) : EXPECT_RECV_ALLOC(a, msgs[i], WAIT_S));
    int64_t echoed = -1;
    if (ok && join_ok(p, &echoed)) /* else it waits for more: dispose kills it */
        EXPECT_EQ(echoed, N);
    dispose_process(p);
    mp_connection_destroy(a);
    mp_connection_destroy(b);
}

/* Checklist item 38, the end: a child echoing until end-of-file ends once
 * the parent has closed both its ends. Not under fork: a forked child
 * holds a copy of the parent's end itself (every descriptor is inherited),
 * and the header says the peer sees end-of-file only once every copy is
 * closed, as in Python. */
static void test_conn_child_sees_eof(void)
{
    mp_connection_t *a, *b;
    if (!make_pipe(&a, &b, true))
        return;
    mp_process_t *p = start_with_end("task_conn_echo", b, 0);
    mp_connection_destroy(b);
    if (p && SEND_TEXT(a, "one") && SEND_TEXT(a, "two")) {
        EXPECT_RECV(a, "one", WAIT_S);
        EXPECT_RECV(a, "two", WAIT_S);
    }
    EXPECT_RC(mp_connection_close(a), 0);
    int64_t echoed = -1;
    if (join_ok(p, &echoed))
        EXPECT_EQ(echoed, 2);
    dispose_process(p);
    mp_connection_destroy(a);
}

/* ---- item 39: receiving into the caller's buffer ---------------------------- */

/* Checklist item 39: recv returns the length; a buffer too small gives
 * MP_ETOOSMALL with the size needed and loses nothing (the next receive,
 * by either call, returns the message whole and the order is kept); a
 * buffer of exactly the size is enough; the caller writes at an offset by
 * passing buf + offset, and the bytes around it are untouched. */
static void test_conn_recv_too_small(void)
{
    mp_connection_t *a, *b;
    if (!make_pipe(&a, &b, true))
        return;
    char small[4], exact[12], big[64];
    size_t len = 0;

    SEND_TEXT(b, "hello, world"); /* 12 bytes */
    EXPECT_RC(mp_connection_recv(a, small, sizeof small, &len, 0), MP_ETOOSMALL);
    EXPECT_EQ(len, 12);
    EXPECT_EQ(mp_connection_poll(a, 0), 1); /* still there */
    len = 0;
    EXPECT_RC(mp_connection_recv(a, NULL, 0, &len, 0), MP_ETOOSMALL);
    EXPECT_EQ(len, 12);
    len = 0;
    if (EXPECT_RC(mp_connection_recv(a, exact, sizeof exact, &len, 0), 0) && EXPECT_EQ(len, 12))
        EXPECT(memcmp(exact, "hello, world", 12) == 0, "received \"%.12s\"", exact);
    EXPECT_EQ(mp_connection_poll(a, 0), 0);

    /* At an offset: Python's recv_bytes_into(buf, offset). */
    memset(big, '#', sizeof big);
    SEND_TEXT(b, "abc");
    len = 0;
    if (EXPECT_RC(mp_connection_recv(a, big + 10, sizeof big - 10, &len, 0), 0) &&
        EXPECT_EQ(len, 3)) {
        EXPECT(memcmp(big, "##########abc#", 14) == 0, "buffer is \"%.14s\"", big);
        size_t touched = 0;
        for (size_t i = 13; i < sizeof big; i++)
            touched += big[i] != '#';
        EXPECT_EQ(touched, 0);
    }

    /* Kept for recv_alloc too, and ahead of the message after it. */
    SEND_TEXT(b, "first, and too long");
    SEND_TEXT(b, "2nd");
    len = 0;
    EXPECT_RC(mp_connection_recv(a, small, 2, &len, 0), MP_ETOOSMALL);
    EXPECT_EQ(len, strlen("first, and too long"));
    EXPECT_RC(mp_connection_recv(a, small, sizeof small, &len, 0), MP_ETOOSMALL); /* again */
    EXPECT_RECV_ALLOC(a, "first, and too long", 0);
    EXPECT_RECV(a, "2nd", 0);
    EXPECT_EQ(mp_connection_poll(a, 0), 0);
    mp_connection_destroy(a);
    mp_connection_destroy(b);
}

/* ---- item 40: poll and receive timeouts ------------------------------------ */

/* Checklist item 40: with nothing queued, poll(0) answers 0 at once and
 * poll(0.2) after about 0.2 s; receives time out the same way; a negative
 * timeout (a poll in Python) is refused at once. Once a message is queued,
 * poll answers 1 at once whatever the timeout, and only on the end it was
 * sent to. */
static void test_conn_poll_timing(void)
{
    mp_connection_t *a, *b;
    if (!make_pipe(&a, &b, true))
        return;
    char buf[16];
    size_t len;
    void *data = (void *)buf;
    double t0 = now_s();
    EXPECT_EQ(mp_connection_poll(a, 0), 0);
    EXPECT_RC(mp_connection_poll(a, -1.0), MP_EINVAL);
    EXPECT_RC(mp_connection_recv(a, buf, sizeof buf, &len, 0), MP_ETIMEDOUT);
    EXPECT_RC(mp_connection_recv(a, buf, sizeof buf, &len, -1.0), MP_EINVAL);
    EXPECT_RC(mp_connection_recv_alloc(a, &data, &len, 0), MP_ETIMEDOUT);
    EXPECT(data == NULL, "recv_alloc left data %p after a timeout", data);
    EXPECT_IMMEDIATE(now_s() - t0);
    t0 = now_s();
    EXPECT_EQ(mp_connection_poll(a, 0.2), 0);
    EXPECT_ABOUT(now_s() - t0, 0.2);
    t0 = now_s();
    EXPECT_RC(mp_connection_recv(a, buf, sizeof buf, &len, 0.2), MP_ETIMEDOUT);
    EXPECT_ABOUT(now_s() - t0, 0.2);
    t0 = now_s();
    EXPECT_RC(mp_connection_recv_alloc(a, &data, &len, 0.2), MP_ETIMEDOUT);
    EXPECT_ABOUT(now_s() - t0, 0.2);

    SEND_TEXT(b, "data");
    t0 = now_s();
    EXPECT_EQ(mp_connection_poll(a, 10.0), 1);
    EXPECT_EQ(mp_connection_poll(a, MP_FOREVER), 1);
    EXPECT_EQ(mp_connection_poll(a, 0), 1);
    EXPECT_RC(mp_connection_poll(a, -1.0), MP_EINVAL); /* even with a message waiting */
    EXPECT_EQ(mp_connection_poll(b, 0), 0);            /* nothing came the other way */
    EXPECT_IMMEDIATE(now_s() - t0);
    t0 = now_s();
    EXPECT_RECV(a, "data", 10.0);
    EXPECT_IMMEDIATE(now_s() - t0);
    EXPECT_EQ(mp_connection_poll(a, 0), 0);
    mp_connection_destroy(a);
    mp_connection_destroy(b);
}

/* ---- item 41: big messages, end-of-file, duplex ends ------------------------ */

/* Checklist items 41 and 39: a 16 MiB message from a child arrives whole
 * and intact; a buffer too small for it first gives MP_ETOOSMALL with its
 * size, and loses none of it. */
static void test_conn_big_from_child(void)
{
    mp_connection_t *a, *b;
    unsigned char *buf = malloc(CONN_BIG_SIZE);
    if (!EXPECT(buf != NULL, "cannot allocate 16 MiB") || !make_pipe(&a, &b, true)) {
        free(buf);
        return;
    }
    mp_process_t *p = start_with_end("task_conn_send_big", b, (int64_t)CONN_BIG_SIZE);
    char small[64];
    size_t len = 0;
    if (p && EXPECT_RC(mp_connection_recv(a, small, sizeof small, &len, WAIT_S), MP_ETOOSMALL))
        EXPECT_EQ(len, CONN_BIG_SIZE);
    len = 0;
    bool received = p && EXPECT_RC(mp_connection_recv(a, buf, CONN_BIG_SIZE, &len, WAIT_S), 0);
    if (received && EXPECT_EQ(len, CONN_BIG_SIZE))
        EXPECT_PATTERN(buf, len);
    if (received) /* else the child is still stuck in its send: dispose kills it */
        join_ok(p, NULL);
    dispose_process(p);
    free(buf);
    mp_connection_destroy(a);
    mp_connection_destroy(b);
}

/* Checklist item 41: a 16 MiB message the parent sends to an echo child
 * comes back whole and intact (recv_alloc), and is one message: nothing
 * follows it but end-of-file once the child has exited. */
static void test_conn_big_round_trip(void)
{
    mp_connection_t *a, *b;
    unsigned char *msg = malloc(CONN_BIG_SIZE);
    if (!EXPECT(msg != NULL, "cannot allocate 16 MiB") || !make_pipe(&a, &b, true)) {
        free(msg);
        return;
    }
    for (size_t i = 0; i < CONN_BIG_SIZE; i++)
        msg[i] = conn_pattern_byte(i);
    mp_process_t *p = start_with_end("task_conn_echo", b, 1);
    /* The child's is then the only copy of its end: should it die, the
     * parent's blocking send ends with MP_EEOF instead of hanging. */
    EXPECT_RC(mp_connection_close(b), 0);
    void *data = NULL;
    size_t len = 0;
    bool received = p && EXPECT_RC(mp_connection_send(a, msg, CONN_BIG_SIZE, MP_FOREVER), 0) &&
                    EXPECT_RC(mp_connection_recv_alloc(a, &data, &len, WAIT_S), 0);
    if (received && EXPECT_EQ(len, CONN_BIG_SIZE))
        EXPECT_PATTERN(data, len);
    mp_free(data);
    int64_t echoed = -1;
    if (received && join_ok(p, &echoed)) {
        EXPECT_EQ(echoed, 1);
        EXPECT_RC(mp_connection_recv(a, NULL, 0, &len, WAIT_S), MP_EEOF);
    }
    dispose_process(p);
    free(msg);
    mp_connection_destroy(a);
    mp_connection_destroy(b);
}

/* Checklist item 41: duplex ends both receive and send. Once the peer end
 * is closed, the messages it sent before are still received, in order;
 * then recv and recv_alloc give MP_EEOF (at once, even with no timeout),
 * poll says 1 (a receive would not block), and send gives MP_EEOF (not a
 * SIGPIPE). Destroying the peer works the same as closing it. */
static void test_conn_eof_after_close(void)
{
    mp_connection_t *a, *b;
    if (!make_pipe(&a, &b, true))
        return;
    EXPECT_EQ(mp_connection_is_readable(a), 1);
    EXPECT_EQ(mp_connection_is_writable(a), 1);
    EXPECT_EQ(mp_connection_is_readable(b), 1);
    EXPECT_EQ(mp_connection_is_writable(b), 1);
    SEND_TEXT(b, "last words");
    SEND_TEXT(b, "");
    EXPECT_RC(mp_connection_close(b), 0);
    EXPECT_EQ(mp_connection_poll(a, 0), 1);
    EXPECT_RECV(a, "last words", 0);
    EXPECT_RECV_ALLOC(a, "", 0);
    char buf[16];
    size_t len;
    void *data = (void *)buf;
    double t0 = now_s();
    EXPECT_RC(mp_connection_recv(a, buf, sizeof buf, &len, 0), MP_EEOF);
    EXPECT_RC(mp_connection_recv(a, buf, sizeof buf, &len, MP_FOREVER), MP_EEOF);
    EXPECT_RC(mp_connection_recv_alloc(a, &data, &len, MP_FOREVER), MP_EEOF);
    EXPECT(data == NULL, "recv_alloc left data %p at end-of-file", data);
    EXPECT_EQ(mp_connection_poll(a, 0), 1);
    EXPECT_EQ(mp_connection_poll(a, MP_FOREVER), 1);
    EXPECT_RC(mp_connection_send(a, "x", 1, MP_FOREVER), MP_EEOF);
    EXPECT_RC(mp_connection_send(a, NULL, 0, MP_FOREVER), MP_EEOF);
    EXPECT_IMMEDIATE(now_s() - t0);
    mp_connection_destroy(a);
    mp_connection_destroy(b);

    if (!make_pipe(&a, &b, true))
        return;
    SEND_TEXT(a, "sent before");
    mp_connection_destroy(a); /* close and free at once */
    EXPECT_RECV(b, "sent before", 0);
    EXPECT_RC(mp_connection_recv(b, buf, sizeof buf, &len, 0), MP_EEOF);
    EXPECT_RC(mp_connection_send(b, "x", 1, MP_FOREVER), MP_EEOF);
    mp_connection_destroy(b);
}

/* ---- item 42: simplex pipes ----------------------------------------------- */

/* Checklist item 42: a one-way pipe (mp_pipe_opts_t.one_way) gives a
 * reader and a writer in that order. The reader cannot send and the writer
 * cannot receive, poll or give a sentinel (MP_ESTATE, even for an empty
 * message); the other way round works, and closing the writer gives the
 * reader end-of-file. */
static void test_conn_simplex_direction(void)
{
    mp_connection_t *r, *w;
    if (!make_pipe(&r, &w, false))
        return;
    EXPECT_EQ(mp_connection_is_readable(r), 1);
    EXPECT_EQ(mp_connection_is_writable(r), 0);
    EXPECT_EQ(mp_connection_is_readable(w), 0);
    EXPECT_EQ(mp_connection_is_writable(w), 1);
    char buf[16];
    size_t len;
    void *data = (void *)buf;
    mp_sentinel_t s = 0;
    EXPECT_RC(mp_connection_send(r, "x", 1, MP_FOREVER), MP_ESTATE);
    EXPECT_RC(mp_connection_send(r, NULL, 0, MP_FOREVER), MP_ESTATE);
    EXPECT_RC(mp_connection_recv(w, buf, sizeof buf, &len, 0), MP_ESTATE);
    EXPECT_RC(mp_connection_recv_alloc(w, &data, &len, 0), MP_ESTATE);
    EXPECT(data == NULL, "recv_alloc left data %p on a writer", data);
    EXPECT_RC(mp_connection_poll(w, 0), MP_ESTATE);
    EXPECT_RC(mp_connection_sentinel(w, &s), MP_ESTATE);
    EXPECT_EQ(mp_connection_poll(r, 0), 0); /* the refused send sent nothing */

    SEND_TEXT(w, "one way");
    EXPECT_RC(mp_connection_sentinel(r, &s), 0);
    EXPECT_EQ(mp_connection_poll(r, 0), 1);
    EXPECT_RECV(r, "one way", 0);
    EXPECT_RC(mp_connection_close(w), 0);
    EXPECT_RC(mp_connection_recv(r, buf, sizeof buf, &len, 0), MP_EEOF);
    mp_connection_destroy(r);
    mp_connection_destroy(w);
}

/* ---- item 43: the parent closes its copy of the child's end -------------- */

/* Checklist item 43: the parent closes (then, the second time, destroys)
 * its copy of the end it gave a child as soon as mp_process_start()
 * returns: the child still has its own and echoes; once it has exited,
 * that was the last copy, and the parent's end sees end-of-file. */
static void test_conn_close_child_end_early(void)
{
    for (int destroy = 0; destroy < 2; destroy++) {
        mp_connection_t *a, *b;
        if (!make_pipe(&a, &b, true))
            return;
        mp_process_t *p = start_with_end("task_conn_echo", b, 3);
        if (destroy) {
            mp_connection_destroy(b);
            b = NULL;
        } else {
            EXPECT_RC(mp_connection_close(b), 0);
        }
        static const char *const msgs[] = {"ping", "", "pong"};
        bool ok = p != NULL;
        for (int i = 0; ok && i < 3; i++)
            ok = SEND_TEXT(a, msgs[i]) && EXPECT_RECV(a, msgs[i], WAIT_S);
        int64_t echoed = -1;
        if (ok && join_ok(p, &echoed)) {
            EXPECT_EQ(echoed, 3);
            char buf[16];
            size_t len;
            EXPECT_RC(mp_connection_recv(a, buf, sizeof buf, &len, WAIT_S), MP_EEOF);
            EXPECT_EQ(mp_connection_poll(a, 0), 1);
        }
        dispose_process(p);
        mp_connection_destroy(a);
        mp_connection_destroy(b);
    }
}

/* A peer process that is killed closes its end too: recv and send on the
 * parent's end then give MP_EEOF (send must not raise SIGPIPE). */
static void test_conn_peer_killed(void)
{
    mp_connection_t *a, *b;
    if (!make_pipe(&a, &b, true))
        return;
    mp_process_t *p = start_with_end("task_conn_echo", b, 0);
    EXPECT_RC(mp_connection_close(b), 0);
    if (p && SEND_TEXT(a, "are you there") && EXPECT_RECV(a, "are you there", WAIT_S)) {
        EXPECT_RC(mp_process_kill(p), 0);
        EXPECT_RC(mp_process_join(p, JOIN_LIMIT_S), 0);
        EXPECT_EQ(exitcode_of(p), KILLED_EXITCODE);
        char buf[16];
        size_t len;
        EXPECT_RC(mp_connection_recv(a, buf, sizeof buf, &len, WAIT_S), MP_EEOF);
        EXPECT_RC(mp_connection_send(a, "anyone?", 7, MP_FOREVER), MP_EEOF);
    }
    dispose_process(p);
    mp_connection_destroy(a);
    mp_connection_destroy(b);
}

/* ---- item 46: closed and destroyed ends --------------------------------- */

/* Checklist item 46: every call on a closed end gives MP_ECLOSED except
 * close (0, again and again) and destroy; the peer sees end-of-file. On a
 * destroyed handle (the library never frees it to malloc) every call gives
 * MP_ECLOSED, close included. destroy(NULL) and free(NULL) are no-ops. */
static void test_conn_closed_end(void)
{
    mp_connection_t *a, *b;
    if (!make_pipe(&a, &b, true))
        return;
    char buf[16];
    size_t len;
    void *data = (void *)buf;
    mp_sentinel_t s;
    EXPECT_RC(mp_connection_close(a), 0);
    EXPECT_RC(mp_connection_close(a), 0);
    EXPECT_RC(mp_connection_send(a, "x", 1, MP_FOREVER), MP_ECLOSED);
    EXPECT_RC(mp_connection_recv(a, buf, sizeof buf, &len, 0), MP_ECLOSED);
    EXPECT_RC(mp_connection_recv_alloc(a, &data, &len, 0), MP_ECLOSED);
    EXPECT(data == NULL, "recv_alloc left data %p on a closed end", data);
    EXPECT_RC(mp_connection_poll(a, 0), MP_ECLOSED);
    EXPECT_RC(mp_connection_is_readable(a), MP_ECLOSED);
    EXPECT_RC(mp_connection_is_writable(a), MP_ECLOSED);
    EXPECT_RC(mp_connection_sentinel(a, &s), MP_ECLOSED);
    EXPECT_RC(mp_connection_recv(b, buf, sizeof buf, &len, 0), MP_EEOF);

    mp_connection_destroy(a);
    mp_connection_destroy(b); /* never closed: destroy closes it */
    mp_connection_destroy(NULL);
    mp_free(NULL);
    mp_connection_t *const gone[] = {a, b};
    for (int i = 0; i < 2; i++) {
        mp_connection_t *c = gone[i];
        EXPECT_RC(mp_connection_send(c, "x", 1, MP_FOREVER), MP_ECLOSED);
        EXPECT_RC(mp_connection_recv(c, buf, sizeof buf, &len, 0), MP_ECLOSED);
        EXPECT_RC(mp_connection_recv_alloc(c, &data, &len, 0), MP_ECLOSED);
        EXPECT_RC(mp_connection_poll(c, 0), MP_ECLOSED);
        EXPECT_RC(mp_connection_is_readable(c), MP_ECLOSED);
        EXPECT_RC(mp_connection_is_writable(c), MP_ECLOSED);
        EXPECT_RC(mp_connection_sentinel(c, &s), MP_ECLOSED);
        EXPECT_RC(mp_connection_close(c), MP_ECLOSED);
    }
}

/* ---- item 47: empty messages ------------------------------------------------ */

/* Checklist item 47: an empty message is a message: poll (and the end's
 * sentinel) says 1 and keeps saying it until it is received, with length
 * 0; a run of short and empty messages arrives one per send, in order,
 * and nothing more. */
static void test_conn_empty_messages(void)
{
    mp_connection_t *a, *b;
    if (!make_pipe(&a, &b, true))
        return;
    mp_sentinel_t s = 0;
    EXPECT_RC(mp_connection_sentinel(a, &s), 0);
    EXPECT_RC(mp_connection_send(b, NULL, 0, MP_FOREVER), 0);
    EXPECT_EQ(mp_connection_poll(a, 0), 1);
    EXPECT_EQ(mp_connection_poll(a, 0), 1);
    double t0 = now_s();
    EXPECT_EQ(mp_connection_poll(a, 0.2), 1);
    EXPECT_IMMEDIATE(now_s() - t0);
    EXPECT_EQ(mp_wait(&s, 1, 0, NULL), 1);
    size_t len = 99;
    if (EXPECT_RC(mp_connection_recv(a, NULL, 0, &len, 0), 0))
        EXPECT_EQ(len, 0);
    EXPECT_EQ(mp_connection_poll(a, 0), 0);
    EXPECT_EQ(mp_wait(&s, 1, 0, NULL), 0);

    EXPECT_RC(mp_connection_send(b, "", 0, MP_FOREVER), 0);
    EXPECT_RECV_ALLOC(a, "", 0);
    EXPECT_EQ(mp_connection_poll(a, 0), 0);

    static const char *const run[] = {"a", "", "bc", "", "", "def", ""};
    enum { N = sizeof run / sizeof *run };
    for (int i = 0; i < N; i++)
        SEND_TEXT(b, run[i]);
    for (int i = 0; i < N; i++) {
        if (i % 2)
            EXPECT_RECV_ALLOC(a, run[i], 0);
        else
            EXPECT_RECV(a, run[i], 0);
    }
    EXPECT_EQ(mp_connection_poll(a, 0), 0);
    mp_connection_destroy(a);
    mp_connection_destroy(b);
}

/* ---- item 48: simplex ends in a child ------------------------------------- */

/* Checklist item 48: the reader of a simplex pipe, given to a child, is a
 * reader there: readable, not writable, receives what the parent sent
 * and refuses to send. */
static void test_conn_reader_in_child(void)
{
    mp_connection_t *r, *w;
    if (!make_pipe(&r, &w, false))
        return;
    SEND_TEXT(w, "to the child");
    mp_process_t *p = start_process(&(mp_process_opts_t){.task = "task_conn_probe", MP_OBJECTS(r)});
    EXPECT_RC(mp_connection_close(r), 0);
    conn_probe_t got;
    if (join_ok(p, NULL) && result_of(p, &got, sizeof got)) {
        EXPECT_EQ(got.readable, 1);
        EXPECT_EQ(got.writable, 0);
        EXPECT_RC(got.recv_rc, 0);
        EXPECT_STR(got.got, "to the child");
        EXPECT_RC(got.send_rc, MP_ESTATE);
        EXPECT_EQ(got.poll_rc, 0);
    }
    dispose_process(p);
    mp_connection_destroy(r);
    mp_connection_destroy(w);
}

/* Checklist item 48: the writer, given to a child, is a writer there: it
 * sends to the parent and refuses to receive or poll. Once the child has
 * exited and the parent has closed its copy, the reader sees end-of-file. */
static void test_conn_writer_in_child(void)
{
    mp_connection_t *r, *w;
    if (!make_pipe(&r, &w, false))
        return;
    mp_process_t *p = start_process(&(mp_process_opts_t){.task = "task_conn_probe", MP_OBJECTS(w)});
    EXPECT_RC(mp_connection_close(w), 0);
    if (p)
        EXPECT_RECV(r, CONN_CHILD_TEXT, WAIT_S);
    conn_probe_t got;
    if (join_ok(p, NULL) && result_of(p, &got, sizeof got)) {
        EXPECT_EQ(got.readable, 0);
        EXPECT_EQ(got.writable, 1);
        EXPECT_RC(got.recv_rc, MP_ESTATE);
        EXPECT_STR(got.got, "");
        EXPECT_RC(got.send_rc, 0);
        EXPECT_RC(got.poll_rc, MP_ESTATE);
        char buf[32];
        size_t len;
        EXPECT_RC(mp_connection_recv(r, buf, sizeof buf, &len, WAIT_S), MP_EEOF);
    }
    dispose_process(p);
    mp_connection_destroy(r);
    mp_connection_destroy(w);
}

/* ---- item 51: waiting on many readers and processes ------------------------ */

/* Checklist item 51 (CPython's test_wait): four children each send ten
 * messages after small random delays and exit. One mp_wait() over the
 * readers' sentinels and the processes' sentinels collects all forty, each
 * child's in order; a ready reader always has a message or end-of-file,
 * and each reader ends with MP_EEOF after all its writer's messages. */
static void test_conn_wait_many_senders(void)
{
    enum { KIDS = 4, COUNT = 10 };
    mp_connection_t *r[KIDS] = {0}, *w[KIDS] = {0};
    mp_process_t *p[KIDS] = {0};
    int next[KIDS] = {0};
    bool eof[KIDS] = {0}, exited[KIDS] = {0};
    int total = 0;
    for (int i = 0; i < KIDS; i++)
        if (!make_pipe(&r[i], &w[i], false))
            goto out;
    for (int i = 0; i < KIDS; i++) {
        conn_sender_arg_t arg = {
            .index = i, .count = COUNT, .seed = 0x1234u * (unsigned)(i + 1), .max_delay = 0.02};
        p[i] = start_process(&(mp_process_opts_t){
            .task = "task_conn_sender", .arg = &arg, .arg_len = sizeof arg, MP_OBJECTS(w[i])});
        if (!p[i])
            goto out;
        EXPECT_RC(mp_connection_close(w[i]), 0); /* the child's is the last copy */
    }
    double deadline = now_s() + JOIN_LIMIT_S;
    for (;;) {
        mp_sentinel_t s[2 * KIDS];
        int who[2 * KIDS]; /* i: reader i; KIDS + i: process i */
        size_t n = 0;
        for (int i = 0; i < KIDS; i++) {
            if (!eof[i] && EXPECT_RC(mp_connection_sentinel(r[i], &s[n]), 0))
                who[n++] = i;
            if (!exited[i] && EXPECT_RC(mp_process_sentinel(p[i], &s[n]), 0))
                who[n++] = KIDS + i;
        }
        if (n == 0)
            break;
        double left = deadline - now_s();
        unsigned char ready[2 * KIDS] = {0};
        int nready = mp_wait(s, n, left > 0 ? left : 0, ready);
        if (!EXPECT(nready > 0, "mp_wait returned %d (%s) with %d of %d messages in", nready,
                    mp_err_name(nready), total, KIDS * COUNT))
            break;
        int flagged = 0;
        for (size_t k = 0; k < n; k++)
            flagged += ready[k] != 0;
        EXPECT_EQ(flagged, nready);
        for (size_t k = 0; k < n; k++) {
            if (!ready[k])
                continue;
            int i = who[k] % KIDS;
            if (who[k] >= KIDS) {
                EXPECT_RC(mp_process_join(p[i], 0), 0);
                exited[i] = true;
                continue;
            }
            char buf[32], want[32];
            size_t len = 0;
            int rc = mp_connection_recv(r[i], buf, sizeof buf - 1, &len, 0);
            if (rc == MP_EEOF) {
                EXPECT(next[i] == COUNT, "reader %d saw end-of-file after %d messages", i, next[i]);
                eof[i] = true;
                EXPECT_RC(mp_connection_close(r[i]), 0);
                continue;
            }
            if (!EXPECT(rc == 0, "reader %d was ready, then recv returned %d (%s): %s", i, rc,
                        mp_err_name(rc), mp_errdetail())) {
                eof[i] = true; /* stop waiting on it */
                continue;
            }
            buf[len] = '\0';
            snprintf(want, sizeof want, "w%d:%d", i, next[i]);
            EXPECT_STR(buf, want);
            next[i]++;
            total++;
        }
    }
    EXPECT_EQ(total, KIDS * COUNT);
    for (int i = 0; i < KIDS; i++) {
        EXPECT(eof[i], "reader %d never saw end-of-file", i);
        if (exited[i])
            EXPECT_EQ(exitcode_of(p[i]), 0);
    }
out:
    for (int i = 0; i < KIDS; i++) {
        dispose_process(p[i]);
        mp_connection_destroy(r[i]);
        mp_connection_destroy(w[i]);
    }
}

/* ---- item 52: a connection's sentinel ------------------------------------ */

/* Checklist item 52: mp_wait() on a connection's sentinel with nothing
 * queued times out after about t; once the second of two ends has a
 * message, waiting on both marks exactly that one, at once; once it is
 * received the sentinel is no longer ready. A process's sentinel mixes in:
 * it becomes ready when its child ends, independently. */
static void test_conn_wait_sentinel(void)
{
    mp_connection_t *a1, *b1, *a2, *b2;
    if (!make_pipe(&a1, &b1, true))
        return;
    if (!make_pipe(&a2, &b2, true)) {
        mp_connection_destroy(a1);
        mp_connection_destroy(b1);
        return;
    }
    mp_sentinel_t s[3];
    unsigned char ready[3] = {1, 1, 1};
    if (!EXPECT_RC(mp_connection_sentinel(a1, &s[0]), 0) ||
        !EXPECT_RC(mp_connection_sentinel(a2, &s[1]), 0))
        goto out;
    double t0 = now_s();
    EXPECT_EQ(mp_wait(s, 1, 0, ready), 0);
    EXPECT_IMMEDIATE(now_s() - t0);
    t0 = now_s();
    EXPECT_EQ(mp_wait(s, 2, 0.2, ready), 0);
    EXPECT_ABOUT(now_s() - t0, 0.2);
    EXPECT(!ready[0] && !ready[1], "ready flags %d %d after a timeout", ready[0], ready[1]);

    SEND_TEXT(b2, "for a2");
    t0 = now_s();
    EXPECT_EQ(mp_wait(s, 2, 5.0, ready), 1);
    EXPECT_IMMEDIATE(now_s() - t0);
    EXPECT(!ready[0] && ready[1], "ready flags %d %d, expected 0 1", ready[0], ready[1]);
    EXPECT_EQ(mp_wait(s, 2, 0, ready), 1); /* waiting does not consume it */
    EXPECT_RECV(a2, "for a2", 0);
    EXPECT_EQ(mp_wait(s, 2, 0, ready), 0);

    /* With a process: its sentinel alone becomes ready when it ends. */
    mp_process_t *p = start_sleeper(0.1);
    if (p && EXPECT_RC(mp_process_sentinel(p, &s[2]), 0)) {
        EXPECT_EQ(mp_wait(s, 3, WAIT_S, ready), 1);
        EXPECT(!ready[0] && !ready[1] && ready[2], "ready flags %d %d %d, expected 0 0 1", ready[0],
               ready[1], ready[2]);
        SEND_TEXT(b1, "for a1");
        EXPECT_EQ(mp_wait(s, 3, 5.0, ready), 2);
        EXPECT(ready[0] && !ready[1] && ready[2], "ready flags %d %d %d, expected 1 0 1", ready[0],
               ready[1], ready[2]);
    }
    dispose_process(p);
out:
    mp_connection_destroy(a1);
    mp_connection_destroy(b1);
    mp_connection_destroy(a2);
    mp_connection_destroy(b2);
}

/* ---- bad arguments --------------------------------------------------------- */

/* Every bad argument gets its documented code, at once, and a refused call
 * consumes nothing: the message queued before them is still received. */
static void test_conn_bad_args(void)
{
    mp_connection_t *a = NULL, *b = NULL;
    EXPECT_RC(mp_pipe_create(NULL, &b, NULL), MP_EINVAL);
    EXPECT_RC(mp_pipe_create(&a, NULL, NULL), MP_EINVAL);
    EXPECT_RC(mp_pipe_create(NULL, NULL, &(mp_pipe_opts_t){.one_way = true}), MP_EINVAL);
    EXPECT_RC(mp_task_connection(NULL, 0, &a), MP_EINVAL);
    if (!make_pipe(&a, &b, true))
        return;
    SEND_TEXT(b, "kept");
    char buf[16];
    size_t len;
    void *data = (void *)buf; /* recv_alloc must set it to NULL when it fails */
    mp_sentinel_t s;
    double t0 = now_s();
    EXPECT_RC(mp_connection_send(NULL, "x", 1, MP_FOREVER), MP_EINVAL);
    EXPECT_RC(mp_connection_send(NULL, NULL, 0, MP_FOREVER), MP_EINVAL);
    EXPECT_RC(mp_connection_send(b, NULL, 5, MP_FOREVER), MP_EINVAL);
    EXPECT_RC(mp_connection_send(b, "x", 1, NAN), MP_EINVAL);
    EXPECT_RC(mp_connection_send(b, "x", 1, -1.0), MP_EINVAL);
    EXPECT_RC(mp_connection_recv(NULL, buf, sizeof buf, &len, 0), MP_EINVAL);
    EXPECT_RC(mp_connection_recv(a, buf, sizeof buf, NULL, 0), MP_EINVAL);
    EXPECT_RC(mp_connection_recv(a, NULL, 5, &len, 0), MP_EINVAL);
    EXPECT_RC(mp_connection_recv(a, buf, sizeof buf, &len, NAN), MP_EINVAL);
    EXPECT_RC(mp_connection_recv_alloc(NULL, &data, &len, 0), MP_EINVAL);
    EXPECT(data == NULL, "recv_alloc(NULL c) left data %p", data);
    EXPECT_RC(mp_connection_recv_alloc(a, NULL, &len, 0), MP_EINVAL);
    data = (void *)buf;
    EXPECT_RC(mp_connection_recv_alloc(a, &data, NULL, 0), MP_EINVAL);
    EXPECT(data == NULL, "recv_alloc(NULL len) left data %p", data);
    data = (void *)buf;
    EXPECT_RC(mp_connection_recv_alloc(a, &data, &len, NAN), MP_EINVAL);
    EXPECT(data == NULL, "recv_alloc(NaN timeout) left data %p", data);
    EXPECT_RC(mp_connection_poll(NULL, 0), MP_EINVAL);
    EXPECT_RC(mp_connection_poll(a, NAN), MP_EINVAL);
    EXPECT_RC(mp_connection_is_readable(NULL), MP_EINVAL);
    EXPECT_RC(mp_connection_is_writable(NULL), MP_EINVAL);
    EXPECT_RC(mp_connection_sentinel(NULL, &s), MP_EINVAL);
    EXPECT_RC(mp_connection_sentinel(a, NULL), MP_EINVAL);
    EXPECT_RC(mp_connection_close(NULL), MP_EINVAL);
    EXPECT_IMMEDIATE(now_s() - t0);
    EXPECT_RECV(a, "kept", 0);
    EXPECT_EQ(mp_connection_poll(a, 0), 0); /* the refused sends sent nothing */

    /* Another kind of handle where a connection belongs, as every object
     * function answers it (mp_object.h). */
    mp_event_t *e = NULL;
    if (EXPECT_RC(mp_event_create(&e, NULL), 0)) {
        mp_connection_t *not_conn = (mp_connection_t *)(void *)e;
        EXPECT_RC(mp_connection_send(not_conn, "x", 1, MP_FOREVER), MP_EINVAL);
        EXPECT_RC(mp_connection_poll(not_conn, 0), MP_EINVAL);
        EXPECT_RC(mp_connection_close(not_conn), MP_EINVAL);
        EXPECT_EQ(mp_event_is_set(e), 0); /* untouched */
        mp_event_destroy(e);
    }
    mp_connection_destroy(a);
    mp_connection_destroy(b);
}

/* mp_task_connection() in a child: object 0 is a connection (a duplex end
 * there too), object 1 an event; a bad index, NULLs and the wrong kind
 * both ways give MP_EINVAL (task_conn_getter_checks lists any that did
 * not). */
static void test_conn_getter_checks(void)
{
    mp_connection_t *a, *b;
    mp_event_t *e = NULL;
    if (!EXPECT_RC(mp_event_create(&e, NULL), 0))
        return;
    if (make_pipe(&a, &b, true)) {
        mp_process_t *p = run_process(
            &(mp_process_opts_t){.task = "task_conn_getter_checks", MP_OBJECTS(b, e)});
        const void *data = NULL;
        size_t len = 0;
        if (p && EXPECT_EQ(exitcode_of(p), 0) && EXPECT_RC(mp_process_result(p, &data, &len), 0))
            EXPECT_STR((const char *)data, "");
        dispose_process(p);
        mp_connection_destroy(a);
        mp_connection_destroy(b);
    }
    mp_event_destroy(e);
}

/* ---- a receive that times out half-way --------------------------------- */

/* A message partly received when a receive times out is not lost: a child
 * sends 16 MiB (far more than the pipe holds, so it arrives as the parent
 * reads) and, once the first bytes are there, the parent receives with
 * timeout 0, alternating recv and recv_alloc: each call takes what has
 * arrived and gives up with MP_ETIMEDOUT when the pipe is empty, so the
 * message is nearly always taken in many pieces. Whatever the number of
 * timeouts, the message that comes out is whole and intact, and it is the
 * only one. */
static void test_conn_timeout_keeps_partial(void)
{
    mp_connection_t *a, *b;
    unsigned char *buf = malloc(CONN_BIG_SIZE);
    if (!EXPECT(buf != NULL, "cannot allocate 16 MiB") || !make_pipe(&a, &b, true)) {
        free(buf);
        return;
    }
    mp_process_t *p = start_with_end("task_conn_send_big", b, (int64_t)CONN_BIG_SIZE);
    EXPECT_RC(mp_connection_close(b), 0);
    int rc = p ? mp_connection_poll(a, WAIT_S) : MP_EINVAL;
    if (!EXPECT_EQ(rc, 1))
        goto out;
    double deadline = now_s() + JOIN_LIMIT_S;
    size_t len = 0;
    void *data = NULL;
    rc = MP_ETIMEDOUT;
    for (int calls = 0; rc == MP_ETIMEDOUT && now_s() < deadline; calls++) {
        if (calls % 2)
            rc = mp_connection_recv_alloc(a, &data, &len, 0);
        else
            rc = mp_connection_recv(a, buf, CONN_BIG_SIZE, &len, 0);
    }
    if (EXPECT_RC(rc, 0) && EXPECT_EQ(len, CONN_BIG_SIZE))
        EXPECT_PATTERN(data ? data : buf, len);
    mp_free(data);
    if (rc == 0 && join_ok(p, NULL))
        EXPECT_RC(mp_connection_recv(a, NULL, 0, &len, WAIT_S), MP_EEOF);
out:
    dispose_process(p); /* kills a sender left blocked by a failed receive */
    free(buf);
    mp_connection_destroy(a);
    mp_connection_destroy(b);
}

/* ---- sends with a timeout ----------------------------------------------- */

/* Most messages a send may need to fill a pipe's buffer (a few hundred do
 * on Linux and Windows); a bound, so a pipe that never fills fails the
 * test instead of hanging it. */
enum { FILL_MAX = 100000 };

/* Fill the pipe `w` writes to with empty messages sent with timeout 0,
 * until one times out; the count of those that went is `*sent`. An empty
 * message is its 8-byte header, written whole or not at all, so the one
 * that times out leaves nothing behind. */
static bool fill_pipe(mp_connection_t *w, size_t *sent)
{
    int rc = 0;
    for (*sent = 0; *sent < FILL_MAX; ++*sent)
        if ((rc = mp_connection_send(w, NULL, 0, 0)) != 0)
            break;
    return EXPECT_RC(rc, MP_ETIMEDOUT);
}

/* A send to a full pipe whose reader does not read gives up with
 * MP_ETIMEDOUT: at once with timeout 0 (a negative one is MP_EINVAL), after
 * about its timeout otherwise, and having sent nothing: the reader finds
 * exactly the messages that went before, and the end still sends. */
static void test_conn_send_timeout(void)
{
    mp_connection_t *r, *w;
    size_t sent = 0;
    if (!make_pipe(&r, &w, false))
        return;
    if (!fill_pipe(w, &sent))
        goto out;
    double t0 = now_s();
    EXPECT_RC(mp_connection_send(w, "x", 1, 0), MP_ETIMEDOUT);
    EXPECT_RC(mp_connection_send(w, "x", 1, -1.0), MP_EINVAL);
    EXPECT_IMMEDIATE(now_s() - t0);
    t0 = now_s();
    EXPECT_RC(mp_connection_send(w, "x", 1, 0.2), MP_ETIMEDOUT);
    EXPECT_ABOUT(now_s() - t0, 0.2);
    EXPECT_RC(mp_connection_send(w, "x", 1, NAN), MP_EINVAL);
    size_t len = 1, got = 0;
    while (got < sent && mp_connection_recv(r, NULL, 0, &len, 0) == 0 && len == 0)
        got++;
    EXPECT_EQ(got, sent);
    EXPECT_EQ(mp_connection_poll(r, 0), 0); /* none of the timed-out ones */
    if (EXPECT_RC(mp_connection_send(w, "after", 5, WAIT_S), 0))
        EXPECT_RECV(r, "after", WAIT_S);
out:
    mp_connection_destroy(r);
    mp_connection_destroy(w);
}

/* A send that times out part-way through its message closes the end: a
 * 16 MiB message, far more than the pipe holds, to a reader that does not
 * read. The send says MP_ETIMEDOUT and that the end is closed; later calls
 * on it answer MP_ECLOSED; the reader gets end-of-file, never the half
 * message. */
static void test_conn_send_timeout_cuts(void)
{
    mp_connection_t *r, *w;
    unsigned char *big = calloc(1, CONN_BIG_SIZE);
    if (!EXPECT(big != NULL, "cannot allocate 16 MiB") || !make_pipe(&r, &w, false)) {
        free(big);
        return;
    }
    double t0 = now_s();
    EXPECT_RC(mp_connection_send(w, big, CONN_BIG_SIZE, 0.2), MP_ETIMEDOUT);
    EXPECT_ABOUT(now_s() - t0, 0.2);
    EXPECT(strstr(mp_errdetail(), "closed") != NULL, "detail: %s", mp_errdetail());
    EXPECT_RC(mp_connection_send(w, "x", 1, 0), MP_ECLOSED);
    EXPECT_RC(mp_connection_send(w, "x", 1, MP_FOREVER), MP_ECLOSED);
    void *data = NULL;
    size_t len = 0;
    EXPECT_RC(mp_connection_recv_alloc(r, &data, &len, WAIT_S), MP_EEOF);
    EXPECT(data == NULL, "recv_alloc gave data %p after end-of-file", data);
    free(big);
    mp_connection_destroy(r);
    mp_connection_destroy(w);
}

static const test_case_t tests[] = {
    {"conn_duplex_echo", test_conn_duplex_echo, ON_ALL},
    {"conn_child_sees_eof", test_conn_child_sees_eof, ON_NOT_FORK},
    {"conn_recv_too_small", test_conn_recv_too_small, ON_ALL},
    {"conn_poll_timing", test_conn_poll_timing, ON_ALL},
    {"conn_big_from_child", test_conn_big_from_child, ON_ALL},
    {"conn_big_round_trip", test_conn_big_round_trip, ON_ALL},
    {"conn_eof_after_close", test_conn_eof_after_close, ON_ALL},
    {"conn_simplex_direction", test_conn_simplex_direction, ON_ALL},
    {"conn_close_child_end_early", test_conn_close_child_end_early, ON_ALL},
    {"conn_peer_killed", test_conn_peer_killed, ON_ALL},
    {"conn_closed_end", test_conn_closed_end, ON_ALL},
    {"conn_empty_messages", test_conn_empty_messages, ON_ALL},
    {"conn_reader_in_child", test_conn_reader_in_child, ON_ALL},
    {"conn_writer_in_child", test_conn_writer_in_child, ON_ALL},
    {"conn_wait_many_senders", test_conn_wait_many_senders, ON_ALL},
    {"conn_wait_sentinel", test_conn_wait_sentinel, ON_ALL},
    {"conn_bad_args", test_conn_bad_args, ON_ALL},
    {"conn_getter_checks", test_conn_getter_checks, ON_ALL},
    {"conn_timeout_keeps_partial", test_conn_timeout_keeps_partial, ON_ALL},
    {"conn_send_timeout", test_conn_send_timeout, ON_ALL},
    {"conn_send_timeout_cuts", test_conn_send_timeout_cuts, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_connection = {"connection", true, tests};
