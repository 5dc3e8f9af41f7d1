/**
 * @file mp_object.h
 * @brief Shareable objects: the common header of every lock, semaphore,
 *        value and segment handle, and how each kind describes itself for a
 *        child and attaches there (kinds are registered in one table, the way
 *        SQLite registers VFSes).
 *
 * Handles are never returned to malloc: a destroyed handle goes back to its
 * kind's free list, so a call on it reads defined memory and answers
 * MP_ECLOSED, and it can only ever be reused for the same kind.
 */
#ifndef MP_OBJECT_H
#define MP_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <multiproc.h>

#include "mp_backend.h"
#include "mp_buf.h"

typedef struct mp__kind mp__kind_t;

/** The first member of every shareable handle. */
typedef struct mp__object {
    const mp__kind_t *kind;
    bool live; /**< false once destroyed (and while on the free list) */
    struct mp__object *next_free;
} mp__object_t;

/** What an object hands to a child: bytes for the record, and OS handles. */
typedef struct mp__share {
    mp__buf_t bytes;
    mp_sentinel_t handles[4];
    size_t nhandles;
} mp__share_t;

/** A kind of shareable object. */
struct mp__kind {
    const char *name; /**< "lock", for messages */
    uint32_t id;      /**< stable number in bootstrap records */
    size_t size;      /**< size of the handle struct */
    /** Describe `obj` for a child. */
    int (*share)(mp__object_t *obj, mp__share_t *out);
    /** In a child: make a handle from a description; `handles` are this
     *  process's own. On success the handle owns them. */
    int (*attach)(const void *bytes, size_t len, const mp_sentinel_t *handles, size_t nhandles,
                  mp__object_t **out);
    /** Release the handle's OS resources (its view of shared memory). */
    void (*release)(mp__object_t *obj);
};

/** @brief A zeroed, live handle of `kind` (from its free list or malloc). */
mp__object_t *mp__object_new(const mp__kind_t *kind);

/** @brief Release and retire a handle. NULL-safe; a second call is a no-op. */
void mp__object_destroy(mp__object_t *obj);

/** @brief The failing half of mp__object_check(): says why, naming `fn`. */
int mp__object_check_failed(const void *obj, const mp__kind_t *kind, const char *fn);

/**
 * @brief The entry check of every object function; inline, because it is
 *        on every lock's acquire path.
 * @return 0; MP_EINVAL for NULL or a handle of another kind; MP_ECLOSED for a
 *         destroyed one. Sets mp_errdetail() naming `fn`.
 */
static inline int mp__object_check(const void *ptr, const mp__kind_t *kind, const char *fn)
{
    const mp__object_t *obj = (const mp__object_t *)ptr;
    if (obj && obj->kind == kind && obj->live)
        return 0;
    return mp__object_check_failed(ptr, kind, fn);
}

/**
 * @brief What `ptr` is, safe for any pointer (it is looked up, not
 *        dereferenced): 0 a live shareable handle, MP_ECLOSED a destroyed
 *        one, MP_EINVAL anything else.
 */
int mp__object_lookup(const void *ptr);

/**
 * @brief Whether `ptr` is a live shareable handle of any kind; safe for any
 *        pointer (it is looked up, not dereferenced, first).
 */
bool mp__object_is_shareable(const void *ptr);

/** @brief The kind with this record id, or NULL. */
const mp__kind_t *mp__kind_by_id(uint32_t id);

/**
 * @brief The object a task was given at `index`, checked to be of `kind`.
 * @return 0; MP_EINVAL for NULL, a bad index or another kind.
 */
int mp__task_object(const mp_task_t *task, size_t index, const mp__kind_t *kind,
                    mp__object_t **out);

/* The kinds (one per file). */
extern const mp__kind_t mp__kind_lock, mp__kind_rlock, mp__kind_semaphore, mp__kind_event,
    mp__kind_condition, mp__kind_barrier, mp__kind_value, mp__kind_shm, mp__kind_shlist,
    mp__kind_connection, mp__kind_listener;

/* ---- objects that live in one block of shared memory -------------- */

/** A handle whose object lives in one anonymous shared block. */
typedef struct mp__block_object {
    mp__object_t obj;
    mp__os_shm_t *block;
} mp__block_object_t;

/** @brief Create the block (zeroed) for a new handle. */
int mp__block_create(mp__block_object_t *bo, size_t size);

/** @brief share(): the block's handle, no bytes. */
int mp__block_share(mp__object_t *obj, mp__share_t *out);

/**
 * @brief attach() for block objects: a new handle of `kind` mapping the
 *        block from `handles[0]`, which must be at least `min_size` bytes.
 */
int mp__block_attach(const mp__kind_t *kind, size_t min_size, const mp_sentinel_t *handles,
                     size_t nhandles, mp__object_t **out);

/** @brief release(): unmap and free the block. */
void mp__block_release(mp__object_t *obj);

/** @brief The block's memory. */
void *mp__block_base(const mp__block_object_t *bo);

#endif /* MP_OBJECT_H */
