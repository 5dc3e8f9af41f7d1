/* The table of the library's own tasks (mp_builtin.h). */
#include "mp_builtin.h"

#include <string.h>

static const mp_task_def_t builtin_tasks[] = {
    MP_TASK_NAMED(MP__TASK_WORKER, mp__builtin_worker),
    MP_TASK_NAMED(MP__TASK_POOL_WORKER, mp__builtin_pool_worker),
    MP_TASK_NAMED(MP__TASK_MANAGER, mp__builtin_manager),
    MP_TASK_END,
};

bool mp__builtin_reserved(const char *name)
{
    return name && strncmp(name, MP__BUILTIN_PREFIX, sizeof MP__BUILTIN_PREFIX - 1) == 0;
}

const mp_task_def_t *mp__builtin_table(void)
{
    return builtin_tasks;
}
