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

/** Deepest nesting a decoder accepts (a hostile peer's deep input). */
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

#endif /* MP_VAR_H */
