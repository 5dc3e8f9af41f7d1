/**
 * @file mp_var_impl.h
 * @brief The layout of a typed value, shared by the var*.c files only (the
 *        rest of the library goes through var.h and mp_var.h).
 */
#ifndef MP_VAR_IMPL_H
#define MP_VAR_IMPL_H

#include "mp_var.h"

/** One entry of a map; `key` is NULL for an entry deleted since the last
 *  compaction (a hole, skipped by every walk). */
typedef struct mp__var_entry {
    mp_var_t *key;
    mp_var_t *value;
    uint64_t hash; /**< the key's hash, kept to rebuild the index cheaply */
} mp__var_entry_t;

/**
 * A map: its entries in insertion order, and an open-addressing index over
 * them. Each slot holds an entry's position + 1, 0 when empty, or
 * MP__VAR_SLOT_GONE for an entry deleted since the index was built (probe
 * chains run through it).
 */
typedef struct mp__var_map {
    mp__var_entry_t *entries;
    size_t nentries; /**< entries used, holes included */
    size_t cap;      /**< entries allocated */
    size_t live;     /**< entries that are not holes: the map's length */
    size_t *slots;
    size_t nslots; /**< a power of two, or 0 before the first key */
    size_t used;   /**< slots that are not empty (live and gone) */
} mp__var_map_t;

#define MP__VAR_SLOT_GONE ((size_t)-1)

struct mp_var {
    mp_var_type_t type;
    union {
        bool b;
        int64_t i;
        double d;
        struct {
            char *data; /**< NUL-ended for both strings and bytes */
            size_t len;
        } s;
        struct {
            mp_var_t **items;
            size_t len;
            size_t cap;
        } list;
        mp__var_map_t map;
        struct {
            uint64_t id;
            char *type;
        } ref;
    } u;
};

/** @brief A new value of `type` with its payload zeroed, or NULL. */
mp_var_t *mp__var_new(mp_var_type_t type);

/** @brief Whether a value can be a map key (a scalar). */
bool mp__var_hashable(const mp_var_t *v);

/** @brief Two doubles are the same value (NaN is NaN, as a key and for
 *         mp_var_equal(), so that a value equals its own round trip). */
bool mp__var_double_same(double a, double b);

/** @brief Free a map's entries and index (the values in it included). */
void mp__var_map_release(mp__var_map_t *m);

/** @brief Make room for `n` more entries. @return 0 or MP_ENOMEM. */
int mp__var_map_reserve(mp__var_map_t *m, size_t n);

/** @brief Make room for `n` more list items. @return 0 or MP_ENOMEM. */
int mp__var_list_reserve(mp_var_t *list, size_t n);

/** @brief The entry position of `key`, or -1 when absent. */
ptrdiff_t mp__var_map_find(const mp__var_map_t *m, const mp_var_t *key);

/** @brief Fail with MP_EINVAL, naming the expected and the actual type. */
int mp__var_type_error(const char *what, const mp_var_t *v, mp_var_type_t want);

/* ---- what both decoders share (var_msgpack.c) --------------------------- */

/** The msgpack extension type of a reference (see mp_var.h). */
#define MP__VAR_EXT_REF 82

/**
 * @brief A reference from an extension's type and payload, refusing any
 *        other extension and a malformed payload (MP_EINVAL with detail).
 */
int mp__var_ref_from_ext(int8_t type, const char *data, size_t len, mp_var_t **out);

/**
 * @brief Add a decoded entry to a map, taking both over: a key that is not
 *        a scalar or is already there is refused (MP_EINVAL with detail).
 */
int mp__var_decoded_entry(mp_var_t *map, mp_var_t *key, mp_var_t *value);

/** @brief The refusal of a container nested past MP__VAR_MAX_DEPTH. */
int mp__var_too_deep(const char *what);

#endif /* MP_VAR_IMPL_H */
