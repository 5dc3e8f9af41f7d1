/* The Win32 backend's registration: spawn is its one start method (Windows
 * has no fork), and there are no fork hooks to install. */
#include "win32_internal.h"

static const mp__start_method_t *const methods[] = {&mp__win_spawn_method, NULL};

const mp__start_method_t *const *mp__os_start_methods(void)
{
    return methods;
}

int mp__os_init(void)
{
    /* Nothing process-wide to prepare: the job (job.c) and the futex cache
     * (futex.c) are made on first use, and there is no fork to guard. */
    return 0;
}

size_t mp__os_atfork_count(void)
{
    return 0; /* nothing forks on Windows */
}
