/**
 * @file mp_var.h
 * @brief Inside the typed values: their msgpack codec (the manager's wire
 *        format), references to managed objects, and the va_list forms of
 *        pack and unpack that the proxies' formatted calls share.
 */
#ifndef MP_VAR_H
#define MP_VAR_H

#include <msgpack.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <multiproc.h>

#include "mp_buf.h"

/**
 * Deepest nesting the codec accepts: a value may sit inside at most this
 * many lists and maps. The encoder refuses deeper trees too (MP_EINVAL), so
 * that what one side sends the other accepts.
 *
 * msgpack-c's own unpacker (msgpack_unpack_next()) stops at 32 levels
 * (MSGPACK_EMBED_STACK_SIZE, compiled into the library): a message that
 * embeds values in a msgpack array and unpacks it with msgpack-c is held
 * to that; mp__var_decode() has no such limit below this one.
 *
 * **References** travel as msgpack extension type 82 ('R') whose payload
 * is the object id as 8 bytes, big-endian, then the type name's bytes (1
 * to 255, no NUL).
 */
#define MP__VAR_MAX_DEPTH 64

/** @brief mp_var_pack() with a va_list. */
int mp__var_vpack(mp_var_t **out, const char *fmt, va_list ap);

/**
 * @brief mp_var_unpack() with a va_list. With `copy`, what the format
 *        hands out outlives `v`: `s` writes a `char **` and `y` a
 *        `void **, size_t *` that the caller frees with mp_free(), `v` a
 *        `mp_var_t **` copy for mp_var_free() (a proxy's getf(), whose
 *        fetched value is freed before it returns).
 */
int mp__var_vunpack(const mp_var_t *v, bool copy, const char *fmt, va_list ap);

/** @brief A reference to object `id` of type `type` on a manager's server. */
mp_var_t *mp__var_ref(uint64_t id, const char *type);

/** @brief The object id and type name of a reference (type borrowed).
 *  @return 0; MP_EINVAL for NULL or not a reference. */
int mp__var_ref_get(const mp_var_t *v, uint64_t *id, const char **type);

/** @brief Append `v` to a msgpack packer. @return 0; MP_EINVAL (NULL); MP_ENOMEM. */
int mp__var_pack_msgpack(msgpack_packer *pk, const mp_var_t *v);

/**
 * @brief Build a value from an unpacked msgpack object from an untrusted
 *        peer: nesting past MP__VAR_MAX_DEPTH, map keys that are not
 *        scalars, duplicate keys, extension types other than references and
 *        malformed references are refused.
 * @return 0; MP_EINVAL for anything refused (mp_errdetail() says what);
 *         MP_ENOMEM.
 */
int mp__var_from_msgpack(const msgpack_object *o, mp_var_t **out);

/** @brief Encode `v` alone as msgpack bytes appended to `out`. */
int mp__var_encode(const mp_var_t *v, mp__buf_t *out);

/**
 * @brief Decode exactly one value from untrusted bytes, nothing after it.
 *        Never reserves memory the input does not contain: an array or map
 *        header claiming more elements than the bytes left could hold is
 *        refused before msgpack allocates for it.
 * @return 0; MP_EINVAL for malformed input; MP_ENOMEM.
 */
int mp__var_decode(const void *data, size_t len, mp_var_t **out);

/* ---- containers: what a manager's dict and list do to the values they hold
 * (the server's objects are lists and maps; these calls keep them exact) -- */

/**
 * @brief Take `map[key]` out of a map, handing its value to the caller
 *        (`value` NULL frees it). The entry's place in the insertion order
 *        goes with it (dict.pop). O(1): the entry leaves a hole that the
 *        next positional read (mp_var_map_key_at(), mp_var_map_value_at())
 *        squeezes out, once, in O(n); so that first read changes the map's
 *        layout (never a value or a borrowed pointer): do it under the
 *        same lock as the writes, as a server does for its objects.
 * @return 0; MP_EKEY when absent; MP_EINVAL for NULL or not a map.
 */
int mp__var_map_remove(mp_var_t *map, const mp_var_t *key, mp_var_t **value);

/** @brief `del map[key]`. @return 0; MP_EKEY when absent; MP_EINVAL for
 *         NULL or not a map. */
int mp__var_map_del(mp_var_t *map, const mp_var_t *key);

/**
 * @brief Take the last inserted entry out (dict.popitem), key and value the
 *        caller's (either pointer NULL frees that half).
 * @return 0; MP_EKEY when the map is empty; MP_EINVAL for NULL or not a map.
 */
int mp__var_map_pop_last(mp_var_t *map, mp_var_t **key, mp_var_t **value);

/**
 * @brief Insert `item` before element `i` (`i` == length appends), taking
 *        it over also on failure. The caller clamps Python's indices.
 * @return 0; MP_EINDEX for `i` past the length; MP_EINVAL for NULL or not a
 *         list; MP_ENOMEM.
 */
int mp__var_list_insert(mp_var_t *list, size_t i, mp_var_t *item);

/**
 * @brief Take element `i` out of a list, the caller's (`out` NULL frees it).
 * @return 0; MP_EINDEX for `i` past the end; MP_EINVAL for NULL or not a list.
 */
int mp__var_list_remove_at(mp_var_t *list, size_t i, mp_var_t **out);

/**
 * @brief A copy of `list[start:stop]`; both are clamped to the length and
 *        a `start` past `stop` gives an empty list.
 * @return 0; MP_EINVAL for NULL or not a list; MP_ENOMEM.
 */
int mp__var_list_slice(const mp_var_t *list, size_t start, size_t stop, mp_var_t **out);

/**
 * @brief `list[start:stop] = items`: replaces that range (clamped as in
 *        mp__var_list_slice()) with the elements of `items`, a list taken
 *        over also on failure (NULL: delete the range).
 * @return 0; MP_EINVAL for NULL, not a list, or `items` not a list or the
 *         list itself; MP_ENOMEM (then `list` is unchanged).
 */
int mp__var_list_splice(mp_var_t *list, size_t start, size_t stop, mp_var_t *items);

/** @brief Reverse a list in place; anything else is left alone. */
void mp__var_list_reverse(mp_var_t *list);

/**
 * @brief Sort a list in place with mp_var_compare(), stable as Python's
 *        sort (`reverse` keeps equal elements in their order too).
 * @return 0; MP_EINVAL for NULL, not a list, or two elements with no order
 *         (then the list is unchanged); MP_ENOMEM.
 */
int mp__var_list_sort(mp_var_t *list, bool reverse);

/** @brief Empty a list or a map (freeing what it held); anything else is
 *         left alone. */
void mp__var_clear(mp_var_t *v);

#endif /* MP_VAR_H */
