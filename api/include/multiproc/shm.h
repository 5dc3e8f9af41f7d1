/**
 * @file multiproc/shm.h
 * @brief Named shared memory (Python's `shared_memory.SharedMemory`) and a
 *        list of typed slots in it (Python's `ShareableList`).
 *
 * A segment is created with a size and an optional name (an unguessable one
 * is generated otherwise) and attached by name from any process of the same
 * user, whether or not it is related. Segments are created 0600.
 *
 * Lifetime: mp_shm_close() unmaps this process's view; mp_shm_unlink()
 * removes the name (attached views stay valid). A name is never left behind:
 * a tracker process removes it once the creator and every process that
 * attached it have ended, whether they unlinked it or not, SIGKILL included
 * (of the creator in the middle of mp_shm_create() too: the tracker hears
 * of a name before it exists). The tracker itself may be killed: the next
 * call that needs it starts another, which learns every name the first one
 * knew from a journal the processes of the program share.
 *
 * A segment another user owns is refused by mp_shm_attach() unless
 * `allow_other_owner` is set (POSIX).
 * On Windows the OS itself frees a segment with its last handle, so no
 * tracker is needed there; unlink makes further attaches fail with MP_ENOENT
 * (as on POSIX), but the name stays taken (create: MP_EEXIST) until every
 * handle to it is closed.
 */
#ifndef MULTIPROC_SHM_H
#define MULTIPROC_SHM_H

#include <stddef.h>
#include <stdint.h>

#include <multiproc/export.h>
#include <multiproc/task.h>
#include <multiproc/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A shared memory segment, as mapped in this process. */
typedef struct mp_shm mp_shm_t;

/** Longest name, without the terminating NUL. */
#define MP_SHM_NAME_MAX 30

/** Options for mp_shm_create(). */
typedef struct mp_shm_opts {
    /** NULL for a generated name, or up to MP_SHM_NAME_MAX characters from
     *  [A-Za-z0-9_.-] (no '/'; the platform prefix is added inside). */
    const char *name;
    size_t size;                         /**< bytes, > 0 (required); the memory starts zeroed */
    uint64_t reserved[MP_OPTS_RESERVED]; /**< zero (see types.h) */
} mp_shm_opts_t;

/**
 * @brief Create a segment.
 * @param[out] out the segment; free it with mp_shm_destroy().
 * @param opts required: `size` has no default.
 * @return 0; MP_EINVAL for NULL out or opts, size 0, or a bad name;
 *         MP_EEXIST when the name is taken; MP_ESTATE before mp_init();
 *         MP_ENOMEM; MP_ESYS.
 */
MP_API int mp_shm_create(mp_shm_t **out, const mp_shm_opts_t *opts);

/** Options for mp_shm_attach() and mp_shlist_attach(). */
typedef struct mp_attach_opts {
    /** Nonzero attaches a segment that another user owns (POSIX), which is
     *  refused by default with MP_ENOTOWNER: its owner controls what this
     *  process reads there. Windows ignores it. */
    uint32_t allow_other_owner;
    uint32_t reserved32;                     /**< zero (padding) */
    uint64_t reserved[MP_OPTS_RESERVED - 1]; /**< zero (see types.h) */
} mp_attach_opts_t;

/**
 * @brief Attach an existing segment by name.
 * @param[out] out the segment; free it with mp_shm_destroy().
 * @param name its name, as given to mp_shm_create().
 * @param opts NULL for the defaults.
 * @return 0; MP_EINVAL for NULL or a bad name; MP_ENOENT when there is no
 *         such segment; MP_ENOTOWNER when another user owns it and
 *         `opts->allow_other_owner` is not set (POSIX); MP_ESTATE before
 *         mp_init(); MP_ESYS.
 */
MP_API int mp_shm_attach(mp_shm_t **out, const char *name, const mp_attach_opts_t *opts);

/** @brief The segment's memory; NULL for NULL, a closed or destroyed handle. */
MP_API void *mp_shm_data(mp_shm_t *shm);

/** @brief The segment's size in bytes; 0 for NULL, a closed or destroyed handle. */
MP_API size_t mp_shm_size(mp_shm_t *shm);

/** @brief The segment's name (as given to create); "" for NULL or destroyed. */
MP_API const char *mp_shm_name(mp_shm_t *shm);

/**
 * @brief Unmap this process's view; the handle stays (for its name) until
 *        destroyed. Again is fine. @return 0; MP_EINVAL; MP_ECLOSED (destroyed).
 */
MP_API int mp_shm_close(mp_shm_t *shm);

/**
 * @brief Remove the name, so no one else can attach; views stay valid.
 * @return 0; MP_ENOENT when already removed; MP_EINVAL; MP_ECLOSED.
 */
MP_API int mp_shm_unlink(mp_shm_t *shm);

/** @brief Close (if needed) and free the handle. NULL-safe. */
MP_API void mp_shm_destroy(mp_shm_t *shm);

/** @brief The child's handle to shared-memory object `index`; see mp_task_lock(). */
MP_API int mp_task_shm(const mp_task_t *task, size_t index, mp_shm_t **out);

/* ------------------------------------------------------------------ */
/* ShareableList                                                       */
/* ------------------------------------------------------------------ */

/** One slot's declaration. */
typedef struct mp_slot_def {
    /** MP_INT64, MP_DOUBLE, MP_STR (a NUL-ended string of at most
     *  `width` - 1 bytes) or MP_BYTES (up to `width` bytes, with their
     *  length). */
    mp_type_t type;
    size_t width; /**< MP_STR and MP_BYTES only: capacity in bytes (1..65536) */
} mp_slot_def_t;

/** A fixed list of typed slots in a shared memory segment. */
typedef struct mp_shlist mp_shlist_t;

/** Options for mp_shlist_create(). */
typedef struct mp_shlist_opts {
    const char *name;                    /**< as mp_shm_opts_t.name */
    const mp_slot_def_t *slots;          /**< the slot types (required) */
    size_t count;                        /**< how many (1..65536) */
    uint64_t reserved[MP_OPTS_RESERVED]; /**< zero (see types.h) */
} mp_shlist_opts_t;

/**
 * @brief Create a list in a new segment.
 * @param[out] out the list; free it with mp_shlist_destroy().
 * @param opts required: the slots have no default.
 * @return 0; MP_EINVAL; MP_EEXIST; MP_ESTATE before mp_init(); MP_ENOMEM;
 *         MP_ESYS.
 */
MP_API int mp_shlist_create(mp_shlist_t **out, const mp_shlist_opts_t *opts);

/**
 * @brief Attach a list by its segment's name; as mp_shm_attach(), and
 *        MP_EINVAL when the segment does not hold a well-formed list. The
 *        handle keeps its own copy of the layout it checked: another
 *        process rewriting the segment's slot table cannot make it read or
 *        write out of bounds.
 */
MP_API int mp_shlist_attach(mp_shlist_t **out, const char *name, const mp_attach_opts_t *opts);

/** @brief The number of slots; 0 for NULL or a destroyed handle. */
MP_API size_t mp_shlist_count(mp_shlist_t *list);

/** @brief A slot's type (an mp_type_t); MP_EINVAL for NULL or an index out of
 *         range; MP_ECLOSED. */
MP_API int mp_shlist_type(mp_shlist_t *list, size_t index);

/** @brief Read/write an int64 slot. MP_EINVAL for a bad index or type. */
MP_API int mp_shlist_get_i64(mp_shlist_t *list, size_t index, int64_t *out);
/** @copydoc mp_shlist_get_i64 */
MP_API int mp_shlist_set_i64(mp_shlist_t *list, size_t index, int64_t value);
/** @brief Read/write a double slot. MP_EINVAL for a bad index or type. */
MP_API int mp_shlist_get_double(mp_shlist_t *list, size_t index, double *out);
/** @copydoc mp_shlist_get_double */
MP_API int mp_shlist_set_double(mp_shlist_t *list, size_t index, double value);

/**
 * @brief Copy a STR or BYTES slot out.
 * @param list the list.
 * @param index the slot.
 * @param buf room for `cap` bytes (a STR slot's copy includes its NUL).
 * @param cap the room in `buf`.
 * @param[out] len the slot's length (without NUL), also when too small.
 * @return 0; MP_ETOOSMALL when cap is too small (nothing copied);
 *         MP_EINVAL for a bad index or type.
 */
MP_API int mp_shlist_get_bytes(mp_shlist_t *list, size_t index, void *buf, size_t cap, size_t *len);

/**
 * @brief Store into a STR slot (`len` bytes, no NUL inside) or a BYTES slot.
 * @return 0; MP_ETOOSMALL when it does not fit the slot's width;
 *         MP_EINVAL for a bad index, type, or a NUL inside a string.
 */
MP_API int mp_shlist_set_bytes(mp_shlist_t *list, size_t index, const void *data, size_t len);

/** @brief The segment the list lives in, borrowed from the list (destroying
 *         it does nothing); NULL for NULL or a destroyed list. */
MP_API mp_shm_t *mp_shlist_shm(mp_shlist_t *list);

/** @brief Free the handle (and close its view). NULL-safe. */
MP_API void mp_shlist_destroy(mp_shlist_t *list);

/** @brief The child's handle to shareable-list object `index`; see mp_task_lock(). */
MP_API int mp_task_shlist(const mp_task_t *task, size_t index, mp_shlist_t **out);

#ifdef __cplusplus
}
#endif

#endif /* MULTIPROC_SHM_H */
