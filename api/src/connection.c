/* Pipes and connections (Python's Pipe() and Connection): messages framed
 * on the backend's byte stream.
 *
 * On the wire a message is an 8-byte little-endian length, then its bytes.
 * A receive asks the backend for exactly what the current message needs,
 * never for the next one, so the connection itself holds at most the
 * unfinished start of one message (what a timed-out receive had got; it is
 * never dropped). The backend may take more from the OS in one read (POSIX
 * reads a small message's length and body in one recv() and keeps what
 * came beyond): what it holds counts as readable for its sentinel, so
 * mp_wait() and poll still see every message. A message
 * longer than the caller's buffer is refused after its header, leaving the
 * body in the OS for the next call (MP_ETOOSMALL loses nothing, unlike
 * Python's BufferTooShort, which hands the message over in the exception).
 *
 * The length comes from the peer, so it is trusted for nothing but framing:
 * a length over the end's maximum closes the end (MP_EMSGSIZE), and the
 * memory a receive holds grows with the bytes that really came, not with
 * the length announced (body_room()).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mp_core.h"
#include "mp_object.h"

/** Bytes of the length that precedes every message. */
enum { HEADER = 8 };

/** Small messages go out in one write with their header (one system call,
 *  and one message on a Windows message-mode pipe); larger ones in two. */
enum { COALESCE_MAX = 4096 };

/** A receive grows the memory for a message's body from this much (or the
 *  message's size, if less), doubling as the bytes come: a message up to
 *  1 MiB gets one allocation, and a peer that announces more than it
 *  sends costs at most about this much. */
enum { BODY_STEP = 1024 * 1024 };

/** The most body memory an end keeps between messages: more was for one
 *  big message, and is given back after it. */
enum { BODY_KEEP = 64 * 1024 };

struct mp_connection {
    mp__object_t obj;
    mp__os_conn_t *os; /**< NULL once closed */
    bool readable, writable;
    bool eof;                   /**< the peer's end is closed and nothing is left */
    unsigned char head[HEADER]; /**< the current message's header... */
    size_t head_len;            /**< ...as far as it came */
    mp__buf_t body;             /**< what came of its body, when a receive kept it */
    size_t max_message;         /**< longer messages are refused (MP_EMSGSIZE) */
};

/* The entry step of every call on an end: open the handle in place, then
 * check that the end is open and goes the way the call needs (`to_send`:
 * writable; otherwise readable). */
static int open_end(mp_connection_t **cp, bool to_send, const char *fn)
{
    int rc = mp__object_open(cp, &mp__kind_connection, fn);
    if (rc < 0)
        return rc;
    const mp_connection_t *c = *cp;
    if (!c->os)
        return mp__errdetail_set(MP_ECLOSED, "%s: the connection is closed", fn);
    if (to_send ? !c->writable : !c->readable)
        return mp__errdetail_set(MP_ESTATE, "%s: the connection is %s", fn,
                                 to_send ? "read-only" : "write-only");
    return 0;
}

/* An object over `os`, which it owns from now on (freed here on failure). */
static int adopt_end(mp__os_conn_t *os, bool readable, bool writable, mp_connection_t **out)
{
    mp__object_t *obj;
    int rc = mp__object_new(&mp__kind_connection, &obj);
    if (rc < 0) {
        mp__os_conn_free(os);
        return rc;
    }
    mp_connection_t *c = (mp_connection_t *)obj;
    c->os = os;
    c->readable = readable;
    c->writable = writable;
    c->max_message = MP_CONNECTION_MAX_MESSAGE_DEFAULT;
    *out = c;
    return 0;
}

/* Close the end an object holds (again is fine). */
static void close_end(mp_connection_t *c)
{
    mp__os_conn_free(c->os);
    c->os = NULL;
    c->head_len = 0;
    mp__buf_free(&c->body);
}

int mp__connection_adopt(mp__os_conn_t *os, mp_connection_t **out)
{
    mp_connection_t *c;
    int rc = adopt_end(os, true, true, &c);
    if (rc == 0)
        *out = mp__handle_of(c);
    return rc;
}

mp__os_conn_t *mp__connection_disown(mp_connection_t *c)
{
    if (mp__object_open(&c, &mp__kind_connection, "mp__connection_disown") < 0)
        return NULL;
    mp__os_conn_t *os = c->os;
    c->os = NULL; /* destroying the object no longer closes the end */
    mp__object_destroy(&c->obj);
    return os;
}

int mp_pipe_create(mp_connection_t **first, mp_connection_t **second, const mp_pipe_opts_t *opts)
{
    if (!first || !second)
        return mp__errdetail_set(MP_EINVAL, "mp_pipe_create: NULL out pointer");
    bool duplex = !(opts && opts->one_way);
    /* Refused before any OS resource is made. */
    int rc = mp__require_init(mp__kind_connection.name);
    if (rc < 0)
        return rc;
    mp__os_conn_t *a = NULL, *b = NULL;
    if ((rc = mp__os_conn_pair(duplex, &a, &b)) < 0)
        return rc;
    /* Each object owns its end from here, and adopt_end() frees an end it
     * could not wrap. */
    mp_connection_t *ca, *cb;
    if ((rc = adopt_end(a, true, duplex, &ca)) < 0) {
        mp__os_conn_free(b);
        return rc;
    }
    if ((rc = adopt_end(b, duplex, true, &cb)) < 0) {
        mp__object_destroy(&ca->obj);
        return rc;
    }
    *first = mp__handle_of(ca);
    *second = mp__handle_of(cb);
    return 0;
}

/* ---- sending ------------------------------------------------------- */

static void put_length(unsigned char *out, uint64_t n)
{
    for (int i = 0; i < HEADER; i++)
        out[i] = (unsigned char)(n >> (8 * i));
}

int mp_connection_send(mp_connection_t *c, const void *data, size_t len, double timeout)
{
    int rc = open_end(&c, true, "mp_connection_send");
    if (rc == 0)
        rc = mp__timeout_check(timeout, "mp_connection_send");
    if (rc < 0)
        return rc;
    if (!data && len > 0)
        return mp__errdetail_set(MP_EINVAL, "mp_connection_send: NULL data, %zu bytes", len);
    unsigned char frame[HEADER + COALESCE_MAX];
    put_length(frame, len);
    mp__os_piece_t pieces[2] = {{frame, HEADER}, {data, len}};
    size_t npieces = 2;
    if (len <= COALESCE_MAX) {
        if (len)
            memcpy(frame + HEADER, data, len);
        pieces[0].len += len;
        npieces = 1;
    }
    size_t sent = 0;
    rc = mp__os_conn_send(c->os, pieces, npieces, mp__deadline(true, timeout), &sent);
    if ((rc == MP_ETIMEDOUT || rc == MP_EINTR) && sent > 0) {
        /* Cut part-way (by the deadline or a signal, mp_set_interruptible()):
         * nothing may follow half a message, so the end goes for good. */
        close_end(c);
        return mp__errdetail_set(rc,
                                 "mp_connection_send: %s after %zu of the message's %zu "
                                 "bytes: the end is closed (the peer reads end-of-file)",
                                 rc == MP_EINTR ? "interrupted" : "timed out", sent, HEADER + len);
    }
    return rc;
}

/* ---- receiving ----------------------------------------------------- */

/* Read into `dst` until `*have` reaches `want` or the deadline passes. */
static int read_until(mp_connection_t *c, unsigned char *dst, size_t want, size_t *have,
                      double deadline)
{
    while (*have < want) {
        size_t n = 0;
        int rc = mp__os_conn_read(c->os, dst + *have, want - *have, &n, deadline);
        if (rc < 0)
            return rc;
        if (n == 0) {
            c->eof = true;
            /* In the middle: some of the header came, or all of it (a body
             * is being read), whether or not any of the body did. */
            return *have || c->head_len
                       ? mp__errdetail_set(MP_EEOF, "the peer closed in the middle of a message")
                       : mp__errdetail_set(MP_EEOF, "the peer closed the connection");
        }
        *have += n;
    }
    return 0;
}

/* A receive that would take a message of `n` bytes: over the end's
 * maximum, it is refused, and since nothing after it can be framed again
 * without reading it, the end is closed (the peer's sends fail, our calls
 * answer MP_ECLOSED). */
static int take_message(mp_connection_t *c, const char *fn, uint64_t n)
{
    if (n <= c->max_message)
        return 0;
    size_t max = c->max_message;
    close_end(c);
    return mp__errdetail_set(MP_EMSGSIZE,
                             "%s: the message has %llu bytes, over the connection's maximum of "
                             "%zu: the end is closed (nothing after it can be framed)",
                             fn, (unsigned long long)n, max);
}

/* Make sure the current message's header is in `head`; its length in `*n`
 * (checked by take_message() once a receive means to take it). */
static int read_header(mp_connection_t *c, double deadline, uint64_t *n)
{
    if (c->eof && c->head_len == 0)
        return mp__errdetail_set(MP_EEOF, "the peer closed the connection");
    /* A partial header is kept for the next call. */
    int rc = read_until(c, c->head, HEADER, &c->head_len, deadline);
    if (rc == MP_EEOF)
        c->head_len = 0; /* the start of a header that never ends */
    if (rc < 0)
        return rc;
    uint64_t v = 0;
    for (int i = HEADER - 1; i >= 0; i--)
        v = v << 8 | c->head[i];
    *n = v;
    return 0;
}

/*
 * Room in `body` for more of a message of `n` bytes of which `have` came
 * (`have` may run ahead of body.len: a receive into the caller's buffer
 * saves its bytes into `body` only when it times out). The room grows with
 * what came, doubling, never with what the header claims, so a peer that
 * announces a huge message and sends little costs little; `*room` is how
 * much may be read next (>= 1, at most what is missing).
 */
static int body_room(mp_connection_t *c, size_t n, size_t have, size_t *room)
{
    size_t missing = n - have;
    if (c->body.cap <= have) {
        size_t step = have > BODY_STEP ? have : BODY_STEP;
        int rc = mp__buf_reserve(&c->body, have - c->body.len + (missing < step ? missing : step));
        if (rc < 0)
            return mp__errdetail_set(rc, "no memory for %zu more bytes of a %zu-byte message",
                                     missing < step ? missing : step, n);
    }
    *room = c->body.cap - have < missing ? c->body.cap - have : missing;
    return 0;
}

/* The message is over (delivered, or lost with the stream): the next one
 * starts from an empty header, and a big body's memory is not kept for a
 * connection that may only carry small messages from now on. */
static void message_done(mp_connection_t *c)
{
    c->head_len = 0;
    c->body.len = 0;
    if (c->body.cap > BODY_KEEP)
        mp__buf_free(&c->body);
}

/*
 * Receive the body of a message of `n` bytes (its header is in `head`).
 * With `dst`, into it: what earlier timed-out calls got comes first, and
 * if this call times out too everything so far goes back into `body`, so
 * nothing is lost. Without `dst`, into `body` itself, whose bytes the
 * caller then takes (recv_alloc). A receive that may time out reads only
 * what `body` has room to keep; one that waits for ever reads into `dst`
 * as the bytes come (unless mp_set_interruptible() may cut it short).
 */
static int read_body(mp_connection_t *c, unsigned char *dst, size_t n, double deadline)
{
    /* May it stop early, by a deadline or a signal (mp_set_interruptible())? */
    bool keep = !dst || deadline != MP_FOREVER || mp__interruptible();
    size_t have = c->body.len;
    if (dst && have)
        memcpy(dst, c->body.data, have);
    int rc = 0;
    while (rc == 0 && have < n) {
        size_t room = n - have;
        if (keep && (rc = body_room(c, n, have, &room)) < 0)
            break;
        unsigned char *into = dst ? dst : (unsigned char *)c->body.data;
        rc = read_until(c, into, have + room, &have, deadline);
        if (!dst)
            c->body.len = have;
    }
    /* The message stays for a later call. */
    if (rc == MP_ETIMEDOUT || rc == MP_ENOMEM || (rc == MP_EINTR && keep)) {
        if (dst && have > c->body.len)
            memcpy(c->body.data + c->body.len, dst + c->body.len, have - c->body.len);
        c->body.len = have;
        return rc;
    }
    /* Interrupted with no room kept (mp_set_interruptible() was turned on
     * during the call): what follows cannot be framed any more. */
    if (rc == MP_EINTR)
        c->eof = true;
    if (rc < 0)
        message_done(c); /* the stream is broken for good */
    return rc;
}

/* The end of every receive that may have read: the backend's sentinel
 * shows from now on what it holds (mp__os_conn_settle()); `rc` passes
 * through. The end may be gone (a refused message closes it). */
static int settled(mp_connection_t *c, int rc)
{
    if (c->os)
        mp__os_conn_settle(c->os);
    return rc;
}

/* mp_connection_recv() once its arguments are checked. */
static int recv_into(mp_connection_t *c, void *buf, size_t size, size_t *len, double timeout)
{
    static const char fn[] = "mp_connection_recv";
    int rc;
    double deadline = mp__deadline(true, timeout);
    uint64_t n = 0;
    if ((rc = read_header(c, deadline, &n)) < 0)
        return rc;
    /* Too long for the buffer is MP_ETOOSMALL whatever the length: nothing
     * of the message is read, so it costs nothing and loses nothing. */
    *len = n < SIZE_MAX ? (size_t)n : SIZE_MAX;
    if (n > size)
        return mp__errdetail_set(MP_ETOOSMALL,
                                 "mp_connection_recv: the message has %llu bytes, the buffer %zu",
                                 (unsigned long long)n, size);
    if ((rc = take_message(c, fn, n)) < 0)
        return rc;
    if ((rc = read_body(c, buf, (size_t)n, deadline)) == 0)
        message_done(c);
    return rc;
}

int mp_connection_recv(mp_connection_t *c, void *buf, size_t size, size_t *len, double timeout)
{
    int rc = open_end(&c, false, "mp_connection_recv");
    if (rc < 0)
        return rc;
    if (!len || (!buf && size > 0))
        return mp__errdetail_set(MP_EINVAL, "mp_connection_recv: NULL len, or NULL buf");
    if ((rc = mp__timeout_check(timeout, "mp_connection_recv")) < 0)
        return rc;
    return settled(c, recv_into(c, buf, size, len, timeout));
}

/* mp_connection_recv_alloc() once its arguments are checked. */
static int recv_alloc(mp_connection_t *c, void **data, size_t *len, double timeout)
{
    static const char fn[] = "mp_connection_recv_alloc";
    int rc;
    double deadline = mp__deadline(true, timeout);
    uint64_t n = 0;
    if ((rc = read_header(c, deadline, &n)) < 0 || (rc = take_message(c, fn, n)) < 0)
        return rc;
    /* An empty message has no body, but the caller gets a valid pointer. */
    if (n == 0 && (rc = body_room(c, 1, 0, &(size_t){0})) < 0)
        return rc;
    if ((rc = read_body(c, NULL, (size_t)n, deadline)) < 0)
        return rc;
    /* The body's memory becomes the caller's message. */
    *data = c->body.data;
    *len = (size_t)n;
    c->body = (mp__buf_t){0};
    c->head_len = 0;
    return 0;
}

int mp_connection_recv_alloc(mp_connection_t *c, void **data, size_t *len, double timeout)
{
    if (data)
        *data = NULL; /* on every failure, as documented */
    int rc = open_end(&c, false, "mp_connection_recv_alloc");
    if (rc < 0)
        return rc;
    if (!data || !len)
        return mp__errdetail_set(MP_EINVAL, "mp_connection_recv_alloc: NULL data or len");
    if ((rc = mp__timeout_check(timeout, "mp_connection_recv_alloc")) < 0)
        return rc;
    return settled(c, recv_alloc(c, data, len, timeout));
}

int mp_connection_set_max_message(mp_connection_t *c, size_t max)
{
    int rc = open_end(&c, false, "mp_connection_set_max_message");
    if (rc == 0)
        c->max_message = max;
    return rc;
}

size_t mp_connection_max_message(mp_connection_t *c)
{
    return open_end(&c, false, "mp_connection_max_message") < 0 ? 0 : c->max_message;
}

size_t mp__connection_held_for_tests(mp_connection_t *c)
{
    return mp__object_open(&c, &mp__kind_connection, "mp__connection_held_for_tests") < 0
               ? 0
               : c->body.cap;
}

int mp_connection_sentinel(mp_connection_t *c, mp_sentinel_t *out)
{
    int rc = open_end(&c, false, "mp_connection_sentinel");
    if (rc == 0 && !out)
        rc = mp__errdetail_set(MP_EINVAL, "mp_connection_sentinel: NULL out");
    return rc < 0 ? rc : mp__os_conn_sentinel(c->os, out);
}

int mp_connection_poll(mp_connection_t *c, double timeout)
{
    int rc = open_end(&c, false, "mp_connection_poll");
    if (rc == 0)
        rc = mp__timeout_check(timeout, "mp_connection_poll");
    if (rc < 0)
        return rc;
    if (c->eof)
        return 1;
    /* Whatever `head` and `body` hold is unfinished; only the backend's
     * sentinel can say whether more (or end-of-file) is there, in the OS or
     * in what the backend read ahead. */
    mp_sentinel_t sentinel;
    unsigned char ready = 0;
    if ((rc = mp__os_conn_sentinel(c->os, &sentinel)) < 0 ||
        (rc = mp__os_wait_handles(&sentinel, 1, timeout, &ready)) < 0)
        return rc;
    return ready != 0;
}

int mp_connection_is_readable(mp_connection_t *c)
{
    int rc = open_end(&c, false, "mp_connection_is_readable");
    return rc == MP_ESTATE ? 0 : rc < 0 ? rc : 1;
}

int mp_connection_is_writable(mp_connection_t *c)
{
    int rc = open_end(&c, true, "mp_connection_is_writable");
    return rc == MP_ESTATE ? 0 : rc < 0 ? rc : 1;
}

int mp_connection_close(mp_connection_t *c)
{
    int rc = mp__object_open(&c, &mp__kind_connection, "mp_connection_close");
    if (rc == 0)
        close_end(c);
    return rc;
}

void mp_connection_destroy(mp_connection_t *c)
{
    mp__object_destroy_handle(c, &mp__kind_connection);
}

/* ---- handing an end to a child ------------------------------------- */

static void connection_release(mp__object_t *obj)
{
    close_end((mp_connection_t *)obj);
}

/* A child gets the end itself and which ways it goes. What this process
 * has read of an unfinished message stays here: hand an end over between
 * messages. */
static int connection_share(mp__object_t *obj, mp__share_t *out)
{
    mp_connection_t *c = (mp_connection_t *)obj;
    if (!c->os)
        return mp__errdetail_set(MP_ECLOSED, "a closed connection cannot be given to a child");
    int rc = mp__os_conn_shareable(c->os);
    if (rc < 0)
        return rc;
    unsigned char ways = (unsigned char)(c->readable | c->writable << 1);
    rc = mp__buf_append(&out->bytes, &ways, 1);
    if (rc == 0)
        out->handles[out->nhandles++] = mp__os_conn_handle(c->os);
    return rc;
}

static int connection_attach(const mp__kind_t *kind, const void *bytes, size_t len,
                             const mp_sentinel_t *handles, size_t nhandles, mp__object_t **out)
{
    const unsigned char *ways = bytes;
    if (nhandles != 1 || len != 1 || *ways == 0 || *ways > 3)
        return MP_EBOOTSTRAP;
    mp__os_conn_t *os = NULL;
    int rc = mp__os_conn_from_handle(handles[0], &os);
    if (rc < 0)
        return rc;
    mp_connection_t *c = NULL;
    if ((rc = adopt_end(os, *ways & 1, *ways & 2, &c)) < 0)
        return rc;
    *out = &c->obj;
    return 0;
}

const mp__kind_t mp__kind_connection = {
    .name = "Connection",
    .id = 10,
    .size = sizeof(mp_connection_t),
    .share = connection_share,
    .attach = connection_attach,
    .release = connection_release,
};

int mp_task_connection(const mp_task_t *task, size_t index, mp_connection_t **out)
{
    return mp__task_object(task, index, &mp__kind_connection, out);
}
