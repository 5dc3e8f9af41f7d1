/**
 * @file multiproc/value.h
 * @brief Shared values and arrays of a C type (Python's Value, Array,
 *        RawValue, RawArray).
 *
 * Synchronized ones carry their own RLock (mp_value_lock()), taken by every
 * typed get and set; a read-modify-write such as `counter += 1` needs the
 * lock held around it, exactly as in Python. Raw ones have no lock.
 */
#ifndef MULTIPROC_VALUE_H
#define MULTIPROC_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <multiproc/export.h>
#include <multiproc/sync.h>
#include <multiproc/task.h>
#include <multiproc/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief sizeof an element of that type; 0 for MP_STR, MP_BYTES and values
 *        outside the enum (they are not value elements).
 */
MP_API size_t mp_type_size(mp_type_t type);

/** A shared value or array (a value is an array of length 1). */
typedef struct mp_value mp_value_t;

/** Options for mp_value_create(). */
typedef struct mp_value_opts {
    mp_type_t type;   /**< element type, a number or MP_CHAR (required) */
    size_t length;    /**< elements; 0 means 1 (a Value) */
    bool raw;         /**< true: no lock (RawValue/RawArray) */
    const void *init; /**< initial elements (`length` of them), or NULL for zeros */
    uint64_t reserved[MP_OPTS_RESERVED]; /**< zero (see types.h) */
} mp_value_opts_t;

/**
 * @brief Create a shared value or array.
 * @param[out] out the new handle; free it with mp_value_destroy().
 * @param opts required: `type` has no default.
 * @return 0; MP_EINVAL for NULL, a type that is not a number or MP_CHAR, or
 *         an absurd length; MP_ESTATE before mp_init(); MP_ENOMEM; MP_ESYS.
 */
MP_API int mp_value_create(mp_value_t **out, const mp_value_opts_t *opts);

/** @brief The elements, in shared memory; NULL for NULL or destroyed. */
MP_API void *mp_value_ptr(mp_value_t *value);

/** @brief The number of elements; 0 for NULL or destroyed. */
MP_API size_t mp_value_length(mp_value_t *value);

/** @brief The element type; MP_EINVAL for NULL; MP_ECLOSED. */
MP_API int mp_value_type(mp_value_t *value);

/**
 * @brief The value's lock (Python's get_lock()), borrowed from the value:
 *        destroying it does nothing; once the value is destroyed, it answers
 *        MP_ECLOSED.
 * @return 0; MP_ENOTSUP for a raw value; MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_value_lock(mp_value_t *value, mp_rlock_t **lock);

/**
 * @brief Read element `index` as int64 (any integer type or char) or as
 *        double (any type), under the lock when there is one.
 * @return 0; MP_EINVAL for NULL, an index out of range, or (i64) a float
 *         type; MP_ECLOSED.
 */
MP_API int mp_value_get_i64(mp_value_t *value, size_t index, int64_t *out);
/** @copydoc mp_value_get_i64 */
MP_API int mp_value_get_double(mp_value_t *value, size_t index, double *out);

/**
 * @brief Write element `index`, converting to the element type, under the
 *        lock when there is one.
 * @return as mp_value_get_i64(); MP_EINVAL also for a double that an
 *         integer element cannot hold (NaN, an infinity, out of range).
 */
MP_API int mp_value_set_i64(mp_value_t *value, size_t index, int64_t v);
/** @copydoc mp_value_set_i64 */
MP_API int mp_value_set_double(mp_value_t *value, size_t index, double v);

/**
 * @brief Add `delta` to integer element `index` under the lock, atomically
 *        with respect to every other locked access, and give the new value.
 * @param value the value.
 * @param index the element.
 * @param delta what to add (wrapping as the element type does).
 * @param[out] result the new value (may be NULL).
 * @return 0; MP_ENOTSUP for a raw value; otherwise as mp_value_get_i64().
 */
MP_API int mp_value_add_i64(mp_value_t *value, size_t index, int64_t delta, int64_t *result);

/** @brief Free this process's handle. NULL-safe. */
MP_API void mp_value_destroy(mp_value_t *value);

/** @brief The child's handle to value object `index`; see mp_task_lock(). */
MP_API int mp_task_value(const mp_task_t *task, size_t index, mp_value_t **out);

#ifdef __cplusplus
}
#endif

#endif /* MULTIPROC_VALUE_H */
