/**
 * @file mp_buf.h
 * @brief A growable byte buffer, the currency of records and results.
 */
#ifndef MP_BUF_H
#define MP_BUF_H

#include <stdbool.h>
#include <stddef.h>

/** Bytes owned by the buffer; `data` is NULL while empty (unless the
 *  buffer starts in caller-provided storage, see mp__buf_use()). */
typedef struct mp__buf {
    char *data;
    size_t len;
    size_t cap;
    bool borrowed; /**< `data` is the caller's storage, not ours to free */
} mp__buf_t;

/**
 * @brief Start the buffer in `storage` (e.g. on the stack); it moves to the
 *        heap only if it outgrows it. Used where an allocation would cost a
 *        copy-on-write fault (a fork child).
 */
void mp__buf_use(mp__buf_t *buf, char *storage, size_t size);

/** @brief Append `n` bytes. @return 0 or MP_ENOMEM (the buffer is unchanged). */
int mp__buf_append(mp__buf_t *buf, const void *bytes, size_t n);

/** @brief Make room for `n` more bytes past `len`. @return 0 or MP_ENOMEM. */
int mp__buf_reserve(mp__buf_t *buf, size_t n);

/** @brief Free the bytes and empty the buffer. */
void mp__buf_free(mp__buf_t *buf);

#endif /* MP_BUF_H */
