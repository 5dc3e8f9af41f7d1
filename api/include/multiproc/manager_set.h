/**
 * @file multiproc/manager_set.h
 * @brief A manager's set (Python's `manager.set()`): a set of typed values (var.h) that lives in
 *        the manager's server and that every process holding a proxy sees
 *        and changes.
 *
 * Each call is one request to the server, run under its one lock, so each
 * is atomic with respect to every other (two children racing on
 * mp_set_pop() never take the same member); a sequence of calls is not.
 *
 * **Members** are scalars, as a map's keys (var.h): nil, bool, int, double,
 * string or bytes; the int 1 and the double 1.0 are two members. A list, a
 * map or a reference as a member is MP_EINVAL with the server's message
 * ("set.add: member: unhashable type: 'list'"), as Python's TypeError.
 * Members keep the order they were added in (Python's order is arbitrary;
 * this one is at least repeatable).
 *
 * **The other set** of an operator or a comparison is a local value: a
 * list of members (duplicates count once) or a map (its keys), so a set's
 * copy, a list or a dict's keys all work; anything else is MP_EINVAL
 * ("argument must be a list or a map, not int"; Python's TypeError, also
 * for a string, which is one scalar here), and so is an unhashable member in the
 * list. The set is unchanged by a refused call.
 *
 * **Errors every call here can return**, beside its own: MP_EINVAL for a
 * NULL proxy, a NULL argument or out-pointer (mp_errdetail() names it), or
 * a proxy of another type (a dict proxy given to mp_set_add()); MP_ECLOSED
 * for a destroyed proxy; MP_EBROKEN when the manager's server is gone;
 * MP_ENOMEM (an in-place operation that runs out of memory on the server
 * may be left partly done). A failed call writes no out-pointer.
 *
 * | Python                                  | multiproc                                  |
 * |-----------------------------------------|--------------------------------------------|
 * | `s = manager.set()` / `set(xs)`         | mp_manager_set(m, NULL, &s) / mp_manager_set(m, xs, &s) |
 * | `s.add(x)`, `s.discard(x)`, `s.remove(x)` | mp_set_add(), mp_set_discard(), mp_set_remove() |
 * | `x in s`, `len(s)`                      | mp_set_contains(), mp_set_len()            |
 * | `s.pop()`, `s.clear()`, `s.copy()`      | mp_set_pop(), mp_set_clear(), mp_set_copy() (a list) |
 * | `s \| o`, `s & o`, `s - o`, `s ^ o`     | mp_set_union(), mp_set_intersection(), mp_set_difference(), mp_set_symmetric_difference() |
 * | `s \|= o`, `s &= o`, `s -= o`, `s ^= o` | mp_set_update(), mp_set_intersection_update(), mp_set_difference_update(), mp_set_symmetric_difference_update() |
 * | `s <= o`, `s >= o`, `s.isdisjoint(o)`   | mp_set_is_subset(), mp_set_is_superset(), mp_set_is_disjoint() |
 *
 * The server's set also answers Python's operator names (`__or__`,
 * `__iand__`, `__lt__`, `__gt__`...) through mp_proxy_call().
 */
#ifndef MULTIPROC_MANAGER_SET_H
#define MULTIPROC_MANAGER_SET_H

#include <multiproc/export.h>
#include <multiproc/manager.h>
#include <multiproc/var.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Make a set on the manager's server (Python's `set()` or
 *        `set(iterable)` as a managed object).
 * @param m the manager.
 * @param init NULL for an empty set; a list (its elements, duplicates
 *        once) or a map (its keys); copied.
 * @param[out] out the proxy; free it with mp_proxy_destroy().
 * @return 0; MP_EINVAL for a NULL manager or out, an `init` that is neither
 *         a list nor a map (Python's `set(1234)` TypeError) or a list with
 *         an unhashable element; MP_ECLOSED; MP_EBROKEN.
 */
MP_API int mp_manager_set(mp_manager_t *m, const mp_var_t *init, mp_proxy_t **out);

/**
 * @brief Add a member (nothing happens when it is there already).
 * @param s the set's proxy.
 * @param x the member (copied).
 * @return 0; MP_EINVAL for NULL or an unhashable member; see above.
 */
MP_API int mp_set_add(mp_proxy_t *s, const mp_var_t *x);

/**
 * @brief Remove a member if it is there.
 * @return 0, also when it was absent; MP_EINVAL for NULL or an unhashable
 *         member; see above.
 */
MP_API int mp_set_discard(mp_proxy_t *s, const mp_var_t *x);

/**
 * @brief Remove a member that must be there.
 * @return 0; MP_EKEY when it is absent (the message is its repr, as
 *         Python's KeyError); MP_EINVAL for NULL or an unhashable member;
 *         see above.
 */
MP_API int mp_set_remove(mp_proxy_t *s, const mp_var_t *x);

/**
 * @brief Whether `x` is a member (Python's `x in s`).
 * @return 1 or 0; MP_EINVAL for NULL or an unhashable value; see above.
 */
MP_API int mp_set_contains(mp_proxy_t *s, const mp_var_t *x);

/** @brief How many members (>= 0); the errors above. */
MP_API int mp_set_len(mp_proxy_t *s);

/**
 * @brief Take a member out (Python's arbitrary one; here the last added).
 * @param s the set's proxy.
 * @param[out] out the member, the caller's to mp_var_free().
 * @return 0; MP_EKEY when the set is empty ("pop from an empty set");
 *         MP_EINVAL for NULL; see above.
 */
MP_API int mp_set_pop(mp_proxy_t *s, mp_var_t **out);

/** @brief Remove every member. @return 0; the errors above. */
MP_API int mp_set_clear(mp_proxy_t *s);

/**
 * @brief The members as a local list, in the order they were added (give
 *        it to mp_manager_set() for another set with them).
 * @param s the set's proxy.
 * @param[out] out the list, the caller's to mp_var_free().
 * @return 0; MP_EINVAL for NULL; see above.
 */
MP_API int mp_set_copy(mp_proxy_t *s, mp_var_t **out);

/**
 * @brief `s | other`: the members of either, as a local list (the set's
 *        first, then the new ones of `other`, each once); the set is
 *        unchanged.
 * @param s the set's proxy.
 * @param other a list of members or a map (its keys).
 * @param[out] out the list, the caller's to mp_var_free().
 * @return 0; MP_EINVAL for NULL, an `other` that is neither a list nor a
 *         map, or an unhashable member in it; see above.
 */
MP_API int mp_set_union(mp_proxy_t *s, const mp_var_t *other, mp_var_t **out);

/** @brief `s & other`: the set's members that are in `other`, as a local
 *         list in the set's order; as mp_set_union(). */
MP_API int mp_set_intersection(mp_proxy_t *s, const mp_var_t *other, mp_var_t **out);

/** @brief `s - other`: the set's members that are not in `other`, as a
 *         local list in the set's order; as mp_set_union(). */
MP_API int mp_set_difference(mp_proxy_t *s, const mp_var_t *other, mp_var_t **out);

/** @brief `s ^ other`: the members of exactly one of them, as a local list
 *         (the set's, then `other`'s); as mp_set_union(). */
MP_API int mp_set_symmetric_difference(mp_proxy_t *s, const mp_var_t *other, mp_var_t **out);

/**
 * @brief `s |= other`: add every member of `other`.
 * @param s the set's proxy.
 * @param other a list of members or a map (its keys).
 * @return 0; MP_EINVAL for NULL, an `other` that is neither a list nor a
 *         map, or an unhashable member in it (the set unchanged); see above.
 */
MP_API int mp_set_update(mp_proxy_t *s, const mp_var_t *other);

/** @brief `s &= other`: keep only the members also in `other`; as
 *         mp_set_update(). */
MP_API int mp_set_intersection_update(mp_proxy_t *s, const mp_var_t *other);

/** @brief `s -= other`: remove every member of `other`; as
 *         mp_set_update(). */
MP_API int mp_set_difference_update(mp_proxy_t *s, const mp_var_t *other);

/** @brief `s ^= other`: remove the members in both, add those only in
 *         `other`; as mp_set_update(). */
MP_API int mp_set_symmetric_difference_update(mp_proxy_t *s, const mp_var_t *other);

/**
 * @brief `s <= other` (`s.issubset(other)`): whether every member of the
 *        set is in `other`.
 * @param s the set's proxy.
 * @param other a list of members or a map (its keys).
 * @return 1 or 0; MP_EINVAL for NULL, an `other` that is neither a list nor
 *         a map, or an unhashable member in it; see above.
 */
MP_API int mp_set_is_subset(mp_proxy_t *s, const mp_var_t *other);

/** @brief `s >= other` (`s.issuperset(other)`): whether every member of
 *         `other` is in the set; 1, 0 or as mp_set_is_subset(). */
MP_API int mp_set_is_superset(mp_proxy_t *s, const mp_var_t *other);

/** @brief `s.isdisjoint(other)`: whether no member of the set is in
 *         `other`; 1, 0 or as mp_set_is_subset(). */
MP_API int mp_set_is_disjoint(mp_proxy_t *s, const mp_var_t *other);

#ifdef __cplusplus
}
#endif

#endif /* MULTIPROC_MANAGER_SET_H */
