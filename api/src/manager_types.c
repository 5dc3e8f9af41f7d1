/* The built-in managed types (mp_manager.h), NULL-ended: each one's file
 * (manager_dict.c, manager_lock.c...) adds its line here. */
#include "mp_manager.h"

const mp_manager_type_t *const mp__mgr_builtin_types[] = {
    NULL,
};
