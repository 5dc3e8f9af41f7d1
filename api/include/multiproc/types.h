/**
 * @file multiproc/types.h
 * @brief The few types and constants every other header uses: process ids,
 *        waitable handles, the timeout dialect, element types, and the
 *        reserved tail of every options struct.
 *
 * It exists so that a header needing one of these does not include another
 * module's header for it.
 */
#ifndef MULTIPROC_TYPES_H
#define MULTIPROC_TYPES_H

#include <math.h>
#include <stdint.h>

#include <multiproc/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A process id (pid_t on POSIX, DWORD on Windows). */
typedef int64_t mp_pid_t;

/** A waitable OS handle: a file descriptor on POSIX, a HANDLE on Windows. */
typedef intptr_t mp_sentinel_t;

/**
 * The timeout of every blocking call, in seconds, as one `double`:
 * MP_FOREVER waits for ever, 0 polls (looks once, never waits), a positive
 * number waits at most that long. A negative number or NaN is MP_EINVAL.
 * A finite timeout longer than a century counts as MP_FOREVER.
 */
#define MP_FOREVER HUGE_VAL

/**
 * The C type of an element (Python's typecodes), shared by values and
 * arrays (numbers and MP_CHAR) and shareable lists (MP_INT64, MP_DOUBLE,
 * MP_STR, MP_BYTES). The numbers are stable.
 */
typedef enum mp_type {
    MP_INT8 = 1, /**< int8_t ('b') */
    MP_UINT8,    /**< uint8_t ('B') */
    MP_INT16,    /**< int16_t ('h') */
    MP_UINT16,   /**< uint16_t ('H') */
    MP_INT32,    /**< int32_t ('i') */
    MP_UINT32,   /**< uint32_t ('I') */
    MP_INT64,    /**< int64_t ('q') */
    MP_UINT64,   /**< uint64_t ('Q') */
    MP_FLOAT,    /**< float ('f') */
    MP_DOUBLE,   /**< double ('d') */
    MP_CHAR,     /**< char ('c') */
    MP_STR,      /**< a NUL-ended string of bounded width (lists only) */
    MP_BYTES     /**< bytes of bounded width, with their length (lists only) */
} mp_type_t;

/**
 * Every options struct ends with `uint64_t reserved[MP_OPTS_RESERVED]`:
 * zero in any designated initialiser. A field added in a later version is
 * carved out of that space, so an options struct never changes size or the
 * offset of a field, and a program built against an older header keeps
 * working: its zeros mean "the default" to the newer library.
 */
#define MP_OPTS_RESERVED 4

#ifdef __cplusplus
}
#endif

#endif /* MULTIPROC_TYPES_H */
