/**
 * @file mp_mgrdata.h
 * @brief What the manager's dict, list and Namespace share: on the server,
 *        the checks of a method's arguments and the ways to answer; on the
 *        client, the one call every container function makes.
 *
 * Server side, every method of the three types checks its arguments the
 * same way and fails with a message that names the method and the
 * argument ("dict.pop: key: unhashable type: 'list'"), so that the server
 * refuses a bad request and goes on serving.
 */
#ifndef MP_MGRDATA_H
#define MP_MGRDATA_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <multiproc.h>

#include "mp_manager.h"

/* ---- server side (manager_data_args.c) ------------------------------------ */

/**
 * @brief The call's arguments, between `min` and `max` of them.
 * @param method "dict.pop", for the message.
 * @param[out] argv the first `max` arguments (borrowed; NULL past the
 *             count given).
 * @return the count given; MP_EINVAL (answered) for another count.
 */
int mp__mgrdata_args(mp_manager_call_t *call, const char *method, size_t min, size_t max,
                     const mp_var_t **argv);

/** @brief Fail unless `v` is of `type`: MP_EINVAL "list.insert: index
 *         must be int, not str". @return 0 or the code answered. */
int mp__mgrdata_want(mp_manager_call_t *call, const char *method, const char *name,
                     const mp_var_t *v, mp_var_type_t type);

/** @brief Whether a value can be a map key (a scalar). */
bool mp__mgrdata_is_hashable(const mp_var_t *v);

/** @brief Fail unless `key` can be a map key: MP_EINVAL
 *         "dict.get: key: unhashable type: 'list'". @return 0 or the code. */
int mp__mgrdata_hashable(mp_manager_call_t *call, const char *method, const char *name,
                         const mp_var_t *key);

/** @brief Answer MP_EKEY with the key's repr as the message (Python's
 *         KeyError), `prefix` before it when not NULL. @return MP_EKEY. */
int mp__mgrdata_key_error(mp_manager_call_t *call, const char *prefix, const mp_var_t *key);

/** @brief Python's repr of `v` in a new NUL-ended string (free()); NULL
 *         when memory runs out. */
char *mp__mgrdata_repr(const mp_var_t *v);

/** @brief Answer with a copy of `v`. @return 0; MP_ENOMEM. */
int mp__mgrdata_return_copy(mp_manager_call_t *call, const mp_var_t *v);
/** @brief Answer with an int. @return 0; MP_ENOMEM. */
int mp__mgrdata_return_int(mp_manager_call_t *call, int64_t n);
/** @brief Answer with a bool. @return 0; MP_ENOMEM. */
int mp__mgrdata_return_bool(mp_manager_call_t *call, bool b);
/** @brief Answer with `v`, taking it over; NULL (memory ran out) is MP_ENOMEM.
 *  @return 0; MP_ENOMEM. */
int mp__mgrdata_return(mp_manager_call_t *call, mp_var_t *v);

/**
 * @brief A constructor's optional one argument: nothing, or a value of
 *        `type` copied as the new object's state (a dict made from a map).
 * @param what "dict", for the message.
 * @param[out] state the new state: an empty one of `type`, or the copy.
 * @return 0; MP_EINVAL (answered) for more arguments or another type;
 *         MP_ENOMEM.
 */
int mp__mgrdata_create(mp_manager_call_t *call, const char *what, mp_var_type_t type,
                       mp_var_t **state);

/** @brief A type's destroy: the state is a value. */
void mp__mgrdata_destroy(void *self);

/* ---- client side (manager_data_proxy.c) ----------------------------------- */

/** @brief MP_EINVAL "fn: what is NULL" unless `p` is set. @return 0 or the code. */
int mp__mgrdata_need(const void *p, const char *fn, const char *what);

/**
 * @brief Call `method` on a container's proxy with arguments packed from
 *        `fmt` (a list format, "[v, I]"; NULL: none), for ever (no
 *        container method waits).
 * @param kind the proxy's kind (MP__MGR_DICT...).
 * @param fn the public function's name, for mp_errdetail().
 * @param[out] result the method's result (the caller's), or NULL to drop it.
 * @return 0 or the code of mp__proxy_call(); MP_EINVAL or MP_ENOMEM from
 *         packing the arguments.
 */
int mp__mgrdata_call(mp_proxy_t *p, mp__mgr_kind_t kind, const char *fn, const char *method,
                     mp_var_t **result, const char *fmt, ...);

/** @brief mp__mgrdata_call() with a va_list. */
int mp__mgrdata_vcall(mp_proxy_t *p, mp__mgr_kind_t kind, const char *fn, const char *method,
                      mp_var_t **result, const char *fmt, va_list ap);

/**
 * @brief The common end of a call that answers a count or a truth: `rc`
 *        and `result` from mp__mgrdata_call(), turned into the non-negative
 *        int the public function returns (freeing `result`).
 * @return the count (an int, a bool as 1 / 0), or `rc`; MP_EREMOTE for an
 *         answer of another type or beyond INT_MAX.
 */
int mp__mgrdata_int_result(int rc, mp_var_t *result, const char *fn);

/**
 * @brief A getf's second half: unpack `v` through `fmt` with copies
 *        (mp__var_vunpack(copy = true)), then free `v`.
 * @return 0; the unpack's code.
 */
int mp__mgrdata_vunpack(mp_var_t *v, const char *fmt, va_list ap);

/**
 * @brief A setf: pack one value from `fmt` and the arguments, then call
 *        `method` with `[key, value]` (or `[value]` when `key` is NULL).
 * @return 0; MP_EINVAL for a NULL or malformed format (nothing sent); the
 *         call's code.
 */
int mp__mgrdata_vset(mp_proxy_t *p, mp__mgr_kind_t kind, const char *fn, const char *method,
                     const char *key, const char *fmt, va_list ap);

/**
 * @brief A setf's first half: pack one value from `fmt`.
 * @param fn for the message when `fmt` is NULL.
 * @param[out] out the value.
 * @return 0; MP_EINVAL; MP_ENOMEM.
 */
int mp__mgrdata_vpack(const char *fn, mp_var_t **out, const char *fmt, va_list ap);

#endif /* MP_MGRDATA_H */
