/**
 * @file multiproc/error.h
 * @brief Error codes of multiproc: one frozen list, names and messages.
 *
 * Every fallible function in multiproc returns an `int`: 0 on success, one of
 * the negative `MP_E*` codes below otherwise. The numbers are part of the ABI:
 * a code is never renumbered or reused, new codes are only appended.
 */
#ifndef MULTIPROC_ERROR_H
#define MULTIPROC_ERROR_H

#include <multiproc/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The error list: X(name, number, message). Append only; never renumber.
 *
 * The Python exception each code stands for is noted where there is one, so
 * that a reader coming from `multiprocessing` finds their way.
 */
/* clang-format off */
#define MP_ERROR_LIST(X)                                                                 \
    X(MP_OK, 0, "success")                                                               \
    X(MP_EINVAL, -1, "invalid argument")                  /* ValueError, TypeError */    \
    X(MP_ENOMEM, -2, "out of memory")                     /* MemoryError */              \
    X(MP_ESTATE, -3, "not valid in the object's current state") /* ValueError */         \
    X(MP_ECLOSED, -4, "handle is closed")                 /* OSError "is closed" */      \
    X(MP_ETIMEDOUT, -5, "timed out")                      /* TimeoutError */             \
    X(MP_ENOTASK, -6, "no task with that name in the task table")                        \
    X(MP_EBOOTSTRAP, -7, "child could not read its bootstrap record")                    \
    X(MP_EVERSION, -8, "bootstrap record from another multiproc version")                \
    X(MP_ENOTSUP, -9, "not supported on this platform or start method")                  \
    X(MP_ESYS, -10, "operating system call failed")       /* OSError */                  \
    X(MP_ECHILD, -11, "child process died before reporting a result")                    \
    X(MP_ETASK, -12, "task reported an error")            /* exception in target */      \
    X(MP_EEXIST, -13, "object with that name already exists") /* FileExistsError */      \
    X(MP_ENOENT, -14, "no object with that name")         /* FileNotFoundError */        \
    X(MP_EOWNERDEAD, -15, "previous owner died holding it; state may be inconsistent")  \
    X(MP_EFULL, -16, "queue is full")                     /* queue.Full */               \
    X(MP_EEMPTY, -17, "queue is empty")                   /* queue.Empty */              \
    X(MP_EBROKEN, -18, "barrier or pool is broken")       /* BrokenBarrierError */       \
    X(MP_ECANCELLED, -19, "cancelled")                    /* CancelledError */           \
    X(MP_EAUTH, -20, "authentication failed")             /* AuthenticationError */      \
    X(MP_ETOOSMALL, -21, "buffer too small for the message") /* BufferTooShort */        \
    X(MP_EEOF, -22, "peer closed the connection")         /* EOFError */                 \
    X(MP_EREMOTE, -23, "error raised in the server process") /* RemoteError */           \
    X(MP_ESERIALIZE, -24, "could not serialise the value") /* PicklingError */           \
    X(MP_ENOTOWNER, -25, "caller does not own it")        /* RuntimeError (RLock) */     \
    X(MP_EUNSAFEFORK, -26, "fork refused: the process has other threads")                \
    X(MP_ESHUTDOWN, -27, "already shut down")             /* RuntimeError */             \
    X(MP_EMSGSIZE, -28, "message longer than the connection's maximum") /* OSError */ \
    X(MP_EINTR, -29, "interrupted by a signal")           /* KeyboardInterrupt */        \
    X(MP_EWORKERDIED, -30, "worker process died while running the task")              \
    X(MP_EKEY, -31, "no such key")                        /* KeyError, AttributeError */ \
    X(MP_EINDEX, -32, "index out of range or no such element") /* IndexError */
/* clang-format on */

/** The error codes, as an enum so debuggers show their names. */
typedef enum mp_error {
#define MP__ERROR_ENUM(name, number, message) name = number,
    MP_ERROR_LIST(MP__ERROR_ENUM)
#undef MP__ERROR_ENUM
} mp_error_t;

/**
 * @brief Human-readable message for an error code.
 * @param code a value returned by a multiproc function.
 * @return a static string; "unknown error" for a number not in the list.
 *         Never NULL.
 */
MP_API const char *mp_strerror(int code);

/**
 * @brief The symbolic name of an error code ("MP_ETIMEDOUT").
 * @param code a value returned by a multiproc function.
 * @return a static string; "MP_E?" for a number not in the list. Never NULL.
 */
MP_API const char *mp_err_name(int code);

/**
 * @brief Detail about the last error this thread got from multiproc.
 *
 * Error codes are frozen and coarse; the detail says which argument, which
 * task, which errno. It is set by failing calls only, so read it right after
 * the failure.
 * @return a thread-local string, "" when nothing was recorded. Never NULL.
 */
MP_API const char *mp_errdetail(void);

#ifdef __cplusplus
}
#endif

#endif /* MULTIPROC_ERROR_H */
