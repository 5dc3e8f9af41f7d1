/* Mutual challenge-response over a connected socket, in Python's
 * multiprocessing order: the server challenges the client, then the client
 * challenges the server. Every read has a deadline, so a silent peer costs
 * at most that long. */
#include <poll.h>
#include <string.h>

#include "mp_auth.h"
#include "posix_internal.h"

static const char challenge_tag[4] = {'C', 'H', 'A', 'L'};
enum { AUTH_OK = 1, AUTH_FAIL = 0 };

/* Read exactly n bytes before the deadline. */
static int read_by(int fd, void *buf, size_t n, double deadline)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = mp__posix_poll(&p, 1, deadline);
    if (r == 0)
        return mp__errdetail_set(MP_ETIMEDOUT, "authentication: peer is silent");
    return r < 0 ? r : mp__posix_read_all(fd, buf, n);
}

/* Send a fresh challenge and check the peer's answer. */
static int deliver_challenge(int fd, const void *key, size_t key_len, double deadline)
{
    unsigned char msg[sizeof challenge_tag + MP__AUTH_SIZE], digest[MP__AUTH_SIZE];
    memcpy(msg, challenge_tag, sizeof challenge_tag);
    int rc = mp__os_random(msg + sizeof challenge_tag, MP__AUTH_SIZE);
    if (rc == 0)
        rc = mp__posix_write_all(fd, msg, sizeof msg);
    if (rc == 0)
        rc = read_by(fd, digest, sizeof digest, deadline);
    if (rc < 0)
        return rc;
    bool ok = mp__auth_verify(key, key_len, msg + sizeof challenge_tag, digest);
    unsigned char verdict = ok ? AUTH_OK : AUTH_FAIL;
    rc = mp__posix_write_all(fd, &verdict, 1);
    if (!ok)
        return mp__errdetail_set(MP_EAUTH, "authentication: digest received was wrong");
    return rc;
}

/* Answer the peer's challenge and read its verdict. */
static int answer_challenge(int fd, const void *key, size_t key_len, double deadline)
{
    unsigned char msg[sizeof challenge_tag + MP__AUTH_SIZE], digest[MP__AUTH_SIZE], verdict;
    int rc = read_by(fd, msg, sizeof msg, deadline);
    if (rc < 0)
        return rc;
    if (memcmp(msg, challenge_tag, sizeof challenge_tag) != 0)
        return mp__errdetail_set(MP_EAUTH, "authentication: message is not a challenge");
    rc = mp__auth_digest(key, key_len, msg + sizeof challenge_tag, MP__AUTH_SIZE, digest);
    if (rc == 0)
        rc = mp__posix_write_all(fd, digest, sizeof digest);
    if (rc == 0)
        rc = read_by(fd, &verdict, 1, deadline);
    if (rc < 0)
        return rc;
    return verdict == AUTH_OK ? 0 : mp__errdetail_set(MP_EAUTH, "authentication: key refused");
}

int mp__posix_auth_server(int fd, const void *key, size_t key_len, double deadline)
{
    int rc = deliver_challenge(fd, key, key_len, deadline);
    return rc < 0 ? rc : answer_challenge(fd, key, key_len, deadline);
}

int mp__posix_auth_client(int fd, const void *key, size_t key_len, double deadline)
{
    int rc = answer_challenge(fd, key, key_len, deadline);
    return rc < 0 ? rc : deliver_challenge(fd, key, key_len, deadline);
}
