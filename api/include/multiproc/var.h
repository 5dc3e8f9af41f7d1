/**
 * @file multiproc/var.h
 * @brief Typed values (Python's builtin objects, as a manager holds them):
 *        nil, bool, int64, double, string, bytes, lists and maps, nested to
 *        any depth, and references to managed objects.
 *
 * A manager's dict, list, namespace, Value and Queue hold mp_var_t values;
 * proxies send and receive them (see manager.h). They travel as msgpack,
 * which is an implementation detail: no msgpack type appears here.
 *
 * Two ways to make and read them, for two kinds of code:
 *
 * - one call with a format, printf-style (the formats are below):
 *   `mp_var_pack(&v, "{s:I, s:[s, d]}", "id", id, "tags", "x", 1.5)` and
 *   `mp_var_unpack(v, "{s:I}", "id", &id)`;
 * - constructors, typed getters and container calls, for data whose shape
 *   is only known at run time: mp_var_int(), mp_var_get_int(),
 *   mp_var_append(), mp_var_map_set()...
 *
 * **Ownership.** Every mp_var_t a call hands out (a constructor, a pack, a
 * proxy's get) is the caller's, freed with mp_var_free(), which frees the
 * whole tree. A container call that takes an element (mp_var_append(),
 * mp_var_map_set(), mp_var_set_at()) takes it over, also when it fails
 * (then it frees it), so trees are built without temporaries:
 * `mp_var_append(list, mp_var_int(3))`; the one exception is a container
 * given itself as its element, refused and left alone. A pointer into a tree
 * (mp_var_at(), mp_var_map_get()) is borrowed: valid while the tree lives
 * and that element is not replaced.
 *
 * **Format characters** (mp_var_pack() reads the arguments in brackets,
 * mp_var_unpack() writes through pointers to them):
 * | char | pack                          | unpack                                  |
 * |------|-------------------------------|-----------------------------------------|
 * | `n`  | nil (no argument)             | must be nil (no argument)               |
 * | `b`  | bool from `int`               | `bool *`                                |
 * | `i`  | int64 from `int`              | `int *` (MP_EINVAL when it does not fit)|
 * | `I`  | int64 from `int64_t`          | `int64_t *`                             |
 * | `d`  | double from `double`          | `double *` (an int converts)            |
 * | `s`  | string from `const char *`    | `const char **` (borrowed from the var) |
 * | `y`  | bytes from `const void *, size_t` | `const void **, size_t *` (borrowed)|
 * | `v`  | a copy of a `const mp_var_t *`| `const mp_var_t **` (borrowed)          |
 * | `[...]` | a list of the items inside | a list of exactly those items           |
 * | `{k:v, ...}` | a map; keys are formats too | a map; each key given is looked up; MP_EKEY when missing |
 * Spaces, commas and colons are for the reader and ignored.
 *
 * **Map keys** are scalars: nil, bool, int, double, string or bytes (a
 * list, map or reference as a key is MP_EINVAL, Python's "unhashable
 * type"). Two keys are the same key when they have the same type and value:
 * unlike Python, the int 1 and the double 1.0 are two keys; the doubles 0.0
 * and -0.0 are one key, and a NaN key finds itself. Maps keep their
 * insertion order, as Python's dicts do, and find a key in constant time.
 *
 * **Nesting** is limited to 64 lists and maps inside each other (what the
 * managers' wire format carries): mp_var_pack() refuses a deeper format, and
 * sending a deeper tree fails with MP_EINVAL.
 */
#ifndef MULTIPROC_VAR_H
#define MULTIPROC_VAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <multiproc/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A typed value. */
typedef struct mp_var mp_var_t;

/** What a value holds. The numbers are stable. */
typedef enum mp_var_type {
    MP_VAR_NIL = 1, /**< nothing (Python's None) */
    MP_VAR_BOOL,    /**< true or false */
    MP_VAR_INT,     /**< a signed 64-bit integer */
    MP_VAR_DOUBLE,  /**< a double */
    MP_VAR_STR,     /**< a string: bytes with their length, NUL-ended in memory */
    MP_VAR_BYTES,   /**< bytes with their length */
    MP_VAR_LIST,    /**< a list of values */
    MP_VAR_MAP,     /**< a map from scalar keys to values, in insertion order */
    MP_VAR_REF      /**< a managed object (a dict in a managed list): see mp_proxy_open() */
} mp_var_type_t;

/** @name Constructors
 *  Each returns a new value, the caller's to mp_var_free(), or NULL when
 *  memory runs out (or, for a string, when `s` is NULL). @{ */
MP_API mp_var_t *mp_var_nil(void);
/** @brief A bool. */
MP_API mp_var_t *mp_var_bool(bool value);
/** @brief An int64. */
MP_API mp_var_t *mp_var_int(int64_t value);
/** @brief A double. */
MP_API mp_var_t *mp_var_double(double value);
/** @brief A string copied from a NUL-ended `s`. */
MP_API mp_var_t *mp_var_str(const char *s);
/** @brief A string of `len` bytes copied from `s` (NULs inside allowed). */
MP_API mp_var_t *mp_var_strn(const char *s, size_t len);
/** @brief Bytes copied from `data` (NULL allowed when `len` is 0). */
MP_API mp_var_t *mp_var_bytes(const void *data, size_t len);
/** @brief An empty list. */
MP_API mp_var_t *mp_var_list(void);
/** @brief An empty map. */
MP_API mp_var_t *mp_var_map(void);
/** @} */

/**
 * @brief Build a value from a format and arguments (see the table above).
 * @param[out] out the value, the caller's to mp_var_free().
 * @param fmt the format: exactly one value (a list or map for several).
 * @return 0; MP_EINVAL for NULL, a malformed format (mp_errdetail() names
 *         the position), a NULL string or var argument, or an unhashable
 *         key; MP_ENOMEM.
 */
MP_API int mp_var_pack(mp_var_t **out, const char *fmt, ...);

/**
 * @brief Read a value through a format (see the table above): checks the
 *        value's shape and writes each item through its pointer.
 * @return 0; MP_EINVAL for NULL, a malformed format, or a value of another
 *         shape (mp_errdetail() says where: "item 2: expected int, got
 *         str", items counted from 0, or "key 'id': ..."); MP_EKEY for a
 *         key the map lacks. On failure some pointers may have been
 *         written.
 */
MP_API int mp_var_unpack(const mp_var_t *v, const char *fmt, ...);

/** @brief Free a value and everything in it. NULL-safe. */
MP_API void mp_var_free(mp_var_t *v);

/**
 * @brief A deep copy.
 * @param[out] out the copy, the caller's to mp_var_free().
 * @param v the value.
 * @return 0; MP_EINVAL for NULL; MP_ENOMEM.
 */
MP_API int mp_var_copy(mp_var_t **out, const mp_var_t *v);

/** @brief What `v` holds; 0 for NULL. */
MP_API mp_var_type_t mp_var_type(const mp_var_t *v);

/** @brief The name of a type ("int", "list"...); "?" for another number. */
MP_API const char *mp_var_type_name(mp_var_type_t type);

/**
 * @name Typed getters
 * Each writes the value through `out` and returns 0, or returns MP_EINVAL
 * for NULL or a value of another type (mp_errdetail() names both types).
 * @{
 */
/** @brief A bool. */
MP_API int mp_var_get_bool(const mp_var_t *v, bool *out);
/** @brief An int. */
MP_API int mp_var_get_int(const mp_var_t *v, int64_t *out);
/** @brief A double, or an int converted to one. */
MP_API int mp_var_get_double(const mp_var_t *v, double *out);
/** @brief A string, borrowed from `v` (NUL-ended; its length is mp_var_len()). */
MP_API int mp_var_get_str(const mp_var_t *v, const char **out);
/** @brief Bytes, borrowed from `v`. */
MP_API int mp_var_get_bytes(const mp_var_t *v, const void **data, size_t *len);
/** @} */

/** @brief Elements of a list, entries of a map, bytes of a string or
 *         bytes; 0 for anything else and for NULL. */
MP_API size_t mp_var_len(const mp_var_t *v);

/** @brief Element `i` of a list (borrowed), or NULL for NULL, not a list,
 *         or `i` past the end. */
MP_API mp_var_t *mp_var_at(const mp_var_t *list, size_t i);

/**
 * @brief Append `item` to a list, taking it over.
 * @return 0; MP_EINVAL for NULL or not a list (`item` is freed); MP_ENOMEM.
 */
MP_API int mp_var_append(mp_var_t *list, mp_var_t *item);

/**
 * @brief Replace element `i` of a list with `item`, taking it over (the old
 *        element is freed).
 * @return 0; MP_EINVAL for NULL, not a list, or `i` past the end (`item` is
 *         freed).
 */
MP_API int mp_var_set_at(mp_var_t *list, size_t i, mp_var_t *item);

/**
 * @brief Set `map[key] = value`, taking both over (a key already there
 *        keeps its place; its old value is freed).
 * @return 0; MP_EINVAL for NULL, not a map, or an unhashable key (both are
 *         freed); MP_ENOMEM.
 */
MP_API int mp_var_map_set(mp_var_t *map, mp_var_t *key, mp_var_t *value);

/** @brief `map[key]` (borrowed), or NULL when absent, for NULL, or not a map. */
MP_API mp_var_t *mp_var_map_get(const mp_var_t *map, const mp_var_t *key);

/** @brief `map[key]` for a string key (borrowed); see mp_var_map_get(). */
MP_API mp_var_t *mp_var_map_get_str(const mp_var_t *map, const char *key);

/** @brief The key of entry `i`, in insertion order (borrowed); NULL past the end. */
MP_API mp_var_t *mp_var_map_key_at(const mp_var_t *map, size_t i);

/** @brief The value of entry `i`, in insertion order (borrowed); NULL past the end. */
MP_API mp_var_t *mp_var_map_value_at(const mp_var_t *map, size_t i);

/** @brief Whether two values are equal: same type and value, lists
 *         element by element, maps with the same entries in any order.
 *         Two NULLs are equal, and so are two NaNs (a value equals its own
 *         copy, also after a trip through a manager). */
MP_API bool mp_var_equal(const mp_var_t *a, const mp_var_t *b);

/**
 * @brief Order two values as Python's `<` does (what a managed list's sort
 *        uses): numbers (bool, int, double) by value, strings and bytes by
 *        their bytes, lists element by element.
 * @param a the first value.
 * @param b the second.
 * @param[out] order negative, 0 or positive.
 * @return 0; MP_EINVAL for NULL or values with no order between them (a
 *         string and an int, nil, maps: Python's TypeError).
 */
MP_API int mp_var_compare(const mp_var_t *a, const mp_var_t *b, int *order);

/**
 * @brief Python's repr() of a value: `['Hello from process!']`,
 *        `{'a': 1, 'b': [1.5, None, True]}`, `b'\x00'`, doubles as Python
 *        prints them (`1.0`, `0.1`, `1e+100`, `inf`, `nan`). A string's
 *        bytes from 0x80 up are printed as they are (UTF-8 text reads as
 *        itself); a reference prints as `<dict proxy #ID>`.
 * @param v the value (NULL prints as "NULL").
 * @param buf where to write it, NUL-ended (may be NULL when `size` is 0).
 * @param size the buffer's size.
 * @param[out] len the full length without the NUL (may be NULL).
 * @return 0; MP_ETOOSMALL when it did not fit (`buf` holds what fits, and
 *         `len` says how much is needed).
 */
MP_API int mp_var_repr(const mp_var_t *v, char *buf, size_t size, size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* MULTIPROC_VAR_H */
