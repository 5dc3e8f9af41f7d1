/* Suite "listener": Listener and Client (checklist section 4, items 53-57,
 * after CPython's _TestListener, _TestListenerClient and the handshake
 * tests of test_multiprocessing). Run once per start method: the client
 * (task_lst_client) or the server (task_lst_server) is a child started with
 * the suite's method, on every address family the platform has (POSIX:
 * tcp, a unix path, a generated unix address, on Linux the abstract
 * namespace; Windows: tcp, a named pipe, a generated pipe name). Tests that
 * need no child connect to themselves: a client without a key does not
 * wait for accept(). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h> /* getpid: mingw-w64 has it too */

#include "helpers.h" /* platform.h: TEST_POSIX */
#include "listener_tasks.h"

#if TEST_POSIX
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "posix_internal.h" /* mp__posix_forkserver_pid(), a test hook */
#else
#include <windows.h>
#endif

/* How long the parent waits for a message, a client or a state that should
 * come (a loaded machine is slow to spawn; a hang must fail the test, not
 * the run). */
#define WAIT_S 30.0

/* The timeout of a connect that should find nobody listening: Windows
 * takes about 2 s to report a refused TCP connection. */
#define NOBODY_S 10.0

/* ---- address families ----------------------------------------------------- */

typedef enum family_kind {
    KIND_TCP,      /* "tcp:127.0.0.1:0": the OS picks the port */
    KIND_DEFAULT,  /* no address: the platform's own family, a fresh name */
    KIND_PATH,     /* POSIX "unix:PATH" */
    KIND_ABSTRACT, /* Linux "unix:@NAME" */
    KIND_PIPE,     /* Windows "pipe:NAME" */
} family_kind_t;

typedef struct family {
    const char *name; /* for messages */
    family_kind_t kind;
    char address[LST_ADDR_SIZE]; /* what the listener is asked for; "" for NULL */
    char path[LST_ADDR_SIZE];    /* KIND_PATH: the socket file */
} family_t;

enum { MAX_FAMILIES = 5 }; /* four at most, and room for one a test adds */

/* Every family the platform has, with addresses no other test or run uses
 * (a private directory for the unix path). */
typedef struct families {
    family_t f[MAX_FAMILIES];
    int n;
    char dir[LST_ADDR_SIZE]; /* the unix path's directory, "" if none */
} families_t;

/* A name no other test or run uses: names are machine-wide. */
static void unique_name(char *out, size_t size, const char *prefix, const char *tag)
{
    static unsigned counter;
    snprintf(out, size, "%smp-%s-%d-%u", prefix, tag, (int)getpid(), counter++);
}

static family_t *add_family(families_t *fs, const char *name, family_kind_t kind)
{
    if (fs->n == MAX_FAMILIES)
        abort(); /* a test bug: MAX_FAMILIES is too small */
    family_t *f = &fs->f[fs->n++];
    memset(f, 0, sizeof *f);
    f->name = name;
    f->kind = kind;
    return f;
}

/* Fill `fs`; asserted. On failure nothing is left to free. */
static bool families_init(families_t *fs)
{
    memset(fs, 0, sizeof *fs);
    family_t *f = add_family(fs, "tcp", KIND_TCP);
    snprintf(f->address, sizeof f->address, "tcp:127.0.0.1:0");
    add_family(fs, "default", KIND_DEFAULT);
#if TEST_POSIX
    if (!make_temp_dir(fs->dir, sizeof fs->dir))
        return false;
    f = add_family(fs, "unix", KIND_PATH);
    /* Through local buffers: `f` points into `fs`, and gcc cannot tell
     * that the fields written and read do not overlap. */
    char path[sizeof f->path], address[sizeof f->address];
    snprintf(path, sizeof path, "%.200s/listener.sock", fs->dir);
    snprintf(address, sizeof address, "unix:%.220s", path);
    memcpy(f->path, path, sizeof path);
    memcpy(f->address, address, sizeof address);
#ifdef __linux__
    f = add_family(fs, "abstract", KIND_ABSTRACT);
    unique_name(f->address, sizeof f->address, "unix:@", "abstract");
#endif
#else
    f = add_family(fs, "pipe", KIND_PIPE);
    unique_name(f->address, sizeof f->address, "pipe:", "pipe");
#endif
    return true;
}

static void families_free(families_t *fs)
{
    remove_tree(fs->dir);
    fs->dir[0] = '\0';
}

/* The address a family's listener is created with: NULL for the default. */
static const char *create_address(const family_t *f)
{
    return f->address[0] ? f->address : NULL;
}

/* ---- assertions naming the family ----------------------------------------- */

/* EXPECT_RC with a context (the family, keyed or not) in the message. */
#define EXPECT_RC_AT(ctx, expr, want) expect_rc_at((ctx), (expr), (want), #expr, __FILE__, __LINE__)
static bool expect_rc_at(const char *ctx, int got, int want, const char *expr, const char *file,
                         int line)
{
    /* Read the detail now: the next library call may overwrite it. */
    return check_true(got == want, file, line, "[%s] %s returned %d (%s), expected %d (%s); %s",
                      ctx, expr, got, mp_err_name(got), want, mp_err_name(want), mp_errdetail());
}

/* A code a child reported (its report names it): the same check, without
 * this process's mp_errdetail(), which says nothing about the child's call
 * (the child's own detail did not travel). */
#define EXPECT_CHILD_RC(ctx, got, want) \
    expect_child_rc((ctx), (got), (want), #got, __FILE__, __LINE__)
static bool expect_child_rc(const char *ctx, int got, int want, const char *expr, const char *file,
                            int line)
{
    return check_true(got == want, file, line, "[%s] the child's %s is %d (%s), expected %d (%s)",
                      ctx, expr, got, mp_err_name(got), want, mp_err_name(want));
}

/* Receive one message within `timeout` and compare it with `want` (bytes,
 * without a NUL); asserted, naming the caller's line. */
#define EXPECT_RECV_AT(ctx, c, want, timeout) \
    expect_recv_at((ctx), (c), (want), (timeout), __FILE__, __LINE__)
static bool expect_recv_at(const char *ctx, mp_connection_t *c, const char *want, double timeout,
                           const char *file, int line)
{
    char buf[256];
    size_t len = (size_t)-1;
    int rc = mp_connection_recv(c, buf, sizeof buf - 1, &len, timeout);
    if (!check_true(rc == 0, file, line, "[%s] recv returned %d (%s), expected \"%s\"; %s", ctx, rc,
                    mp_err_name(rc), want, mp_errdetail()))
        return false;
    buf[len < sizeof buf ? len : sizeof buf - 1] = '\0';
    return check_true(len == strlen(want) && memcmp(buf, want, len) == 0, file, line,
                      "[%s] received \"%.*s\" (%zu bytes), expected \"%s\"", ctx, (int)len, buf,
                      len, want);
}

/* Receive (and drop) what the peer sent until a receive fails, at most a
 * few messages: the last receive must say MP_EEOF. */
#define EXPECT_DRAINS_TO_EOF(ctx, c) expect_drains_to_eof((ctx), (c), __FILE__, __LINE__)
static bool expect_drains_to_eof(const char *ctx, mp_connection_t *c, const char *file, int line)
{
    int rc = 0, n = 0;
    for (; rc == 0 && n < 8; n++) {
        void *data = NULL;
        size_t len = 0;
        rc = mp_connection_recv_alloc(c, &data, &len, WAIT_S);
        mp_free(data);
    }
    return check_true(rc == MP_EEOF, file, line,
                      "[%s] receive %d returned %d (%s), expected MP_EEOF; %s", ctx, n, rc,
                      mp_err_name(rc), mp_errdetail());
}

#define SEND_TEXT_AT(ctx, c, text) \
    EXPECT_RC_AT((ctx), mp_connection_send((c), (text), strlen(text), MP_FOREVER), 0)

/* The address a listener of family `f` reports must be the one asked for,
 * or for tcp the loopback address with the port chosen, or for the default
 * the platform's own family with a name made up. */
static bool check_bound(const family_t *f, const char *bound)
{
    size_t n = strlen(bound);
    if (!EXPECT(n <= MP_ADDRESS_MAX, "[%s] address \"%s\" is %zu bytes, more than %d", f->name,
                bound, n, MP_ADDRESS_MAX))
        return false;
    switch (f->kind) {
    case KIND_TCP: {
        static const char prefix[] = "tcp:127.0.0.1:";
        unsigned port = 0;
        char extra = 0;
        bool ok = strncmp(bound, prefix, sizeof prefix - 1) == 0 &&
                  sscanf(bound + sizeof prefix - 1, "%u%c", &port, &extra) == 1 && port > 0 &&
                  port <= 65535;
        return EXPECT(ok, "[tcp] address \"%s\", expected \"tcp:127.0.0.1:<port 1..65535>\"",
                      bound);
    }
    case KIND_DEFAULT: {
        const char *prefix = TEST_POSIX ? "unix:" : "pipe:";
        return EXPECT(strncmp(bound, prefix, strlen(prefix)) == 0 && n > strlen(prefix),
                      "[default] address \"%s\", expected \"%s<a name>\"", bound, prefix);
    }
    default:
        return EXPECT(strcmp(bound, f->address) == 0, "[%s] address \"%s\", expected \"%s\"",
                      f->name, bound, f->address);
    }
}

/* ---- listeners, clients and children -------------------------------------- */

/* A listener on family `f` with `key` (NULL: none; "" the empty key);
 * asserted, and its address checked. NULL on failure. */
static mp_listener_t *listen_on(const family_t *f, const char *key)
{
    mp_listener_t *l = NULL;
    mp_listener_opts_t opts = {
        .address = create_address(f), .authkey = key, .authkey_len = key ? strlen(key) : 0};
    if (!EXPECT_RC_AT(f->name, mp_listener_create(&l, &opts), 0))
        return NULL;
    if (!EXPECT(l != NULL, "[%s] mp_listener_create gave NULL", f->name))
        return NULL;
    check_bound(f, mp_listener_address(l));
    return l;
}

/* mp_client_connect() to `address` with `key` (a string, or NULL for
 * none). */
static int connect_to(mp_connection_t **c, const char *address, const char *key, double timeout)
{
    return mp_client_connect(c,
                             &(mp_client_opts_t){.address = address,
                                                 .authkey = key,
                                                 .authkey_len = key ? strlen(key) : 0},
                             timeout);
}

/* A client connected in this process to the unkeyed listener `l`, and its
 * accepted end; asserted. On failure both are NULL. */
static bool connect_pair(const char *ctx, mp_listener_t *l, mp_connection_t **client,
                         mp_connection_t **server)
{
    *client = *server = NULL;
    if (!EXPECT_RC_AT(ctx, connect_to(client, mp_listener_address(l), NULL, WAIT_S), 0)) {
        *client = NULL;
        return false;
    }
    if (!EXPECT_RC_AT(ctx, mp_listener_accept(l, server, WAIT_S), 0)) {
        mp_connection_destroy(*client);
        *client = *server = NULL;
        return false;
    }
    return true;
}

/* A message each way between two connected ends; asserted. */
static bool exchange(const char *ctx, mp_connection_t *a, mp_connection_t *b)
{
    return SEND_TEXT_AT(ctx, a, "ping") && EXPECT_RECV_AT(ctx, b, "ping", WAIT_S) &&
           SEND_TEXT_AT(ctx, b, "pong") && EXPECT_RECV_AT(ctx, a, "pong", WAIT_S);
}

/* Start task_lst_client: connect to `address` with `key` (NULL: none),
 * then do `mode` with `msg`. NULL on failure (asserted). */
static mp_process_t *start_client(const char *address, const char *key, lst_mode_t mode,
                                  const char *msg, double timeout)
{
    lst_client_arg_t arg;
    memset(&arg, 0, sizeof arg);
    snprintf(arg.address, sizeof arg.address, "%s", address);
    size_t key_len = key ? strlen(key) : 0;
    if (!EXPECT(key_len < sizeof arg.key, "key of %zu bytes", key_len))
        return NULL;
    if (key)
        memcpy(arg.key, key, key_len);
    arg.key_len = key ? (int32_t)key_len : -1;
    arg.mode = mode;
    snprintf(arg.msg, sizeof arg.msg, "%s", msg ? msg : "");
    arg.timeout = timeout;
    return start_process(
        &(mp_process_opts_t){.task = "task_lst_client", .arg = &arg, .arg_len = sizeof arg});
}

/* Join a client child (exit code 0) and read its report; asserted. */
static bool client_report(mp_process_t *p, lst_client_report_t *r)
{
    memset(r, 0, sizeof *r);
    return p && EXPECT_RC(mp_process_join(p, JOIN_LIMIT_S), 0) && EXPECT_EQ(exitcode_of(p), 0) &&
           result_of(p, r, sizeof *r);
}

/* An LST_ECHO client's report: every step worked, the echo was `msg`, and
 * the server's close reached it as end-of-file. */
static void expect_echo_report(const char *ctx, const lst_client_report_t *r, const char *msg)
{
    EXPECT_CHILD_RC(ctx, r->connect_rc, 0);
    EXPECT_CHILD_RC(ctx, r->send_rc, 0);
    EXPECT_CHILD_RC(ctx, r->recv_rc, 0);
    EXPECT(strcmp(r->got, msg) == 0 && r->got_len == (int64_t)strlen(msg),
           "[%s] the client got \"%s\" (%lld bytes) back, expected \"%s\"", ctx, r->got,
           (long long)r->got_len, msg);
    EXPECT_CHILD_RC(ctx, r->eof_rc, MP_EEOF);
    EXPECT_CHILD_RC(ctx, r->close_rc, 0);
}

/* Accept one client, receive `msg` from it and send it back, then close
 * the accepted end; asserted. */
static bool serve_echo(const char *ctx, mp_listener_t *l, const char *msg)
{
    mp_connection_t *c = NULL;
    if (!EXPECT_RC_AT(ctx, mp_listener_accept(l, &c, WAIT_S), 0))
        return false;
    bool ok = EXPECT_RECV_AT(ctx, c, msg, WAIT_S) && SEND_TEXT_AT(ctx, c, msg);
    mp_connection_destroy(c);
    return ok;
}

/* A good client child (LST_KEY) that `l` serves one echo of `msg`;
 * asserted. Whether every step worked. */
static bool serve_good_client(const char *ctx, mp_listener_t *l, const char *msg)
{
    mp_process_t *p = start_client(mp_listener_address(l), LST_KEY, LST_ECHO, msg, WAIT_S);
    lst_client_report_t r;
    bool ok = p && serve_echo(ctx, l, msg) && client_report(p, &r);
    if (ok)
        expect_echo_report(ctx, &r, msg);
    dispose_process(p);
    return ok;
}

#if TEST_POSIX
/* What is at `path`: 1 a socket, 0 nothing, -1 something else (or an
 * error other than ENOENT). */
static int socket_file(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    return S_ISSOCK(st.st_mode) ? 1 : -1;
}
#endif

/* ---- item 55: round trips, the client in a child -------------------------- */

/* Checklist item 55 (test_listener_client): on every family, with and
 * without a key, a client child connects to mp_listener_address(), sends a
 * message and receives it back from the parent's accepted end; the
 * parent's close reaches it as end-of-file. */
static void test_lst_round_trip(void)
{
    families_t fs;
    if (!families_init(&fs))
        return;
    for (int i = 0; i < fs.n; i++) {
        for (int keyed = 0; keyed < 2; keyed++) {
            const family_t *f = &fs.f[i];
            const char *key = keyed ? LST_KEY : NULL;
            char ctx[64], msg[LST_MSG_SIZE];
            snprintf(ctx, sizeof ctx, "%s, %s", f->name, keyed ? "keyed" : "no key");
            snprintf(msg, sizeof msg, "hello over %.40s", ctx);
            mp_listener_t *l = listen_on(f, key);
            if (!l)
                continue;
            mp_process_t *p = start_client(mp_listener_address(l), key, LST_ECHO, msg, WAIT_S);
            lst_client_report_t r;
            if (p && serve_echo(ctx, l, msg) && client_report(p, &r))
                expect_echo_report(ctx, &r, msg);
            dispose_process(p);
            mp_listener_destroy(l);
        }
    }
    families_free(&fs);
}

/* Checklist item 55 the other way round: the listener is in a child
 * (task_lst_server), on every family, and the parent is the client. With a
 * key, a first client with the wrong key fails with MP_EAUTH on both
 * sides, and the server's next accept serves the parent's good client. The
 * server reports every call; its unix socket file is gone once it closed
 * its listener. */
static void test_lst_server_in_child(void)
{
    families_t fs;
    if (!families_init(&fs))
        return;
    for (int i = 0; i < fs.n; i++) {
        for (int keyed = 0; keyed < 2; keyed++) {
            const family_t *f = &fs.f[i];
            char ctx[64], msg[LST_MSG_SIZE];
            snprintf(ctx, sizeof ctx, "server in child, %s, %s", f->name,
                     keyed ? "keyed" : "no key");
            snprintf(msg, sizeof msg, "to the %s server", f->name);
            lst_server_arg_t arg;
            memset(&arg, 0, sizeof arg);
            snprintf(arg.address, sizeof arg.address, "%s", f->address);
            arg.key_len = keyed ? (int32_t)strlen(LST_KEY) : -1;
            if (keyed)
                memcpy(arg.key, LST_KEY, strlen(LST_KEY));
            arg.clients = keyed ? 2 : 1;
            mp_connection_t *a = NULL, *b = NULL;
            if (!EXPECT_RC(mp_pipe_create(&a, &b, NULL), 0))
                break;
            mp_process_t *p = start_process(&(mp_process_opts_t){
                .task = "task_lst_server", .arg = &arg, .arg_len = sizeof arg, MP_OBJECTS(b)});
            mp_connection_destroy(b);
            char where[LST_ADDR_SIZE + 16];
            size_t len = 0;
            bool ok = p &&
                      EXPECT_RC_AT(ctx,
                                   mp_connection_recv(a, where, sizeof where - 1, &len, WAIT_S), 0);
            if (ok) {
                where[len] = '\0';
                ok = EXPECT(where[0] != '!', "[%s] the server could not listen: %s", ctx,
                            where + 1) &&
                     check_bound(f, where);
            }
            mp_connection_t *c = NULL;
            if (ok && keyed) {
                EXPECT_RC_AT(ctx, connect_to(&c, where, LST_WRONG_KEY, WAIT_S), MP_EAUTH);
                c = NULL;
            }
            if (ok && EXPECT_RC_AT(ctx, connect_to(&c, where, keyed ? LST_KEY : NULL, WAIT_S), 0)) {
                if (SEND_TEXT_AT(ctx, c, msg) && EXPECT_RECV_AT(ctx, c, msg, WAIT_S)) {
                    char buf[16];
                    EXPECT_RC_AT(ctx, mp_connection_recv(c, buf, sizeof buf, &len, WAIT_S),
                                 MP_EEOF);
                }
                mp_connection_destroy(c);
            }
            lst_server_report_t r;
            if (ok && EXPECT_RC(mp_process_join(p, JOIN_LIMIT_S), 0) &&
                EXPECT_EQ(exitcode_of(p), 0) && result_of(p, &r, sizeof r)) {
                int good = keyed ? 1 : 0;
                EXPECT_CHILD_RC(ctx, r.create_rc, 0);
                if (keyed)
                    EXPECT_CHILD_RC(ctx, r.accept_rc[0], MP_EAUTH);
                EXPECT_CHILD_RC(ctx, r.accept_rc[good], 0);
                EXPECT_CHILD_RC(ctx, r.recv_rc[good], 0);
                EXPECT_CHILD_RC(ctx, r.send_rc[good], 0);
                EXPECT_CHILD_RC(ctx, r.close_rc, 0);
                EXPECT(r.address_after_destroy_empty,
                       "[%s] mp_listener_address() of a destroyed listener is not \"\"", ctx);
#if TEST_POSIX
                if (f->kind == KIND_PATH || f->kind == KIND_DEFAULT) {
                    const char *path = where + strlen("unix:");
                    EXPECT(socket_file(path) == 0, "[%s] %s is still there after the server ended",
                           ctx, path);
                }
#endif
            }
            dispose_process(p);
            mp_connection_destroy(a);
        }
    }
    families_free(&fs);
}

/* Checklist item 55 (test_issue14725; Windows' ERROR_NO_DATA): a client
 * child connects, sends and closes, and has exited, before the parent
 * calls accept(): it is still accepted, its message read, then MP_EEOF.
 * The child's exit did not take the listener's address away (under fork
 * it held a copy of the listener): the next client still gets in. */
static void test_lst_connect_before_accept(void)
{
    families_t fs;
    if (!families_init(&fs))
        return;
    for (int i = 0; i < fs.n; i++) {
        const family_t *f = &fs.f[i];
        mp_listener_t *l = listen_on(f, NULL);
        if (!l)
            continue;
        mp_process_t *p = start_client(mp_listener_address(l), NULL, LST_SEND_CLOSE,
                                       "sent before accept", WAIT_S);
        lst_client_report_t r;
        if (client_report(p, &r)) {
            EXPECT_CHILD_RC(f->name, r.connect_rc, 0);
            EXPECT_CHILD_RC(f->name, r.send_rc, 0);
            EXPECT_CHILD_RC(f->name, r.close_rc, 0);
            mp_connection_t *c = NULL, *client = NULL, *server = NULL;
            if (EXPECT_RC_AT(f->name, mp_listener_accept(l, &c, WAIT_S), 0)) {
                EXPECT_RECV_AT(f->name, c, "sent before accept", WAIT_S);
                char buf[16];
                size_t len;
                EXPECT_RC_AT(f->name, mp_connection_recv(c, buf, sizeof buf, &len, WAIT_S),
                             MP_EEOF);
                mp_connection_destroy(c);
            }
#if TEST_POSIX
            if (f->kind == KIND_PATH)
                EXPECT(socket_file(f->path) == 1, "[%s] %s is gone after the child's exit", f->name,
                       f->path);
#endif
            if (connect_pair(f->name, l, &client, &server))
                exchange(f->name, client, server);
            mp_connection_destroy(client);
            mp_connection_destroy(server);
        }
        dispose_process(p);
        mp_listener_destroy(l);
    }
    families_free(&fs);
}

/* Several keyed clients at once, on every family: three children connect
 * together; three accepts serve them, each message echoed to its sender. */
static void test_lst_many_clients(void)
{
    enum { KIDS = 3 };
    families_t fs;
    if (!families_init(&fs))
        return;
    for (int i = 0; i < fs.n; i++) {
        const family_t *f = &fs.f[i];
        mp_listener_t *l = listen_on(f, LST_KEY);
        if (!l)
            continue;
        mp_process_t *p[KIDS] = {0};
        char msgs[KIDS][LST_MSG_SIZE];
        bool seen[KIDS] = {0};
        for (int k = 0; k < KIDS; k++) {
            snprintf(msgs[k], sizeof msgs[k], "client %d of %s", k, f->name);
            p[k] = start_client(mp_listener_address(l), LST_KEY, LST_ECHO, msgs[k], WAIT_S);
        }
        for (int k = 0; k < KIDS && p[k]; k++) {
            mp_connection_t *c = NULL;
            if (!EXPECT_RC_AT(f->name, mp_listener_accept(l, &c, WAIT_S), 0))
                break;
            void *data = NULL;
            size_t len = 0;
            if (EXPECT_RC_AT(f->name, mp_connection_recv_alloc(c, &data, &len, WAIT_S), 0)) {
                int who = -1;
                for (int j = 0; j < KIDS; j++)
                    if (len == strlen(msgs[j]) && memcmp(data, msgs[j], len) == 0)
                        who = j;
                if (EXPECT(who >= 0 && !seen[who], "[%s] accept %d received \"%.*s\"%s", f->name, k,
                           (int)(len < 64 ? len : 64), (const char *)data,
                           who >= 0 ? ", a second time" : ""))
                    seen[who] = true;
                EXPECT_RC_AT(f->name, mp_connection_send(c, data, len, MP_FOREVER), 0);
            }
            mp_free(data);
            mp_connection_destroy(c);
        }
        for (int k = 0; k < KIDS; k++) {
            lst_client_report_t r;
            if (seen[k] && client_report(p[k], &r))
                expect_echo_report(f->name, &r, msgs[k]);
            dispose_process(p[k]);
        }
        mp_listener_destroy(l);
    }
    families_free(&fs);
}

/* ---- item 53: addresses in use, closing, destroying ----------------------- */

/* Checklist item 53 (test_multiple_bind): a second listener on an address
 * in use gives MP_EEXIST, on every family (tcp: the first one's port; unix:
 * the same path; the abstract name; pipe: the same name; a generated
 * address too). The failed attempt leaves the first listener working, and
 * once that one is closed the address is free again (except a generated
 * unix address, whose private directory went with it). */
static void test_lst_address_in_use(void)
{
    families_t fs;
    if (!families_init(&fs))
        return;
    for (int i = 0; i < fs.n; i++) {
        const family_t *f = &fs.f[i];
        mp_listener_t *l = listen_on(f, NULL), *second = NULL;
        if (!l)
            continue;
        char bound[LST_ADDR_SIZE];
        snprintf(bound, sizeof bound, "%s", mp_listener_address(l));
        mp_listener_opts_t opts = {.address = bound};
        EXPECT_RC_AT(f->name, mp_listener_create(&second, &opts), MP_EEXIST);
        opts.authkey = LST_KEY;
        opts.authkey_len = strlen(LST_KEY);
        EXPECT_RC_AT(f->name, mp_listener_create(&second, &opts), MP_EEXIST);
        EXPECT_STR(mp_listener_address(l), bound);
#if TEST_POSIX
        if (f->kind == KIND_PATH)
            EXPECT(socket_file(f->path) == 1, "[%s] %s is gone after the refused listener", f->name,
                   f->path);
#endif
        mp_connection_t *client = NULL, *server = NULL;
        if (connect_pair(f->name, l, &client, &server))
            exchange(f->name, client, server);
        mp_connection_destroy(client);
        mp_connection_destroy(server);
        EXPECT_RC_AT(f->name, mp_listener_close(l), 0);
        second = NULL;
        opts = (mp_listener_opts_t){.address = bound};
        /* A generated unix address goes with its private directory. */
        bool reusable = !(TEST_POSIX && f->kind == KIND_DEFAULT);
        if (reusable && EXPECT_RC_AT(f->name, mp_listener_create(&second, &opts), 0)) {
            EXPECT_STR(mp_listener_address(second), bound);
            mp_listener_destroy(second);
        }
        mp_listener_destroy(l);
    }
    families_free(&fs);
}

/* Checklist item 53 (test_context): after mp_listener_close() accept gives
 * MP_ECLOSED at once, close again gives 0, the address is released (a
 * client gets MP_ENOENT; POSIX: the unix socket file, there while it
 * listened, is gone; Windows: once the accepted pipe end is closed too)
 * and a connection accepted before still works both ways. After destroy every call gives MP_ECLOSED (close too) and the
 * address is ""; destroy(NULL) does nothing. */
static void test_lst_close(void)
{
    families_t fs;
    if (!families_init(&fs))
        return;
    for (int i = 0; i < fs.n; i++) {
        const family_t *f = &fs.f[i];
        mp_listener_t *l = listen_on(f, NULL);
        if (!l)
            continue;
        char bound[LST_ADDR_SIZE];
        snprintf(bound, sizeof bound, "%s", mp_listener_address(l));
#if TEST_POSIX
        const char *path = strncmp(bound, "unix:", 5) == 0 && bound[5] != '@' ? bound + 5 : NULL;
        if (path)
            EXPECT(socket_file(path) == 1, "[%s] no socket at %s while listening", f->name, path);
#endif
        mp_connection_t *client = NULL, *server = NULL, *c = NULL;
        bool paired = connect_pair(f->name, l, &client, &server);
        EXPECT_RC_AT(f->name, mp_listener_close(l), 0);
        EXPECT_RC_AT(f->name, mp_listener_close(l), 0);
        double t0 = now_s();
        EXPECT_RC_AT(f->name, mp_listener_accept(l, &c, WAIT_S), MP_ECLOSED);
        EXPECT_RC_AT(f->name, mp_listener_accept(l, &c, 0), MP_ECLOSED);
        EXPECT_IMMEDIATE(now_s() - t0);
#if TEST_POSIX
        if (path)
            EXPECT(socket_file(path) == 0, "[%s] %s is still there after close", f->name, path);
#endif
        /* On Windows an accepted end is an instance of the pipe's name, so
         * the name lives on while one is open (a client finds it busy):
         * there the address is free once the accepted end is closed too. */
        bool name_outlives = !TEST_POSIX && f->kind != KIND_TCP;
        if (!name_outlives)
            EXPECT_RC_AT(f->name, connect_to(&c, bound, NULL, NOBODY_S), MP_ENOENT);
        if (paired)
            exchange(f->name, client, server);
        mp_connection_destroy(client);
        mp_connection_destroy(server);
        if (name_outlives)
            EXPECT_RC_AT(f->name, connect_to(&c, bound, NULL, NOBODY_S), MP_ENOENT);

        mp_listener_destroy(l);
        EXPECT_RC_AT(f->name, mp_listener_accept(l, &c, 0), MP_ECLOSED);
        EXPECT_RC_AT(f->name, mp_listener_close(l), MP_ECLOSED);
        EXPECT_STR(mp_listener_address(l), "");
        mp_listener_destroy(l); /* a second destroy is harmless too */
    }
    /* Destroyed without a close: the same. */
    mp_listener_t *l = listen_on(&fs.f[0], NULL);
    if (l) {
        mp_connection_t *c = NULL;
        mp_listener_destroy(l);
        EXPECT_RC(mp_listener_accept(l, &c, 0), MP_ECLOSED);
        EXPECT_RC(mp_listener_close(l), MP_ECLOSED);
        EXPECT_STR(mp_listener_address(l), "");
    }
    mp_listener_destroy(NULL);
    families_free(&fs);
}

/* ---- item 54: the empty key, the abstract namespace ----------------------- */

/* Checklist item 54 (test_empty_authkey): an empty key (non-NULL, length
 * 0) is a key: a client child with the empty key completes the handshake
 * and round trip; one with another key fails with MP_EAUTH on both sides;
 * one with no key at all is refused by the listener (MP_EAUTH), and the
 * listener goes on. */
static void test_lst_empty_authkey(void)
{
    families_t fs;
    if (!families_init(&fs))
        return;
    const family_t *f = &fs.f[1]; /* the default family */
    mp_listener_t *l = listen_on(f, "");
    mp_process_t *p = NULL;
    lst_client_report_t r;
    mp_connection_t *c = NULL;
    if (!l)
        goto out;
    p = start_client(mp_listener_address(l), "", LST_ECHO, "empty key", WAIT_S);
    if (p && serve_echo("empty key", l, "empty key") && client_report(p, &r))
        expect_echo_report("empty key", &r, "empty key");
    dispose_process(p);

    p = start_client(mp_listener_address(l), "x", LST_CONNECT_ONLY, NULL, WAIT_S);
    if (p)
        EXPECT_RC_AT("key \"x\"", mp_listener_accept(l, &c, WAIT_S), MP_EAUTH);
    if (client_report(p, &r))
        EXPECT_CHILD_RC("key \"x\"", r.connect_rc, MP_EAUTH);
    dispose_process(p);

    p = start_client(mp_listener_address(l), NULL, LST_RAW, "no key", WAIT_S);
    if (p)
        EXPECT_RC_AT("no key", mp_listener_accept(l, &c, WAIT_S), MP_EAUTH);
    if (client_report(p, &r))
        EXPECT_CHILD_RC("no key", r.connect_rc, 0);
    dispose_process(p);

    p = start_client(mp_listener_address(l), "", LST_ECHO, "empty key again", WAIT_S);
    if (p && serve_echo("empty key again", l, "empty key again") && client_report(p, &r))
        expect_echo_report("empty key again", &r, "empty key again");
    dispose_process(p);
    mp_listener_destroy(l);
out:
    families_free(&fs);
}

#ifdef __linux__
/* Checklist item 54 (test_abstract_socket): "unix:@NAME" listens in
 * Linux's abstract namespace: the address is kept as given, no file of
 * that name appears (here, or at the name without its '@'), a client
 * connects to it, and a second listener on it gives MP_EEXIST. */
static void test_lst_abstract(void)
{
    family_t f = {.name = "abstract", .kind = KIND_ABSTRACT};
    unique_name(f.address, sizeof f.address, "unix:@", "abstract");
    mp_listener_t *l = listen_on(&f, NULL), *second = NULL;
    if (!l)
        return;
    const char *name = f.address + strlen("unix:");
    EXPECT(socket_file(name) == 0 && socket_file(name + 1) == 0, "a file \"%s\" or \"%s\" appeared",
           name, name + 1);
    mp_connection_t *client = NULL, *server = NULL;
    if (connect_pair(f.name, l, &client, &server))
        exchange(f.name, client, server);
    mp_listener_opts_t opts = {.address = f.address};
    EXPECT_RC(mp_listener_create(&second, &opts), MP_EEXIST);
    mp_connection_destroy(client);
    mp_connection_destroy(server);
    mp_listener_destroy(l);
}
#endif

/* ---- item 56: poll, families, malformed addresses ------------------------- */

/* Checklist item 56 (test_issue16955): a client's poll(1) sees what the
 * server's accepted end sent, at once, and the other way round, on every
 * family and with tcp given a host name ("localhost"). Before anything was
 * sent, poll(0) says 0. */
static void test_lst_client_poll(void)
{
    families_t fs;
    if (!families_init(&fs))
        return;
    family_t *named = add_family(&fs, "tcp localhost", KIND_TCP);
    snprintf(named->address, sizeof named->address, "tcp:localhost:0");
    for (int i = 0; i < fs.n; i++) {
        const family_t *f = &fs.f[i];
        mp_listener_opts_t opts = {.address = create_address(f)};
        mp_listener_t *l = NULL;
        if (!EXPECT_RC_AT(f->name, mp_listener_create(&l, &opts), 0))
            continue;
        if (f != named)
            check_bound(f, mp_listener_address(l));
        else
            EXPECT(strncmp(mp_listener_address(l), "tcp:", 4) == 0, "[%s] address \"%s\"", f->name,
                   mp_listener_address(l));
        mp_connection_t *client = NULL, *server = NULL;
        if (connect_pair(f->name, l, &client, &server)) {
            EXPECT_EQ(mp_connection_poll(client, 0), 0);
            EXPECT_EQ(mp_connection_poll(server, 0), 0);
            SEND_TEXT_AT(f->name, server, "hello");
            double t0 = now_s();
            EXPECT_EQ(mp_connection_poll(client, 1.0), 1);
            EXPECT_IMMEDIATE(now_s() - t0);
            EXPECT_RECV_AT(f->name, client, "hello", 0);
            SEND_TEXT_AT(f->name, client, "hello back");
            t0 = now_s();
            EXPECT_EQ(mp_connection_poll(server, 1.0), 1);
            EXPECT_IMMEDIATE(now_s() - t0);
            EXPECT_RECV_AT(f->name, server, "hello back", 0);
        }
        mp_connection_destroy(client);
        mp_connection_destroy(server);
        mp_listener_destroy(l);
    }
    families_free(&fs);
}

/* Checklist item 56 (test_invalid_family, test_invalid_family_win32) and
 * malformed addresses: a family the platform lacks ("pipe:" on POSIX,
 * "unix:" on Windows), a missing or bad port, an unknown family, an empty
 * name, an address longer than MP_ADDRESS_MAX and (POSIX) a unix path
 * longer than a socket address holds all give MP_EINVAL, at once, to both
 * mp_listener_create() and mp_client_connect(). */
static void test_lst_bad_addresses(void)
{
    char too_long[MP_ADDRESS_MAX + 32];
    memset(too_long, 'a', sizeof too_long - 1);
    too_long[sizeof too_long - 1] = '\0';
    memcpy(too_long, "tcp:", 4);
#if TEST_POSIX
    char long_path[200];
    memset(long_path, 'p', sizeof long_path - 1);
    long_path[sizeof long_path - 1] = '\0';
    memcpy(long_path, "unix:/tmp/", 10);
#endif
    const char *const bad[] = {
        "",
        "tcp:",
        "tcp:127.0.0.1",
        "tcp:127.0.0.1:",
        "tcp:127.0.0.1:port",
        "tcp:127.0.0.1:80x",
        "tcp:127.0.0.1:65536",
        "tcp:127.0.0.1:-1",
        "tcp:localhost",
        "bogus:x",
        "tcp",
        "unix",
        "pipe",
        too_long,
#if TEST_POSIX
        "pipe:x",
        "pipe:mp-test",
        "unix:",
        long_path,
#else
        "unix:/tmp/x",
        "unix:x",
        "pipe:",
#endif
    };
    enum { N = sizeof bad / sizeof *bad };
    double t0 = now_s();
    for (int i = 0; i < N; i++) {
        mp_listener_t *l = NULL;
        mp_connection_t *c = NULL;
        mp_listener_opts_t opts = {.address = bad[i]};
        char ctx[80];
        snprintf(ctx, sizeof ctx, "\"%.60s\"", bad[i]);
        if (!EXPECT_RC_AT(ctx, mp_listener_create(&l, &opts), MP_EINVAL))
            mp_listener_destroy(l);
        opts.authkey = LST_KEY;
        opts.authkey_len = strlen(LST_KEY);
        l = NULL;
        if (!EXPECT_RC_AT(ctx, mp_listener_create(&l, &opts), MP_EINVAL))
            mp_listener_destroy(l);
        if (!EXPECT_RC_AT(ctx, connect_to(&c, bad[i], NULL, WAIT_S), MP_EINVAL))
            mp_connection_destroy(c);
        c = NULL;
        if (!EXPECT_RC_AT(ctx, connect_to(&c, bad[i], LST_KEY, WAIT_S), MP_EINVAL))
            mp_connection_destroy(c);
    }
    mp_connection_t *c = NULL;
    EXPECT_RC(connect_to(&c, NULL, NULL, WAIT_S), MP_EINVAL);
    EXPECT_RC(mp_client_connect(&c, NULL, WAIT_S), MP_EINVAL); /* the address has no default */
    EXPECT_IMMEDIATE(now_s() - t0);
}

/* ---- item 57: keys that do not match ----------------------------------- */

/* Checklist item 57, on every family: a client child with the wrong key
 * fails with MP_EAUTH and so does the listener's accept. A client with no
 * key at that keyed listener sends something that is not an answer to the
 * challenge (Python's bogus response to deliver_challenge), short or as
 * long as a message of the suite can be: accept gives MP_EAUTH, and the
 * client is dropped: it receives the listener's challenge and a refusal,
 * then end-of-file (listener.h). After them, the next accept serves a good
 * client. */
static void test_lst_wrong_key(void)
{
    static const char long_response[] =
        "a bogus response longer than any digest, and longer still.....";
    families_t fs;
    if (!families_init(&fs))
        return;
    for (int i = 0; i < fs.n; i++) {
        const family_t *f = &fs.f[i];
        char ctx[64];
        mp_listener_t *l = listen_on(f, LST_KEY);
        if (!l)
            continue;
        const char *addr = mp_listener_address(l);
        mp_connection_t *c = NULL;
        lst_client_report_t r;

        snprintf(ctx, sizeof ctx, "%s, wrong key", f->name);
        mp_process_t *p = start_client(addr, LST_WRONG_KEY, LST_CONNECT_ONLY, NULL, WAIT_S);
        if (p)
            EXPECT_RC_AT(ctx, mp_listener_accept(l, &c, WAIT_S), MP_EAUTH);
        if (client_report(p, &r))
            EXPECT_CHILD_RC(ctx, r.connect_rc, MP_EAUTH);
        dispose_process(p);

        for (int longer = 0; longer < 2; longer++) {
            const char *response = longer ? long_response : "bogus response";
            snprintf(ctx, sizeof ctx, "%s, no key, %zu-byte response", f->name, strlen(response));
            p = start_client(addr, NULL, LST_RAW, response, WAIT_S);
            if (p)
                EXPECT_RC_AT(ctx, mp_listener_accept(l, &c, WAIT_S), MP_EAUTH);
            if (client_report(p, &r)) {
                EXPECT_CHILD_RC(ctx, r.connect_rc, 0);
                EXPECT_CHILD_RC(ctx, r.send_rc, 0);
                EXPECT_CHILD_RC(ctx, r.recv_rc, 0); /* the challenge */
                EXPECT(r.received == 2 && r.eof_rc == MP_EEOF,
                       "[%s] the dropped client received %d message(s), then %d (%s); "
                       "expected 2 (a challenge, a refusal), then MP_EEOF",
                       ctx, (int)r.received, (int)r.eof_rc, mp_err_name(r.eof_rc));
            }
            dispose_process(p);
        }

        snprintf(ctx, sizeof ctx, "%s, good key after", f->name);
        serve_good_client(ctx, l, "good key");
        mp_listener_destroy(l);
    }
    families_free(&fs);
}

/* Checklist item 57, a keyed client at a listener without a key, on every
 * family. The listener accepts it (it authenticates nobody). If the server
 * then says nothing, the client's mp_client_connect() waits for a
 * challenge until its timeout: MP_ETIMEDOUT after about that long
 * (listener.h: the timeout covers connecting and authenticating; MP_EAUTH
 * is for a refused key). If the server sends something that is not a
 * challenge (Python's bogus challenge to answer_challenge), the client
 * fails with MP_EAUTH at once. Either way the client hangs up: the
 * server's end sees end-of-file. */
static void test_lst_keyed_client_unkeyed_listener(void)
{
    families_t fs;
    if (!families_init(&fs))
        return;
    for (int i = 0; i < fs.n; i++) {
        const family_t *f = &fs.f[i];
        char ctx[64];
        mp_listener_t *l = listen_on(f, NULL);
        if (!l)
            continue;
        mp_connection_t *c = NULL;
        lst_client_report_t r;

        snprintf(ctx, sizeof ctx, "%s, silent server", f->name);
        mp_process_t *p = start_client(mp_listener_address(l), LST_KEY, LST_CONNECT_ONLY, NULL,
                                       0.5);
        if (p && EXPECT_RC_AT(ctx, mp_listener_accept(l, &c, WAIT_S), 0)) {
            if (client_report(p, &r)) {
                EXPECT_CHILD_RC(ctx, r.connect_rc, MP_ETIMEDOUT);
                EXPECT_ABOUT(r.connect_s, 0.5);
                EXPECT_DRAINS_TO_EOF(ctx, c);
            }
            mp_connection_destroy(c);
        }
        dispose_process(p);

        snprintf(ctx, sizeof ctx, "%s, bogus challenge", f->name);
        p = start_client(mp_listener_address(l), LST_KEY, LST_CONNECT_ONLY, NULL, WAIT_S);
        if (p && EXPECT_RC_AT(ctx, mp_listener_accept(l, &c, WAIT_S), 0)) {
            SEND_TEXT_AT(ctx, c, "not a challenge");
            if (client_report(p, &r)) {
                EXPECT_CHILD_RC(ctx, r.connect_rc, MP_EAUTH);
                EXPECT(r.connect_s < WAIT_S / 2, "[%s] connect took %.3f s", ctx, r.connect_s);
                EXPECT_DRAINS_TO_EOF(ctx, c);
            }
            mp_connection_destroy(c);
        }
        dispose_process(p);
        mp_listener_destroy(l);
    }
    families_free(&fs);
}

/* ---- timeouts and nobody listening ---------------------------------------- */

/* With nobody connecting, on every family: accept(0) gives MP_ETIMEDOUT
 * at once, accept(-1) (a poll in Python) MP_EINVAL at once, accept(0.2)
 * MP_ETIMEDOUT after about 0.2 s; a client that comes afterwards is
 * accepted (a timed-out accept leaves the listener as it was). */
static void test_lst_accept_timeout(void)
{
    families_t fs;
    if (!families_init(&fs))
        return;
    for (int i = 0; i < fs.n; i++) {
        const family_t *f = &fs.f[i];
        mp_listener_t *l = listen_on(f, NULL);
        if (!l)
            continue;
        mp_connection_t *c = NULL;
        double t0 = now_s();
        EXPECT_RC_AT(f->name, mp_listener_accept(l, &c, 0), MP_ETIMEDOUT);
        EXPECT_RC_AT(f->name, mp_listener_accept(l, &c, -1.0), MP_EINVAL);
        EXPECT_IMMEDIATE(now_s() - t0);
        t0 = now_s();
        EXPECT_RC_AT(f->name, mp_listener_accept(l, &c, 0.2), MP_ETIMEDOUT);
        EXPECT_ABOUT(now_s() - t0, 0.2);
        mp_connection_t *client = NULL, *server = NULL;
        if (connect_pair(f->name, l, &client, &server))
            exchange(f->name, client, server);
        mp_connection_destroy(client);
        mp_connection_destroy(server);
        mp_listener_destroy(l);
    }
    families_free(&fs);
}

/* A keyed client whose listener does not accept in time, on every family:
 * mp_client_connect(0.3) gives MP_ETIMEDOUT after about 0.3 s (its timeout
 * covers connecting and authenticating). The listener's next accept finds
 * that client gone mid-handshake (MP_EAUTH), and the one after serves a
 * good client child. */
static void test_lst_connect_timeout(void)
{
    families_t fs;
    if (!families_init(&fs))
        return;
    for (int i = 0; i < fs.n; i++) {
        const family_t *f = &fs.f[i];
        mp_listener_t *l = listen_on(f, LST_KEY);
        if (!l)
            continue;
        mp_connection_t *c = NULL;
        double t0 = now_s();
        EXPECT_RC_AT(f->name, connect_to(&c, mp_listener_address(l), LST_KEY, 0.3), MP_ETIMEDOUT);
        EXPECT_ABOUT(now_s() - t0, 0.3);
        EXPECT_RC_AT(f->name, mp_listener_accept(l, &c, WAIT_S), MP_EAUTH);
        serve_good_client(f->name, l, "in time");
        mp_listener_destroy(l);
    }
    families_free(&fs);
}

/* A client that connects to a keyed listener and never answers its
 * challenge cannot hold the listener for ever: accept(MP_FOREVER) gives
 * MP_EAUTH (that client failed the handshake), and the listener goes on.
 * It takes the library's handshake limit (10 s), so it runs under one
 * method only: no child is involved. */
static void test_lst_silent_client(void)
{
    families_t fs;
    if (!families_init(&fs))
        return;
    const family_t *f = &fs.f[1]; /* the default family */
    mp_listener_t *l = listen_on(f, LST_KEY);
    if (l) {
        mp_connection_t *silent = NULL, *c = NULL;
        if (EXPECT_RC(connect_to(&silent, mp_listener_address(l), NULL, WAIT_S), 0)) {
            double t0 = now_s();
            EXPECT_RC(mp_listener_accept(l, &c, MP_FOREVER), MP_EAUTH);
            EXPECT(now_s() - t0 < WAIT_S, "accept took %.3f s", now_s() - t0);
            EXPECT_DRAINS_TO_EOF("silent client", silent);
            mp_connection_destroy(silent);
        }
        serve_good_client("after the silent one", l, "next");
        mp_listener_destroy(l);
    }
    families_free(&fs);
}

/* Nobody listens there, on every family, with and without a key:
 * mp_client_connect() gives MP_ENOENT (tcp: a port whose listener was just
 * destroyed; unix: a path with no socket; the abstract namespace and pipes:
 * a name nobody uses; the default family: a generated address whose
 * listener was destroyed), well before its timeout. */
static void test_lst_connect_nobody(void)
{
    families_t fs;
    if (!families_init(&fs))
        return;
    for (int i = 0; i < fs.n; i++) {
        const family_t *f = &fs.f[i];
        char addr[LST_ADDR_SIZE];
        if (f->kind == KIND_TCP || f->kind == KIND_DEFAULT) {
            mp_listener_t *l = listen_on(f, NULL);
            if (!l)
                continue;
            snprintf(addr, sizeof addr, "%s", mp_listener_address(l));
            mp_listener_destroy(l);
        } else {
            snprintf(addr, sizeof addr, "%s", f->address); /* never listened on */
        }
        for (int keyed = 0; keyed < 2; keyed++) {
            mp_connection_t *c = NULL;
            char ctx[LST_ADDR_SIZE + 16];
            snprintf(ctx, sizeof ctx, "%s%s", addr, keyed ? ", keyed" : "");
            double t0 = now_s();
            if (!EXPECT_RC_AT(ctx, connect_to(&c, addr, keyed ? LST_KEY : NULL, NOBODY_S),
                              MP_ENOENT))
                mp_connection_destroy(c);
            EXPECT(now_s() - t0 < 5.0, "[%s] connect took %.3f s", ctx, now_s() - t0);
        }
    }
    families_free(&fs);
}

/* ---- hostile peers -------------------------------------------------------- */

/* A peer that speaks bytes, not the library's messages: a raw socket
 * (POSIX, a unix: path) or pipe end (Windows, a pipe: name), so that it can
 * send what no mp_connection_send() would (a bare header, a header that
 * announces more than memory holds). */
#if TEST_POSIX
typedef int raw_t;

static bool raw_connect(const char *address, raw_t *out)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    const char *path = strncmp(address, "unix:", 5) == 0 ? address + 5 : address;
    if (!EXPECT(strlen(path) < sizeof sun.sun_path, "socket path %s is too long", path))
        return false;
    memcpy(sun.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0) {
        *out = fd;
        return true;
    }
    EXPECT(false, "raw connect to %s: %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
    return false;
}

static bool raw_write(raw_t r, const void *buf, size_t n)
{
    return EXPECT(send(r, buf, n, MSG_NOSIGNAL) == (ssize_t)n, "raw write: %s", strerror(errno));
}

/* Bytes read (up to n), 0 at end-of-file, -1 when nothing came in time. */
static long raw_read(raw_t r, void *buf, size_t n, double timeout)
{
    struct pollfd p = {.fd = r, .events = POLLIN};
    if (poll(&p, 1, (int)(timeout * 1000)) <= 0)
        return -1;
    ssize_t got = recv(r, buf, n, 0);
    return got < 0 ? (errno == ECONNRESET ? 0 : -1) : (long)got;
}

static void raw_close(raw_t r)
{
    close(r);
}
#else
typedef HANDLE raw_t;

static bool raw_connect(const char *address, raw_t *out)
{
    char path[LST_ADDR_SIZE + 16]; /* the suite's pipe names are ASCII */
    snprintf(path, sizeof path, "\\\\.\\pipe\\%s", address + strlen("pipe:"));
    HANDLE h = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    if (!EXPECT(h != INVALID_HANDLE_VALUE, "raw connect to %s: error %lu", address,
                (unsigned long)GetLastError()))
        return false;
    *out = h;
    return true;
}

static bool raw_write(raw_t r, const void *buf, size_t n)
{
    DWORD put = 0;
    return EXPECT(WriteFile(r, buf, (DWORD)n, &put, NULL) && put == n, "raw write: error %lu",
                  (unsigned long)GetLastError());
}

static long raw_read(raw_t r, void *buf, size_t n, double timeout)
{
    double end = now_s() + timeout;
    DWORD avail = 0, got = 0;
    while (PeekNamedPipe(r, NULL, 0, NULL, &avail, NULL) && avail == 0 && now_s() < end)
        sleep_s(0.01);
    if (avail == 0)
        return GetLastError() == ERROR_BROKEN_PIPE ? 0 : -1;
    return ReadFile(r, buf, (DWORD)n, &got, NULL) || GetLastError() == ERROR_MORE_DATA ? (long)got
                                                                                       : 0;
}

static void raw_close(raw_t r)
{
    CloseHandle(r);
}
#endif

/* Read what a raw peer is sent until end-of-file; whether it came within
 * `timeout`. */
static bool raw_reaches_eof(raw_t r, double timeout)
{
    char buf[256];
    double end = now_s() + timeout;
    long got;
    while ((got = raw_read(r, buf, sizeof buf, end - now_s())) > 0)
        ;
    return got == 0;
}

/* Item 3 of the faults issue: whatever an unauthenticated peer sends, a
 * keyed listener's accept says MP_EAUTH (a server loop that goes on after
 * MP_EAUTH keeps serving), never a failure of its own: a header of all
 * ones (a message longer than memory: it was MP_ENOMEM), a peer that hangs
 * up at once, a short answer that is garbage, half a header then a
 * hang-up. Each is dropped (its end reaches end-of-file), and a good
 * client child is served afterwards. (A peer silent past the handshake
 * deadline: lst_silent_client.) */
static void test_lst_hostile_peers(void)
{
    static const struct {
        const char *what;
        const char *bytes;
        size_t len;
    } peers[] = {
        {"a header of all ones", "\xff\xff\xff\xff\xff\xff\xff\xff", 8},
        {"a hang-up", "", 0},
        {"a garbage answer", "\x05\0\0\0\0\0\0\0hello", 13},
        {"half a header", "\x20\0\0", 3},
    };
    families_t fs;
    if (!families_init(&fs))
        return;
    const family_t *f = &fs.f[1]; /* the default family: unix: or pipe: */
    mp_listener_t *l = listen_on(f, LST_KEY);
    for (size_t i = 0; l && i < sizeof peers / sizeof *peers; i++) {
        raw_t r;
        if (!raw_connect(mp_listener_address(l), &r))
            break;
        if (peers[i].len == 0 || raw_write(r, peers[i].bytes, peers[i].len)) {
            if (peers[i].len < 8)
                raw_close(r); /* what there is, then end-of-file */
            mp_connection_t *c = NULL;
            double t0 = now_s();
            if (!EXPECT_RC_AT(peers[i].what, mp_listener_accept(l, &c, WAIT_S), MP_EAUTH))
                mp_connection_destroy(c);
            EXPECT(now_s() - t0 < WAIT_S / 4, "[%s] accept took %.3f s", peers[i].what,
                   now_s() - t0);
            if (peers[i].len >= 8)
                EXPECT(raw_reaches_eof(r, WAIT_S), "[%s] the peer was not dropped", peers[i].what);
        }
        if (peers[i].len >= 8)
            raw_close(r);
    }
    if (l)
        serve_good_client("after hostile peers", l, "good");
    mp_listener_destroy(l);
    families_free(&fs);
}

/* Item 2 of the faults issue, on every family: clients that connect
 * without a key and never answer the challenge do not delay a genuine
 * client. The silent ones are connected (and admitted by polling accepts,
 * which find nobody authenticated: MP_ETIMEDOUT at once) before the good
 * client child starts; its accept comes well before one handshake
 * deadline (10 s; one accept per silent client took 10 s each before).
 * There are more of them than a listener keeps mid-handshake (32), so the
 * oldest were pushed out. Every silent one was challenged, and reaches
 * end-of-file (pushed out, or closed with the listener). */
static void test_lst_silent_clients_do_not_starve(void)
{
    enum { SILENT = 34 };
    families_t fs;
    if (!families_init(&fs))
        return;
    for (int i = 0; i < fs.n; i++) {
        const family_t *f = &fs.f[i];
        mp_listener_t *l = listen_on(f, LST_KEY);
        if (!l)
            continue;
        mp_connection_t *silent[SILENT] = {0}, *c = NULL;
        for (int k = 0; k < SILENT; k++) {
            if (!EXPECT_RC_AT(f->name, connect_to(&silent[k], mp_listener_address(l), NULL, WAIT_S),
                              0))
                silent[k] = NULL;
            double t0 = now_s();
            EXPECT_RC_AT(f->name, mp_listener_accept(l, &c, 0), MP_ETIMEDOUT);
            EXPECT(now_s() - t0 < 1.0, "[%s] a polling accept took %.3f s", f->name, now_s() - t0);
        }
        double t0 = now_s();
        if (serve_good_client(f->name, l, "genuine"))
            EXPECT(now_s() - t0 < 5.0, "[%s] the genuine client waited %.3f s", f->name,
                   now_s() - t0);
        mp_listener_destroy(l);
        for (int k = 0; k < SILENT; k++) {
            if (silent[k]) {
                char challenge[64];
                size_t len = 0;
                EXPECT_RC_AT(
                    f->name,
                    mp_connection_recv(silent[k], challenge, sizeof challenge, &len, WAIT_S), 0);
                EXPECT_DRAINS_TO_EOF(f->name, silent[k]);
            }
            mp_connection_destroy(silent[k]);
        }
    }
    families_free(&fs);
}

#ifdef __linux__
/* The fork server's socket: "DIR/socket", DIR its third argument (read
 * from /proc). */
static bool forkserver_socket(char *out, size_t size)
{
    pid_t server = mp__posix_forkserver_pid();
    char path[64], args[512];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)server);
    ssize_t n = read_text_file(path, args, sizeof args - 1);
    if (!EXPECT(server > 0 && n > 0, "no fork server (pid %d) or its command line", (int)server))
        return false;
    args[n] = '\0';
    const char *dir = args;
    for (int k = 0; k < 2 && dir < args + n; k++)
        dir += strlen(dir) + 1;
    if (!EXPECT(dir < args + n && *dir, "the fork server's command line has no directory"))
        return false;
    snprintf(out, size, "unix:%s/socket", dir);
    return true;
}

/* Item 1 of the faults issue: peers of the same user that log in to the
 * fork server and stall do not stall starts. One stays silent; the others
 * read their challenge, send the first byte of an answer and wait. Starts
 * meanwhile succeed promptly (one stalled login held every start for the
 * login deadline, 5 s each, before); every stalled peer is dropped at its
 * deadline. */
static void test_lst_forkserver_login_stall(void)
{
    enum { PEERS = 3, STARTS = 3 };
    char address[LST_ADDR_SIZE];
    mp_process_t *first = run_process(
        &(mp_process_opts_t){.task = "task_return_code", MP_ARG_I64(0)});
    bool ok = first && EXPECT_EQ(exitcode_of(first), 0);
    dispose_process(first);
    if (!ok || !forkserver_socket(address, sizeof address))
        return;
    raw_t peers[PEERS];
    int n = 0;
    for (; n < PEERS && raw_connect(address, &peers[n]); n++) {
        char challenge[64];
        if (n > 0 && raw_read(peers[n], challenge, sizeof challenge, 1.0) > 0)
            raw_write(peers[n], "\x20", 1); /* an answer's header begins */
    }
    double t0 = now_s();
    for (int k = 0; k < STARTS; k++) {
        mp_process_t *p = run_process(
            &(mp_process_opts_t){.task = "task_return_code", MP_ARG_I64(k)});
        EXPECT(p && exitcode_of(p) == k, "start %d failed", k);
        dispose_process(p);
    }
    EXPECT(now_s() - t0 < 4.0, "%d starts beside %d stalled logins took %.3f s", STARTS, n,
           now_s() - t0);
    for (int k = 0; k < n; k++) {
        EXPECT(raw_reaches_eof(peers[k], WAIT_S), "stalled peer %d was not dropped", k);
        raw_close(peers[k]);
    }
}
#endif

/* ---- bad arguments -------------------------------------------------------- */

/* NULL pointers and bad timeouts give MP_EINVAL at once; the address of
 * NULL is ""; destroy(NULL) does nothing. NULL options are the defaults (a
 * fresh address of the platform's family). A refused accept leaves the
 * listener working. */
static void test_lst_bad_args(void)
{
    mp_listener_t *l = NULL;
    mp_connection_t *c = NULL;
    double t0 = now_s();
    EXPECT_RC(mp_listener_create(NULL, &(mp_listener_opts_t){.address = NULL}), MP_EINVAL);
    EXPECT_RC(mp_listener_create(NULL, NULL), MP_EINVAL);
    EXPECT_RC(mp_listener_accept(NULL, &c, 0), MP_EINVAL);
    EXPECT_RC(mp_listener_close(NULL), MP_EINVAL);
    EXPECT_STR(mp_listener_address(NULL), "");
    mp_listener_destroy(NULL);
    EXPECT_RC(mp_client_connect(NULL, &(mp_client_opts_t){.address = "tcp:127.0.0.1:1"}, 1.0),
              MP_EINVAL);
    EXPECT_RC(connect_to(&c, "tcp:127.0.0.1:1", NULL, NAN), MP_EINVAL);
    EXPECT_IMMEDIATE(now_s() - t0);
    if (!EXPECT_RC(mp_listener_create(&l, NULL), 0))
        return;
    t0 = now_s();
    EXPECT_RC(mp_listener_accept(l, NULL, 0), MP_EINVAL);
    EXPECT_RC(mp_listener_accept(l, NULL, WAIT_S), MP_EINVAL);
    EXPECT_RC(mp_listener_accept(l, &c, NAN), MP_EINVAL);
    EXPECT_RC(
        mp_client_connect(NULL, &(mp_client_opts_t){.address = mp_listener_address(l)}, WAIT_S),
        MP_EINVAL);
    EXPECT_RC(connect_to(&c, mp_listener_address(l), NULL, NAN), MP_EINVAL);
    EXPECT_RC(connect_to(&c, mp_listener_address(l), NULL, -1.0), MP_EINVAL);
    EXPECT_IMMEDIATE(now_s() - t0);
    mp_connection_t *client = NULL, *server = NULL;
    if (connect_pair("after bad args", l, &client, &server))
        exchange("after bad args", client, server);
    mp_connection_destroy(client);
    mp_connection_destroy(server);

    /* Another kind of handle where a listener belongs. */
    mp_event_t *e = NULL;
    if (EXPECT_RC(mp_event_create(&e, NULL), 0)) {
        mp_listener_t *not_listener = (mp_listener_t *)(void *)e;
        EXPECT_RC(mp_listener_accept(not_listener, &c, 0), MP_EINVAL);
        EXPECT_RC(mp_listener_close(not_listener), MP_EINVAL);
        EXPECT_EQ(mp_event_is_set(e), 0);
        mp_event_destroy(e);
    }
    mp_listener_destroy(l);
}

static const test_case_t tests[] = {
    {"lst_round_trip", test_lst_round_trip, ON_ALL},
    {"lst_server_in_child", test_lst_server_in_child, ON_ALL},
    {"lst_connect_before_accept", test_lst_connect_before_accept, ON_ALL},
    {"lst_many_clients", test_lst_many_clients, ON_ALL},
    {"lst_address_in_use", test_lst_address_in_use, ON_ALL},
    {"lst_close", test_lst_close, ON_ALL},
    {"lst_empty_authkey", test_lst_empty_authkey, ON_ALL},
#ifdef __linux__
    {"lst_abstract", test_lst_abstract, ON_ALL},
#endif
    {"lst_client_poll", test_lst_client_poll, ON_ALL},
    {"lst_bad_addresses", test_lst_bad_addresses, ON_ALL},
    {"lst_wrong_key", test_lst_wrong_key, ON_ALL},
    {"lst_keyed_client_unkeyed_listener", test_lst_keyed_client_unkeyed_listener, ON_ALL},
    {"lst_accept_timeout", test_lst_accept_timeout, ON_ALL},
    {"lst_connect_timeout", test_lst_connect_timeout, ON_ALL},
    {"lst_silent_client", test_lst_silent_client, ON_SPAWN},
    {"lst_connect_nobody", test_lst_connect_nobody, ON_ALL},
    {"lst_bad_args", test_lst_bad_args, ON_ALL},
    {"lst_hostile_peers", test_lst_hostile_peers, ON_ALL},
    {"lst_silent_clients_do_not_starve", test_lst_silent_clients_do_not_starve, ON_ALL},
#ifdef __linux__
    {"lst_forkserver_login_stall", test_lst_forkserver_login_stall, ON_FORKSERVER},
#endif
    {NULL, NULL, 0},
};

const test_suite_t suite_listener = {"listener", true, tests};
