/**
 * @file mp_auth.h
 * @brief Challenge-response authentication with a shared key (HMAC-SHA256),
 *        as Python's multiprocessing connections do it: the digest
 *        (auth.c) and the handshake on a connection (handshake.c), used by
 *        Listener and Client and, through mp__core_handshake() and the
 *        mp__core_login_*() steps, by the fork server.
 */
#ifndef MP_AUTH_H
#define MP_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include <multiproc/connection.h>

/** Size of a challenge and of a digest, in bytes. */
#define MP__AUTH_SIZE 32

/** @brief HMAC-SHA256 of `msg` under `key` into `digest`. @return 0 or MP_ESYS. */
int mp__auth_digest(const void *key, size_t key_len, const void *msg, size_t msg_len,
                    unsigned char digest[MP__AUTH_SIZE]);

/** @brief Whether `digest` is the right answer to `challenge`, compared in
 *         constant time. */
bool mp__auth_verify(const void *key, size_t key_len, const unsigned char challenge[MP__AUTH_SIZE],
                     const unsigned char digest[MP__AUTH_SIZE]);

/**
 * A handshake in progress on one connection, as a state machine that never
 * waits (handshake.c): mp__login_step() does what has arrived allows and
 * says whether it needs more from the peer. The caller owns it (it may live
 * in an array) and the connection; `key` must outlive it.
 */
typedef struct mp__login {
    mp_connection_t *c;
    const void *key;
    size_t key_len;
    double deadline;                        /**< absolute; the sends keep it */
    bool challenge_first;                   /**< the listening side */
    bool answer_ok;                         /**< the peer answered our challenge rightly */
    int phase;                              /**< handshake.c's enum phase */
    int failed;                             /**< the failure, once there was one */
    unsigned char challenge[MP__AUTH_SIZE]; /**< ours, sent to the peer */
    unsigned char digest[MP__AUTH_SIZE];    /**< our answer to the peer's */
} mp__login_t;

/**
 * @brief Prepare a handshake on `c` under `key`, both ways: the side with
 *        `challenge_first` (a Listener) challenges, then answers; the other
 *        (a Client) answers, then challenges. Nothing is sent yet.
 * @param deadline absolute (mp__deadline()): what a send may wait; the
 *        caller keeps it for the receives (a step never waits for them).
 */
void mp__login_init(mp__login_t *h, mp_connection_t *c, bool challenge_first, const void *key,
                    size_t key_len, double deadline);

/**
 * @brief Go on with the handshake as far as what the peer has sent allows,
 *        without waiting for more. Reads exactly the handshake's messages,
 *        never past the last one.
 * @return 0 once it is complete; 1 while it waits for the peer (call again
 *         once the connection is readable: mp_connection_sentinel());
 *         MP_EAUTH (a wrong digest either way, a hang-up, or anything that
 *         is not the handshake's next message, however malformed);
 *         MP_ETIMEDOUT (a send the peer did not take in time); MP_ESYS.
 *         A failure is final: later calls return it again.
 */
int mp__login_step(mp__login_t *h);

/**
 * @brief The whole handshake on `c` (mp__login_step() until it is done,
 *        waiting on `c` in between), before `deadline`.
 * @return 0; MP_EAUTH; MP_ETIMEDOUT (the deadline passed); MP_ESYS.
 */
int mp__handshake(mp_connection_t *c, bool challenge_first, const void *key, size_t key_len,
                  double deadline);

#endif /* MP_AUTH_H */
