/* The fork server's login: the core's handshake (mp__core_handshake(), the
 * one Listener and Client run, in the same framed messages) on the fork
 * server's Unix socket. Besides the key, the socket itself is guarded: it
 * lives in a 0700 directory of the client's (forkserver_client.c), so only
 * the same user can reach it, and a peer that stays silent is dropped at
 * the deadline. */
#include "posix_internal.h"

int mp__posix_handshake(int fd, bool challenge_first, const void *key, size_t key_len,
                        double deadline)
{
    mp__os_conn_t *conn = NULL;
    int rc = mp__posix_conn_wrap(fd, &conn);
    if (rc < 0) {
        mp__posix_close(fd);
        return rc;
    }
    rc = mp__core_handshake(&conn, challenge_first, key, key_len, deadline);
    if (rc == 0)
        mp__posix_conn_unwrap(conn); /* the descriptor is the caller's again */
    return rc;
}
