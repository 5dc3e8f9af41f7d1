/* Suite "manager_hostile": clients that hold the key but break the
 * protocol, over real sockets (mp_client_connect(), then bytes written by
 * hand): garbage, a request of the wrong shape, half a request and a
 * hang-up, a length field claiming 4 GiB, a client that says nothing. Each
 * is hung up on (or just waited for), and the server serves a good client
 * at once, every time. Run once per start method: the server runs under
 * it. */
#include <stdio.h>
#include <string.h>

#include "conn_raw.h"
#include "helpers.h"
#include "mgr_helpers.h"
#include "mp_core.h" /* mp__connection_disown(), mp__connection_adopt() */

/* A generous bound for "at once" on a loaded machine (a hostile client that
 * held the server would hold it for ever). */
#define PROMPT_S 10.0

/* An authenticated connection to the manager's server. */
static mp_connection_t *keyed_client(mp_manager_t *m)
{
    const void *key;
    size_t len;
    mp_connection_t *c = NULL;
    if (!EXPECT_RC(mp_manager_authkey(m, &key, &len), 0) ||
        !EXPECT_RC(mp_client_connect(&c,
                                     &(mp_client_opts_t){.address = mp_manager_address(m),
                                                         .authkey = key,
                                                         .authkey_len = len},
                                     MGR_WAIT_S),
                   0))
        return NULL;
    return c;
}

/* The server hangs up on `c`: end-of-file, not an answer. */
static void expect_hung_up(mp_connection_t *c)
{
    char buf[256];
    size_t len;
    EXPECT_RC(mp_connection_recv(c, buf, sizeof buf, &len, MGR_WAIT_S), MP_EEOF);
}

/* The good client's call completes promptly, and right. */
static void expect_serves(mp_proxy_t *good, int64_t want)
{
    double t0 = now_s();
    EXPECT_EQ(mgr_call_int(good, "add", 1), want);
    EXPECT(now_s() - t0 < PROMPT_S, "a good call took %.3f s", now_s() - t0);
}

/* A manager and a good client's counter (connected already). */
static mp_manager_t *start(mp_proxy_t **good)
{
    mp_manager_t *m = mgr_start(NULL);
    *good = m ? mgr_counter(m, 0) : NULL;
    if (*good)
        expect_serves(*good, 1);
    return m;
}

static void finish(mp_manager_t *m, mp_proxy_t *good)
{
    mp_proxy_destroy(good);
    mp_manager_destroy(m);
}

static void test_garbage(void)
{
    mp_proxy_t *good;
    mp_manager_t *m = start(&good);
    mp_connection_t *c = good ? keyed_client(m) : NULL;
    if (c) {
        static const unsigned char garbage[] = {0xc1, 0xc1, 0xff, 0x00, 0x13};
        EXPECT_RC(mp_connection_send(c, garbage, sizeof garbage, MGR_WAIT_S), 0);
        expect_hung_up(c);
        expect_serves(good, 2);
        /* An empty message is no request either. */
        mp_connection_t *empty = keyed_client(m);
        if (empty) {
            EXPECT_RC(mp_connection_send(empty, "", 0, MGR_WAIT_S), 0);
            expect_hung_up(empty);
        }
        mp_connection_destroy(empty);
        expect_serves(good, 3);
    }
    mp_connection_destroy(c);
    finish(m, good);
}

/* Well-formed msgpack, but not a request: [1, 2, 3], and a request with a
 * negative timeout and one whose arguments are not a list. */
static void test_wrong_shape(void)
{
    static const unsigned char shapes[][24] = {
        {0x93, 0x01, 0x02, 0x03},
        {0x94, 0xa3, 'g', 'e', 't', 0x01, 0xcb, 0xbf, 0xf0, 0, 0, 0, 0, 0, 0, 0x90},
        {0x94, 0xa3, 'g', 'e', 't', 0x01, 0x00, 0x05},
    };
    static const size_t lens[] = {4, 16, 8};
    mp_proxy_t *good;
    mp_manager_t *m = start(&good);
    for (size_t i = 0; good && i < sizeof lens / sizeof *lens; i++) {
        mp_connection_t *c = keyed_client(m);
        if (c && EXPECT_RC(mp_connection_send(c, shapes[i], lens[i], MGR_WAIT_S), 0))
            expect_hung_up(c);
        mp_connection_destroy(c);
        expect_serves(good, (int64_t)i + 2);
    }
    finish(m, good);
}

/* A keyed client's bare stream, on which a message header claiming
 * `length` bytes and then the first `n` (at most 16) bytes were written,
 * in one write: the server may refuse the header and hang up as soon as
 * it has read it, so a second write could find the stream closed. */
static mp__os_conn_t *raw_start(mp_manager_t *m, uint64_t length, const char *bytes, size_t n)
{
    mp_connection_t *c = keyed_client(m);
    mp__os_conn_t *raw = c ? mp__connection_disown(c) : NULL;
    if (raw && EXPECT(n <= 16, "raw_start: %zu bytes, more than its 16", n)) {
        unsigned char start[CONN_RAW_HEADER + 16];
        conn_raw_header(start, length);
        memcpy(start + CONN_RAW_HEADER, bytes, n);
        EXPECT_RC(conn_raw_write(raw, start, CONN_RAW_HEADER + n, MGR_WAIT_S), 0);
    }
    return raw;
}

/* Half a request, then the client is gone. */
static void test_truncated_then_hang_up(void)
{
    mp_proxy_t *good;
    mp_manager_t *m = start(&good);
    mp__os_conn_t *raw = good ? raw_start(m, 100, "\x94\xa3get\x01", 6) : NULL;
    if (raw) {
        expect_serves(good, 2); /* while the half request waits */
        conn_raw_close(raw);
        expect_serves(good, 3);
    }
    finish(m, good);
}

/* A length field that claims 4 GiB: refused when it arrives, before the
 * server reserves anything for it. */
static void test_huge_length(void)
{
    mp_proxy_t *good;
    mp_manager_t *m = start(&good);
    mp__os_conn_t *raw = good ? raw_start(m, (uint64_t)4 << 30, "\x94\xa3get", 5) : NULL;
    if (raw) {
        mp_connection_t *again = NULL;
        if (EXPECT_RC(mp__connection_adopt(raw, &again), 0))
            expect_hung_up(again);
        mp_connection_destroy(again);
        expect_serves(good, 2);
    }
    finish(m, good);
}

/* A client that connects and says nothing is simply waited for; the
 * others are served meanwhile, and it is still served afterwards. */
static void test_silent_client(void)
{
    mp_proxy_t *good;
    mp_manager_t *m = start(&good);
    mp_connection_t *silent = good ? keyed_client(m) : NULL;
    if (silent) {
        expect_serves(good, 2);
        EXPECT_RC(mp_connection_poll(silent, 0.2), 0); /* nothing for it: not hung up */
        expect_serves(good, 3);
    }
    /* One that does not even answer the key's challenge: the listener
     * gives it its time, and lets the others in meanwhile. */
    mp_connection_t *keyless = NULL;
    if (silent &&
        EXPECT_RC(mp_client_connect(&keyless, &(mp_client_opts_t){.address = mp_manager_address(m)},
                                    MGR_WAIT_S),
                  0)) {
        mp_proxy_t *late = mgr_same(good); /* a new connection, made meanwhile */
        if (late)
            expect_serves(late, 4);
        mp_proxy_destroy(late);
    }
    mp_connection_destroy(keyless);
    mp_connection_destroy(silent);
    finish(m, good);
}

#if TEST_POSIX
/* A ping on a raw keyed connection: 0 answered, MP_EEOF hung up on. */
static int ping(mp_connection_t *c)
{
    /* ["ping", 0, 10.0, []] */
    static const unsigned char request[] = {0x94, 0xa4, 'p', 'i', 'n', 'g', 0x00, 0xcb, 0x40,
                                            0x24, 0,    0,   0,   0,   0,   0,    0x90};
    char reply[64];
    size_t len;
    int rc = mp_connection_send(c, request, sizeof request, MGR_WAIT_S);
    return rc < 0 ? rc : mp_connection_recv(c, reply, sizeof reply, &len, MGR_WAIT_S);
}

/* The server serves 256 clients at once (its starter and the good proxy
 * among them); one more is hung up on, and a place that frees up is taken
 * again. */
static void test_too_many_clients(void)
{
    enum { CAP = 256, OTHERS = 2 /* the starter's connection, the good proxy's */ };
    static mp_connection_t *conns[CAP];
    mp_proxy_t *good;
    mp_manager_t *m = start(&good);
    int served = 0, rc = 0;
    for (; good && served < CAP; served++) {
        if (!(conns[served] = keyed_client(m)) || (rc = ping(conns[served])) < 0)
            break;
    }
    EXPECT_EQ(served, CAP - OTHERS);
    EXPECT_RC(rc, MP_EEOF);
    expect_serves(good, 2);
    /* One leaves: its place is free once its thread has ended. */
    mp_connection_destroy(conns[0]);
    conns[0] = NULL;
    double end = now_s() + MGR_WAIT_S;
    mp_connection_t *again = NULL;
    do {
        mp_connection_destroy(again);
        again = keyed_client(m);
    } while (again && ping(again) == MP_EEOF && now_s() < end && (sleep_s(0.05), true));
    EXPECT(again && ping(again) == 0, "a freed place is taken again");
    mp_connection_destroy(again);
    for (int i = 0; i <= served && i < CAP; i++) {
        mp_connection_destroy(conns[i]);
        conns[i] = NULL;
    }
    finish(m, good);
}
#endif

static const test_case_t tests[] = {
    {"garbage", test_garbage, ON_ALL},
    {"wrong_shape", test_wrong_shape, ON_ALL},
    {"truncated_then_hang_up", test_truncated_then_hang_up, ON_ALL},
    {"huge_length", test_huge_length, ON_ALL},
    {"silent_client", test_silent_client, ON_ALL},
#if TEST_POSIX /* 256 threads and connections: fine on Linux, slow under wine */
    {"too_many_clients", test_too_many_clients, ON_ALL},
#endif
    {NULL, NULL, 0},
};

const test_suite_t suite_manager_hostile = {"manager_hostile", true, tests};
