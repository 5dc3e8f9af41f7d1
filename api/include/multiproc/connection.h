/**
 * @file multiproc/connection.h
 * @brief Pipes and their connections (Python's `multiprocessing.Pipe()` and
 *        `Connection`): messages of bytes between two processes.
 *
 * mp_pipe() makes two connected ends. Each message a sender sends arrives
 * whole, once and in order at the other end, never merged with another and
 * never split, whatever its size (a 16 MiB message is one message). Give an
 * end to a child with MP_OBJECTS() and fetch it there with
 * mp_task_connection(); it works under every start method.
 *
 * The OS underneath: a socketpair on POSIX, a named pipe in message mode on
 * Windows. A connection is not thread-safe: one thread at a time may use an
 * end (as in Python); two processes may each use their own end at once.
 *
 * Where Python raises, multiproc returns a code:
 * | Python                                   | multiproc              |
 * |------------------------------------------|------------------------|
 * | EOFError (peer closed, nothing pending)  | MP_EEOF                |
 * | BufferTooShort (recv_bytes_into)         | MP_ETOOSMALL, and the message stays for the next call |
 * | OSError "handle is closed"               | MP_ECLOSED             |
 * | OSError "connection is write-only" etc.  | MP_ESTATE              |
 */
#ifndef MULTIPROC_CONNECTION_H
#define MULTIPROC_CONNECTION_H

#include <stdbool.h>
#include <stddef.h>

#include <multiproc/export.h>
#include <multiproc/process.h>
#include <multiproc/task.h>

#ifdef __cplusplus
extern "C" {
#endif

/** One end of a pipe. */
typedef struct mp_connection mp_connection_t;

/**
 * @brief Make a pipe: two connected ends.
 * @param duplex true: both ends send and receive. false: `*first` only
 *        receives and `*second` only sends (Python's `Pipe(duplex=False)`
 *        returns `(reader, writer)` in that order too).
 * @return 0; MP_EINVAL for a NULL pointer; MP_ENOMEM; MP_ESYS.
 */
MP_API int mp_pipe(mp_connection_t **first, mp_connection_t **second, bool duplex);

/**
 * @brief Send one message of `len` bytes (0 is a valid, empty message).
 *        Blocks while the pipe is full, until the peer has read enough.
 * @return 0; MP_EINVAL for NULL `c`, or NULL `data` with `len` > 0;
 *         MP_ECLOSED for a closed or destroyed end; MP_ESTATE for an end
 *         that only receives; MP_EEOF when the peer's end is closed (every
 *         copy of it, in every process); MP_ENOMEM; MP_ESYS.
 */
MP_API int mp_connection_send(mp_connection_t *c, const void *data, size_t len);

/**
 * @brief Receive the next message into the caller's buffer.
 * @param buf where the message goes (may be NULL when `size` is 0).
 * @param size the buffer's size.
 * @param len out: the message's length; on MP_ETOOSMALL, the size needed.
 * @param timeout seconds to wait for a message: MP_FOREVER blocks (Python's
 *        `recv_bytes()`), <= 0 polls.
 * @return 0; MP_ETOOSMALL when the message is longer than `size` (nothing is
 *         lost: the message stays and the next receive returns it);
 *         MP_ETIMEDOUT when no whole message arrived in time (what did
 *         arrive is kept); MP_EEOF when the peer's end is closed and no
 *         message is left; MP_EINVAL for NULL `c` or `len`, NULL `buf` with
 *         `size` > 0, or a NaN timeout; MP_ECLOSED; MP_ESTATE for an end
 *         that only sends; MP_ENOMEM; MP_ESYS.
 */
MP_API int mp_connection_recv(mp_connection_t *c, void *buf, size_t size, size_t *len,
                              double timeout);

/**
 * @brief Receive the next message, whatever its size, into memory the
 *        library allocates; free it with mp_connection_free().
 * @return as mp_connection_recv(), never MP_ETOOSMALL; `*data` is NULL
 *         unless 0 is returned (an empty message gives a valid pointer).
 */
MP_API int mp_connection_recv_alloc(mp_connection_t *c, void **data, size_t *len, double timeout);

/** @brief Free a message from mp_connection_recv_alloc(). NULL-safe. */
MP_API void mp_connection_free(void *data);

/**
 * @brief Whether there is something to receive, as Python's `poll()`: bytes
 *        of a message are waiting, or the peer has closed (a receive then
 *        returns MP_EEOF at once). Waits up to `timeout` (<= 0 polls).
 * @return 1 ready; 0 not within the timeout; MP_EINVAL for NULL or NaN;
 *         MP_ECLOSED; MP_ESTATE for an end that only sends; MP_ESYS.
 */
MP_API int mp_connection_poll(mp_connection_t *c, double timeout);

/** @brief 1 when the end can receive, 0 when it only sends; MP_EINVAL,
 *         MP_ECLOSED. */
MP_API int mp_connection_readable(mp_connection_t *c);

/** @brief 1 when the end can send, 0 when it only receives; MP_EINVAL,
 *         MP_ECLOSED. */
MP_API int mp_connection_writable(mp_connection_t *c);

/**
 * @brief A sentinel for mp_wait() that is ready when mp_connection_poll()
 *        would say 1 (Python's `multiprocessing.connection.wait()` mixes
 *        connections and process sentinels the same way). It stays owned by
 *        the connection and is valid until the end is closed.
 * @return 0; MP_EINVAL for NULL; MP_ECLOSED; MP_ESTATE for an end that only
 *         sends; MP_ESYS.
 */
MP_API int mp_connection_sentinel(mp_connection_t *c, mp_sentinel_t *out);

/**
 * @brief Close this process's end: the peer sees end-of-file once every
 *        copy of it (in children too) is closed. The handle stays valid for
 *        mp_connection_destroy(); other calls on it return MP_ECLOSED.
 *        Closing again is a no-op.
 * @return 0; MP_EINVAL for NULL; MP_ECLOSED for a destroyed handle.
 */
MP_API int mp_connection_close(mp_connection_t *c);

/** @brief Close (if needed) and free the handle. NULL-safe. */
MP_API void mp_connection_destroy(mp_connection_t *c);

/**
 * @brief In a child: the connection passed at `index` of MP_OBJECTS().
 * @return 0; MP_EINVAL for NULL, a bad index or another kind of object.
 */
MP_API int mp_task_connection(const mp_task_t *task, size_t index, mp_connection_t **out);

#ifdef __cplusplus
}
#endif

#endif /* MULTIPROC_CONNECTION_H */
