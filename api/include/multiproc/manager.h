/**
 * @file multiproc/manager.h
 * @brief Managers (Python's `multiprocessing.Manager()` and `BaseManager`):
 *        a server that holds objects (dicts, lists, locks, queues, a
 *        program's own types) and runs their methods for any process that
 *        holds a proxy, on this machine or across a network.
 *
 * mp_manager_start() starts the server: a process of the options' context
 * (fork, spawn or forkserver) running the library's built-in task
 * "mp.manager", or a thread of this process (`in_thread`). It listens on an
 * address (listener.h: `unix:` or `pipe:` by default, `tcp:HOST:PORT` for
 * other machines) and lets in only clients that hold its key (32 random
 * bytes unless given: mp_manager_authkey()). mp_manager_connect() reaches a
 * server that another program started, by address and key.
 *
 * Objects are made on the server; a program holds a *proxy* (mp_proxy_t),
 * a handle that names the object and sends each call to the server, which
 * runs it atomically (one call at a time for all objects) and answers. A
 * proxy can be given to a child with MP_OBJECTS() under every start method
 * (mp_task_proxy() there): the child connects on its first call.
 *
 * | Python                                   | multiproc                                   |
 * |------------------------------------------|---------------------------------------------|
 * | `Manager()` / `with Manager() as m`       | mp_manager_start() ... mp_manager_destroy() |
 * | `BaseManager(address, authkey).start()`   | mp_manager_start() with address, authkey    |
 * | `BaseManager(...).connect()`              | mp_manager_connect()                        |
 * | `m.shutdown()`                            | mp_manager_shutdown()                       |
 * | `BaseManager.register('T', callable)`     | mp_manager_register() before mp_init()      |
 * | `m.T(args)`                               | mp_proxy_create() (`type` "T")              |
 * | `proxy._callmethod('m', args)`            | mp_proxy_call(), mp_proxy_callf()           |
 * | `register('get_q', callable=lambda: q)`   | mp_manager_publish() / mp_manager_lookup()  |
 * | `RemoteError`                             | MP_EREMOTE                                  |
 * | an exception raised by a method           | the method's own code, its message in mp_errdetail() |
 *
 * A server that is gone (killed, shut down, hung up) makes every call fail
 * promptly with MP_EBROKEN ("manager server at ADDRESS hung up", plus, in
 * the process that started it, how its process ended).
 */
#ifndef MULTIPROC_MANAGER_H
#define MULTIPROC_MANAGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <multiproc/context.h>
#include <multiproc/export.h>
#include <multiproc/listener.h>
#include <multiproc/task.h>
#include <multiproc/types.h>
#include <multiproc/var.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A manager: a server this process started, or one it connected to. */
typedef struct mp_manager mp_manager_t;
/** A proxy: a handle on one object held by a manager's server. */
typedef struct mp_proxy mp_proxy_t;

/** How a manager is started; zero it and set what matters. */
typedef struct mp_manager_opts {
    /** Start method of the server process; NULL: the default context. */
    mp_context_t *context;
    /** NULL: a fresh local address (`unix:` on POSIX, `pipe:` on Windows);
     *  else a listener address (`tcp:HOST:PORT` for other machines; port 0
     *  picks a free one: read it back with mp_manager_address()). */
    const char *address;
    /** NULL: 32 random bytes (read back with mp_manager_authkey()); else
     *  `authkey_len` bytes (0 allowed). */
    const void *authkey;
    size_t authkey_len; /**< the key's length */
    /** Serve on a thread of this process instead of a process. */
    bool in_thread;
    /** NULL, or a task of the program's table run in the server before it
     *  serves (Python's `start(initializer, initargs)`). */
    const char *initializer;
    const void *initarg; /**< the initializer's argument bytes (copied) */
    size_t initarg_len;  /**< their count */
    /** How long mp_manager_shutdown() waits for the server process to end
     *  before it terminates it; 0: 1.0 s. */
    double shutdown_timeout;
    uint64_t reserved[MP_OPTS_RESERVED]; /**< zero (see types.h) */
} mp_manager_opts_t;

/**
 * @brief Start a manager's server and connect to it (Python's
 *        `Manager()`, `BaseManager.start()`). Returns once the server
 *        listens (and its initializer has run).
 * @param[out] out the manager; mp_manager_destroy() shuts it down.
 * @param opts NULL for a server process of the default context on a fresh
 *        local address with a random key.
 * @return 0; MP_EINVAL for NULL out, a malformed address, a key pointer
 *         NULL with a length, or a negative or NaN shutdown_timeout;
 *         MP_EEXIST when the address is in use; MP_ENOTASK for an
 *         initializer the task table lacks; MP_ETASK when the initializer
 *         failed (its message in mp_errdetail()); MP_ECHILD when the server
 *         process died before it served; MP_ESTATE before mp_init();
 *         MP_ENOMEM; MP_ESYS.
 */
MP_API int mp_manager_start(mp_manager_t **out, const mp_manager_opts_t *opts);

/**
 * @brief Connect to a running manager's server (Python's
 *        `BaseManager(address, authkey).connect()`).
 * @param[out] out the manager; mp_manager_destroy() only disconnects.
 * @param opts the server's address and key (required).
 * @param timeout seconds for connecting and authenticating (see MP_FOREVER).
 * @return 0; MP_EINVAL for NULL, a malformed address or a bad timeout;
 *         MP_EAUTH for a wrong key; MP_ENOENT when nothing listens there;
 *         MP_ETIMEDOUT; MP_EBROKEN when the server hung up at once;
 *         MP_ESTATE before mp_init(); MP_ENOMEM; MP_ESYS.
 */
MP_API int mp_manager_connect(mp_manager_t **out, const mp_client_opts_t *opts, double timeout);

/**
 * @brief Stop the server this process started: every object's destroy
 *        runs, calls waiting in the server end (their clients get
 *        MP_EBROKEN), and a server process that has not ended within
 *        `shutdown_timeout` is terminated (then its exit code is -SIGTERM).
 *        Proxies of this manager answer MP_EBROKEN from then on.
 * @return 0, also when already shut down; MP_EINVAL for NULL; MP_ECLOSED
 *         for a destroyed manager; MP_ESTATE for a connected one (only its
 *         starter stops a server).
 */
MP_API int mp_manager_shutdown(mp_manager_t *m);

/** @brief Shut a started manager down (see mp_manager_shutdown()), or
 *         disconnect a connected one, and free the handle. NULL-safe. */
MP_API void mp_manager_destroy(mp_manager_t *m);

/** @brief The server's address, ready for mp_manager_connect(); "" for
 *         NULL or a destroyed manager. */
MP_API const char *mp_manager_address(mp_manager_t *m);

/**
 * @brief The server's key.
 * @param m the manager.
 * @param[out] key the bytes, valid while the manager lives.
 * @param[out] len their count.
 * @return 0; MP_EINVAL for NULL; MP_ECLOSED.
 */
MP_API int mp_manager_authkey(mp_manager_t *m, const void **key, size_t *len);

/**
 * @brief How the server process ended, after mp_manager_shutdown().
 * @param m the manager.
 * @param[out] code 0, or -SIGTERM (-SIGKILL) when it had to be killed, or
 *        whatever ended it (-9 when it was killed by SIGKILL).
 * @return 0; MP_ESTATE while it runs, or for a thread's or a connected
 *         manager; MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_manager_exitcode(mp_manager_t *m, int *code);

/**
 * @brief The server process's pid.
 * @return 0; MP_ENOTSUP for an in_thread or a connected manager;
 *         MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_manager_pid(mp_manager_t *m, mp_pid_t *pid);

/**
 * @brief Give an object a name on its server, for unrelated programs
 *        (Python's `register('get_queue', callable=lambda: queue)`): any
 *        client of the server finds it with mp_manager_lookup(). A name
 *        already there is replaced.
 * @param m the manager (started or connected).
 * @param name the name (non-empty).
 * @param proxy a proxy of an object of that server.
 * @return 0; MP_EINVAL for NULL, an empty name or a proxy of another
 *         server; MP_ECLOSED; MP_EBROKEN when the server is gone.
 */
MP_API int mp_manager_publish(mp_manager_t *m, const char *name, mp_proxy_t *proxy);

/**
 * @brief A proxy for the object published under `name`.
 * @param m the manager.
 * @param name the name.
 * @param[out] out the proxy; free it with mp_proxy_destroy().
 * @return 0; MP_EKEY when no object has that name; MP_EINVAL for NULL;
 *         MP_ECLOSED; MP_EBROKEN when the server is gone.
 */
MP_API int mp_manager_lookup(mp_manager_t *m, const char *name, mp_proxy_t **out);

/** How a proxy's object is made (mp_proxy_create()). */
typedef struct mp_proxy_opts {
    mp_manager_t *manager; /**< required */
    /** Required: "dict", "list", "Namespace", "Value", "Array", "Lock",
     *  "RLock", "Semaphore", "BoundedSemaphore", "Condition", "Event",
     *  "Barrier", "Queue", "JoinableQueue", or a registered type's name. */
    const char *type;
    const mp_var_t *args;                /**< the constructor's arguments as a list; NULL: none */
    uint64_t reserved[MP_OPTS_RESERVED]; /**< zero (see types.h) */
} mp_proxy_opts_t;

/**
 * @brief Make an object on the manager's server and a proxy for it.
 * @param[out] out the proxy; free it with mp_proxy_destroy().
 * @param opts the manager, the type and its arguments (required).
 * @return 0; MP_EINVAL for NULL, args that are not a list; MP_ECLOSED for a
 *         destroyed manager; MP_EREMOTE for a type the server does not know
 *         (its message names it); the constructor's own code with its
 *         message; MP_EBROKEN when the server is gone; MP_ENOMEM.
 */
MP_API int mp_proxy_create(mp_proxy_t **out, const mp_proxy_opts_t *opts);

/** @brief Free the handle (and its connection); the object lives on, as
 *         long as its server. NULL-safe. */
MP_API void mp_proxy_destroy(mp_proxy_t *p);

/** @brief The object's type name ("dict", "Lock", a registered one...);
 *         "" for NULL or a destroyed proxy. */
MP_API const char *mp_proxy_type(mp_proxy_t *p);

/**
 * @brief Call a method of the object (Python's `proxy._callmethod()`).
 * @param p the proxy.
 * @param method the method's name.
 * @param args its arguments as a list (borrowed; NULL: none).
 * @param[out] result what it returned, the caller's to mp_var_free(); NULL
 *        to discard it.
 * @param timeout seconds the server may wait inside the method (a lock's
 *        acquire...; see MP_FOREVER).
 * @return 0; the method's own code, with the server's message in
 *         mp_errdetail(); MP_EREMOTE for a method the type lacks; MP_EINVAL
 *         for NULL, args that are not a list, or a bad timeout;
 *         MP_ECLOSED; MP_EAUTH when the key is refused; MP_EBROKEN when the
 *         server is gone.
 */
MP_API int mp_proxy_call(mp_proxy_t *p, const char *method, const mp_var_t *args, mp_var_t **result,
                         double timeout);

/**
 * @brief mp_proxy_call() with the arguments packed from a format (var.h's,
 *        and a list: "[...]"), waiting for ever.
 * @return as mp_proxy_call(); MP_EINVAL for a format that is not a list.
 */
MP_API int mp_proxy_callf(mp_proxy_t *p, const char *method, mp_var_t **result, const char *fmt,
                          ...);

/**
 * @brief A reference to the proxy's object, to store in a managed
 *        container (a dict in a managed list); mp_proxy_open() turns it
 *        back into a proxy.
 * @param p the proxy.
 * @param[out] out the reference, the caller's to mp_var_free().
 * @return 0; MP_EINVAL; MP_ECLOSED; MP_ENOMEM.
 */
MP_API int mp_proxy_ref(mp_proxy_t *p, mp_var_t **out);

/**
 * @brief A proxy for a reference read from a container of `via`'s server.
 * @param[out] out the proxy; free it with mp_proxy_destroy().
 * @param via a proxy of the same server.
 * @param ref the reference (mp_var_type() MP_VAR_REF).
 * @return 0; MP_EINVAL for NULL or a value that is not a reference;
 *         MP_ECLOSED; MP_ENOMEM.
 */
MP_API int mp_proxy_open(mp_proxy_t **out, mp_proxy_t *via, const mp_var_t *ref);

/**
 * @brief In a child: the proxy passed at `index` of MP_OBJECTS(), borrowed
 *        from the task. It connects to its server on its first call.
 * @return 0; MP_EINVAL for NULL, a bad index or another kind of object.
 */
MP_API int mp_task_proxy(const mp_task_t *task, size_t index, mp_proxy_t **out);

/* ---- custom types (BaseManager.register) ------------------------------- */

/** A call running in the server: its arguments and its outcome. */
typedef struct mp_manager_call mp_manager_call_t;

/** A method of a managed type: runs in the server with the server's lock
 *  held; returns 0 (result set with mp_manager_call_return()) or a
 *  negative code (mp_manager_call_fail()). */
typedef int (*mp_manager_method_fn)(void *self, mp_manager_call_t *call);

/** One exposed method. */
typedef struct mp_manager_method {
    const char *name;        /**< its name, as clients call it */
    mp_manager_method_fn fn; /**< the function */
} mp_manager_method_t;

/* clang-format off */
/** A methods table row. */
#define MP_METHOD(name, fn) {name, fn}
/** The row that ends a methods table. */
#define MP_METHOD_END {0, 0}
/* clang-format on */

/** A type the server can hold (Python's `register(typeid, callable)`). */
typedef struct mp_manager_type {
    const char *name; /**< unique among the registered and built-in types */
    /** Make an object: `*self` is its state; the constructor's arguments
     *  are mp_manager_call_args(call). Returns 0 or a negative code. */
    int (*create)(void **self, mp_manager_call_t *call);
    /** Free an object at server shutdown; may be NULL. */
    void (*destroy)(void *self);
    /** Exactly the exposed methods, MP_METHOD_END-ended. */
    const mp_manager_method_t *methods;
} mp_manager_type_t;

/**
 * @brief Register a type every manager server of this program can hold.
 *        Call it before mp_init(), so that a spawned or forkserver server
 *        (whose main runs up to mp_init()) has it too. The table is kept
 *        by pointer and must outlive the program's use of managers.
 * @return 0; MP_ESTATE after mp_init(); MP_EEXIST for a name taken
 *         (built-in types included); MP_EINVAL for NULL, no name, no
 *         create, or no methods table; MP_ENOMEM.
 */
MP_API int mp_manager_register(const mp_manager_type_t *type);

/** @brief The call's arguments: a list, never NULL (empty when none was
 *         sent); borrowed for the call. NULL for a NULL call. */
MP_API const mp_var_t *mp_manager_call_args(const mp_manager_call_t *call);

/**
 * @brief Set the call's result (the last call wins), taking it over.
 * @return 0; MP_EINVAL for NULL (`result` is freed).
 */
MP_API int mp_manager_call_return(mp_manager_call_t *call, mp_var_t *result);

/**
 * @brief Fail the call: the client's function returns `code` with this
 *        message as its mp_errdetail(), for
 *        `return mp_manager_call_fail(call, MP_EKEY, "no %s", name);`.
 * @param call the running call.
 * @param code a negative MP_E* code (anything else becomes MP_EREMOTE).
 * @param fmt a printf format (may be NULL), then its arguments.
 * @return the code (negative).
 */
MP_API int mp_manager_call_fail(mp_manager_call_t *call, int code, const char *fmt, ...)
    MP_PRINTF(3, 4);

#ifdef __cplusplus
}
#endif

#endif /* MULTIPROC_MANAGER_H */
