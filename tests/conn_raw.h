/**
 * @file conn_raw.h
 * @brief A connection whose peer writes the wire itself: the hostile peer of
 *        the connection tests and of the fuzz_conn target.
 *
 * conn_raw_pair() makes a pipe through the backend's contract
 * (mp_backend.h): one end is an ordinary mp_connection_t, the other a bare
 * byte stream on which the caller writes whatever it likes, headers
 * included (a length the bytes never match, half a header, garbage). It
 * works on every backend, since it uses only the contract.
 */
#ifndef MP_TESTS_CONN_RAW_H
#define MP_TESTS_CONN_RAW_H

#include <multiproc.h>

#include <stddef.h>
#include <stdint.h>

#include "mp_backend.h"

/** Bytes of the length that precedes every message on the wire. */
#define CONN_RAW_HEADER 8

/**
 * @brief Make a duplex pipe: `*c` a connection, `*peer` its other end as
 *        bytes. Free them with mp_connection_destroy() and
 *        conn_raw_close().
 * @return 0 or the backend's code (both outs NULL then).
 */
int conn_raw_pair(mp_connection_t **c, mp__os_conn_t **peer);

/**
 * @brief Write `len` (> 0) bytes as they are on the peer's stream, within
 *        `timeout` seconds (they must fit the pipe's buffer unless
 *        someone reads).
 * @return 0; MP_ETIMEDOUT; MP_EEOF when the connection is closed.
 */
int conn_raw_write(mp__os_conn_t *peer, const void *bytes, size_t len, double timeout);

/** @brief A message header announcing `length` bytes, as the library writes
 *         it (8 bytes, little-endian). */
void conn_raw_header(unsigned char out[CONN_RAW_HEADER], uint64_t length);

/** @brief Close the peer's end (the connection sees end-of-file). NULL-safe. */
void conn_raw_close(mp__os_conn_t *peer);

#endif /* MP_TESTS_CONN_RAW_H */
