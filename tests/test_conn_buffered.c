/* Suite "conn_buffered": a receive may take more from the OS than the
 * message it returns (POSIX reads a small message's header and body in one
 * recv(), and what came beyond waits in the end). Whatever the stream's
 * bytes arrive as, pieces of one message or several messages at once,
 * each receive returns exactly one whole message, in order; bytes held by
 * the end count as readable for poll and for the sentinel (taken before or
 * after they arrived); end-of-file comes after them; a message too long for
 * the buffer stays; an end holding read-ahead bytes is not handed to a
 * child that would miss them. The peer is a raw end (conn_raw.h) that
 * writes the wire itself, so the test decides how the bytes are cut. */
#include <stdio.h>
#include <string.h>

#include "conn_raw.h"
#include "conn_tasks.h"
#include "helpers.h"
#include "platform.h"

#if TEST_POSIX
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "mp_core.h"        /* mp__connection_adopt(), mp__connection_disown() */
#include "posix_internal.h" /* mp__posix_conn_wrap_exact(), mp__posix_*_fds() */
#endif

/* How long a receive waits for what should come. */
#define WAIT_S 30.0

/* The most bytes one framed message takes here: header and a short body. */
enum { FRAME_MAX = CONN_RAW_HEADER + 128 };

/* `text` framed as the library frames it, into `out`; its size. */
static size_t frame(unsigned char *out, const char *text)
{
    size_t n = strlen(text);
    conn_raw_header(out, n);
    memcpy(out + CONN_RAW_HEADER, text, n);
    return CONN_RAW_HEADER + n;
}

/* Receive one message at once (timeout 0: it must be there) and compare
 * it with `want`; asserted, naming the caller's line. */
#define EXPECT_NEXT(c, want) expect_next((c), (want), __FILE__, __LINE__)
static bool expect_next(mp_connection_t *c, const char *want, const char *file, int line)
{
    char buf[FRAME_MAX];
    size_t len = 0;
    int rc = mp_connection_recv(c, buf, sizeof buf, &len, 0);
    if (!check_true(rc == 0, file, line, "recv of \"%s\" returned %d (%s); %s", want, rc,
                    mp_err_name(rc), mp_errdetail()))
        return false;
    return check_true(len == strlen(want) && memcmp(buf, want, len) == 0, file, line,
                      "received \"%.*s\", expected \"%s\"", (int)len, buf, want);
}

/* Ready or not, as poll(0) and mp_wait(0) on `sentinel` both see it. */
#define EXPECT_READY(c, sentinel, want) expect_ready((c), (sentinel), (want), __FILE__, __LINE__)
static void expect_ready(mp_connection_t *c, mp_sentinel_t sentinel, int want, const char *file,
                         int line)
{
    int polled = mp_connection_poll(c, 0);
    int waited = mp_wait(&sentinel, 1, 0, NULL);
    check_true(polled == want && waited == want, file, line,
               "poll(0) said %d and mp_wait(0) %d, expected %d", polled, waited, want);
}

/* A message whose bytes arrive in two pieces, cut at every place of its
 * header and at a few of its body: before the second piece a receive with
 * timeout 0 finds no whole message (and loses nothing); after it the
 * message is whole. The next message, sent whole, follows it intact. */
static void test_buffered_pieces(void)
{
    mp_connection_t *c;
    mp__os_conn_t *peer;
    if (!EXPECT_RC(conn_raw_pair(&c, &peer), 0))
        return;
    unsigned char wire[FRAME_MAX];
    size_t n = frame(wire, "a message cut in two on its way");
    const size_t cuts[] = {1, 3, CONN_RAW_HEADER - 1, CONN_RAW_HEADER, CONN_RAW_HEADER + 1, n - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        char buf[FRAME_MAX];
        size_t len = 0;
        if (!EXPECT_RC(conn_raw_write(peer, wire, cuts[i], WAIT_S), 0))
            break;
        EXPECT_RC(mp_connection_recv(c, buf, sizeof buf, &len, 0), MP_ETIMEDOUT);
        if (!EXPECT_RC(conn_raw_write(peer, wire + cuts[i], n - cuts[i], WAIT_S), 0))
            break;
        EXPECT_NEXT(c, "a message cut in two on its way");
    }
    unsigned char next[FRAME_MAX];
    if (EXPECT_RC(conn_raw_write(peer, next, frame(next, "whole"), WAIT_S), 0))
        EXPECT_NEXT(c, "whole");
    conn_raw_close(peer);
    mp_connection_destroy(c);
}

/* Two messages and the start of a third arrive in one write, so one read
 * can take them all. Each receive returns one message; between them the
 * end says readable through poll and through a sentinel taken before the
 * bytes came, and through one taken after; the third's first bytes count
 * as readable too (bytes of a message are waiting) though no whole message
 * is there. Once the third is whole and received, nothing is ready. */
static void test_buffered_two_in_one(void)
{
    mp_connection_t *c;
    mp__os_conn_t *peer;
    mp_sentinel_t early = 0, late = 0;
    if (!EXPECT_RC(conn_raw_pair(&c, &peer), 0))
        return;
    if (!EXPECT_RC(mp_connection_sentinel(c, &early), 0))
        goto out;
    EXPECT_READY(c, early, 0);
    unsigned char wire[3 * FRAME_MAX];
    size_t n = frame(wire, "first");
    n += frame(wire + n, "second");
    size_t third = frame(wire + n, "third");
    if (!EXPECT_RC(conn_raw_write(peer, wire, n + 3, WAIT_S), 0))
        goto out;
    EXPECT_NEXT(c, "first");
    EXPECT_READY(c, early, 1);
    if (EXPECT_RC(mp_connection_sentinel(c, &late), 0))
        EXPECT_READY(c, late, 1);
    EXPECT_NEXT(c, "second");
    EXPECT_READY(c, early, 1); /* three bytes of the third's header */
    char buf[FRAME_MAX];
    size_t len = 0;
    EXPECT_RC(mp_connection_recv(c, buf, sizeof buf, &len, 0), MP_ETIMEDOUT);
    if (!EXPECT_RC(conn_raw_write(peer, wire + n + 3, third - 3, WAIT_S), 0))
        goto out;
    EXPECT_NEXT(c, "third");
    EXPECT_READY(c, early, 0);
    EXPECT_READY(c, late, 0);
out:
    conn_raw_close(peer);
    mp_connection_destroy(c);
}

/* Held messages come before end-of-file: the peer writes two messages and
 * half a third, then closes. Both whole ones are received, the half one is
 * end-of-file (never half a message), and end-of-file stays. A message
 * too long for the buffer, held behind another, is refused with its length
 * and received whole by the next call with room. */
static void test_buffered_then_eof(void)
{
    mp_connection_t *c;
    mp__os_conn_t *peer;
    if (!EXPECT_RC(conn_raw_pair(&c, &peer), 0))
        return;
    unsigned char wire[3 * FRAME_MAX];
    size_t n = frame(wire, "one");
    n += frame(wire + n, "a longer second message");
    n += frame(wire + n, "cut");
    char small[8], buf[FRAME_MAX];
    size_t len = 0;
    if (EXPECT_RC(conn_raw_write(peer, wire, n - 2, WAIT_S), 0)) {
        conn_raw_close(peer);
        peer = NULL;
        EXPECT_NEXT(c, "one");
        EXPECT_RC(mp_connection_recv(c, small, sizeof small, &len, 0), MP_ETOOSMALL);
        EXPECT_EQ(len, strlen("a longer second message"));
        EXPECT_EQ(mp_connection_poll(c, 0), 1);
        EXPECT_NEXT(c, "a longer second message");
        EXPECT_RC(mp_connection_recv(c, buf, sizeof buf, &len, WAIT_S), MP_EEOF);
        EXPECT_RC(mp_connection_recv(c, buf, sizeof buf, &len, 0), MP_EEOF);
        EXPECT_EQ(mp_connection_poll(c, 0), 1); /* a receive returns at once */
    }
    conn_raw_close(peer);
    mp_connection_destroy(c);
}

/* An end that holds bytes read ahead is not given to a child, which would
 * never see them: the start is refused before any child runs, and the
 * bytes are still this process's to receive. Once received, the same end
 * can be given. (The refusal needs bytes held: where reads are exact, as
 * on Windows, the start simply goes.) */
static void test_buffered_not_shared(void)
{
    mp_connection_t *a, *b;
    if (!EXPECT_RC(mp_pipe_create(&a, &b, NULL), 0))
        return;
    mp_process_t *p = NULL;
    if (!EXPECT_RC(mp_connection_send(b, "kept", 4, WAIT_S), 0) ||
        !EXPECT_RC(mp_connection_send(b, "also kept", 9, WAIT_S), 0))
        goto out;
    EXPECT_NEXT(a, "kept");
    mp_process_opts_t opts = {.task = "task_conn_echo", MP_ARG_I64(1), MP_OBJECTS(a)};
    int rc = mp_process_create(&p, &opts);
    if (rc == 0)
        rc = mp_process_start(p);
    if (TEST_POSIX) {
        EXPECT_RC(rc, MP_ESTATE);
        EXPECT(strstr(mp_errdetail(), "child") != NULL, "detail: %s", mp_errdetail());
        EXPECT_NEXT(a, "also kept");
        mp_process_destroy(p);
        p = start_process(&opts);
    } else {
        EXPECT_RC(rc, 0);
    }
    /* The child echoes the first message it finds: where nothing was held
     * back, the one still queued. */
    const char *want = TEST_POSIX ? "echo me" : "also kept";
    if (p && EXPECT_RC(mp_connection_send(b, "echo me", 7, WAIT_S), 0)) {
        char buf[FRAME_MAX];
        size_t len = 0;
        if (EXPECT_RC(mp_connection_recv(b, buf, sizeof buf, &len, WAIT_S), 0))
            EXPECT(len == strlen(want) && memcmp(buf, want, len) == 0,
                   "echoed \"%.*s\", expected \"%s\"", (int)len, buf, want);
        EXPECT_RC(mp_process_join(p, JOIN_LIMIT_S), 0);
    }
out:
    dispose_process(p);
    mp_connection_destroy(a);
    mp_connection_destroy(b);
}

#if TEST_POSIX
/* A message, then a descriptor right behind it (the fork server's login,
 * then its first request): the end that reads the message must not take
 * the descriptor's bytes with it, since a plain recv() would discard the
 * descriptor. The login's end reads exactly (mp__posix_conn_wrap_exact()),
 * so after the message the socket still holds the descriptor, which
 * arrives and works. */
static void test_buffered_message_then_fd(void)
{
    int sv[2], pfd[2];
    if (!EXPECT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair"))
        return;
    if (!EXPECT(pipe(pfd) == 0, "pipe")) {
        close(sv[0]);
        close(sv[1]);
        return;
    }
    /* A descriptor swallowed by the message's read must fail the test, not
     * hang it: the reads of sv[0] give up after a while. */
    struct timeval patience = {.tv_sec = (time_t)WAIT_S};
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
    unsigned char wire[FRAME_MAX];
    size_t n = frame(wire, "login done");
    mp__os_conn_t *os = NULL;
    mp_connection_t *c = NULL;
    EXPECT_RC(mp__posix_write_all(sv[1], wire, n), 0);
    EXPECT_RC(mp__posix_send_fds(sv[1], "R", 1, &pfd[1], 1), 0);
    if (EXPECT_RC(mp__posix_conn_wrap_exact(sv[0], &os), 0) &&
        EXPECT_RC(mp__connection_adopt(os, &c), 0)) {
        EXPECT_NEXT(c, "login done");
        os = mp__connection_disown(c); /* the descriptor goes back */
        mp__posix_conn_unwrap(os);
        char r = 0, got = 0;
        int fd = -1;
        size_t nfds = 0;
        if (EXPECT_RC(mp__posix_recv_fds(sv[0], &r, 1, &fd, 1, &nfds), 0) && EXPECT_EQ(nfds, 1)) {
            EXPECT(r == 'R', "the request's byte is 0x%02x", (unsigned char)r);
            EXPECT(write(fd, "!", 1) == 1 && read(pfd[0], &got, 1) == 1 && got == '!',
                   "the passed descriptor does not reach the pipe");
            close(fd);
        }
    }
    close(sv[0]);
    close(sv[1]);
    close(pfd[0]);
    close(pfd[1]);
}
#endif

static const test_case_t tests[] = {
    {"buffered_pieces", test_buffered_pieces, ON_ALL},
    {"buffered_two_in_one", test_buffered_two_in_one, ON_ALL},
    {"buffered_then_eof", test_buffered_then_eof, ON_ALL},
    {"buffered_not_shared", test_buffered_not_shared, ON_ALL},
#if TEST_POSIX
    {"buffered_message_then_fd", test_buffered_message_then_fd, ON_ALL},
#endif
    {NULL, NULL, 0},
};

const test_suite_t suite_conn_buffered = {"conn_buffered", true, tests};
