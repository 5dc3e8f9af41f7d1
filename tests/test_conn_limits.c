/* Suite "conn_limits": a connection against a hostile or dying peer. The
 * length in a message's header comes from the peer, so it must not decide
 * how much memory the receiver holds, and a length over the end's maximum
 * ends the connection; a peer killed in the middle of a message gives
 * end-of-file, never half a message, and no SIGPIPE. The peer that lies is
 * a raw end (conn_raw.h) whose bytes the test writes itself; the one that
 * dies is a child, really killed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_raw.h"
#include "conn_tasks.h"
#include "helpers.h"
#include "mp_core.h" /* mp__connection_held_for_tests(), a test hook */

/* How long a receive waits for what should come, or for end-of-file. */
#define WAIT_S 30.0

/* The most memory an end keeps between messages (connection.c's
 * BODY_KEEP): what it held for a big message is given back after it. */
#define KEPT_MAX ((size_t)64 * 1024)

/* The most memory an end holds for the first bytes of a message, whatever
 * length it announces (connection.c's BODY_STEP). */
#define FIRST_STEP_MAX ((size_t)1024 * 1024)

/* conn_raw_pair(), asserted. */
static bool raw_pair(mp_connection_t **c, mp__os_conn_t **peer)
{
    return EXPECT_RC(conn_raw_pair(c, peer), 0);
}

/* Write a header announcing `length` bytes, then `body_len` bytes of
 * `body`, on the raw peer; asserted. */
static bool raw_message_start(mp__os_conn_t *peer, uint64_t length, const void *body,
                              size_t body_len)
{
    unsigned char header[CONN_RAW_HEADER];
    conn_raw_header(header, length);
    return EXPECT_RC(conn_raw_write(peer, header, sizeof header, WAIT_S), 0) &&
           (body_len == 0 || EXPECT_RC(conn_raw_write(peer, body, body_len, WAIT_S), 0));
}

/* The end was closed by a refused message: every call answers MP_ECLOSED,
 * the getter its sentinel, and the peer's next write finds it gone. */
static void expect_closed_by_refusal(mp_connection_t *c, mp__os_conn_t *peer)
{
    char buf[16];
    size_t len = 0;
    EXPECT(strstr(mp_errdetail(), "maximum") != NULL, "detail: %s", mp_errdetail());
    EXPECT_RC(mp_connection_recv(c, buf, sizeof buf, &len, 0), MP_ECLOSED);
    EXPECT_RC(mp_connection_poll(c, 0), MP_ECLOSED);
    EXPECT_EQ(mp_connection_max_message(c), 0);
    if (peer)
        EXPECT_RC(conn_raw_write(peer, "x", 1, WAIT_S), MP_EEOF);
}

/* The address space of this process in bytes, where the OS tells it
 * (Linux's /proc); 0 elsewhere. What malloc reserves for a big block shows
 * there at once, whether or not the pages are ever touched. */
static size_t address_space(void)
{
    size_t pages = 0;
#ifdef __linux__
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%zu", &pages) != 1)
            pages = 0;
        fclose(f);
    }
#endif
    return pages * 4096; /* statm counts pages; a page is at least 4 KiB */
}

/* A child that sends one message of CONN_BIG_SIZE bytes on a pipe
 * (task_conn_send_big), and a buffer that holds it. */
typedef struct big_sender {
    mp_connection_t *a, *b; /* the parent's end; the child's (closed here) */
    mp_process_t *p;        /* NULL when it could not start */
    unsigned char *buf;     /* CONN_BIG_SIZE bytes */
} big_sender_t;

/* Start it; false (nothing to dispose of) when the buffer or the pipe
 * could not be made. The parent closes its copy of the child's end, so
 * that the child's death is end-of-file. */
static bool big_sender_start(big_sender_t *s)
{
    *s = (big_sender_t){0};
    s->buf = malloc(CONN_BIG_SIZE);
    if (!EXPECT(s->buf != NULL, "cannot allocate 16 MiB") ||
        !EXPECT_RC(mp_pipe_create(&s->a, &s->b, NULL), 0)) {
        free(s->buf);
        return false;
    }
    s->p = start_process(&(mp_process_opts_t){
        .task = "task_conn_send_big", MP_ARG_I64((int64_t)CONN_BIG_SIZE), MP_OBJECTS(s->b)});
    EXPECT_RC(mp_connection_close(s->b), 0);
    return true;
}

/* Kill the child if it still runs (a failed receive leaves it blocked in
 * its send), and free everything. */
static void big_sender_dispose(big_sender_t *s)
{
    dispose_process(s->p);
    free(s->buf);
    mp_connection_destroy(s->a);
    mp_connection_destroy(s->b);
}

/* ---- the maximum ------------------------------------------------------ */

/* A header of 4 GiB, over the default maximum, is refused as soon as it
 * arrives by recv_alloc, which would have allocated it (MP_EMSGSIZE), and
 * the end is closed. A receive into a buffer too small for it, before,
 * says MP_ETOOSMALL as for any message (it reads nothing of it, so the
 * length costs nothing) and keeps the end as it was. */
static void test_conn_limits_default_refuses_4gib(void)
{
    static const uint64_t huge = (uint64_t)1 << 32;
    mp_connection_t *c;
    mp__os_conn_t *peer;
    if (!raw_pair(&c, &peer))
        return;
    EXPECT_EQ(mp_connection_max_message(c), MP_CONNECTION_MAX_MESSAGE_DEFAULT);
    void *data = NULL;
    char small[16];
    size_t len = 0;
    if (raw_message_start(peer, huge, "abc", 3)) {
        EXPECT_RC(mp_connection_recv(c, small, sizeof small, &len, WAIT_S), MP_ETOOSMALL);
        EXPECT_EQ(len, sizeof(size_t) > 4 ? huge : SIZE_MAX);
        EXPECT_EQ(mp_connection_poll(c, 0), 1);
        /* A short timeout: before the maximum, the receive waited for a
         * body that never comes. */
        EXPECT_RC(mp_connection_recv_alloc(c, &data, &len, 2.0), MP_EMSGSIZE);
        EXPECT(data == NULL, "recv_alloc gave %p with MP_EMSGSIZE", data);
        expect_closed_by_refusal(c, peer);
    }
    mp_free(data);
    conn_raw_close(peer);
    mp_connection_destroy(c);
}

/* A maximum set on an end holds for every receive: a message exactly at it
 * passes, one byte over it is refused and closes the end; the peer, a real
 * sender, then finds the end gone. 0 allows only empty messages. The
 * setter and getter refuse what they must. */
static void test_conn_limits_set_max(void)
{
    mp_connection_t *a, *b;
    if (!EXPECT_RC(mp_pipe_create(&a, &b, NULL), 0))
        return;
    static unsigned char msg[1001];
    void *data = NULL;
    size_t len = 0;
    EXPECT_RC(mp_connection_set_max_message(a, 1000), 0);
    EXPECT_EQ(mp_connection_max_message(a), 1000);
    EXPECT_EQ(mp_connection_max_message(b), MP_CONNECTION_MAX_MESSAGE_DEFAULT);
    EXPECT_RC(mp_connection_send(b, msg, 1000, WAIT_S), 0);
    if (EXPECT_RC(mp_connection_recv_alloc(a, &data, &len, WAIT_S), 0))
        EXPECT_EQ(len, 1000);
    mp_free(data);
    EXPECT_RC(mp_connection_send(b, msg, 1001, WAIT_S), 0);
    EXPECT_RC(mp_connection_recv(a, msg, sizeof msg, &len, WAIT_S), MP_EMSGSIZE);
    expect_closed_by_refusal(a, NULL);
    EXPECT_RC(mp_connection_send(b, msg, 1, WAIT_S), MP_EEOF);
    mp_connection_destroy(a);
    mp_connection_destroy(b);

    if (!EXPECT_RC(mp_pipe_create(&a, &b, &(mp_pipe_opts_t){.one_way = true}), 0))
        return;
    EXPECT_RC(mp_connection_set_max_message(a, 0), 0);
    EXPECT_RC(mp_connection_send(b, NULL, 0, WAIT_S), 0);
    EXPECT_RC(mp_connection_recv(a, NULL, 0, &len, WAIT_S), 0);
    EXPECT_RC(mp_connection_send(b, "x", 1, WAIT_S), 0);
    EXPECT_RC(mp_connection_recv(a, msg, sizeof msg, &len, WAIT_S), MP_EMSGSIZE);
    EXPECT_RC(mp_connection_set_max_message(b, 10), MP_ESTATE); /* only sends */
    EXPECT_EQ(mp_connection_max_message(b), 0);
    EXPECT_RC(mp_connection_set_max_message(a, 10), MP_ECLOSED);
    EXPECT_RC(mp_connection_set_max_message(NULL, 10), MP_EINVAL);
    EXPECT_EQ(mp_connection_max_message(NULL), 0);
    mp_connection_destroy(a);
    mp_connection_destroy(b);
    EXPECT_RC(mp_connection_set_max_message(a, 10), MP_ECLOSED);
}

/* ---- what a receive holds --------------------------------------------- */

/* A header announcing the most the end accepts (1 GiB), followed by 100
 * bytes and silence: the receives that time out keep those bytes, and the
 * memory held for them is about what came, not what was announced (before,
 * recv_alloc allocated the gigabyte and reserved it a second time, in this
 * process's address space for as long as the end lived). The bytes that
 * came are not lost: end-of-file then ends the message, and the end. */
static void test_conn_limits_claim_costs_little(void)
{
    mp_connection_t *c;
    mp__os_conn_t *peer;
    if (!raw_pair(&c, &peer))
        return;
    static const char body[100] = "the start of a message that never ends";
    size_t before = address_space();
    void *data = NULL;
    size_t len = 0;
    if (raw_message_start(peer, MP_CONNECTION_MAX_MESSAGE_DEFAULT, body, sizeof body)) {
        EXPECT_RC(mp_connection_recv_alloc(c, &data, &len, 0.2), MP_ETIMEDOUT);
        EXPECT_RC(mp_connection_recv_alloc(c, &data, &len, 0), MP_ETIMEDOUT);
        size_t grown = address_space() - before;
        EXPECT(grown < ((size_t)64 << 20), "the address space grew by %zu bytes", grown);
        size_t held = mp__connection_held_for_tests(c);
        EXPECT(held >= sizeof body && held <= FIRST_STEP_MAX, "the end holds %zu bytes", held);
        conn_raw_close(peer);
        peer = NULL;
        EXPECT_RC(mp_connection_recv_alloc(c, &data, &len, WAIT_S), MP_EEOF);
        EXPECT(strstr(mp_errdetail(), "middle") != NULL, "detail: %s", mp_errdetail());
        EXPECT(data == NULL, "recv_alloc gave %p with MP_EEOF", data);
        EXPECT_RC(mp_connection_recv_alloc(c, &data, &len, WAIT_S), MP_EEOF);
    }
    conn_raw_close(peer);
    mp_connection_destroy(c);
}

/* A 16 MiB message received in pieces by receives that time out (each
 * piece is kept by the end until the message is whole), into the caller's
 * buffer: after it, the end gives back what it held for the pieces. */
static void test_conn_limits_big_message_given_back(void)
{
    big_sender_t s;
    if (!big_sender_start(&s))
        return;
    int rc = s.p ? mp_connection_poll(s.a, WAIT_S) : MP_EINVAL;
    double deadline = now_s() + JOIN_LIMIT_S;
    size_t len = 0;
    /* A 1 ms timeout: the sender rarely keeps up, so most calls end with a
     * piece kept. */
    for (rc = rc == 1 ? MP_ETIMEDOUT : rc; rc == MP_ETIMEDOUT && now_s() < deadline;)
        rc = mp_connection_recv(s.a, s.buf, CONN_BIG_SIZE, &len, 0.001);
    if (EXPECT_RC(rc, 0) && EXPECT_EQ(len, CONN_BIG_SIZE))
        EXPECT(s.buf[len - 1] == conn_pattern_byte(len - 1), "the last byte differs");
    size_t held = mp__connection_held_for_tests(s.a);
    EXPECT(held <= KEPT_MAX, "the end still holds %zu bytes", held);
    big_sender_dispose(&s);
}

/* ---- a peer that dies ------------------------------------------------- */

/* A child killed (SIGKILL on POSIX) while it sends a 16 MiB message, far
 * more than the pipe holds, after the parent has taken the message's
 * header: the parent reads what the pipe still held of it (on Windows a
 * message-mode pipe may drop it with its writer), then end-of-file, and
 * gives MP_EEOF, never the half message; it keeps giving it (poll says 1: a
 * receive would not block); a send to the dead peer is MP_EEOF too, not a
 * SIGPIPE that would kill this process. */
static void test_conn_limits_peer_killed_mid_message(void)
{
    big_sender_t s;
    if (!big_sender_start(&s))
        return;
    size_t len = 0;
    /* A buffer too small takes the header only; the child stays blocked in
     * its send until it is killed. */
    if (s.p && EXPECT_RC(mp_connection_recv(s.a, s.buf, 1, &len, WAIT_S), MP_ETOOSMALL)) {
        EXPECT_RC(mp_process_kill(s.p), 0);
        EXPECT_RC(mp_process_join(s.p, JOIN_LIMIT_S), 0);
        EXPECT_EQ(exitcode_of(s.p), KILLED_EXITCODE);
        void *data = NULL;
        EXPECT_RC(mp_connection_recv(s.a, s.buf, CONN_BIG_SIZE, &len, WAIT_S), MP_EEOF);
        EXPECT(strstr(mp_errdetail(), "middle") != NULL, "detail: %s", mp_errdetail());
        EXPECT_RC(mp_connection_recv_alloc(s.a, &data, &len, WAIT_S), MP_EEOF);
        EXPECT(data == NULL, "recv_alloc gave %p with MP_EEOF", data);
        EXPECT_EQ(mp_connection_poll(s.a, 0), 1);
        EXPECT_RC(mp_connection_recv(s.a, s.buf, CONN_BIG_SIZE, &len, 0), MP_EEOF);
        EXPECT_RC(mp_connection_send(s.a, "anyone?", 7, WAIT_S), MP_EEOF);
        EXPECT(mp__connection_held_for_tests(s.a) <= KEPT_MAX, "the half message is still held");
    }
    big_sender_dispose(&s);
}

static const test_case_t tests[] = {
    {"conn_limits_default_refuses_4gib", test_conn_limits_default_refuses_4gib, ON_ALL},
    {"conn_limits_set_max", test_conn_limits_set_max, ON_ALL},
    {"conn_limits_claim_costs_little", test_conn_limits_claim_costs_little, ON_ALL},
    {"conn_limits_big_message_given_back", test_conn_limits_big_message_given_back, ON_ALL},
    {"conn_limits_peer_killed_mid_message", test_conn_limits_peer_killed_mid_message, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_conn_limits = {"conn_limits", true, tests};
