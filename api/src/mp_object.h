/**
 * @file mp_object.h
 * @brief Handles: the common header of every object a user holds (locks,
 *        values, segments, connections, processes...), how a public handle
 *        (an id, see mp_handles.h) is opened into that object, and how each
 *        shareable kind describes itself for a child and attaches there
 *        (kinds are registered in one table, the way SQLite registers VFSes).
 */
#ifndef MP_OBJECT_H
#define MP_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <multiproc.h>

#include "mp_backend.h"
#include "mp_buf.h"
#include "mp_handles.h"

typedef struct mp__kind mp__kind_t;

/** The first member of every object behind a handle. */
typedef struct mp__object {
    const mp__kind_t *kind;
    void *handle; /**< the id users hold for it */
    /** Lent by the object or task that owns it (a Value's lock, a list's
     *  segment, an object fetched in a task): its owner destroys it, and
     *  the public destroy leaves it alone. */
    bool borrowed;
} mp__object_t;

/** What an object hands to a child: bytes for the record, and OS handles. */
typedef struct mp__share {
    mp__buf_t bytes;
    mp_sentinel_t handles[4];
    size_t nhandles;
} mp__share_t;

/** A kind of object. */
struct mp__kind {
    const char *name; /**< "Lock", for messages */
    /** Stable number in bootstrap records, and the kind tag in handle ids:
     *  unique, below 2^MP__HANDLE_TAG_BITS (0: processes, not shareable). */
    uint32_t id;
    size_t size; /**< size of the object struct */
    /** Describe `obj` for a child; NULL for a kind that cannot be shared. */
    int (*share)(mp__object_t *obj, mp__share_t *out);
    /** In a child: make an object of `kind` (this kind) from a
     *  description; `handles` are this process's own. On success the object
     *  owns them. */
    int (*attach)(const mp__kind_t *kind, const void *bytes, size_t len,
                  const mp_sentinel_t *handles, size_t nhandles, mp__object_t **out);
    /** Release the object's resources (its view of shared memory...). */
    void (*release)(mp__object_t *obj);
    /** Block kinds: the least size of the shared block (mp__block_attach()
     *  checks it before anything is read from the block). */
    size_t block_size;
};

/**
 * @brief The first check of every constructor, `what` naming the object:
 *        MP_ESTATE before mp_init(), the same for all.
 */
int mp__require_init(const char *what);

/**
 * @brief A zeroed object of `kind` with a fresh handle, for a constructor
 *        (it makes the mp__require_init() check).
 * @return 0; MP_ESTATE before mp_init() (the same answer from every
 *         constructor); MP_ENOMEM.
 */
int mp__object_new(const mp__kind_t *kind, mp__object_t **out);

/** @brief Release an object and retire its handle. NULL-safe. */
void mp__object_destroy(mp__object_t *obj);

/**
 * @brief What the public `mp_X_destroy(handle)` does: destroy the object
 *        unless the handle is NULL, stale, of another kind, or borrowed.
 */
void mp__object_destroy_handle(const void *handle, const mp__kind_t *kind);

/** @brief Destroy the object behind a handle its owner holds (any kind). */
void mp__object_destroy_owned(const void *handle);

/** @brief The handle of an object (any struct starting with mp__object_t). */
static inline void *mp__handle_of(const void *obj)
{
    return ((const mp__object_t *)obj)->handle;
}

/** @brief The failing half of mp__object_open(): says why, naming `fn`. */
int mp__object_open_failed(const void *handle, const mp__kind_t *kind, const char *fn);

/**
 * @brief The entry step of every public function: turn the handle in the
 *        variable at `handle_var` into the object it names, in place, so
 *        the function's body works on the object. Inline: it is on every
 *        lock's acquire path. The variable is read and written with memcpy
 *        because it is typed as the public handle (`mp_lock_t *`).
 * @return 0; MP_EINVAL for NULL, a foreign value or a handle of another
 *         kind; MP_ECLOSED for a destroyed one. Sets mp_errdetail() naming
 *         `fn`. The variable is unchanged on failure.
 */
static inline int mp__object_open(void *handle_var, const mp__kind_t *kind, const char *fn)
{
    void *handle;
    memcpy(&handle, handle_var, sizeof handle);
    mp__object_t *obj = mp__handle_live(handle, kind->id);
    if (obj) {
        memcpy(handle_var, &obj, sizeof obj);
        return 0;
    }
    return mp__object_open_failed(handle, kind, fn);
}

/**
 * @brief What `handle` is, safe for any value: 0 a live shareable object's
 *        handle, MP_ECLOSED a destroyed one's, MP_EINVAL anything else.
 */
int mp__object_lookup(const void *handle);

/** @brief The kind with this record id, or NULL. */
const mp__kind_t *mp__kind_by_id(uint32_t id);

/**
 * @brief The object a task was given at `index`, checked to be of `kind`,
 *        as a handle borrowed from the task.
 * @param out the address of the caller's handle variable (`mp_lock_t **`
 *        and so on), written with memcpy as in mp__object_open().
 * @return 0; MP_EINVAL for NULL, a bad index or another kind.
 */
int mp__task_object(const mp_task_t *task, size_t index, const mp__kind_t *kind, void *out);

/* The kinds (one per file). */
extern const mp__kind_t mp__kind_lock, mp__kind_rlock, mp__kind_semaphore, mp__kind_event,
    mp__kind_condition, mp__kind_barrier, mp__kind_value, mp__kind_shm, mp__kind_shlist,
    mp__kind_connection, mp__kind_listener, mp__kind_queue, mp__kind_simple_queue, mp__kind_process;
extern const mp__kind_t mp__kind_proxy; /* a manager's proxy (manager_proxy.c) */

/* ---- objects that live in one block of shared memory -------------- */

/** A handle whose object lives in one anonymous shared block. */
typedef struct mp__block_object {
    mp__object_t obj;
    mp__os_shm_t *block;
} mp__block_object_t;

/**
 * @brief A new block object of `kind` with a zeroed block of `size` bytes,
 *        for a constructor; on failure nothing is left behind.
 * @param out the address of the caller's pointer to its object struct (one
 *        that starts with mp__block_object_t), written with memcpy.
 */
int mp__block_new(const mp__kind_t *kind, size_t size, void *out);

/** @brief share(): the block's handle, no bytes. */
int mp__block_share(mp__object_t *obj, mp__share_t *out);

/**
 * @brief attach() for block objects: a new object of `kind` mapping the
 *        block from `handles[0]`, which must be at least `min_size` bytes.
 */
int mp__block_attach_sized(const mp__kind_t *kind, size_t min_size, const mp_sentinel_t *handles,
                           size_t nhandles, mp__object_t **out);

/** @brief attach() for block objects whose description is the block alone,
 *         of at least `kind->block_size` bytes. */
int mp__block_attach(const mp__kind_t *kind, const void *bytes, size_t len,
                     const mp_sentinel_t *handles, size_t nhandles, mp__object_t **out);

/** @brief release(): unmap and free the block. */
void mp__block_release(mp__object_t *obj);

/** @brief The block's memory. */
void *mp__block_base(const mp__block_object_t *bo);

#endif /* MP_OBJECT_H */
