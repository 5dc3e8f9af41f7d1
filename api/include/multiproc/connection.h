/**
 * @file multiproc/connection.h
 * @brief Pipes and their connections (Python's `multiprocessing.Pipe()` and
 *        `Connection`): messages of bytes between two processes.
 *
 * mp_pipe_create() makes two connected ends. Each message a sender sends arrives
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
 * | OSError "bad message length" (maxlength) | MP_EMSGSIZE, and the end is closed |
 *
 * A receiving end refuses to take a message longer than its maximum
 * (mp_connection_set_max_message(), MP_CONNECTION_MAX_MESSAGE_DEFAULT
 * unless set): the length comes from the peer, and a peer that announces
 * more than the program expects is not one to keep talking to. The memory a
 * receive holds for a message grows with the bytes that arrived, never with
 * the length the peer announced.
 */
#ifndef MULTIPROC_CONNECTION_H
#define MULTIPROC_CONNECTION_H

#include <stdbool.h>
#include <stddef.h>

#include <multiproc/export.h>
#include <multiproc/task.h>
#include <multiproc/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The longest message an end receives unless told otherwise (1 GiB, or
 *  less where size_t is smaller): see mp_connection_set_max_message(). */
#define MP_CONNECTION_MAX_MESSAGE_DEFAULT ((size_t)1 << (sizeof(size_t) > 4 ? 30 : 28))

/** One end of a pipe. */
typedef struct mp_connection mp_connection_t;

/** Options for mp_pipe_create(). */
typedef struct mp_pipe_opts {
    /** false (the default): both ends send and receive. true: `*first`
     *  only receives and `*second` only sends (Python's
     *  `Pipe(duplex=False)` returns `(reader, writer)` in that order too). */
    bool one_way;
    uint64_t reserved[MP_OPTS_RESERVED]; /**< zero (see types.h) */
} mp_pipe_opts_t;

/**
 * @brief Make a pipe: two connected ends.
 * @param[out] first one end (the reader of a one-way pipe).
 * @param[out] second the other end (the writer of a one-way pipe).
 * @param opts NULL for a duplex pipe.
 * @return 0; MP_EINVAL for a NULL pointer; MP_ESTATE before mp_init();
 *         MP_ENOMEM; MP_ESYS.
 */
MP_API int mp_pipe_create(mp_connection_t **first, mp_connection_t **second,
                          const mp_pipe_opts_t *opts);

/**
 * @brief Send one message of `len` bytes (0 is a valid, empty message),
 *        waiting while the pipe is full until the peer has read enough.
 * @param c an end that sends.
 * @param data the message (may be NULL when `len` is 0).
 * @param len its length in bytes.
 * @param timeout seconds (see MP_FOREVER). A message is never half sent:
 *        when the time runs out before any of it was written, nothing was
 *        sent; when it runs out part-way, the rest cannot be taken back, so
 *        this end is closed (the peer sees end-of-file, never half a
 *        message) and mp_errdetail() says so.
 * @return 0; MP_ETIMEDOUT; MP_EINVAL for NULL `c`, NULL `data` with
 *         `len` > 0, or a bad timeout; MP_ECLOSED for a closed or destroyed
 *         end; MP_ESTATE for an end that only receives; MP_EEOF when the
 *         peer's end is closed (every copy of it, in every process);
 *         MP_ENOMEM; MP_ESYS.
 */
MP_API int mp_connection_send(mp_connection_t *c, const void *data, size_t len, double timeout);

/**
 * @brief Receive the next message into the caller's buffer.
 * @param c an end that receives.
 * @param buf where the message goes (may be NULL when `size` is 0).
 * @param size the buffer's size.
 * @param len out: the message's length; on MP_ETOOSMALL, the size needed.
 * @param timeout seconds to wait for a message (see MP_FOREVER):
 *        MP_FOREVER is Python's `recv_bytes()`, 0 polls.
 * @return 0; MP_ETOOSMALL when the message is longer than `size`, whatever
 *         its length (nothing is lost: the message stays and the next
 *         receive returns it; `*len` is its length, SIZE_MAX when it has
 *         more bytes than a size_t counts); MP_EMSGSIZE when it fits
 *         `size` but is longer than the end's maximum
 *         (mp_connection_set_max_message()): the end is closed, since
 *         nothing after that message could be framed, and later calls on it
 *         answer MP_ECLOSED;
 *         MP_ETIMEDOUT when no whole message arrived in time (what did
 *         arrive is kept); MP_EEOF when the peer's end is closed and no
 *         message is left; MP_EINVAL for NULL `c` or `len`, NULL `buf` with
 *         `size` > 0, or a bad timeout; MP_ECLOSED; MP_ESTATE for an end
 *         that only sends; MP_ENOMEM; MP_ESYS.
 */
MP_API int mp_connection_recv(mp_connection_t *c, void *buf, size_t size, size_t *len,
                              double timeout);

/**
 * @brief Receive the next message, whatever its size, into memory the
 *        library allocates; free it with mp_free().
 * @param c an end that receives.
 * @param[out] data the message, the caller's to mp_free(); NULL unless 0 is
 *        returned (an empty message gives a valid pointer).
 * @param[out] len its length.
 * @param timeout as mp_connection_recv().
 * @return as mp_connection_recv(), never MP_ETOOSMALL: MP_EMSGSIZE (and the
 *         end closed) for a message over the end's maximum; MP_ENOMEM when
 *         the memory for the message ran out (what came of it is kept, and
 *         a later receive goes on from there).
 */
MP_API int mp_connection_recv_alloc(mp_connection_t *c, void **data, size_t *len, double timeout);

/**
 * @brief Set the longest message this end receives (Python's
 *        `recv_bytes(maxlength)`, kept by the end for every receive). A
 *        longer one is refused as soon as its length arrives, by
 *        mp_connection_recv_alloc() and by an mp_connection_recv() whose
 *        buffer would hold it (a smaller buffer gets MP_ETOOSMALL, as
 *        always): the receive returns MP_EMSGSIZE and the end is closed.
 * @param c an end that receives.
 * @param max bytes, any value: 0 allows only empty messages, SIZE_MAX any
 *        the memory holds. An end starts at
 *        MP_CONNECTION_MAX_MESSAGE_DEFAULT, an end a child fetches with
 *        mp_task_connection() and one from mp_listener_accept() or
 *        mp_client_connect() included.
 * @return 0; MP_EINVAL for NULL; MP_ECLOSED for a closed or destroyed end;
 *         MP_ESTATE for an end that only sends.
 */
MP_API int mp_connection_set_max_message(mp_connection_t *c, size_t max);

/**
 * @brief The longest message this end receives (see
 *        mp_connection_set_max_message()).
 * @return the maximum in bytes; 0 for NULL, a closed or destroyed end, or
 *         one that only sends (mp_errdetail() says which), as for every size
 *         getter.
 */
MP_API size_t mp_connection_max_message(mp_connection_t *c);

/**
 * @brief Whether there is something to receive, as Python's `poll()`: bytes
 *        of a message are waiting, or the peer has closed (a receive then
 *        returns MP_EEOF at once). Waits up to `timeout` (0 looks once).
 * @return 1 ready; 0 not within the timeout; MP_EINVAL for NULL or a bad
 *         timeout; MP_ECLOSED; MP_ESTATE for an end that only sends; MP_ESYS.
 */
MP_API int mp_connection_poll(mp_connection_t *c, double timeout);

/** @brief 1 when the end can receive, 0 when it only sends; MP_EINVAL,
 *         MP_ECLOSED. */
MP_API int mp_connection_is_readable(mp_connection_t *c);

/** @brief 1 when the end can send, 0 when it only receives; MP_EINVAL,
 *         MP_ECLOSED. */
MP_API int mp_connection_is_writable(mp_connection_t *c);

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
 * @brief In a child: the connection passed at `index` of MP_OBJECTS(),
 *        borrowed from the task (destroying it does nothing).
 * @return 0; MP_EINVAL for NULL, a bad index or another kind of object.
 */
MP_API int mp_task_connection(const mp_task_t *task, size_t index, mp_connection_t **out);

#ifdef __cplusplus
}
#endif

#endif /* MULTIPROC_CONNECTION_H */
