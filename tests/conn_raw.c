/* The raw peer of conn_raw.h: a backend pipe, one end adopted as a
 * connection, the other written byte for byte. */
#include "conn_raw.h"

#include "mp_core.h" /* mp__connection_adopt() */

int conn_raw_pair(mp_connection_t **c, mp__os_conn_t **peer)
{
    mp__os_conn_t *mine = NULL;
    *c = NULL;
    *peer = NULL;
    int rc = mp__os_conn_pair(true, &mine, peer);
    /* The adopted end is freed by mp__connection_adopt() if it fails. */
    if (rc == 0 && (rc = mp__connection_adopt(mine, c)) < 0) {
        mp__os_conn_free(*peer);
        *peer = NULL;
    }
    return rc;
}

int conn_raw_write(mp__os_conn_t *peer, const void *bytes, size_t len, double timeout)
{
    mp__os_piece_t piece = {bytes, len};
    size_t sent = 0;
    return mp__os_conn_send(peer, &piece, 1, mp__deadline(true, timeout), &sent);
}

void conn_raw_header(unsigned char out[CONN_RAW_HEADER], uint64_t length)
{
    for (int i = 0; i < CONN_RAW_HEADER; i++)
        out[i] = (unsigned char)(length >> (8 * i));
}

void conn_raw_close(mp__os_conn_t *peer)
{
    mp__os_conn_free(peer);
}
