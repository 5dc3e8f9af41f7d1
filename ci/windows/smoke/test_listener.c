/* Listeners and clients (win32/listener.c) and socket ends (win32/conn.c):
 * named pipes and TCP through the backend's own calls (mp_backend.h),
 * then through the public API (listener.h) with and without a key.
 *
 * Pipes: a made-up name and a given one, data both ways, end-of-file both
 * ways, a second listener on a name (MP_EEXIST), nothing there
 * (MP_ENOENT), accept timeouts, a busy pipe (the client waits for the next
 * instance), a listener made on a thread that ended, a client that
 * connected, wrote and closed before the accept (both ways it shows:
 * a connect that completed, and ConnectNamedPipe's ERROR_NO_DATA).
 * TCP: port 0, the same (a late client wakes an accept), the sentinel on
 * socket ends (alone and in mp_wait(), with probes and timed-out reads
 * interleaved), a port in use (MP_EEXIST) and released, refused
 * (MP_ENOENT), malformed addresses. The public API: both families, keys
 * right, empty, wrong and missing. Ends given to children: a
 * pipe end works, a socket end is refused cleanly. No handle left behind,
 * none inheritable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smoke.h"

/* The backend's calls, and the Win32 backend's own helpers (the static
 * library exports them). */
#include "mp_backend.h"
#include "win32_internal.h"

/* An absolute deadline `seconds` from now. */
static double in(double seconds)
{
    return mp__os_now() + seconds;
}

static unsigned char pat(size_t i, unsigned seed)
{
    return (unsigned char)(i * 151 + (i >> 9) * 3 + seed * 29 + 5);
}

/* Read exactly `n` bytes: a TCP stream may give them in pieces. */
static int read_exact(mp__os_conn_t *c, void *buf, size_t n, double deadline)
{
    size_t have = 0;
    while (have < n) {
        size_t got = 0;
        int rc = mp__os_conn_read(c, (char *)buf + have, n - have, &got, deadline);
        if (rc < 0)
            return rc;
        if (got == 0) {
            printf("    end-of-file after %lu of %lu bytes\n", (unsigned long)have,
                   (unsigned long)n);
            return MP_EEOF;
        }
        have += got;
    }
    return 0;
}

static bool send_text(mp__os_conn_t *c, const char *text)
{
    return CHECK_RC(smoke_conn_write(c, text, strlen(text)), 0);
}

/* The next bytes are `text`. */
static bool got_text(mp__os_conn_t *c, const char *text)
{
    char buf[256];
    size_t n = strlen(text);
    if (!CHECK_RC(read_exact(c, buf, n, in(10)), 0))
        return false;
    return CHECK(memcmp(buf, text, n) == 0, "expected '%s', got '%.*s'", text, (int)n, buf);
}

static bool at_eof(mp__os_conn_t *c)
{
    char buf[16];
    size_t got = 1;
    int rc = mp__os_conn_read(c, buf, sizeof buf, &got, in(10));
    return CHECK(rc == 0 && got == 0, "expected end-of-file: %s, %lu bytes (%s)", mp_err_name(rc),
                 (unsigned long)got, mp_errdetail());
}

/* A write to a peer that is gone says MP_EEOF, at once or (TCP, where the
 * first writes may still be buffered) within a few tries. */
static bool write_eof(mp__os_conn_t *c)
{
    int rc = 0;
    for (int i = 0; i < 50 && rc == 0; i++) {
        rc = smoke_conn_write(c, "x", 1);
        if (rc == 0)
            Sleep(20);
    }
    return CHECK_RC(rc, MP_EEOF);
}

/* Whether mp__os_wait_handles() sees `s` ready within `timeout`. */
static int ready_within(mp_sentinel_t s, double timeout)
{
    unsigned char ready = 0;
    int n = mp__os_wait_handles(&s, 1, timeout, &ready);
    return n < 0 ? n : ready;
}

/* ---- threads: a writer, a connector ------------------------------------ */

typedef struct pump {
    mp__os_conn_t *c;
    size_t len;
    unsigned seed;
    DWORD delay_ms;
    bool close; /* free the end after writing */
    int rc;
    HANDLE thread;
} pump_t;

static DWORD WINAPI pump_main(LPVOID arg)
{
    pump_t *p = arg;
    if (p->delay_ms)
        Sleep(p->delay_ms);
    unsigned char *buf = malloc(p->len ? p->len : 1);
    for (size_t i = 0; buf && i < p->len; i++)
        buf[i] = pat(i, p->seed);
    p->rc = buf ? smoke_conn_write(p->c, buf, p->len) : MP_ENOMEM;
    free(buf);
    if (p->close)
        mp__os_conn_free(p->c);
    return 0;
}

static bool pump_start(pump_t *p)
{
    p->rc = 1;
    p->thread = CreateThread(NULL, 0, pump_main, p, 0, NULL);
    return CHECK(p->thread != NULL, "CreateThread");
}

/* The thread's return code; 1 if it is still running after `ms`. */
static int thread_join(HANDLE *thread, const int *rc, DWORD ms)
{
    if (!*thread)
        return MP_ESYS;
    if (WaitForSingleObject(*thread, ms) != WAIT_OBJECT_0)
        return 1;
    CloseHandle(*thread);
    *thread = NULL;
    return *rc;
}

/* Receive `len` bytes of pattern `seed`. */
static bool got_pattern(mp__os_conn_t *c, size_t len, unsigned seed)
{
    unsigned char *buf = malloc(len);
    if (!CHECK(buf != NULL, "malloc"))
        return false;
    bool ok = CHECK_RC(read_exact(c, buf, len, in(60)), 0);
    for (size_t i = 0; ok && i < len; i++)
        if (buf[i] != pat(i, seed))
            ok = CHECK(false, "byte %lu of %lu differs", (unsigned long)i, (unsigned long)len);
    free(buf);
    return ok;
}

typedef struct dialer {
    mp__family_t family;
    const char *where;
    double timeout;
    DWORD delay_ms; /* before connecting */
    mp__os_conn_t *c;
    int rc;
    HANDLE thread;
} dialer_t;

static DWORD WINAPI dialer_main(LPVOID arg)
{
    dialer_t *d = arg;
    if (d->delay_ms)
        Sleep(d->delay_ms);
    d->rc = mp__os_connect(d->family, d->where, in(d->timeout), &d->c);
    return 0;
}

static bool dialer_start(dialer_t *d)
{
    d->rc = 1;
    d->c = NULL;
    d->thread = CreateThread(NULL, 0, dialer_main, d, 0, NULL);
    return CHECK(d->thread != NULL, "CreateThread");
}

/* Data both ways between two ends: small, then 1 MiB each way (beyond a
 * pipe's buffer and a socket's: a thread writes). */
static void both_ways(mp__os_conn_t *a, mp__os_conn_t *b)
{
    send_text(a, "hello from a");
    got_text(b, "hello from a");
    send_text(b, "hello from b");
    got_text(a, "hello from b");
    pump_t p = {.c = a, .len = 1 << 20, .seed = 1};
    if (pump_start(&p)) {
        got_pattern(b, p.len, p.seed);
        CHECK_RC(thread_join(&p.thread, &p.rc, 30000), 0);
    }
    p = (pump_t){.c = b, .len = 1 << 20, .seed = 2};
    if (pump_start(&p)) {
        got_pattern(a, p.len, p.seed);
        CHECK_RC(thread_join(&p.thread, &p.rc, 30000), 0);
    }
}

/* ---- pipes --------------------------------------------------------------- */

typedef struct thread_listen {
    const char *where;
    char bound[MP_ADDRESS_MAX + 1];
    mp__os_listener_t *l;
    int rc;
} thread_listen_t;

static DWORD WINAPI listen_main(LPVOID arg)
{
    thread_listen_t *t = arg;
    t->rc = mp__os_listen(MP__FAMILY_PIPE, t->where, 1, t->bound, sizeof t->bound, &t->l);
    return 0;
}

typedef struct thread_accept {
    mp__os_listener_t *l;
    mp__os_conn_t *c;
    int rc;
} thread_accept_t;

static DWORD WINAPI accept_main(LPVOID arg)
{
    thread_accept_t *t = arg;
    t->rc = mp__os_accept(t->l, in(5), &t->c);
    return 0;
}

static void test_listen_pipe(void)
{
    char bound[MP_ADDRESS_MAX + 1], name[96], prefixed[128], prefix[32];
    mp__os_listener_t *l = NULL, *l2 = NULL;
    mp__os_conn_t *client = NULL, *server = NULL;
    CHECK(mp__os_default_family() == MP__FAMILY_PIPE, "the default family is pipe");

    /* A made-up name. */
    if (!CHECK_RC(mp__os_listen(MP__FAMILY_PIPE, NULL, 1, bound, sizeof bound, &l), 0))
        return;
    snprintf(prefix, sizeof prefix, "mp-%lu-", (unsigned long)GetCurrentProcessId());
    CHECK(strncmp(bound, prefix, strlen(prefix)) == 0 && strlen(bound) == strlen(prefix) + 16,
          "made-up name '%s'", bound);
    if (CHECK_RC(mp__os_connect(MP__FAMILY_PIPE, bound, in(5), &client), 0) &&
        CHECK_RC(mp__os_accept(l, in(5), &server), 0)) {
        both_ways(client, server);
        mp__os_conn_free(client);
        client = NULL;
        at_eof(server);
        at_eof(server);
        write_eof(server);
    }
    mp__os_conn_free(server);
    server = NULL;
    /* The next client gets the next instance; and the other way round. */
    if (CHECK_RC(mp__os_connect(MP__FAMILY_PIPE, bound, in(5), &client), 0) &&
        CHECK_RC(mp__os_accept(l, in(5), &server), 0)) {
        send_text(server, "second");
        got_text(client, "second");
        mp__os_conn_free(server);
        server = NULL;
        at_eof(client);
        write_eof(client);
    }
    mp__os_conn_free(client);
    client = NULL;
    mp__os_listener_free(l);
    l = NULL;
    CHECK_RC(mp__os_connect(MP__FAMILY_PIPE, bound, in(5), &client), MP_ENOENT);

    /* A given name: taken once, whichever form names it. */
    snprintf(name, sizeof name, "mp-smoke-%lu-named", (unsigned long)GetCurrentProcessId());
    snprintf(prefixed, sizeof prefixed, "\\\\.\\pipe\\%s", name);
    if (!CHECK_RC(mp__os_listen(MP__FAMILY_PIPE, name, 1, bound, sizeof bound, &l), 0))
        return;
    CHECK(strcmp(bound, name) == 0, "bound '%s'", bound);
    CHECK_RC(mp__os_listen(MP__FAMILY_PIPE, name, 1, bound, sizeof bound, &l2), MP_EEXIST);
    CHECK_RC(mp__os_listen(MP__FAMILY_PIPE, prefixed, 1, bound, sizeof bound, &l2), MP_EEXIST);
    if (CHECK_RC(mp__os_connect(MP__FAMILY_PIPE, prefixed, in(5), &client), 0) &&
        CHECK_RC(mp__os_accept(l, in(5), &server), 0)) {
        send_text(client, "by its full name");
        got_text(server, "by its full name");
    }
    mp__os_conn_free(client);
    mp__os_conn_free(server);
    client = server = NULL;

    /* Accept timeouts: a poll, then 0.2 s. */
    double t0 = smoke_now();
    CHECK_RC(mp__os_accept(l, in(-1), &server), MP_ETIMEDOUT);
    CHECK(smoke_now() - t0 < 0.5, "a poll took %.3f s", smoke_now() - t0);
    t0 = smoke_now();
    CHECK_RC(mp__os_accept(l, in(0.2), &server), MP_ETIMEDOUT);
    double took = smoke_now() - t0;
    CHECK(took >= 0.19 && took < 3, "a 0.2 s accept took %.3f s", took);

    /* Busy: a client connected and not accepted holds the one instance; the
     * next waits for the accept that makes another, or times out. */
    mp__os_conn_t *first = NULL, *second = NULL;
    if (CHECK_RC(mp__os_connect(MP__FAMILY_PIPE, name, in(5), &first), 0)) {
        t0 = smoke_now();
        CHECK_RC(mp__os_connect(MP__FAMILY_PIPE, name, in(0.3), &second), MP_ETIMEDOUT);
        took = smoke_now() - t0;
        CHECK(took >= 0.29 && took < 3, "a busy 0.3 s connect took %.3f s", took);
        CHECK_RC(mp__os_connect(MP__FAMILY_PIPE, name, in(-1), &second), MP_ETIMEDOUT);
        dialer_t d = {.family = MP__FAMILY_PIPE, .where = name, .timeout = 20};
        if (dialer_start(&d)) {
            Sleep(200);
            CHECK(thread_join(&d.thread, &d.rc, 0) == 1, "the second client waits");
            if (CHECK_RC(mp__os_accept(l, in(5), &server), 0)) {
                send_text(first, "first");
                got_text(server, "first");
                mp__os_conn_free(server);
                server = NULL;
            }
            if (CHECK_RC(thread_join(&d.thread, &d.rc, 20000), 0) &&
                CHECK_RC(mp__os_accept(l, in(5), &server), 0)) {
                send_text(d.c, "second");
                got_text(server, "second");
            }
            mp__os_conn_free(d.c);
        }
    }
    mp__os_conn_free(first);
    mp__os_conn_free(server);
    server = NULL;
    mp__os_listener_free(l);
    l = NULL;

    /* The name is free again once the listener is gone. */
    if (CHECK_RC(mp__os_listen(MP__FAMILY_PIPE, name, 1, bound, sizeof bound, &l), 0))
        mp__os_listener_free(l);

    /* A listener made on a thread that has ended since: Windows cancelled
     * the connect that thread started; accept starts it again. */
    thread_listen_t tl = {.where = NULL};
    HANDLE th = CreateThread(NULL, 0, listen_main, &tl, 0, NULL);
    if (CHECK(th != NULL, "CreateThread")) {
        WaitForSingleObject(th, INFINITE);
        CloseHandle(th);
        if (CHECK_RC(tl.rc, 0)) {
            Sleep(50);
            if (CHECK_RC(mp__os_connect(MP__FAMILY_PIPE, tl.bound, in(5), &client), 0) &&
                CHECK_RC(mp__os_accept(tl.l, in(5), &server), 0)) {
                send_text(client, "after the thread");
                got_text(server, "after the thread");
            }
            mp__os_conn_free(client);
            mp__os_conn_free(server);
            client = server = NULL;
            /* An accept on a thread that ends: the connect it started
             * for the next client goes with the thread. */
            thread_accept_t ta = {.l = tl.l};
            if (CHECK_RC(mp__os_connect(MP__FAMILY_PIPE, tl.bound, in(5), &client), 0) &&
                CHECK((th = CreateThread(NULL, 0, accept_main, &ta, 0, NULL)) != NULL,
                      "CreateThread")) {
                WaitForSingleObject(th, INFINITE);
                CloseHandle(th);
                CHECK_RC(ta.rc, 0);
                mp__os_conn_free(ta.c);
                mp__os_conn_free(client);
                client = NULL;
                Sleep(50);
                if (CHECK_RC(mp__os_connect(MP__FAMILY_PIPE, tl.bound, in(5), &client), 0) &&
                    CHECK_RC(mp__os_accept(tl.l, in(5), &server), 0)) {
                    send_text(server, "after the accept thread");
                    got_text(client, "after the accept thread");
                }
            }
            mp__os_conn_free(client);
            mp__os_conn_free(server);
            client = server = NULL;
        }
        mp__os_listener_free(tl.l);
    }

    /* Malformed: too long, a family Windows lacks. */
    char longname[300];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    CHECK_RC(mp__os_listen(MP__FAMILY_PIPE, longname, 1, bound, sizeof bound, &l), MP_EINVAL);
    CHECK_RC(mp__os_listen(MP__FAMILY_UNIX, NULL, 1, bound, sizeof bound, &l), MP_EINVAL);
    CHECK_RC(mp__os_connect(MP__FAMILY_UNIX, "/tmp/x", in(1), &client), MP_EINVAL);
}

/* A client that connected, wrote and closed before the accept. */
static void test_pipe_early_close(void)
{
    char bound[MP_ADDRESS_MAX + 1];
    mp__os_listener_t *l = NULL;
    if (!CHECK_RC(mp__os_listen(MP__FAMILY_PIPE, NULL, 1, bound, sizeof bound, &l), 0))
        return;
    /* Twice: the first instance, then the one the accept made next. */
    for (int round = 0; round < 2; round++) {
        mp__os_conn_t *client = NULL, *server = NULL;
        if (!CHECK_RC(mp__os_connect(MP__FAMILY_PIPE, bound, in(5), &client), 0))
            break;
        send_text(client, "early one");
        send_text(client, "early two");
        mp__os_conn_free(client);
        if (CHECK_RC(mp__os_accept(l, in(5), &server), 0)) {
            mp_sentinel_t s;
            if (CHECK_RC(mp__os_conn_sentinel(server, &s), 0))
                CHECK(ready_within(s, 5) == 1, "sentinel: messages are there");
            got_text(server, "early one");
            got_text(server, "early two");
            at_eof(server);
            if (CHECK_RC(mp__os_conn_sentinel(server, &s), 0))
                CHECK(ready_within(s, 0) == 1, "sentinel at end-of-file");
        }
        mp__os_conn_free(server);
    }
    mp__os_listener_free(l);

    /* ConnectNamedPipe started after the client came and went says
     * ERROR_NO_DATA; after a client that stays, ERROR_PIPE_CONNECTED.
     * Both are connected, the messages readable. */
    for (int stays = 0; stays < 2; stays++) {
        char name[MP__WIN_PIPE_NAME_SIZE];
        if (!CHECK_RC(mp__win_pipe_random_name(name, sizeof name), 0))
            return;
        wchar_t *path = mp__win_pipe_path(name);
        HANDLE srv = path ? CreateNamedPipeW(path, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED,
                                             PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE, 1, 4096,
                                             4096, 0, NULL)
                          : INVALID_HANDLE_VALUE;
        HANDLE cli = srv != INVALID_HANDLE_VALUE ? CreateFileW(path, GENERIC_READ | GENERIC_WRITE,
                                                               0, NULL, OPEN_EXISTING, 0, NULL)
                                                 : INVALID_HANDLE_VALUE;
        free(path);
        DWORD n = 0;
        if (!CHECK(cli != INVALID_HANDLE_VALUE, "raw pipe and client (error %lu)",
                   GetLastError()) ||
            !CHECK(WriteFile(cli, "raw early", 9, &n, NULL) && n == 9, "raw write")) {
            mp__win_close(cli);
            mp__win_close(srv);
            return;
        }
        if (!stays)
            CloseHandle(cli);
        OVERLAPPED ov = {.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL)};
        bool connected = false;
        int rc = mp__win_pipe_await_client(srv, &ov, &connected);
        DWORD said = GetLastError();
        printf("    ConnectNamedPipe after a client that %s: error %lu\n",
               stays ? "stays" : "wrote and closed", (unsigned long)said);
        CHECK(said == (stays ? ERROR_PIPE_CONNECTED : ERROR_NO_DATA), "ConnectNamedPipe said %lu",
              (unsigned long)said);
        mp__os_conn_t *server = NULL;
        if (CHECK_RC(rc, 0) && CHECK(connected, "connected") &&
            CHECK_RC(mp__win_conn_from_pipe(srv, &server), 0)) {
            got_text(server, "raw early");
            if (stays)
                CloseHandle(cli);
            at_eof(server);
        } else {
            mp__win_close(srv);
            if (stays)
                CloseHandle(cli);
        }
        mp__os_conn_free(server);
        CloseHandle(ov.hEvent);
    }
}

/* ---- TCP ----------------------------------------------------------------- */

static unsigned port_of(const char *bound)
{
    const char *colon = strrchr(bound, ':');
    return colon ? (unsigned)strtoul(colon + 1, NULL, 10) : 0;
}

static void test_listen_tcp(void)
{
    char bound[MP_ADDRESS_MAX + 1], again[MP_ADDRESS_MAX + 1], where[64];
    mp__os_listener_t *l = NULL, *l2 = NULL;
    mp__os_conn_t *client = NULL, *server = NULL;
    if (!CHECK_RC(mp__os_listen(MP__FAMILY_TCP, NULL, 4, bound, sizeof bound, &l), 0))
        return;
    unsigned port = port_of(bound);
    CHECK(strncmp(bound, "127.0.0.1:", 10) == 0 && port > 0, "bound '%s'", bound);
    if (CHECK_RC(mp__os_connect(MP__FAMILY_TCP, bound, in(5), &client), 0) &&
        CHECK_RC(mp__os_accept(l, in(5), &server), 0)) {
        both_ways(client, server);
        mp__os_conn_free(client);
        client = NULL;
        at_eof(server);
        at_eof(server);
        write_eof(server);
    }
    mp__os_conn_free(server);
    server = NULL;
    /* The server closes first this time. */
    if (CHECK_RC(mp__os_connect(MP__FAMILY_TCP, bound, in(5), &client), 0) &&
        CHECK_RC(mp__os_accept(l, in(5), &server), 0)) {
        send_text(server, "bye");
        mp__os_conn_free(server);
        server = NULL;
        got_text(client, "bye");
        at_eof(client);
    }
    mp__os_conn_free(client);
    client = NULL;

    /* The port is taken, by any address form; accept timeouts. */
    CHECK_RC(mp__os_listen(MP__FAMILY_TCP, bound, 4, again, sizeof again, &l2), MP_EEXIST);
    snprintf(where, sizeof where, ":%u", port);
    CHECK_RC(mp__os_listen(MP__FAMILY_TCP, where, 4, again, sizeof again, &l2), MP_EEXIST);
    double t0 = smoke_now();
    CHECK_RC(mp__os_accept(l, in(-1), &server), MP_ETIMEDOUT);
    CHECK(smoke_now() - t0 < 0.5, "a poll took %.3f s", smoke_now() - t0);
    t0 = smoke_now();
    CHECK_RC(mp__os_accept(l, in(0.2), &server), MP_ETIMEDOUT);
    double took = smoke_now() - t0;
    CHECK(took >= 0.19 && took < 3, "a 0.2 s accept took %.3f s", took);
    /* A client that comes later wakes an accept. */
    dialer_t d = {.family = MP__FAMILY_TCP, .where = bound, .timeout = 10, .delay_ms = 200};
    if (dialer_start(&d)) {
        t0 = smoke_now();
        if (CHECK_RC(mp__os_accept(l, in(10), &server), 0) &&
            CHECK(smoke_now() - t0 > 0.1, "the accept did not wait") &&
            CHECK_RC(thread_join(&d.thread, &d.rc, 10000), 0)) {
            send_text(d.c, "late");
            got_text(server, "late");
        }
        thread_join(&d.thread, &d.rc, 10000);
        mp__os_conn_free(d.c);
        mp__os_conn_free(server);
        server = NULL;
    }
    /* Connected, written and closed before the accept. */
    if (CHECK_RC(mp__os_connect(MP__FAMILY_TCP, bound, in(5), &client), 0)) {
        send_text(client, "early one");
        send_text(client, "early two");
        mp__os_conn_free(client);
        client = NULL;
        if (CHECK_RC(mp__os_accept(l, in(5), &server), 0)) {
            got_text(server, "early oneearly two");
            at_eof(server);
        }
        mp__os_conn_free(server);
        server = NULL;
    }
    mp__os_listener_free(l);
    l = NULL;

    /* Released: nothing listens (refused), and the port can be had again. */
    t0 = smoke_now();
    CHECK_RC(mp__os_connect(MP__FAMILY_TCP, bound, in(10), &client), MP_ENOENT);
    printf("    refused in %.3f s\n", smoke_now() - t0);
    if (CHECK_RC(mp__os_listen(MP__FAMILY_TCP, bound, 4, again, sizeof again, &l), 0)) {
        CHECK(strcmp(again, bound) == 0, "'%s' again is '%s'", bound, again);
        mp__os_listener_free(l);
        l = NULL;
    }
    /* A name resolves; the bound address is numeric. */
    if (CHECK_RC(mp__os_listen(MP__FAMILY_TCP, "localhost:0", 4, again, sizeof again, &l), 0)) {
        CHECK(strncmp(again, "127.0.0.1:", 10) == 0, "localhost bound as '%s'", again);
        mp__os_listener_free(l);
        l = NULL;
    }
    /* Malformed addresses. */
    static const char *const bad[] = {"nocolon",      "127.0.0.1:",    "127.0.0.1:70000",
                                      "127.0.0.1:-1", "127.0.0.1:80x", "no-such-host.invalid:80"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (!CHECK_RC(mp__os_listen(MP__FAMILY_TCP, bad[i], 4, again, sizeof again, &l), MP_EINVAL))
            printf("    (listen '%s')\n", bad[i]);
        if (!CHECK_RC(mp__os_connect(MP__FAMILY_TCP, bad[i], in(5), &client), MP_EINVAL))
            printf("    (connect '%s')\n", bad[i]);
    }
    /* An address that is not this machine's. */
    int rc = mp__os_listen(MP__FAMILY_TCP, "192.0.2.1:0", 4, again, sizeof again, &l);
    CHECK(rc == MP_EINVAL, "listen on 192.0.2.1: %s (%s)", mp_err_name(rc), mp_errdetail());
    if (rc == 0)
        mp__os_listener_free(l);
}

/* The sentinel of socket ends, alone and in mp_wait(). */
static void test_tcp_sentinel(void)
{
    char bound[MP_ADDRESS_MAX + 1], buf[64];
    mp__os_listener_t *l = NULL;
    mp__os_conn_t *client = NULL, *server = NULL;
    if (!CHECK_RC(mp__os_listen(MP__FAMILY_TCP, NULL, 4, bound, sizeof bound, &l), 0))
        return;
    if (!CHECK_RC(mp__os_connect(MP__FAMILY_TCP, bound, in(5), &client), 0) ||
        !CHECK_RC(mp__os_accept(l, in(5), &server), 0))
        goto out;
    mp_sentinel_t s;
    size_t got = 0;
    if (!CHECK_RC(mp__os_conn_sentinel(server, &s), 0))
        goto out;
    CHECK(ready_within(s, 0.1) == 0, "sentinel ready on an empty socket");
    CHECK_RC(mp__os_conn_read(server, buf, sizeof buf, &got, in(-1)), MP_ETIMEDOUT);
    double t0 = smoke_now();
    CHECK_RC(mp__os_conn_read(server, buf, sizeof buf, &got, in(0.2)), MP_ETIMEDOUT);
    double took = smoke_now() - t0;
    CHECK(took >= 0.19 && took < 3, "a 0.2 s read took %.3f s", took);
    CHECK(ready_within(s, 0) == 0, "sentinel ready after a read timed out");
    send_text(client, "x");
    CHECK(ready_within(s, 5) == 1, "sentinel not ready with a byte there");
    CHECK(ready_within(s, 0) == 1, "still ready before the read");
    got_text(server, "x");
    CHECK(ready_within(s, 0) == 0, "sentinel still ready after the byte was taken");
    /* Through mp_wait() too, beside a sentinel that never fires. */
    HANDLE never = CreateEventW(NULL, TRUE, FALSE, NULL);
    mp_sentinel_t both[2] = {(mp_sentinel_t)(intptr_t)never, s};
    unsigned char ready[2] = {0, 0};
    CHECK(mp_wait(both, 2, 0.1, ready) == 0, "mp_wait: nothing yet");
    send_text(client, "one");
    send_text(client, "two");
    CHECK(mp_wait(both, 2, 5, ready) == 1 && ready[1] && !ready[0], "mp_wait: bytes");
    got_text(server, "one");
    CHECK(ready_within(s, 0) == 1 || ready_within(s, 5) == 1, "three bytes left");
    got_text(server, "two");
    CHECK(ready_within(s, 0) == 0, "none left");
    /* A late write wakes a wait; re-asking for the sentinel keeps it. */
    pump_t p = {.c = client, .len = 10, .seed = 7, .delay_ms = 300};
    if (pump_start(&p)) {
        mp_sentinel_t s2;
        CHECK_RC(mp__os_conn_sentinel(server, &s2), 0);
        CHECK(s2 == s, "the same sentinel");
        t0 = smoke_now();
        CHECK(mp_wait(both, 2, 10, ready) == 1 && ready[1], "a late write");
        took = smoke_now() - t0;
        CHECK(took > 0.2 && took < 5, "woke after %.3f s", took);
        CHECK_RC(thread_join(&p.thread, &p.rc, 10000), 0);
        got_pattern(server, 10, 7);
    }
    /* A read that waits gets a late write. */
    p.delay_ms = 200;
    if (pump_start(&p)) {
        t0 = smoke_now();
        got_pattern(server, 10, 7);
        CHECK(smoke_now() - t0 > 0.1, "the read waited");
        CHECK_RC(thread_join(&p.thread, &p.rc, 10000), 0);
    }
    CHECK(ready_within(s, 0) == 0, "empty again");
    /* End-of-file: ready, and it stays. */
    send_text(client, "last");
    mp__os_conn_free(client);
    client = NULL;
    CHECK(ready_within(s, 5) == 1, "ready: the last bytes and end-of-file");
    got_text(server, "last");
    CHECK(ready_within(s, 5) == 1, "ready at end-of-file");
    at_eof(server);
    CHECK(mp_wait(both, 2, 0, ready) == 1 && ready[1], "mp_wait at end-of-file");
    CHECK(ready_within(s, 0) == 1, "still ready at end-of-file");
    CloseHandle(never);
out:
    mp__os_conn_free(client);
    mp__os_conn_free(server);
    mp__os_listener_free(l);
}

/* ---- the byte stream under the core, on sockets ------------------------- */

static unsigned char stream_byte(uint64_t k)
{
    return (unsigned char)(k * 2654435761u >> 13);
}

typedef struct stream_writer {
    mp__os_conn_t *c;
    uint64_t total;
    int rc;
} stream_writer_t;

/* Writes of 1..3000 bytes, pausing often, 2 MB in all, then end-of-file. */
static DWORD WINAPI stream_writer_main(LPVOID arg)
{
    stream_writer_t *w = arg;
    static unsigned char buf[3000];
    uint32_t x = 4242;
    w->rc = 0;
    for (int i = 0; w->rc == 0 && w->total < 2000000; i++) {
        x = x * 1103515245u + 12345u;
        size_t n = 1 + (x >> 8) % sizeof buf;
        for (size_t j = 0; j < n; j++)
            buf[j] = stream_byte(w->total + j);
        w->rc = smoke_conn_write(w->c, buf, n);
        w->total += w->rc == 0 ? n : 0;
        Sleep(i % 3 == 0 ? 1 : 0);
    }
    mp__os_conn_free(w->c);
    return 0;
}

/* Reads with deadlines of 0 to 1 ms, cancelled again and again while bytes
 * arrive and the probe comes and goes, lose no byte and invent none. */
static void test_tcp_stream(void)
{
    char bound[MP_ADDRESS_MAX + 1];
    mp__os_listener_t *l = NULL;
    mp__os_conn_t *a = NULL, *b = NULL;
    if (!CHECK_RC(mp__os_listen(MP__FAMILY_TCP, NULL, 4, bound, sizeof bound, &l), 0))
        return;
    if (!CHECK_RC(mp__os_connect(MP__FAMILY_TCP, bound, in(5), &b), 0) ||
        !CHECK_RC(mp__os_accept(l, in(5), &a), 0)) {
        mp__os_conn_free(b);
        mp__os_listener_free(l);
        return;
    }
    mp__os_listener_free(l);
    stream_writer_t w = {.c = b};
    HANDLE thread = CreateThread(NULL, 0, stream_writer_main, &w, 0, NULL);
    if (!CHECK(thread != NULL, "CreateThread")) {
        mp__os_conn_free(a);
        mp__os_conn_free(b);
        return;
    }
    static const double slices[] = {-1, 0, 0.0001, 0.0005, 0.001};
    static unsigned char buf[5000];
    uint64_t k = 0;
    int timeouts = 0, reads = 0, waits = 0, rc = 0;
    size_t got = 0;
    uint32_t x = 99;
    double t0 = smoke_now();
    for (; smoke_now() - t0 < 60; reads++) {
        x = x * 1103515245u + 12345u;
        if (reads % 7 == 0) {
            mp_sentinel_t s;
            unsigned char ready = 0;
            if (!CHECK_RC(mp__os_conn_sentinel(a, &s), 0) ||
                mp__os_wait_handles(&s, 1, 0.0005, &ready) < 0)
                break;
            waits += ready;
        }
        size_t want = 1 + (x >> 8) % sizeof buf;
        rc = mp__os_conn_read(a, buf, want, &got, in(slices[(x >> 4) % 5]));
        if (rc == MP_ETIMEDOUT) {
            timeouts++;
            if (!CHECK(got == 0, "a timeout with %lu bytes", (unsigned long)got))
                break;
            continue;
        }
        if (!CHECK_RC(rc, 0) || got == 0)
            break;
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
    /* How many reads time out depends on the machine's speed and load;
     * that one did shows the timed path ran. */
    CHECK(timeouts > 0, "no read timed out");
    printf("    %llu bytes in %d reads, %d timed out, %d waits ready (%.2f s)\n",
           (unsigned long long)k, reads, timeouts, waits, smoke_now() - t0);
    mp__os_conn_free(a);
}

/* ---- the public API ------------------------------------------------------ */

typedef struct client {
    const char *address;
    const char *key;
    int rc;      /* mp_client_connect() */
    int echo_rc; /* the exchange after it */
    HANDLE thread;
} client_t;

static DWORD WINAPI client_main(LPVOID arg)
{
    client_t *c = arg;
    mp_connection_t *conn = NULL;
    c->rc = mp_client_connect(&conn,
                              &(mp_client_opts_t){.address = c->address,
                                                  .authkey = c->key,
                                                  .authkey_len = c->key ? strlen(c->key) : 0},
                              10);
    c->echo_rc = c->rc;
    if (c->rc == 0) {
        char buf[16];
        size_t len = 0;
        c->echo_rc = mp_connection_send(conn, "ping", 4, MP_FOREVER);
        if (c->echo_rc == 0)
            c->echo_rc = mp_connection_recv(conn, buf, sizeof buf, &len, 10);
        if (c->echo_rc == 0 && (len != 4 || memcmp(buf, "pong", 4) != 0))
            c->echo_rc = MP_EINVAL;
    }
    mp_connection_destroy(conn);
    return 0;
}

/* A listener at `address` (NULL: the default), a client with `client_key`
 * on a thread; the accept's result, and the client's. */
static void api_round(const char *address, const char *key, const char *client_key, int want)
{
    mp_listener_t *l = NULL;
    mp_listener_opts_t opts = {
        .address = address, .authkey = key, .authkey_len = key ? strlen(key) : 0};
    if (!CHECK_RC(mp_listener_create(&l, &opts), 0))
        return;
    const char *bound = mp_listener_address(l);
    CHECK(strncmp(bound, address ? "tcp:" : "pipe:", address ? 4 : 5) == 0, "address '%s'", bound);
    client_t c = {.address = bound, .key = client_key};
    c.thread = CreateThread(NULL, 0, client_main, &c, 0, NULL);
    if (!CHECK(c.thread != NULL, "CreateThread")) {
        mp_listener_destroy(l);
        return;
    }
    mp_connection_t *conn = NULL;
    int rc = mp_listener_accept(l, &conn, 10);
    if (!CHECK_RC(rc, want))
        printf("    (%s, keys '%s' and '%s')\n", bound, key ? key : "(none)",
               client_key ? client_key : "(none)");
    if (rc == 0) {
        char buf[16];
        size_t len = 0;
        if (CHECK_RC(mp_connection_recv(conn, buf, sizeof buf, &len, 10), 0))
            CHECK(len == 4 && memcmp(buf, "ping", 4) == 0, "ping");
        CHECK_RC(mp_connection_send(conn, "pong", 4, MP_FOREVER), 0);
    }
    WaitForSingleObject(c.thread, 30000);
    CloseHandle(c.thread);
    if (want == 0) {
        CHECK_RC(c.rc, 0);
        CHECK_RC(c.echo_rc, 0);
    } else {
        /* With a wrong key the client is refused; with none it is
         * dropped, and its receive meets the challenge (too big for its
         * buffer) or the end. */
        CHECK(client_key ? c.rc == MP_EAUTH
                         : c.rc == 0 && (c.echo_rc == MP_EEOF || c.echo_rc == MP_ETOOSMALL),
              "the client: %s, then %s", mp_err_name(c.rc), mp_err_name(c.echo_rc));
    }
    mp_connection_destroy(conn);
    CHECK_RC(mp_listener_close(l), 0);
    mp_listener_destroy(l);
}

static void test_listener_api(void)
{
    static const char *const addresses[] = {NULL, "tcp:127.0.0.1:0"};
    for (int i = 0; i < 2; i++) {
        api_round(addresses[i], NULL, NULL, 0);
        api_round(addresses[i], "secret", "secret", 0);
        api_round(addresses[i], "", "", 0);
        api_round(addresses[i], "secret", "wrong", MP_EAUTH);
        api_round(addresses[i], "secret", NULL, MP_EAUTH);
    }
    mp_listener_t *l = NULL;
    CHECK_RC(mp_listener_create(&l, &(mp_listener_opts_t){.address = "unix:/tmp/x"}), MP_EINVAL);
    mp_connection_t *c = NULL;
    CHECK_RC(mp_client_connect(&c, &(mp_client_opts_t){.address = "pipe:mp-smoke-nothing-here"}, 1),
             MP_ENOENT);
}

/* ---- ends given to children ---------------------------------------------- */

/* A pipe end from a listener works in a child (the echo task); a TCP end is
 * refused at start (MP_ENOTSUP: a socket cannot be handed over) and stays
 * working here. */
static void test_listener_child(void)
{
    /* The backend refuses a socket's handle as an end (and leaves it
     * alone); it takes a pipe's (here a copy of an accepted end's). */
    for (int i = 0; i < 2; i++) {
        mp__family_t family = i == 0 ? MP__FAMILY_TCP : MP__FAMILY_PIPE;
        char bound[MP_ADDRESS_MAX + 1];
        mp__os_listener_t *ol = NULL;
        mp__os_conn_t *oc = NULL, *os = NULL, *taken = NULL;
        if (CHECK_RC(mp__os_listen(family, NULL, 4, bound, sizeof bound, &ol), 0) &&
            CHECK_RC(mp__os_connect(family, bound, in(5), &oc), 0) &&
            CHECK_RC(mp__os_accept(ol, in(5), &os), 0)) {
            HANDLE self = GetCurrentProcess(), h = (HANDLE)(intptr_t)mp__os_conn_handle(os), copy;
            if (family == MP__FAMILY_TCP) {
                CHECK_RC(mp__os_conn_from_handle(mp__os_conn_handle(os), &taken), MP_ENOTSUP);
                send_text(oc, "alive");
                got_text(os, "alive");
            } else if (CHECK(DuplicateHandle(self, h, self, &copy, 0, FALSE, DUPLICATE_SAME_ACCESS),
                             "DuplicateHandle") &&
                       CHECK_RC(mp__os_conn_from_handle((mp_sentinel_t)(intptr_t)copy, &taken),
                                0)) {
                send_text(taken, "through the copy");
                got_text(oc, "through the copy");
                mp__os_conn_free(taken);
            }
        }
        mp__os_conn_free(oc);
        mp__os_conn_free(os);
        mp__os_listener_free(ol);
    }

    mp_listener_t *l = NULL;
    mp_connection_t *client = NULL, *server = NULL;
    if (!CHECK_RC(mp_listener_create(&l, &(mp_listener_opts_t){0}), 0))
        return;
    if (CHECK_RC(
            mp_client_connect(&client, &(mp_client_opts_t){.address = mp_listener_address(l)}, 5),
            0) &&
        CHECK_RC(mp_listener_accept(l, &server, 5), 0)) {
        mp_process_t *p = smoke_start(
            &(mp_process_opts_t){.task = "task_conn_echo", MP_OBJECTS(server)});
        CHECK_RC(mp_connection_close(server), 0);
        for (int i = 0; p && i < 3; i++) {
            char buf[16];
            size_t len = 0;
            CHECK_RC(mp_connection_send(client, "echo", 4, MP_FOREVER), 0);
            if (CHECK_RC(mp_connection_recv(client, buf, sizeof buf, &len, 30), 0))
                CHECK(len == 4 && memcmp(buf, "echo", 4) == 0, "echoed");
        }
        CHECK_RC(mp_connection_close(client), 0);
        CHECK(smoke_join(p) == 3, "the child echoed 3 messages");
        mp_process_destroy(p);
    }
    mp_connection_destroy(client);
    mp_connection_destroy(server);
    mp_listener_destroy(l);
    client = server = NULL;

    l = NULL;
    if (!CHECK_RC(mp_listener_create(&l, &(mp_listener_opts_t){.address = "tcp:127.0.0.1:0"}), 0))
        return;
    if (CHECK_RC(
            mp_client_connect(&client, &(mp_client_opts_t){.address = mp_listener_address(l)}, 5),
            0) &&
        CHECK_RC(mp_listener_accept(l, &server, 5), 0)) {
        mp_process_t *p = NULL;
        if (CHECK_RC(mp_process_create(
                         &p, &(mp_process_opts_t){.task = "task_conn_echo", MP_OBJECTS(server)}),
                     0)) {
            /* The parent refuses to start it, and says why. */
            CHECK_RC(mp_process_start(p), MP_ENOTSUP);
            CHECK(strstr(mp_errdetail(), "TCP") != NULL, "the reason: %s", mp_errdetail());
            mp_process_destroy(p);
        }
        /* Ours is unharmed. */
        char buf[16];
        size_t len = 0;
        CHECK_RC(mp_connection_send(client, "still", 5, MP_FOREVER), 0);
        if (CHECK_RC(mp_connection_recv(server, buf, sizeof buf, &len, 10), 0))
            CHECK(len == 5 && memcmp(buf, "still", 5) == 0, "still works");
        CHECK_RC(mp_connection_send(server, "here", 4, MP_FOREVER), 0);
        if (CHECK_RC(mp_connection_recv(client, buf, sizeof buf, &len, 10), 0))
            CHECK(len == 4 && memcmp(buf, "here", 4) == 0, "still works back");
    }
    mp_connection_destroy(client);
    mp_connection_destroy(server);
    mp_listener_destroy(l);
}

/* ---- handles ---------------------------------------------------------------- */

static bool inheritable(mp__os_conn_t *c)
{
    DWORD flags = 0;
    HANDLE h = (HANDLE)(intptr_t)mp__os_conn_handle(c);
    return !GetHandleInformation(h, &flags) || (flags & HANDLE_FLAG_INHERIT);
}

/* One listen, two clients (one with data left unread, sentinels armed), an
 * accept timeout, free. */
static void cycle(mp__family_t family, bool check_inherit)
{
    char bound[MP_ADDRESS_MAX + 1];
    mp__os_listener_t *l = NULL;
    if (!CHECK_RC(mp__os_listen(family, NULL, 4, bound, sizeof bound, &l), 0))
        return;
    for (int i = 0; i < 2; i++) {
        mp__os_conn_t *client = NULL, *server = NULL;
        if (CHECK_RC(mp__os_connect(family, bound, in(5), &client), 0) &&
            CHECK_RC(mp__os_accept(l, in(5), &server), 0)) {
            mp_sentinel_t s;
            CHECK_RC(mp__os_conn_sentinel(server, &s), 0);
            CHECK_RC(mp__os_conn_sentinel(client, &s), 0);
            send_text(client, "unread");
            if (i == 0)
                got_text(server, "unread");
            if (check_inherit)
                CHECK(!inheritable(client) && !inheritable(server), "an end is inheritable");
        }
        mp__os_conn_free(client);
        mp__os_conn_free(server);
    }
    mp__os_conn_t *none = NULL;
    CHECK_RC(mp__os_accept(l, in(-1), &none), MP_ETIMEDOUT);
    mp__os_listener_free(l);
}

static void test_listener_handles(void)
{
    cycle(MP__FAMILY_PIPE, true); /* Winsock's and the system's own first */
    cycle(MP__FAMILY_TCP, true);
    unsigned long before = smoke_open_handles();
    for (int i = 0; i < 40; i++) {
        cycle(MP__FAMILY_PIPE, false);
        cycle(MP__FAMILY_TCP, false);
    }
    unsigned long after = smoke_open_handles();
    CHECK(before > 0 && after == before, "handles: %lu before, %lu after 40 cycles", before, after);
}

const smoke_test_t listener_tests[] = {
    {"listen_pipe", test_listen_pipe},
    {"pipe_early_close", test_pipe_early_close},
    {"listen_tcp", test_listen_tcp},
    {"tcp_sentinel", test_tcp_sentinel},
    {"tcp_stream", test_tcp_stream},
    {"listener_api", test_listener_api},
    {"listener_child", test_listener_child},
    {"listener_handles", test_listener_handles},
    {NULL, NULL},
};
