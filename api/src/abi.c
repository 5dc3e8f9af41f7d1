/* Compile-time checks of the public ABI rules in api/CONVENTIONS.md: every
 * options struct ends with its reserved words, so a field added later is
 * carved out of them and the struct never grows. A struct that gains a
 * field after `reserved` fails to build here. */
#include <stddef.h>

#include <multiproc.h>

#define RESERVED_IS_LAST(type)                                                               \
    _Static_assert(offsetof(type, reserved) + sizeof(((type *)0)->reserved) == sizeof(type), \
                   #type ": `reserved` must be the last member");                            \
    _Static_assert(sizeof(((type *)0)->reserved) == MP_OPTS_RESERVED * sizeof(uint64_t),     \
                   #type ": `reserved` must keep MP_OPTS_RESERVED words")

RESERVED_IS_LAST(mp_process_opts_t);
RESERVED_IS_LAST(mp_lock_opts_t);
RESERVED_IS_LAST(mp_rlock_opts_t);
RESERVED_IS_LAST(mp_semaphore_opts_t);
RESERVED_IS_LAST(mp_event_opts_t);
RESERVED_IS_LAST(mp_condition_opts_t);
RESERVED_IS_LAST(mp_barrier_opts_t);
RESERVED_IS_LAST(mp_value_opts_t);
RESERVED_IS_LAST(mp_shm_opts_t);
/* allow_other_owner (and its padding) took the first reserved word: the
 * struct keeps the size it had with four. */
_Static_assert(offsetof(mp_attach_opts_t, reserved) == sizeof(uint64_t) &&
                   sizeof(mp_attach_opts_t) == MP_OPTS_RESERVED * sizeof(uint64_t),
               "mp_attach_opts_t: fields carved from `reserved` keep its size");
RESERVED_IS_LAST(mp_shlist_opts_t);
RESERVED_IS_LAST(mp_pipe_opts_t);
RESERVED_IS_LAST(mp_listener_opts_t);
RESERVED_IS_LAST(mp_client_opts_t);
/* kind (and its padding) took the first reserved word: the struct keeps
 * the size it had with four. */
_Static_assert(sizeof(mp_pool_opts_t) ==
                   offsetof(mp_pool_opts_t, kind) + MP_OPTS_RESERVED * sizeof(uint64_t),
               "mp_pool_opts_t: fields carved from `reserved` keep its size");
RESERVED_IS_LAST(mp_apply_opts_t);
RESERVED_IS_LAST(mp_pool_map_opts_t);
RESERVED_IS_LAST(mp_progress_bar_opts_t);
/* progress and progress_arg took two reserved words: the struct keeps the
 * size it had with four. */
_Static_assert(sizeof(mp_map_opts_t) ==
                   offsetof(mp_map_opts_t, progress) + MP_OPTS_RESERVED * sizeof(uint64_t),
               "mp_map_opts_t: fields carved from `reserved` keep its size");
RESERVED_IS_LAST(mp_as_completed_opts_t);
RESERVED_IS_LAST(mp_manager_opts_t);
RESERVED_IS_LAST(mp_proxy_opts_t);
