/* Listeners and clients (Python's multiprocessing.connection Listener and
 * Client): addresses, and when to run the challenge-response handshake
 * (handshake.c), which runs on the connection's own framed messages and so
 * is the same for every family and platform. The backend listens, accepts and connects (mp_backend.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp_auth.h"
#include "mp_core.h"
#include "mp_object.h"
#include "mp_semlock.h"

/** How long an accepted client has to complete the handshake, whatever the
 *  accept's own timeout: a silent client must not stay pending for ever. */
#define HANDSHAKE_SECONDS 10.0

/** Most clients in the middle of their handshake at once; when one more
 *  comes, the one that has waited longest is dropped to make room. */
enum { PENDING_MAX = 32 };

/** A client accepted and not yet authenticated. */
typedef struct pending {
    mp__login_t login;
    double deadline; /**< dropped after it */
} pending_t;

struct mp_listener {
    mp__object_t obj;
    mp__os_listener_t *os; /**< NULL once closed */
    char address[MP_ADDRESS_MAX + 1];
    bool has_key;
    size_t key_len;
    unsigned char *key; /**< a copy of the caller's key */
    /** A keyed listener's clients mid-handshake (PENDING_MAX of them), which
     *  every accept drives together; NULL without a key. */
    pending_t *pending;
    size_t npending;
    /** A semaphore of one: keyed accepts of several threads take turns,
     *  since they share `pending`. */
    uint64_t turn[MP__SEMLOCK_SIZE / sizeof(uint64_t)];
};

/* ---- addresses --------------------------------------------------------- */

static const struct {
    const char *prefix;
    mp__family_t family;
} families[] = {
    {"tcp:", MP__FAMILY_TCP},
    {"unix:", MP__FAMILY_UNIX},
    {"pipe:", MP__FAMILY_PIPE},
};
enum { NFAMILIES = sizeof families / sizeof *families };

static const char *prefix_of(mp__family_t family)
{
    for (size_t i = 0; i < NFAMILIES; i++)
        if (families[i].family == family)
            return families[i].prefix;
    return "";
}

/* Split "family:where"; `where` points into `address`. */
static int parse_address(const char *address, mp__family_t *family, const char **where,
                         const char *fn)
{
    if (!address)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL address", fn);
    if (strlen(address) > MP_ADDRESS_MAX)
        return mp__errdetail_set(MP_EINVAL, "%s: address longer than %d bytes", fn, MP_ADDRESS_MAX);
    for (size_t i = 0; i < NFAMILIES; i++) {
        size_t n = strlen(families[i].prefix);
        if (strncmp(address, families[i].prefix, n) == 0 && address[n] != '\0') {
            *family = families[i].family;
            *where = address + n;
            return 0;
        }
    }
    return mp__errdetail_set(MP_EINVAL, "%s: '%s' is not tcp:HOST:PORT, unix:PATH or pipe:NAME", fn,
                             address);
}

int mp__split_host_port(const char *where, char host[MP__HOST_MAX + 1], unsigned *port)
{
    const char *colon = strrchr(where, ':');
    if (!colon)
        return mp__errdetail_set(MP_EINVAL, "tcp address '%s' is not HOST:PORT", where);
    const char *digits = colon + 1;
    size_t ndigits = strspn(digits, "0123456789");
    unsigned long num = ndigits > 0 && ndigits <= 5 ? strtoul(digits, NULL, 10) : 65536;
    if (digits[ndigits] != '\0' || num > 65535)
        return mp__errdetail_set(MP_EINVAL, "tcp address '%s': the port is not 0 to 65535", where);
    size_t hostlen = (size_t)(colon - where);
    if (hostlen > MP__HOST_MAX)
        return mp__errdetail_set(MP_EINVAL, "tcp address '%s': the host name is too long", where);
    memcpy(host, where, hostlen);
    host[hostlen] = '\0';
    *port = (unsigned)num;
    return 0;
}

/* ---- clients mid-handshake ------------------------------------------- */

/* A keyed listener never spends its accept on one client: it accepts every
 * client that comes, and drives all of their handshakes (handshake.c's
 * state machine) in one wait, returning the first that authenticates. A
 * client that says nothing, or says it slowly, costs the others nothing;
 * it is dropped at its own deadline. */

/* Close pending client `i` (it sees end-of-file) and take it off the list. */
static void drop_pending(mp_listener_t *l, size_t i)
{
    mp_connection_destroy(l->pending[i].login.c);
    l->pending[i] = l->pending[--l->npending];
}

static void forget_pending(mp_listener_t *l)
{
    while (l->npending > 0)
        drop_pending(l, l->npending - 1);
}

/* Take every client waiting now, without waiting for one. A client that
 * comes when PENDING_MAX are mid-handshake pushes out the one that has
 * waited longest (the earliest deadline), so that a crowd of silent
 * clients cannot keep a genuine one out for long. */
static int admit_waiting(mp_listener_t *l)
{
    for (;;) {
        mp__os_conn_t *os = NULL;
        mp_connection_t *c = NULL;
        int rc = mp__os_accept(l->os, mp__deadline(false, 0), &os);
        if (rc == MP_ETIMEDOUT)
            return 0;
        if (rc < 0 || (rc = mp__connection_adopt(os, &c)) < 0)
            return rc;
        if (l->npending == PENDING_MAX) {
            size_t oldest = 0;
            for (size_t i = 1; i < l->npending; i++)
                if (l->pending[i].deadline < l->pending[oldest].deadline)
                    oldest = i;
            drop_pending(l, oldest);
        }
        pending_t *p = &l->pending[l->npending++];
        p->deadline = mp__deadline(true, HANDSHAKE_SECONDS);
        mp__login_init(&p->login, c, true, l->key, l->key_len, p->deadline);
    }
}

/* Step every pending handshake as far as it goes. The first that ends
 * settles the call: 0 with the client in `*out`, or MP_EAUTH for a client
 * that failed or ran out of time (it is dropped: every failure of an
 * unauthenticated peer, whatever it sent or did, is MP_EAUTH). 1 when
 * none has ended. */
static int drive_pending(mp_listener_t *l, mp_connection_t **out)
{
    for (size_t i = 0; i < l->npending; i++) {
        pending_t *p = &l->pending[i];
        int rc = mp__login_step(&p->login);
        if (rc == 1 && mp__time_left(p->deadline) > 0)
            continue;
        if (rc == 0) {
            *out = p->login.c;
            l->pending[i] = l->pending[--l->npending];
            return 0;
        }
        char why[200];
        snprintf(why, sizeof why, "%s",
                 rc == 1 ? "the client did not complete the handshake in time" : mp_errdetail());
        drop_pending(l, i);
        return mp__errdetail_set(MP_EAUTH, "mp_listener_accept: %s; it is dropped", why);
    }
    return 1;
}

/* Wait until a client may be waiting, a pending one has sent something, a
 * pending one's deadline or the call's passes. */
static int wait_for_clients(mp_listener_t *l, double deadline)
{
    mp_sentinel_t handles[1 + PENDING_MAX];
    unsigned char ready[1 + PENDING_MAX] = {0};
    int rc = mp__os_listener_sentinel(l->os, &handles[0]);
    for (size_t i = 0; rc == 0 && i < l->npending; i++) {
        rc = mp_connection_sentinel(l->pending[i].login.c, &handles[1 + i]);
        if (l->pending[i].deadline < deadline)
            deadline = l->pending[i].deadline;
    }
    return rc < 0 ? rc
                  : mp__os_wait_handles(handles, 1 + l->npending, mp__time_left(deadline), ready);
}

static int accept_turn(mp_listener_t *l, double deadline, mp_connection_t **out)
{
    for (;;) {
        int rc = admit_waiting(l);
        if (rc == 0)
            rc = drive_pending(l, out);
        if (rc != 1)
            return rc;
        if (mp__time_left(deadline) <= 0)
            return mp__errdetail_set(MP_ETIMEDOUT, "mp_listener_accept: no client %s in time",
                                     l->npending ? "authenticated" : "connected");
        if ((rc = wait_for_clients(l, deadline)) < 0)
            return rc;
    }
}

static int accept_keyed(mp_listener_t *l, double deadline, mp_connection_t **out)
{
    if (mp__semlock_acquire(l->turn, true, mp__time_left(deadline)) < 0)
        return mp__errdetail_set(MP_ETIMEDOUT,
                                 "mp_listener_accept: another thread was accepting until the "
                                 "deadline");
    int rc = accept_turn(l, deadline, out);
    mp__semlock_release(l->turn);
    return rc;
}

/* ---- listeners --------------------------------------------------------- */

int mp_listener_create(mp_listener_t **out, const mp_listener_opts_t *opts)
{
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "mp_listener_create: NULL out");
    mp_listener_opts_t o = opts ? *opts : (mp_listener_opts_t){0};
    opts = &o;
    mp__family_t family = mp__os_default_family();
    const char *where = NULL;
    int rc = opts->address ? parse_address(opts->address, &family, &where, "mp_listener_create")
                           : 0;
    if (rc < 0)
        return rc;
    mp__object_t *obj;
    if ((rc = mp__object_new(&mp__kind_listener, &obj)) < 0)
        return rc;
    mp_listener_t *l = (mp_listener_t *)obj;
    if (opts->authkey) {
        /* malloc(0) may return NULL: keep one byte for an empty key. */
        l->key = malloc(opts->authkey_len ? opts->authkey_len : 1);
        if (!l->key) {
            mp__object_destroy(&l->obj);
            return mp__errdetail_set(MP_ENOMEM, "mp_listener_create: out of memory");
        }
        memcpy(l->key, opts->authkey, opts->authkey_len);
        l->has_key = true;
        l->key_len = opts->authkey_len;
        l->pending = calloc(PENDING_MAX, sizeof *l->pending);
        if (!l->pending) {
            mp__object_destroy(&l->obj);
            return mp__errdetail_set(MP_ENOMEM, "mp_listener_create: out of memory");
        }
        mp__semlock_init(l->turn, MP__SEMLOCK_SEMAPHORE, 1, 1);
    }
    const char *prefix = prefix_of(family);
    size_t used = strlen(prefix);
    memcpy(l->address, prefix, used + 1);
    rc = mp__os_listen(family, where, opts->backlog > 0 ? opts->backlog : 16, l->address + used,
                       sizeof l->address - used, &l->os);
    if (rc < 0) {
        mp__object_destroy(&l->obj);
        return rc;
    }
    *out = mp__handle_of(l);
    return 0;
}

const char *mp_listener_address(mp_listener_t *l)
{
    return mp__object_open(&l, &mp__kind_listener, "mp_listener_address") == 0 ? l->address : "";
}

int mp_listener_accept(mp_listener_t *l, mp_connection_t **out, double timeout)
{
    int rc = mp__object_open(&l, &mp__kind_listener, "mp_listener_accept");
    if (rc < 0)
        return rc;
    if (rc == 0)
        rc = mp__timeout_check(timeout, "mp_listener_accept");
    if (rc < 0)
        return rc;
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "mp_listener_accept: NULL out");
    if (!l->os)
        return mp__errdetail_set(MP_ECLOSED, "mp_listener_accept: the listener is closed");
    double deadline = mp__deadline(true, timeout);
    if (l->has_key)
        return accept_keyed(l, deadline, out);
    mp__os_conn_t *os = NULL;
    if ((rc = mp__os_accept(l->os, deadline, &os)) < 0)
        return rc;
    return mp__connection_adopt(os, out);
}

int mp_listener_close(mp_listener_t *l)
{
    int rc = mp__object_open(&l, &mp__kind_listener, "mp_listener_close");
    if (rc == 0) {
        forget_pending(l); /* clients mid-handshake see end-of-file */
        mp__os_listener_free(l->os);
        l->os = NULL;
    }
    return rc;
}

void mp_listener_destroy(mp_listener_t *l)
{
    mp__object_destroy_handle(l, &mp__kind_listener);
}

static void listener_release(mp__object_t *obj)
{
    mp_listener_t *l = (mp_listener_t *)obj;
    forget_pending(l);
    free(l->pending);
    l->pending = NULL;
    mp__os_listener_free(l->os);
    l->os = NULL;
    free(l->key);
    l->key = NULL;
}

/* A listener stays with the process that made it (as in Python, whose
 * Listener cannot be pickled): a child listens on an address of its own. */
static int listener_share(mp__object_t *obj, mp__share_t *out)
{
    (void)obj, (void)out;
    return mp__errdetail_set(MP_EINVAL, "a Listener cannot be given to a child");
}

static int listener_attach(const mp__kind_t *kind, const void *bytes, size_t len,
                           const mp_sentinel_t *handles, size_t nhandles, mp__object_t **out)
{
    (void)kind, (void)bytes, (void)len, (void)handles, (void)nhandles, (void)out;
    return MP_EBOOTSTRAP;
}

const mp__kind_t mp__kind_listener = {
    .name = "Listener",
    .id = 11,
    .size = sizeof(mp_listener_t),
    .share = listener_share,
    .attach = listener_attach,
    .release = listener_release,
};

/* ---- clients ----------------------------------------------------------- */

int mp_client_connect(mp_connection_t **out, const mp_client_opts_t *opts, double timeout)
{
    if (!out || !opts)
        return mp__errdetail_set(MP_EINVAL, "mp_client_connect: NULL out or opts");
    int rc = mp__timeout_check(timeout, "mp_client_connect");
    if (rc == 0)
        rc = mp__require_init("client connection");
    if (rc < 0)
        return rc;
    const void *authkey = opts->authkey;
    size_t authkey_len = opts->authkey_len;
    mp__family_t family;
    const char *where;
    if ((rc = parse_address(opts->address, &family, &where, "mp_client_connect")) < 0)
        return rc;
    double deadline = mp__deadline(true, timeout);
    mp__os_conn_t *os = NULL;
    mp_connection_t *c = NULL;
    if ((rc = mp__os_connect(family, where, deadline, &os)) < 0 ||
        (rc = mp__connection_adopt(os, &c)) < 0)
        return rc;
    /* A listener that never answers (it is not accepting, or has no key
     * and waits for us to speak) has refused nothing: MP_ETIMEDOUT. */
    if (authkey && (rc = mp__handshake(c, false, authkey, authkey_len, deadline)) < 0) {
        mp_connection_destroy(c);
        return rc;
    }
    *out = c;
    return 0;
}
