/* Python's multiprocessing handshake (deliver_challenge and
 * answer_challenge in multiprocessing.connection): each side sends the
 * other a random challenge and checks its HMAC-SHA256 under the shared key,
 * the listening side first. It runs on a connection's framed messages, so
 * it is one wire format for every user: Listener and Client (listener.c),
 * and, through the mp__core_login_*() up-calls, a backend's own login (the
 * POSIX fork server).
 *
 * It is a state machine that never waits for the peer: each step does what
 * it can with what has arrived (a receive that polls, which the connection
 * resumes where it stopped: connection.c keeps an unfinished message) and
 * says whether it needs more. So one thread can drive many handshakes at
 * once, each with its own deadline (a listener's pending clients, the fork
 * server's pending logins), and a peer that stalls holds up nobody but
 * itself. mp__handshake() is the same machine driven to the end for one
 * connection, waiting on it between steps.
 *
 * Anything the peer sends that is not the handshake's next message (too
 * long, a header no message can have, garbage) is MP_EAUTH, never a failure
 * of this process: a server that goes on after MP_EAUTH must never see
 * another code because of what an unauthenticated peer wrote. */
#include <stdlib.h>
#include <string.h>

#include "mp_auth.h"
#include "mp_core.h"

static const char challenge_tag[] = "#CHALLENGE#", welcome[] = "#WELCOME#", failure[] = "#FAILURE#";
enum { TAG_LEN = sizeof challenge_tag - 1, VERDICT_LEN = sizeof welcome - 1 };

/* The longest answer read in full before it is refused (Python's 256):
 * a longer one is drained too, up to DRAIN_MAX, so that closing the
 * connection does not reset it before the refusal is read. */
enum { ANSWER_MAX = 256, DRAIN_MAX = 64 * 1024 };

/* The phases, in the order the listening side runs them: deliver our
 * challenge (send it, read the answer, say the verdict), then answer the
 * peer's (read it, send the digest, read the verdict). The connecting side
 * runs the answering three first. */
enum phase {
    SEND_CHALLENGE,
    RECV_ANSWER,
    DRAIN_ANSWER,
    SEND_VERDICT,
    RECV_CHALLENGE,
    SEND_DIGEST,
    RECV_VERDICT,
    DONE,
};

void mp__login_init(mp__login_t *h, mp_connection_t *c, bool challenge_first, const void *key,
                    size_t key_len, double deadline)
{
    memset(h, 0, sizeof *h);
    h->c = c;
    h->challenge_first = challenge_first;
    h->key = key;
    h->key_len = key_len;
    h->deadline = deadline;
    h->phase = challenge_first ? SEND_CHALLENGE : RECV_CHALLENGE;
}

/* A receive that failed for a reason the peer chose: it is no handshake. */
static int refused(int rc)
{
    return rc == MP_EEOF ? mp__errdetail_set(MP_EAUTH, "authentication: the peer hung up")
                         : mp__errdetail_set(MP_EAUTH,
                                             "authentication: the peer sent what is not the "
                                             "handshake's message (%s)",
                                             mp_err_name(rc));
}

/* Poll for the next message of at most `size` bytes: 1 while it has not
 * all arrived (what has is kept by the connection), 0 with it in `buf`. */
static int poll_message(mp__login_t *h, void *buf, size_t size, size_t *len)
{
    int rc = mp_connection_recv(h->c, buf, size, len, 0);
    if (rc == MP_ETIMEDOUT)
        return 1;
    if (rc == MP_ETOOSMALL)
        return mp__errdetail_set(MP_EAUTH, "authentication: unexpected message (%zu bytes)", *len);
    /* MP_ESYS on one peer's end is that peer's failure too: a listener
     * drops it and serves the others. */
    return rc < 0 ? refused(rc) : 0;
}

/* Sends keep the handshake's deadline. They cannot stall a thread that
 * drives other handshakes: each side has at most two short messages
 * unread at any time, far below any socket's or pipe's buffer, so a send
 * never waits for the peer to read. */
static int send_by(mp__login_t *h, const void *data, size_t len)
{
    int rc = mp_connection_send(h->c, data, len, mp__time_left(h->deadline));
    return rc == MP_EEOF ? refused(rc) : rc;
}

/* The phase after the one that just ended. */
static void advance(mp__login_t *h)
{
    if (h->phase == SEND_VERDICT)
        h->phase = h->challenge_first ? RECV_CHALLENGE : DONE;
    else if (h->phase == RECV_VERDICT)
        h->phase = h->challenge_first ? DONE : SEND_CHALLENGE;
    else
        h->phase++;
}

static int send_challenge(mp__login_t *h)
{
    unsigned char msg[TAG_LEN + MP__AUTH_SIZE];
    memcpy(msg, challenge_tag, TAG_LEN);
    int rc = mp__os_random(h->challenge, MP__AUTH_SIZE);
    memcpy(msg + TAG_LEN, h->challenge, MP__AUTH_SIZE);
    return rc < 0 ? rc : send_by(h, msg, sizeof msg);
}

static int recv_answer(mp__login_t *h)
{
    unsigned char answer[ANSWER_MAX];
    size_t len = 0;
    int rc = mp_connection_recv(h->c, answer, sizeof answer, &len, 0);
    if (rc == MP_ETIMEDOUT)
        return 1;
    if (rc < 0 && rc != MP_ETOOSMALL)
        return refused(rc);
    /* Too long to be a digest, whatever it was: refused, after draining
     * it when it is not too long for that either. */
    h->answer_ok = rc == 0 && len == MP__AUTH_SIZE &&
                   mp__auth_verify(h->key, h->key_len, h->challenge, answer);
    h->phase = rc == MP_ETOOSMALL && len <= DRAIN_MAX ? DRAIN_ANSWER : SEND_VERDICT;
    return 0;
}

static int drain_answer(mp__login_t *h)
{
    void *junk = NULL;
    size_t len = 0;
    int rc = mp_connection_recv_alloc(h->c, &junk, &len, 0);
    mp_free(junk);
    if (rc == MP_ETIMEDOUT)
        return 1;
    return rc < 0 ? refused(rc) : 0;
}

static int send_verdict(mp__login_t *h)
{
    int rc = send_by(h, h->answer_ok ? welcome : failure, VERDICT_LEN);
    if (!h->answer_ok)
        return mp__errdetail_set(MP_EAUTH, "authentication: the answer received was wrong");
    return rc;
}

static int recv_challenge(mp__login_t *h)
{
    unsigned char msg[TAG_LEN + MP__AUTH_SIZE];
    size_t len = 0;
    int rc = poll_message(h, msg, sizeof msg, &len);
    if (rc != 0)
        return rc;
    if (len != sizeof msg || memcmp(msg, challenge_tag, TAG_LEN) != 0)
        return mp__errdetail_set(MP_EAUTH, "authentication: the message is not a challenge");
    return mp__auth_digest(h->key, h->key_len, msg + TAG_LEN, MP__AUTH_SIZE, h->digest);
}

static int recv_verdict(mp__login_t *h)
{
    char verdict[VERDICT_LEN];
    size_t len = 0;
    int rc = poll_message(h, verdict, sizeof verdict, &len);
    if (rc != 0)
        return rc;
    if (len != VERDICT_LEN || memcmp(verdict, welcome, VERDICT_LEN) != 0)
        return mp__errdetail_set(MP_EAUTH, "authentication: the peer refused our key");
    return 0;
}

/* One phase: 0 when it ended (the phase has moved on), 1 when it waits for
 * the peer, or the failure. */
static int run_phase(mp__login_t *h)
{
    int rc;
    switch (h->phase) {
    case SEND_CHALLENGE: rc = send_challenge(h); break;
    case RECV_ANSWER: return recv_answer(h); /* it chooses the next phase */
    case DRAIN_ANSWER: rc = drain_answer(h); break;
    case SEND_VERDICT: rc = send_verdict(h); break;
    case RECV_CHALLENGE: rc = recv_challenge(h); break;
    case SEND_DIGEST: rc = send_by(h, h->digest, sizeof h->digest); break;
    case RECV_VERDICT: rc = recv_verdict(h); break;
    default: return 0;
    }
    if (rc == 0)
        advance(h);
    return rc;
}

int mp__login_step(mp__login_t *h)
{
    if (h->failed < 0)
        return h->failed;
    while (h->phase != DONE) {
        int rc = run_phase(h);
        if (rc != 0) {
            if (rc < 0)
                h->failed = rc; /* for good: the stream is no longer at a message */
            return rc;
        }
    }
    return 0;
}

int mp__handshake(mp_connection_t *c, bool challenge_first, const void *key, size_t key_len,
                  double deadline)
{
    mp__login_t h;
    mp__login_init(&h, c, challenge_first, key, key_len, deadline);
    int rc;
    while ((rc = mp__login_step(&h)) == 1) {
        rc = mp_connection_poll(c, mp__time_left(deadline));
        if (rc < 0)
            return rc;
        if (rc == 0)
            return mp__errdetail_set(MP_ETIMEDOUT, "authentication: the peer did not complete "
                                                   "the handshake in time");
    }
    return rc;
}

/* ---- the backend's login (mp_backend.h) ------------------------------ */

struct mp__core_login {
    mp__login_t h;
    int rc; /**< the last step's outcome */
};

int mp__core_login_start(mp__os_conn_t *conn, bool challenge_first, const void *key, size_t key_len,
                         double deadline, mp__core_login_t **out)
{
    mp__core_login_t *login = calloc(1, sizeof *login);
    if (!login) {
        mp__os_conn_free(conn);
        return mp__errdetail_set(MP_ENOMEM, "out of memory for a login");
    }
    mp_connection_t *c = NULL;
    int rc = mp__connection_adopt(conn, &c); /* frees the end on failure */
    if (rc < 0) {
        free(login);
        return rc;
    }
    mp__login_init(&login->h, c, challenge_first, key, key_len, deadline);
    login->rc = 1;
    *out = login;
    return 0;
}

int mp__core_login_step(mp__core_login_t *login)
{
    return login->rc = mp__login_step(&login->h);
}

mp__os_conn_t *mp__core_login_end(mp__core_login_t *login)
{
    if (!login)
        return NULL;
    mp__os_conn_t *conn = NULL;
    /* Every message was read whole and nothing past the last one, so on
     * success the end goes back to the backend exactly where it stands. */
    if (login->rc == 0)
        conn = mp__connection_disown(login->h.c);
    else
        mp_connection_destroy(login->h.c);
    free(login);
    return conn;
}

int mp__core_handshake(mp__os_conn_t **conn, bool challenge_first, const void *key, size_t key_len,
                       double deadline)
{
    mp_connection_t *c = NULL;
    int rc = mp__connection_adopt(*conn, &c); /* frees the end on failure */
    if (rc == 0)
        rc = mp__handshake(c, challenge_first, key, key_len, deadline);
    if (rc == 0)
        *conn = mp__connection_disown(c);
    else if (c)
        mp_connection_destroy(c);
    if (rc < 0)
        *conn = NULL;
    return rc;
}
