/**
 * @file mp_mgr_sync.h
 * @brief What the manager's synchronisation types share: the lock state
 *        that Lock, RLock and Condition all use (manager_lock.c), the
 *        argument readers of the server-side methods, and the client
 *        helpers of the proxy functions (manager_sync_args.c).
 */
#ifndef MP_MGR_SYNC_H
#define MP_MGR_SYNC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "mp_manager.h"

/* ---- server side: the lock under Lock, RLock and Condition ------------ */

/** A Lock's or RLock's state in the server (guarded by the server lock). */
typedef struct mp__mlock {
    bool recursive; /**< an RLock: its owner may take it again */
    uint64_t owner; /**< the client that holds it (mp__mgr_call_client()), 0: none */
    unsigned depth; /**< how many times the owner holds it; 0: unlocked */
} mp__mlock_t;

/** @brief Whether the calling client holds it, in Python's sense: an RLock
 *         by its owner, a Lock by anyone (Condition._is_owned). */
bool mp__mlock_owned(const mp__mlock_t *l, const mp_manager_call_t *call);

/**
 * @brief Take it for the calling client (again, for an RLock's owner),
 *        waiting until `deadline`.
 * @param depth what the depth becomes when taken fresh (1; a Condition's
 *        waiter restores its saved depth).
 * @return 0; MP_ETIMEDOUT; MP_EEOF / MP_ESHUTDOWN (nothing taken).
 */
int mp__mlock_take(mp__mlock_t *l, mp_manager_call_t *call, double deadline, unsigned depth);

/** @brief Release once. @return 0; MP_ESTATE (a Lock not locked);
 *         MP_ENOTOWNER (an RLock the caller does not hold), with the
 *         call's message. */
int mp__mlock_give(mp__mlock_t *l, mp_manager_call_t *call);

/** @brief Release it whatever its depth (a Condition's wait); the depth it
 *         had. The caller has checked mp__mlock_owned(). */
unsigned mp__mlock_give_all(mp__mlock_t *l, mp_manager_call_t *call);

/** @brief The "acquire" method of every type with a lock inside: waits as
 *         long as the client's timeout says. */
int mp__mlock_acquire_method(mp__mlock_t *l, mp_manager_call_t *call);

/* ---- server side: arguments and results ------------------------------- */

/** @brief Argument `i` of the call as an int. @return 0; MP_EINVAL (the
 *         call's message names the method). */
int mp__marg_int(mp_manager_call_t *call, size_t i, const char *method, int64_t *out);

/** @brief Argument `i` of the call, any value. @return 0; MP_EINVAL when
 *         missing. */
int mp__marg_var(mp_manager_call_t *call, size_t i, const char *method, const mp_var_t **out);

/** @brief Return an int. @return 0; MP_ENOMEM. */
int mp__mreturn_int(mp_manager_call_t *call, int64_t value);

/** @brief Return a bool. @return 0; MP_ENOMEM. */
int mp__mreturn_bool(mp_manager_call_t *call, bool value);

/** @brief A wait's end other than a timeout (the client hung up, the
 *         server shuts down) as the call's failure. */
int mp__mwait_failed(mp_manager_call_t *call, int rc, const char *what);

/* ---- client side ------------------------------------------------------ */

/** Lock-like kinds: what mp_mlock_acquire() and mp_mlock_release() take. */
#define MP__MGR_ACQUIRERS                                                                      \
    (MP__MGR_BIT(MP__MGR_LOCK) | MP__MGR_BIT(MP__MGR_RLOCK) | MP__MGR_BIT(MP__MGR_SEMAPHORE) | \
     MP__MGR_BIT(MP__MGR_BOUNDED_SEMAPHORE) | MP__MGR_BIT(MP__MGR_CONDITION))
/** Both kinds of queue. */
#define MP__MGR_QUEUES (MP__MGR_BIT(MP__MGR_QUEUE) | MP__MGR_BIT(MP__MGR_JOINABLE_QUEUE))

/**
 * @brief A method with no arguments whose answer is a count or a
 *        predicate: the answer (>= 0) or the code.
 */
int mp__mcall_count(mp_proxy_t *p, unsigned kinds, const char *fn, const char *method);

/**
 * @brief A method with up to two int arguments (`nargs` of them) and no
 *        result, waiting at most `timeout` in the server.
 */
int mp__mcall_ints(mp_proxy_t *p, unsigned kinds, const char *fn, const char *method,
                   double timeout, size_t nargs, int64_t a, int64_t b);

/** @brief Make an object whose constructor takes `nargs` ints (0..2). */
int mp__mnew_ints(mp_manager_t *m, const char *type, const char *fn, mp_proxy_t **out, size_t nargs,
                  int64_t a, int64_t b);

/** A proxy call that sends one value (a Value's set, a queue's put). */
typedef int (*mp__msend_fn)(mp_proxy_t *p, const mp_var_t *v, double timeout);
/** A proxy call that hands out one value (a Value's get, a queue's get). */
typedef int (*mp__mrecv_fn)(mp_proxy_t *p, mp_var_t **out, double timeout);

/** @brief A formatted send: the value packed from `fmt` and `ap`, then
 *         `send`. MP_EINVAL for a NULL or malformed format. */
int mp__mcall_sendf(mp_proxy_t *p, mp__msend_fn send, double timeout, const char *fn,
                    const char *fmt, va_list ap);

/** @brief A formatted receive: `recv`, then the value read through `fmt`
 *         with the getf rule (mp__var_vunpack(copy = true)) and freed. A
 *         NULL format is refused before anything is received. */
int mp__mcall_recvf(mp_proxy_t *p, mp__mrecv_fn recv, double timeout, const char *fn,
                    const char *fmt, va_list ap);

/** @brief MP_EINVAL naming `fn` when `ptr` is NULL, else 0. */
int mp__mcheck_out(const void *ptr, const char *fn, const char *what);

#endif /* MP_MGR_SYNC_H */
