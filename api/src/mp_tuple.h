/**
 * @file mp_tuple.h
 * @brief A tuple of arguments in one task argument (a starmap's): the
 *        bytes "MPT1", a u32 count, then each argument as a u32 length and
 *        its bytes. A task reads it with mp_task_arg_count() and
 *        mp_task_arg_at() (task.h), which check every length against the
 *        argument's end.
 */
#ifndef MP_TUPLE_H
#define MP_TUPLE_H

#include <stddef.h>

#include <multiproc/pool.h>

#include "mp_buf.h"

/**
 * @brief Append a tuple of `n` arguments to an order, as one argument.
 * @return 0; MP_EINVAL for an argument with NULL data and a length, or a
 *         tuple over 4 GiB; MP_ENOMEM.
 */
int mp__tuple_add(mp__buf_t *out, const mp_arg_t *args, size_t n);

#endif /* MP_TUPLE_H */
