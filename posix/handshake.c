/* The fork server's login: the core's handshake (the one Listener and
 * Client run, in the same framed messages) on the fork server's Unix
 * socket. The client logs in at once (mp__core_handshake()); the server
 * drives each login without waiting (mp__core_login_*()), several at once,
 * so that a peer that stalls holds up no other (forkserver_server.c).
 * Besides the key, the socket itself is guarded: it lives in a 0700
 * directory of the client's (forkserver_client.c), so only the same user
 * can reach it. The end reads exactly (mp__posix_conn_wrap_exact()): the
 * descriptor goes back to the fork server's code after the login, and its
 * next message carries descriptors. */
#include "posix_internal.h"

int mp__posix_handshake(int fd, bool challenge_first, const void *key, size_t key_len,
                        double deadline)
{
    mp__os_conn_t *conn = NULL;
    int rc = mp__posix_conn_wrap_exact(fd, &conn);
    if (rc < 0) {
        mp__posix_close(fd);
        return rc;
    }
    rc = mp__core_handshake(&conn, challenge_first, key, key_len, deadline);
    if (rc == 0)
        mp__posix_conn_unwrap(conn); /* the descriptor is the caller's again */
    return rc;
}

int mp__posix_login_start(int fd, const void *key, size_t key_len, double deadline,
                          mp__core_login_t **out)
{
    mp__os_conn_t *conn = NULL;
    int rc = mp__posix_conn_wrap_exact(fd, &conn);
    if (rc < 0) {
        mp__posix_close(fd);
        return rc;
    }
    return mp__core_login_start(conn, true, key, key_len, deadline, out);
}

int mp__posix_login_end(mp__core_login_t *login)
{
    mp__os_conn_t *conn = mp__core_login_end(login);
    if (!conn)
        return -1;
    int fd = (int)mp__os_conn_handle(conn);
    mp__posix_conn_unwrap(conn); /* the descriptor is the caller's again */
    return fd;
}
