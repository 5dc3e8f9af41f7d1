/* libFuzzer target for what a peer can send a connection: the framing of
 * messages (mp_connection_recv into a buffer, mp_connection_recv_alloc)
 * and the handshake of a listener with a key (mp_listener_accept), plus
 * the connecting side of the same handshake (mp__core_handshake, which
 * mp_client_connect and the fork server's login run).
 *
 * The input is four option bytes, then the wire: the bytes a raw peer
 * writes as they are, headers included, before it stops writing. Every
 * receive then ends promptly (the bytes are there, or end-of-file is), so
 * an input costs no process and no wait.
 *
 *   byte 0  bit 0-1: 0 framing, 1 listener accept, 2 connecting side (3: 0)
 *           bit 2: framing: the peer stays open while the wire comes in
 *                  two parts, a round of receives with timeout 0 after
 *                  each (they keep what they get of a message); then it
 *                  closes and a last round runs
 *           bits 3-7: where the wire is split, in 32nds of its length
 *   byte 1  framing: bit 7 set: the end's maximum is (bits 0-6) * 4 bytes;
 *           clear: the default maximum
 *   byte 2  framing: the buffer size of mp_connection_recv (0 to 255)
 *   byte 3  framing: which receive each call is, a bit per call (1:
 *           recv_alloc), in turn; a call after MP_ETOOSMALL is recv_alloc
 *
 * In framing mode the target parses the wire itself and checks that each
 * receive gives exactly what the wire says: the message and its length,
 * MP_ETOOSMALL (the message stays), MP_EMSGSIZE (then MP_ECLOSED for
 * ever), MP_ETIMEDOUT while the peer is open and a message incomplete, or
 * MP_EEOF (for ever) once it has closed. A handshake must refuse the peer
 * (it cannot know the key) with one of the codes its function documents.
 * ASan and UBSan watch the rest. A finding is an abort: libFuzzer keeps
 * the input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <multiproc.h>

#include "conn_raw.h"
#include "mp_core.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The most wire written: it must fit a socket's buffer, since nobody reads
 * while it is written. */
enum { WIRE_MAX = 32 * 1024, OPTIONS = 4 };

static const char key[] = "fuzz_conn key";
static mp_listener_t *listener; /* with `key`, made once */

static void finding(const char *what, int step, int rc)
{
    fprintf(stderr, "fuzz_conn: %s (call %d returned %d %s: %s)\n", what, step, rc, mp_err_name(rc),
            mp_errdetail());
    abort();
}

/* ---- framing ----------------------------------------------------------- */

/* The wire as the target reads it: where the next message starts. */
typedef struct wire {
    const uint8_t *bytes;
    size_t len, at;
} wire_t;

/* What the next receive must give, from the wire alone. */
typedef struct expect {
    int rc;
    uint64_t length; /* the message's, when the header is there */
} expect_t;

static expect_t next_expected(const wire_t *w, bool open, bool alloc, size_t bufsize, size_t max)
{
    size_t left = w->len - w->at;
    int incomplete = open ? MP_ETIMEDOUT : MP_EEOF;
    if (left < CONN_RAW_HEADER)
        return (expect_t){incomplete, 0};
    uint64_t n = 0;
    for (int i = CONN_RAW_HEADER - 1; i >= 0; i--)
        n = n << 8 | w->bytes[w->at + (size_t)i];
    if (!alloc && n > bufsize)
        return (expect_t){MP_ETOOSMALL, n};
    if (n > max)
        return (expect_t){MP_EMSGSIZE, n};
    if (n > left - CONN_RAW_HEADER)
        return (expect_t){incomplete, n};
    return (expect_t){0, n};
}

/* One receive, checked against the wire; the end's state for the next
 * (`*gone`: MP_EEOF or MP_ECLOSED for ever). Returns its code. */
static int receive_one(mp_connection_t *c, wire_t *w, bool open, bool alloc, size_t bufsize,
                       size_t max, int step, int *gone)
{
    unsigned char buf[256];
    void *data = NULL;
    size_t len = 0;
    int rc = alloc ? mp_connection_recv_alloc(c, &data, &len, 0)
                   : mp_connection_recv(c, bufsize ? buf : NULL, bufsize, &len, 0);
    expect_t want = *gone ? (expect_t){*gone, 0} : next_expected(w, open, alloc, bufsize, max);
    if (rc != want.rc)
        finding("a receive disagrees with the wire", step, rc);
    if (alloc && (rc == 0) != (data != NULL))
        finding("recv_alloc's data and its code disagree", step, rc);
    if (rc == MP_ETOOSMALL && len != (want.length < SIZE_MAX ? want.length : SIZE_MAX))
        finding("MP_ETOOSMALL gave a wrong length", step, rc);
    if (rc == 0) {
        const uint8_t *body = w->bytes + w->at + CONN_RAW_HEADER;
        if (len != want.length || (len && memcmp(alloc ? data : buf, body, len) != 0))
            finding("a message differs from the one on the wire", step, rc);
        w->at += CONN_RAW_HEADER + len;
    }
    if (rc == MP_EMSGSIZE)
        *gone = MP_ECLOSED;
    else if (rc == MP_EEOF)
        *gone = MP_EEOF;
    mp_free(data);
    return rc;
}

/* A round of receives until the wire gives nothing more now: each call
 * that does not end the round takes a message or is MP_ETOOSMALL, which
 * the next call follows with recv_alloc, so the round ends. */
static void receive_round(mp_connection_t *c, wire_t *w, bool open, const uint8_t *opt, size_t max,
                          int *step, int *gone)
{
    int rc = 0;
    while (rc == 0 || rc == MP_ETOOSMALL) {
        bool alloc = rc == MP_ETOOSMALL || ((opt[3] >> (*step % 8)) & 1);
        rc = receive_one(c, w, open, alloc, opt[2], max, *step, gone);
        ++*step;
    }
}

static void fuzz_framing(const uint8_t *opt, const uint8_t *bytes, size_t len)
{
    mp_connection_t *c;
    mp__os_conn_t *peer;
    if (conn_raw_pair(&c, &peer) < 0)
        return; /* out of descriptors or memory: nothing to learn */
    size_t max = MP_CONNECTION_MAX_MESSAGE_DEFAULT;
    if (opt[1] & 0x80) {
        max = (size_t)(opt[1] & 0x7f) * 4;
        if (mp_connection_set_max_message(c, max) < 0)
            finding("set_max_message refused an open end", -1, 0);
    }
    /* With the peer open, the wire comes in two parts, a round of
     * receives after each: a message cut by the split is kept in part by
     * the first round and finished by the second. */
    bool open = opt[0] & 4;
    size_t split = open ? len * (opt[0] >> 3) / 32 : 0;
    wire_t w = {bytes, 0, 0};
    int step = 0, gone = 0;
    for (int part = open ? 0 : 1; part < 2; part++) {
        size_t from = w.len;
        w.len = part ? len : split;
        /* A refused message closed the end: the rest has nowhere to go. */
        if (w.len > from && gone != MP_ECLOSED &&
            conn_raw_write(peer, bytes + from, w.len - from, 5.0) < 0)
            finding("the wire did not fit the pipe", -1, 0);
        if (open)
            receive_round(c, &w, true, opt, max, &step, &gone);
    }
    conn_raw_close(peer);
    receive_round(c, &w, false, opt, max, &step, &gone);
    /* Whatever ended the round ends every call after it. */
    receive_one(c, &w, false, true, opt[2], max, step, &gone);
    mp_connection_destroy(c);
}

/* ---- handshakes ------------------------------------------------------- */

/* A Unix socket connected to the listener, the wire written on it and its
 * writing shut, so that the handshake reads the wire then end-of-file. */
static void fuzz_accept(const uint8_t *bytes, size_t len)
{
    const char *path = mp_listener_address(listener) + strlen("unix:");
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        (len && send(fd, bytes, len, MSG_NOSIGNAL) != (ssize_t)len)) {
        close(fd);
        return; /* a loaded machine: this input tells nothing */
    }
    shutdown(fd, SHUT_WR);
    mp_connection_t *c = NULL;
    /* One pending client that fails: MP_EAUTH (or MP_ETIMEDOUT should a
     * listener go on to wait for a better one). */
    int rc = mp_listener_accept(listener, &c, 1.0);
    if (rc == 0)
        finding("accepted a peer that cannot know the key", 0, rc);
    if (rc != MP_EAUTH && rc != MP_ETIMEDOUT)
        finding("accept gave a code it does not document", 0, rc);
    close(fd);
}

/* The connecting side: the wire is the listener's part (challenge,
 * verdict, answer), on a raw pair whose writing is then shut. */
static void fuzz_connect(const uint8_t *bytes, size_t len)
{
    mp__os_conn_t *mine = NULL, *peer = NULL;
    if (mp__os_conn_pair(true, &mine, &peer) < 0)
        return;
    if (len && conn_raw_write(peer, bytes, len, 5.0) < 0)
        finding("the wire did not fit the pipe", -1, 0);
    shutdown((int)mp__os_conn_handle(peer), SHUT_WR);
    int rc = mp__core_handshake(&mine, false, key, sizeof key - 1, mp__deadline(true, 5.0));
    if (rc == 0 || mine != NULL)
        finding("the handshake passed a peer that cannot know the key", 0, rc);
    if (rc != MP_EAUTH && rc != MP_EEOF)
        finding("the handshake gave a code it does not document", 0, rc);
    conn_raw_close(peer);
}

/* The listener's socket file and its directory go at exit. */
static void destroy_listener(void)
{
    mp_listener_destroy(listener);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const mp_task_def_t no_tasks[] = {MP_TASK_END};
    int rc = mp_init(argc, argv, no_tasks);
    if (rc == 0)
        rc = mp_listener_create(
            &listener, &(mp_listener_opts_t){.authkey = key, .authkey_len = sizeof key - 1});
    if (rc < 0) {
        fprintf(stderr, "fuzz_conn: cannot start: %s: %s\n", mp_err_name(rc), mp_errdetail());
        exit(1);
    }
    atexit(destroy_listener);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < OPTIONS)
        return 0;
    const uint8_t *wire = data + OPTIONS;
    size_t len = size - OPTIONS < WIRE_MAX ? size - OPTIONS : WIRE_MAX;
    switch (data[0] & 3) {
    case 1: fuzz_accept(wire, len); break;
    case 2: fuzz_connect(wire, len); break;
    default: fuzz_framing(data, wire, len);
    }
    return 0;
}
