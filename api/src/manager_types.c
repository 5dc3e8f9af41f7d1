/* The built-in managed types (mp_manager.h), NULL-ended: each one's file
 * (manager_dict.c, manager_lock.c...) adds its line here. */
#include "mp_manager.h"

const mp_manager_type_t *const mp__mgr_builtin_types[] = {
    &mp__mgr_type_dict, &mp__mgr_type_list, &mp__mgr_type_namespace, &mp__mgr_type_value,
    &mp__mgr_type_array, &mp__mgr_type_lock, &mp__mgr_type_rlock, &mp__mgr_type_semaphore,
    &mp__mgr_type_bounded_semaphore, &mp__mgr_type_condition, &mp__mgr_type_event,
    &mp__mgr_type_barrier, &mp__mgr_type_queue, &mp__mgr_type_joinable_queue, NULL,
};
