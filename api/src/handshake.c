/* Python's multiprocessing handshake (deliver_challenge and
 * answer_challenge in multiprocessing.connection): each side sends the
 * other a random challenge and checks its HMAC-SHA256 under the shared key,
 * the listening side first. It runs on a connection's framed messages, so
 * it is one wire format for every user: Listener and Client (listener.c),
 * and, through mp__core_handshake(), a backend's own login (the POSIX fork
 * server). Every receive and every send keeps the handshake's deadline, so
 * a silent or stalled peer costs at most that long. */
#include <string.h>

#include "mp_auth.h"
#include "mp_core.h"

static const char challenge_tag[] = "#CHALLENGE#", welcome[] = "#WELCOME#", failure[] = "#FAILURE#";
enum { TAG_LEN = sizeof challenge_tag - 1, VERDICT_LEN = sizeof welcome - 1 };

/* Receive one message of at most `size` bytes before `deadline`; a longer
 * one is not what the handshake expects: MP_EAUTH. */
static int recv_by(mp_connection_t *c, void *buf, size_t size, size_t *len, double deadline)
{
    int rc = mp_connection_recv(c, buf, size, len, mp__time_left(deadline));
    return rc == MP_ETOOSMALL
               ? mp__errdetail_set(MP_EAUTH, "authentication: unexpected message (%zu bytes)", *len)
               : rc;
}

/* The longest answer read in full before it is refused (Python's 256):
 * a longer one is drained too, up to DRAIN_MAX, so that closing the
 * connection does not reset it before the refusal is read. */
enum { ANSWER_MAX = 256, DRAIN_MAX = 64 * 1024 };

static int deliver_challenge(mp_connection_t *c, const void *key, size_t key_len, double deadline)
{
    unsigned char msg[TAG_LEN + MP__AUTH_SIZE], answer[ANSWER_MAX];
    memcpy(msg, challenge_tag, TAG_LEN);
    size_t len = 0;
    int rc = mp__os_random(msg + TAG_LEN, MP__AUTH_SIZE);
    if (rc == 0)
        rc = mp_connection_send(c, msg, sizeof msg, mp__time_left(deadline));
    if (rc == 0)
        rc = mp_connection_recv(c, answer, sizeof answer, &len, mp__time_left(deadline));
    if (rc == MP_ETOOSMALL && len <= DRAIN_MAX) {
        void *junk = NULL;
        rc = mp_connection_recv_alloc(c, &junk, &len, mp__time_left(deadline));
        mp_free(junk);
        len = 0; /* too long to be a digest, whatever it was */
    }
    if (rc < 0 && rc != MP_ETOOSMALL)
        return rc;
    bool ok = rc == 0 && len == MP__AUTH_SIZE &&
              mp__auth_verify(key, key_len, msg + TAG_LEN, answer);
    rc = mp_connection_send(c, ok ? welcome : failure, VERDICT_LEN, mp__time_left(deadline));
    if (!ok)
        return mp__errdetail_set(MP_EAUTH, "authentication: the answer received was wrong");
    return rc;
}

static int answer_challenge(mp_connection_t *c, const void *key, size_t key_len, double deadline)
{
    unsigned char msg[TAG_LEN + MP__AUTH_SIZE], digest[MP__AUTH_SIZE];
    char verdict[VERDICT_LEN];
    size_t len = 0;
    int rc = recv_by(c, msg, sizeof msg, &len, deadline);
    if (rc < 0)
        return rc;
    if (len != sizeof msg || memcmp(msg, challenge_tag, TAG_LEN) != 0)
        return mp__errdetail_set(MP_EAUTH, "authentication: the message is not a challenge");
    rc = mp__auth_digest(key, key_len, msg + TAG_LEN, MP__AUTH_SIZE, digest);
    if (rc == 0)
        rc = mp_connection_send(c, digest, sizeof digest, mp__time_left(deadline));
    if (rc == 0)
        rc = recv_by(c, verdict, sizeof verdict, &len, deadline);
    if (rc < 0)
        return rc;
    if (len != VERDICT_LEN || memcmp(verdict, welcome, VERDICT_LEN) != 0)
        return mp__errdetail_set(MP_EAUTH, "authentication: the peer refused our key");
    return 0;
}

int mp__handshake(mp_connection_t *c, bool challenge_first, const void *key, size_t key_len,
                  double deadline)
{
    int rc = challenge_first ? deliver_challenge(c, key, key_len, deadline)
                             : answer_challenge(c, key, key_len, deadline);
    if (rc == 0)
        rc = challenge_first ? answer_challenge(c, key, key_len, deadline)
                             : deliver_challenge(c, key, key_len, deadline);
    return rc;
}

int mp__core_handshake(mp__os_conn_t **conn, bool challenge_first, const void *key, size_t key_len,
                       double deadline)
{
    mp_connection_t *c = NULL;
    int rc = mp__connection_adopt(*conn, &c); /* frees the end on failure */
    if (rc == 0)
        rc = mp__handshake(c, challenge_first, key, key_len, deadline);
    /* Every message was read whole and nothing past the last one, so on
     * success the end goes back to the backend exactly where it stands. */
    if (rc == 0)
        *conn = mp__connection_disown(c);
    else if (c)
        mp_connection_destroy(c);
    if (rc < 0)
        *conn = NULL;
    return rc;
}
