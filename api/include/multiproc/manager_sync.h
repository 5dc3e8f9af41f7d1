/**
 * @file multiproc/manager_sync.h
 * @brief Values, arrays, locks, semaphores, conditions, events, barriers and
 *        queues held by a manager's server (Python's `manager.Value()`,
 *        `manager.Lock()`, `manager.Queue()`...), used through proxies.
 *
 * Each object lives in the manager's server (manager.h); every call here
 * sends one request to it through the proxy and waits for the answer. A
 * proxy can be passed to a child with MP_OBJECTS() and opened there with
 * mp_task_proxy(), under every start method, or reached by another program
 * through mp_manager_publish() / mp_manager_lookup().
 *
 * Each mirrors the shared-memory primitive of sync.h or queue.h (same
 * return codes and meanings), except:
 * - a manager Lock has no owner (as in Python): a child may acquire it and
 *   the parent release it;
 * - there is no MP_EOWNERDEAD: a client that dies holding a lock leaves it
 *   held (Python's manager does the same), but a client that dies *waiting*
 *   takes nothing;
 * - a call whose server is gone (killed, shut down, hung up) fails promptly
 *   with MP_EBROKEN;
 * - a BoundedSemaphore released above its initial value is MP_EINVAL
 *   (Python's ValueError).
 *
 * The identity behind an RLock's or a Condition's owner is the proxy's
 * connection: one per proxy handle in each process. Two threads that each
 * need to own a lock use two handles (mp_proxy_ref() and mp_proxy_open()
 * make a second one).
 *
 * Bad input, for every function: a NULL proxy or out-pointer is MP_EINVAL,
 * a destroyed proxy MP_ECLOSED, a proxy of another kind (a Lock function on
 * a dict) MP_EINVAL, a negative or NaN timeout MP_EINVAL (see MP_FOREVER).
 *
 * Formatted calls (`...f`) take var.h's formats. What a `getf` hands out
 * outlives the fetched value: `s` writes a `char **` and `y` a
 * `void **, size_t *` to free with mp_free(), `v` a `mp_var_t **` to free
 * with mp_var_free().
 */
#ifndef MULTIPROC_MANAGER_SYNC_H
#define MULTIPROC_MANAGER_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include <multiproc/export.h>
#include <multiproc/manager.h>
#include <multiproc/sync.h>
#include <multiproc/types.h>
#include <multiproc/var.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Value and Array                                                     */
/* ------------------------------------------------------------------ */

/**
 * @brief Make a Value holding any typed value (Python's manager.Value()).
 * @param m the manager.
 * @param initial its first value, copied (NULL: nil).
 * @param[out] out the proxy; free it with mp_proxy_destroy().
 * @return 0; MP_EINVAL for NULL; MP_ECLOSED for a destroyed manager;
 *         MP_EBROKEN when the server is gone.
 */
MP_API int mp_manager_value(mp_manager_t *m, const mp_var_t *initial, mp_proxy_t **out);

/**
 * @brief Read the value (Python's `.value` / `get()`).
 * @param v the Value's proxy.
 * @param[out] out a copy, the caller's to mp_var_free().
 * @return 0; MP_EINVAL; MP_ECLOSED; MP_EBROKEN.
 */
MP_API int mp_mvalue_get(mp_proxy_t *v, mp_var_t **out);

/**
 * @brief Replace the value (Python's `.value = x` / `set(x)`).
 * @param v the Value's proxy.
 * @param value the new value, copied (not NULL).
 * @return 0; MP_EINVAL; MP_ECLOSED; MP_EBROKEN.
 */
MP_API int mp_mvalue_set(mp_proxy_t *v, const mp_var_t *value);

/**
 * @brief Read the value through a format: mp_var_unpack() on it, with the
 *        getf rule above for what is handed out.
 * @return 0; MP_EINVAL also for a value of another shape; MP_EKEY for a
 *         missing map key; MP_ECLOSED; MP_EBROKEN.
 */
MP_API int mp_mvalue_getf(mp_proxy_t *v, const char *fmt, ...);

/**
 * @brief Replace the value with one packed from a format (mp_var_pack()).
 * @return as mp_mvalue_set(); MP_EINVAL also for a malformed format.
 */
MP_API int mp_mvalue_setf(mp_proxy_t *v, const char *fmt, ...);

/**
 * @brief Make an Array of numbers of one C type (Python's
 *        manager.Array(typecode, sequence)).
 * @param m the manager.
 * @param type a number type or MP_CHAR (as value.h); MP_STR and MP_BYTES
 *        are MP_EINVAL.
 * @param items a list of numbers (ints, doubles for the float types), or
 *        NULL for an empty array; each is converted to `type`.
 * @param[out] out the proxy; free it with mp_proxy_destroy().
 * @return 0; MP_EINVAL for NULL, a bad type, items that are not a list, or
 *         an element that is not a number of the kind or does not fit the
 *         type (mp_errdetail() names it); MP_ECLOSED; MP_EBROKEN.
 */
MP_API int mp_manager_array(mp_manager_t *m, mp_type_t type, const mp_var_t *items,
                            mp_proxy_t **out);

/** @brief The number of elements (>= 0); MP_EINVAL; MP_ECLOSED; MP_EBROKEN. */
MP_API int mp_marray_len(mp_proxy_t *a);

/**
 * @brief Read element `index` (negative counts from the end, as Python).
 * @param a the Array's proxy.
 * @param index the element.
 * @param[out] out an int (integer types and MP_CHAR) or a double (MP_FLOAT,
 *        MP_DOUBLE), the caller's to mp_var_free().
 * @return 0; MP_EINDEX out of range; MP_EINVAL; MP_ECLOSED; MP_EBROKEN.
 */
MP_API int mp_marray_get(mp_proxy_t *a, int64_t index, mp_var_t **out);

/**
 * @brief Write element `index`, converted to the Array's type.
 * @param a the Array's proxy.
 * @param index the element (negative counts from the end).
 * @param value a number: an int, or a double for the float types.
 * @return 0; MP_EINDEX out of range; MP_EINVAL for NULL, a value that is
 *         not a number of the kind or does not fit (the element is
 *         unchanged); MP_ECLOSED; MP_EBROKEN.
 */
MP_API int mp_marray_set(mp_proxy_t *a, int64_t index, const mp_var_t *value);

/**
 * @brief Every element, in order (Python's iteration or `a[:]`).
 * @param a the Array's proxy.
 * @param[out] out a local list, the caller's to mp_var_free().
 * @return 0; MP_EINVAL; MP_ECLOSED; MP_EBROKEN.
 */
MP_API int mp_marray_copy(mp_proxy_t *a, mp_var_t **out);

/* ------------------------------------------------------------------ */
/* Lock, RLock, Semaphore, BoundedSemaphore                            */
/* ------------------------------------------------------------------ */

/**
 * @brief Make a Lock, unlocked (Python's manager.Lock()).
 * @param m the manager.
 * @param[out] out the proxy; free it with mp_proxy_destroy().
 * @return 0; MP_EINVAL; MP_ECLOSED; MP_EBROKEN.
 */
MP_API int mp_manager_lock(mp_manager_t *m, mp_proxy_t **out);

/** @brief Make an RLock, unlocked; owned by the proxy handle that acquires
 *         it. As mp_manager_lock(). */
MP_API int mp_manager_rlock(mp_manager_t *m, mp_proxy_t **out);

/**
 * @brief Make a Semaphore with an initial count.
 * @param m the manager.
 * @param value the count, at most 2^30.
 * @param[out] out the proxy; free it with mp_proxy_destroy().
 * @return 0; MP_EINVAL also for a value too large; MP_ECLOSED; MP_EBROKEN.
 */
MP_API int mp_manager_semaphore(mp_manager_t *m, unsigned value, mp_proxy_t **out);

/** @brief Make a BoundedSemaphore: releasing above `value` fails. As
 *         mp_manager_semaphore(). */
MP_API int mp_manager_bounded_semaphore(mp_manager_t *m, unsigned value, mp_proxy_t **out);

/**
 * @brief Acquire a Lock, RLock, Semaphore, BoundedSemaphore or Condition
 *        (its lock). An RLock's owner may acquire again (the depth goes up).
 * @param l the proxy.
 * @param timeout seconds (see MP_FOREVER); 0 tries once.
 * @return 0 acquired; MP_ETIMEDOUT not acquired; MP_EINVAL (also a bad
 *         timeout or another kind of proxy); MP_ECLOSED; MP_EBROKEN.
 */
MP_API int mp_mlock_acquire(mp_proxy_t *l, double timeout);

/**
 * @brief Release once (any client may release a Lock or a Semaphore).
 * @param l a Lock, RLock, Semaphore, BoundedSemaphore or Condition proxy.
 * @return 0; MP_ESTATE for an unlocked Lock; MP_ENOTOWNER for an RLock or
 *         Condition the caller does not hold; MP_EINVAL for a
 *         BoundedSemaphore already at its initial value (the value is
 *         unchanged) and for bad input; MP_ECLOSED; MP_EBROKEN.
 */
MP_API int mp_mlock_release(mp_proxy_t *l);

/** @brief Lock, RLock: 1 if locked (by anyone), 0 if not; MP_EINVAL;
 *         MP_ECLOSED; MP_EBROKEN. */
MP_API int mp_mlock_is_locked(mp_proxy_t *l);

/**
 * @brief A Semaphore's or BoundedSemaphore's count.
 * @param s the proxy.
 * @param[out] value the count.
 * @return 0; MP_EINVAL; MP_ECLOSED; MP_EBROKEN.
 */
MP_API int mp_msemaphore_value(mp_proxy_t *s, unsigned *value);

/* ------------------------------------------------------------------ */
/* Condition                                                           */
/* ------------------------------------------------------------------ */

/**
 * @brief Make a Condition (Python's manager.Condition(lock)).
 * @param m the manager.
 * @param lock a Lock or RLock proxy of the same manager, shared with the
 *        Condition, or NULL for a new RLock of its own.
 * @param[out] out the proxy; acquire and release it with mp_mlock_acquire()
 *        and mp_mlock_release().
 * @return 0; MP_EINVAL for NULL, or a lock that is not a Lock or RLock of
 *         this manager; MP_ECLOSED for a destroyed manager or lock proxy;
 *         MP_EBROKEN.
 */
MP_API int mp_manager_condition(mp_manager_t *m, mp_proxy_t *lock, mp_proxy_t **out);

/**
 * @brief Release the lock fully (an RLock's whole depth), wait for a
 *        notify, take the lock back (to the same depth).
 * @param c the Condition's proxy, whose lock the caller holds.
 * @param timeout seconds (see MP_FOREVER) for the notify; taking the lock
 *        back is not limited.
 * @return 0 notified; MP_ETIMEDOUT not notified in time (the lock is held
 *         again in both cases); MP_ENOTOWNER when the caller does not hold
 *         the lock (nothing happened); MP_EINVAL; MP_ECLOSED; MP_EBROKEN.
 */
MP_API int mp_mcond_wait(mp_proxy_t *c, double timeout);

/**
 * @brief Wait until `predicate(ctx)` is true, evaluated in the caller's
 *        process, first at once and again after each notify.
 * @param c the Condition's proxy, whose lock the caller holds.
 * @param predicate nonzero when satisfied (not NULL).
 * @param ctx its argument.
 * @param timeout seconds (see MP_FOREVER) for the whole call.
 * @return 0 when it became true; MP_ETIMEDOUT when it was still false at
 *         the deadline; otherwise as mp_mcond_wait().
 */
MP_API int mp_mcond_wait_for(mp_proxy_t *c, mp_predicate_fn predicate, void *ctx, double timeout);

/**
 * @brief Wake up to `n` waiters, the longest waiting first.
 * @param c the Condition's proxy, whose lock the caller holds.
 * @param n how many.
 * @return 0; MP_ENOTOWNER; MP_EINVAL; MP_ECLOSED; MP_EBROKEN.
 */
MP_API int mp_mcond_notify(mp_proxy_t *c, unsigned n);

/** @brief Wake every waiter; as mp_mcond_notify(). */
MP_API int mp_mcond_notify_all(mp_proxy_t *c);

/* ------------------------------------------------------------------ */
/* Event                                                               */
/* ------------------------------------------------------------------ */

/**
 * @brief Make an Event, unset (Python's manager.Event()).
 * @param m the manager.
 * @param[out] out the proxy; free it with mp_proxy_destroy().
 * @return 0; MP_EINVAL; MP_ECLOSED; MP_EBROKEN.
 */
MP_API int mp_manager_event(mp_manager_t *m, mp_proxy_t **out);

/** @brief Set the flag and wake every waiter. 0; MP_EINVAL; MP_ECLOSED;
 *         MP_EBROKEN. */
MP_API int mp_mevent_set(mp_proxy_t *e);

/** @brief Clear the flag. 0; MP_EINVAL; MP_ECLOSED; MP_EBROKEN. */
MP_API int mp_mevent_clear(mp_proxy_t *e);

/** @brief 1 if set, 0 if not; MP_EINVAL; MP_ECLOSED; MP_EBROKEN. */
MP_API int mp_mevent_is_set(mp_proxy_t *e);

/**
 * @brief Wait until the flag is set.
 * @param e the Event's proxy.
 * @param timeout seconds (see MP_FOREVER); 0 only looks.
 * @return 0 when set; MP_ETIMEDOUT when unset on return (at the deadline,
 *         or, as Python's, when a set() woke the waiter but a clear() came
 *         first); MP_EINVAL; MP_ECLOSED; MP_EBROKEN.
 */
MP_API int mp_mevent_wait(mp_proxy_t *e, double timeout);

/* ------------------------------------------------------------------ */
/* Barrier                                                             */
/* ------------------------------------------------------------------ */

/**
 * @brief Make a Barrier (Python's manager.Barrier(parties)).
 * @param m the manager.
 * @param parties how many must wait before all go (1..65536).
 * @param[out] out the proxy; free it with mp_proxy_destroy().
 * @return 0; MP_EINVAL also for 0 or too many parties; MP_ECLOSED;
 *         MP_EBROKEN.
 */
MP_API int mp_manager_barrier(mp_manager_t *m, unsigned parties, mp_proxy_t **out);

/**
 * @brief Wait for all parties.
 * @param b the Barrier's proxy.
 * @param timeout seconds (see MP_FOREVER) for the whole call.
 * @param[out] index 0..parties-1: the order of arrival in this round, so
 *        exactly one party of each round gets 0 (may be NULL).
 * @return 0; MP_EBROKEN when the barrier is or becomes broken (abort,
 *         reset while waiting, a party's timeout - this call's too - or a
 *         party that died or hung up while the round filled); MP_ETIMEDOUT
 *         when the previous round had not drained by the deadline (this
 *         call joined no round and broke nothing); MP_EINVAL; MP_ECLOSED.
 *         A server that is gone is MP_EBROKEN as well.
 */
MP_API int mp_mbarrier_wait(mp_proxy_t *b, double timeout, unsigned *index);

/** @brief Break the barrier: waiters now and later get MP_EBROKEN. 0;
 *         MP_EINVAL; MP_ECLOSED; MP_EBROKEN (server gone). */
MP_API int mp_mbarrier_abort(mp_proxy_t *b);

/** @brief Back to the initial state; current waiters get MP_EBROKEN. As
 *         mp_mbarrier_abort(). */
MP_API int mp_mbarrier_reset(mp_proxy_t *b);

/** @brief The number of parties; MP_EINVAL; MP_ECLOSED; MP_EBROKEN. */
MP_API int mp_mbarrier_parties(mp_proxy_t *b);

/** @brief How many parties wait now; MP_EINVAL; MP_ECLOSED; MP_EBROKEN. */
MP_API int mp_mbarrier_n_waiting(mp_proxy_t *b);

/** @brief 1 if broken, 0 if not; MP_EINVAL; MP_ECLOSED; MP_EBROKEN (server
 *         gone). */
MP_API int mp_mbarrier_is_broken(mp_proxy_t *b);

/* ------------------------------------------------------------------ */
/* Queue and JoinableQueue                                             */
/* ------------------------------------------------------------------ */

/**
 * @brief Make a Queue (Python's manager.Queue(maxsize)).
 * @param m the manager.
 * @param maxsize the most items it holds; 0: no limit.
 * @param[out] out the proxy; free it with mp_proxy_destroy().
 * @return 0; MP_EINVAL also for a maxsize over INT64_MAX; MP_ECLOSED;
 *         MP_EBROKEN.
 */
MP_API int mp_manager_queue(mp_manager_t *m, size_t maxsize, mp_proxy_t **out);

/** @brief Make a JoinableQueue (task_done() and join() too); as
 *         mp_manager_queue(). */
MP_API int mp_manager_joinable_queue(mp_manager_t *m, size_t maxsize, mp_proxy_t **out);

/**
 * @brief Put a copy of `item` at the end, waiting for room.
 * @param q a Queue or JoinableQueue proxy.
 * @param item the item (not NULL).
 * @param timeout seconds (see MP_FOREVER); 0 never waits (Python's
 *        `put(x, False)` / `put_nowait`).
 * @return 0; MP_EFULL when the queue was still full at the deadline;
 *         MP_EINVAL; MP_ECLOSED; MP_EBROKEN.
 */
MP_API int mp_mqueue_put(mp_proxy_t *q, const mp_var_t *item, double timeout);

/**
 * @brief Take the item at the front, waiting for one.
 * @param q a Queue or JoinableQueue proxy.
 * @param[out] out the item, the caller's to mp_var_free().
 * @param timeout seconds (see MP_FOREVER); 0 never waits.
 * @return 0; MP_EEMPTY when none came by the deadline; MP_EINVAL;
 *         MP_ECLOSED; MP_EBROKEN.
 */
MP_API int mp_mqueue_get(mp_proxy_t *q, mp_var_t **out, double timeout);

/** @brief Put an item packed from a format (mp_var_pack()); as
 *         mp_mqueue_put(), MP_EINVAL also for a malformed format. */
MP_API int mp_mqueue_putf(mp_proxy_t *q, double timeout, const char *fmt, ...);

/**
 * @brief Take an item and read it through a format (the getf rule above).
 * @return as mp_mqueue_get(); MP_EINVAL or MP_EKEY when the item has
 *         another shape (the item is taken all the same, and lost).
 */
MP_API int mp_mqueue_getf(mp_proxy_t *q, double timeout, const char *fmt, ...);

/** @brief How many items it holds (>= 0); MP_EINVAL; MP_ECLOSED;
 *         MP_EBROKEN. */
MP_API int mp_mqueue_qsize(mp_proxy_t *q);

/** @brief 1 when it holds no item, else 0; as mp_mqueue_qsize(). */
MP_API int mp_mqueue_is_empty(mp_proxy_t *q);

/** @brief 1 when it holds maxsize items, else 0 (always 0 without a
 *         maxsize); as mp_mqueue_qsize(). */
MP_API int mp_mqueue_is_full(mp_proxy_t *q);

/**
 * @brief JoinableQueue: one item taken with a get is done.
 * @return 0; MP_EINVAL when called more often than items were put
 *         (Python's ValueError), for bad input and for a plain Queue;
 *         MP_ECLOSED; MP_EBROKEN.
 */
MP_API int mp_mqueue_task_done(mp_proxy_t *q);

/**
 * @brief JoinableQueue: wait until every item put has been marked done.
 * @param q a JoinableQueue proxy.
 * @param timeout seconds (see MP_FOREVER); 0 only looks.
 * @return 0; MP_ETIMEDOUT; MP_EINVAL (also a plain Queue); MP_ECLOSED;
 *         MP_EBROKEN.
 */
MP_API int mp_mqueue_join(mp_proxy_t *q, double timeout);

#ifdef __cplusplus
}
#endif

#endif /* MULTIPROC_MANAGER_SYNC_H */
