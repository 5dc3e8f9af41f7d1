/**
 * @file multiproc/context.h
 * @brief Start methods (fork, spawn, forkserver) and contexts bound to one.
 *
 * Which start methods exist is decided by the platform backend at build time
 * (POSIX: fork, spawn, forkserver; Windows: spawn); which one a process uses
 * is decided at run time, in this order: the context it was created from,
 * the method set with mp_set_start_method(), the `MP_START_METHOD`
 * environment variable, the platform default (forkserver on Linux, spawn on
 * macOS and Windows, as in Python 3.14).
 */
#ifndef MULTIPROC_CONTEXT_H
#define MULTIPROC_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include <multiproc/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A start method, as a context: objects created from it use that method. */
typedef struct mp_context mp_context_t;

/**
 * @brief The context for one start method (Python's `get_context(method)`).
 * @param[out] out the context. Contexts are static: never destroyed, the same
 *        pointer on every call, safe to share between threads.
 * @param method "fork", "spawn" or "forkserver"; NULL for the default context,
 *        whose method is fixed the first time it is needed.
 * @return 0; MP_EINVAL for NULL out or an unknown name; MP_ENOTSUP for a
 *         method this platform lacks (fork on Windows).
 */
MP_API int mp_get_context(mp_context_t **out, const char *method);

/**
 * @brief The start method of a context ("fork", "spawn", "forkserver").
 * @return a static string; "" for a NULL context.
 */
MP_API const char *mp_context_start_method(const mp_context_t *ctx);

/**
 * @brief Choose the default start method for this process.
 *
 * Like Python, it may be set once: a second call, or a call after the default
 * was fixed by use, fails unless `force` is true.
 * @param method a method name; NULL with force=true forgets the choice.
 * @param force true to replace a method already set or fixed.
 * @return 0; MP_EINVAL for an unknown name (or NULL without force);
 *         MP_ENOTSUP for a method the platform lacks; MP_ESTATE when already
 *         set and force is false.
 */
MP_API int mp_set_start_method(const char *method, bool force);

/**
 * @brief The default start method.
 * @param[out] out the method name (static string).
 * @param allow_none when true and no method was chosen yet, `*out` is NULL
 *        and nothing is fixed; when false, the default is fixed now.
 * @return 0; MP_EINVAL for NULL out; MP_EINVAL when `MP_START_METHOD` names
 *         an unknown method.
 */
MP_API int mp_get_start_method(const char **out, bool allow_none);

/**
 * @brief Every start method this platform offers, the default first.
 * @param[out] methods a static array of static strings.
 * @param[out] count its length (>= 1).
 * @return 0; MP_EINVAL for NULL pointers.
 */
MP_API int mp_get_all_start_methods(const char *const **methods, size_t *count);

#ifdef __cplusplus
}
#endif

#endif /* MULTIPROC_CONTEXT_H */
