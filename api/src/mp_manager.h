/**
 * @file mp_manager.h
 * @brief The contract inside the manager: what a managed type provides to
 *        the server, what the server gives a method that must wait, and the
 *        one call every proxy function goes through.
 *
 * A manager is a server (a process running the built-in task, or a thread)
 * that holds objects and runs their methods for clients. Each object has a
 * type: a table of methods (mp_manager_type_t, public in manager.h, because
 * users register their own types the same way). The built-in types (dict,
 * list, Namespace, Value, Array, the synchronisation primitives, queues) are
 * registered exactly like a user's, from the table below.
 *
 * **Atomicity.** Every method of every object runs with the server's one
 * lock held, so each operation is atomic with respect to every other. A
 * method that must wait (a lock's acquire, a queue's get, an event's wait)
 * calls mp__mgr_call_wait(), which releases the server's lock while it
 * sleeps, and re-checks its condition when it returns; a method that
 * changes what others may wait for calls mp__mgr_call_notify().
 *
 * **Client identity.** A client is one connection (each proxy has its own,
 * made on first use in each process); an RLock's owner or a Condition's
 * holder is the client that acquired it: mp__mgr_call_client().
 */
#ifndef MP_MANAGER_H
#define MP_MANAGER_H

#include <stdbool.h>
#include <stdint.h>

#include <multiproc.h>

/* ---- server side ---------------------------------------------------------- */

/**
 * @brief Sleep until another call notifies, the deadline passes, or the
 *        call can no longer be answered. Releases the server's lock while
 *        asleep and holds it again on return. The caller loops, re-checking
 *        its condition after each 0.
 *
 * While asleep it also watches the client's connection: a client has at
 * most one call in flight, so anything readable on it means it hung up
 * (killed mid-acquire): then it returns MP_EEOF and the method must give
 * up without taking anything (a lock a dead waiter "acquired" would be
 * held for ever).
 * @param call the running call.
 * @param deadline from mp__mgr_call_deadline().
 * @return 0 when notified (or woken spuriously); MP_ETIMEDOUT at the
 *         deadline; MP_EEOF when the client hung up; MP_ESHUTDOWN when the
 *         server is shutting down.
 */
int mp__mgr_call_wait(mp_manager_call_t *call, double deadline);

/**
 * @brief Run a slow operation (a Pool's map, which lasts as long as its
 *        tasks) with the server's lock released, so that every other
 *        client is served meanwhile; the lock is held again on return.
 *
 * `fn` must not touch the server's state nor any other object: only what
 * its method owns and guards itself (a Pool's mp_pool_t, whose calls are
 * thread-safe). The object itself stays alive under it: objects are
 * destroyed only once every client's thread has ended (server shutdown),
 * and this call runs on its client's thread. A long `fn` must therefore
 * look at mp__mgr_call_gone() now and then and give up when it says so,
 * or shutdown waits for it.
 * @param call the running call.
 * @param fn what to run; its return is this call's.
 * @param arg given to `fn`.
 * @return what `fn` returned.
 */
int mp__mgr_call_unlocked(mp_manager_call_t *call, int (*fn)(void *arg), void *arg);

/**
 * @brief Whether the call can no longer be answered: for a method running
 *        in mp__mgr_call_unlocked() (it needs no lock), to check between
 *        slices of its wait.
 * @return 0 while it can; MP_ESHUTDOWN when the server is shutting down;
 *         MP_EEOF when the client hung up.
 */
int mp__mgr_call_gone(mp_manager_call_t *call);

/** @brief Wake every call asleep in mp__mgr_call_wait(): they re-check. */
void mp__mgr_call_notify(mp_manager_call_t *call);

/**
 * @brief The call's deadline on the monotonic clock (the backend's seconds),
 *        from the timeout the client gave: HUGE_VAL for MP_FOREVER, "now"
 *        for 0 (a poll never waits).
 */
double mp__mgr_call_deadline(const mp_manager_call_t *call);

/** @brief The calling client's id: unique per connection for the server's
 *         lifetime, never 0. */
uint64_t mp__mgr_call_client(const mp_manager_call_t *call);

/**
 * @brief The state of another object of this server, by the reference a
 *        client sent (a Condition made over a given Lock), checked to be of
 *        `type`.
 * @return 0; MP_EINVAL for a value that is not a reference to an object of
 *         that type on this server.
 */
int mp__mgr_call_object(mp_manager_call_t *call, const mp_var_t *ref, const mp_manager_type_t *type,
                        void **self);

/* The built-in types, one per file (manager_dict.c, manager_lock.c...). */
extern const mp_manager_type_t mp__mgr_type_dict, mp__mgr_type_list, mp__mgr_type_namespace;
extern const mp_manager_type_t mp__mgr_type_value, mp__mgr_type_array, mp__mgr_type_lock,
    mp__mgr_type_rlock, mp__mgr_type_semaphore, mp__mgr_type_bounded_semaphore,
    mp__mgr_type_condition, mp__mgr_type_event, mp__mgr_type_barrier, mp__mgr_type_queue,
    mp__mgr_type_joinable_queue;
extern const mp_manager_type_t mp__mgr_type_set; /* manager_set.c */
extern const mp_manager_type_t mp__mgr_type_pool;

/** The built-in types, NULL-ended (manager_types.c). */
extern const mp_manager_type_t *const mp__mgr_builtin_types[];

/* ---- client side ---------------------------------------------------------- */

/** The kinds a proxy function accepts, as bits (MP__MGR_BIT(MP__MGR_LOCK)).
 *  A proxy's kind comes from its type's name, Python's: "dict", "list",
 *  "Namespace", "Value", "Array", "Lock", "RLock", "Semaphore",
 *  "BoundedSemaphore", "Condition", "Event", "Barrier", "Queue",
 *  "JoinableQueue", "set", "Pool" (manager_proxy.c); any other name is MP__MGR_CUSTOM. */
typedef enum mp__mgr_kind {
    MP__MGR_CUSTOM = 0, /**< a user's registered type */
    MP__MGR_DICT,
    MP__MGR_LIST,
    MP__MGR_NAMESPACE,
    MP__MGR_VALUE,
    MP__MGR_ARRAY,
    MP__MGR_LOCK,
    MP__MGR_RLOCK,
    MP__MGR_SEMAPHORE,
    MP__MGR_BOUNDED_SEMAPHORE,
    MP__MGR_CONDITION,
    MP__MGR_EVENT,
    MP__MGR_BARRIER,
    MP__MGR_QUEUE,
    MP__MGR_JOINABLE_QUEUE,
    MP__MGR_SET, /**< "set" (manager_set.c) */
    MP__MGR_POOL /**< "Pool" (manager_pool.c) */
} mp__mgr_kind_t;

/** One kind as a bit of a mask. */
#define MP__MGR_BIT(kind) (1u << (kind))

/**
 * @brief Make an object of a type on the manager's server and a proxy for
 *        it (what mp_manager_dict(), mp_manager_lock()... call).
 * @param manager the manager (public handle).
 * @param type the type's name ("dict", "Lock", or a registered one).
 * @param args the constructor's arguments (NULL: none), as a list.
 * @param[out] out the proxy.
 * @return 0; MP_EINVAL; MP_ECLOSED; MP_EBROKEN when the server is gone;
 *         the constructor's own code with its message.
 */
int mp__manager_new_object(mp_manager_t *manager, const char *type, const mp_var_t *args,
                           mp_proxy_t **out);

/**
 * @brief The one call every proxy function makes: check the proxy's kind,
 *        send the method and arguments, wait for the answer.
 * @param proxy the public handle the caller got (opened and checked here).
 * @param kinds the kinds this function accepts (a mask of MP__MGR_BIT()s);
 *        0 accepts any.
 * @param fn the public function's name, for mp_errdetail().
 * @param method the server-side method's name.
 * @param args the arguments (NULL: none), as a list.
 * @param timeout the call's timeout (validated here; it travels to the
 *        server, which waits that long at most).
 * @param[out] result the method's result, the caller's to mp_var_free();
 *             NULL to discard it.
 * @return 0; MP_EINVAL for a bad handle, a proxy of another kind or a bad
 *         timeout; MP_ECLOSED; MP_EBROKEN when the server died or hung up
 *         (naming the cause when this process knows it); otherwise the
 *         method's own code, with the server's message as mp_errdetail().
 */
int mp__proxy_call(mp_proxy_t *proxy, unsigned kinds, const char *fn, const char *method,
                   const mp_var_t *args, double timeout, mp_var_t **result);

#endif /* MP_MANAGER_H */
