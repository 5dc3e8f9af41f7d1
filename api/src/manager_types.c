/* The built-in managed types (mp_manager.h), NULL-ended: each one's file
 * (manager_dict.c, manager_lock.c...) adds its line here. */
#include "mp_manager.h"

const mp_manager_type_t *const mp__mgr_builtin_types[] = {
    &mp__mgr_type_dict,              /* manager_dict.c */
    &mp__mgr_type_list,              /* manager_list.c */
    &mp__mgr_type_namespace,         /* manager_namespace.c */
    &mp__mgr_type_value,             /* manager_value.c */
    &mp__mgr_type_array,             /* manager_array.c */
    &mp__mgr_type_lock,              /* manager_lock.c */
    &mp__mgr_type_rlock,             /* manager_lock.c */
    &mp__mgr_type_semaphore,         /* manager_semaphore.c */
    &mp__mgr_type_bounded_semaphore, /* manager_semaphore.c */
    &mp__mgr_type_condition,         /* manager_condition.c */
    &mp__mgr_type_event,             /* manager_event.c */
    &mp__mgr_type_barrier,           /* manager_barrier.c */
    &mp__mgr_type_queue,             /* manager_queue.c */
    &mp__mgr_type_joinable_queue,    /* manager_queue.c */
    &mp__mgr_type_set,               /* manager_set.c */
    &mp__mgr_type_pool,              /* manager_pool.c */
    NULL,
};
