/**
 * @file mp_finalize.h
 * @brief The runtime's side of finalisers (multiproc/finalize.h): running
 *        them at exit, dropping a parent's in a child, and the size of what
 *        a fork child inherits and must reset (conformance item 140).
 */
#ifndef MP_FINALIZE_H
#define MP_FINALIZE_H

#include <stddef.h>

/**
 * @brief Run every registered finaliser whose priority is at least
 *        `min_priority` (MP_FINALIZE_NO_PRIORITY: every one that has a
 *        priority), highest first, the last registered first among equals
 *        (Python's `util._run_finalizers(minpriority)`). Those registered
 *        meanwhile wait for a later call. Any thread; takes the core lock
 *        between runs, never during one.
 */
void mp__finalizers_run(int min_priority);

/** @brief In a new child (adopt_identity): drop the finalisers inherited
 *         from the parent, which are the parent's to run. */
void mp__finalizers_forget(void);

/**
 * @brief The library's after-fork state in this process: the handlers it
 *        registered with the OS for fork (mp__os_atfork_count()) and the
 *        finalisers a fork child would inherit. It must not grow with the
 *        depth of nested forks (Python's TestForkAwareThreadLock).
 */
size_t mp__afterfork_state_size(void);

#endif /* MP_FINALIZE_H */
