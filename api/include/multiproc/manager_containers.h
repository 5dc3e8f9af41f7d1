/**
 * @file multiproc/manager_containers.h
 * @brief A manager's dict, list and Namespace (Python's `manager.dict()`,
 *        `manager.list()`, `manager.Namespace()`): containers of typed
 *        values (var.h) that live in the manager's server and that every
 *        process holding a proxy sees and changes.
 *
 * Each call is one request to the server, which runs it under its one
 * lock: every call is atomic with respect to every other (two children
 * calling mp_dict_setdefault() on one key agree on one value), but a
 * sequence of calls is not (`d[k] = d[k] + 1` from two processes loses
 * updates, exactly as in Python: take a manager Lock around it).
 *
 * **Values.** What a call takes is borrowed and copied onto the wire; what
 * it hands out is a fresh value, the caller's to mp_var_free(). A value read
 * from a container is a copy: changing it changes nothing on the server
 * (`d['k'].append(1)` in Python changes a temporary copy too). To share a
 * container inside another, store a reference: mp_proxy_ref() of the inner
 * proxy, read back and opened with mp_proxy_open().
 *
 * **Errors every call here can return**, beside its own: MP_EINVAL for a
 * NULL proxy, a NULL argument or out-pointer (mp_errdetail() names it), or
 * a proxy of another type (a list proxy given to mp_dict_set()); MP_ECLOSED
 * for a destroyed proxy; MP_EBROKEN when the manager's server is gone
 * (killed, shut down or hung up), promptly; MP_ENOMEM. A failure on the
 * server comes back as its own code with the server's message as
 * mp_errdetail(): MP_EKEY for a missing key (the message is the key's repr,
 * as Python's KeyError), MP_EINDEX for an index out of range, MP_EINVAL for
 * a value of the wrong type (the message names the argument). A failed call
 * writes no out-pointer, and changes nothing on the server unless memory ran
 * out halfway (MP_ENOMEM from an update or a `*=` may leave part done).
 *
 * **Formatted calls** (`...f`) pack or unpack one value with var.h's
 * formats. What a `getf` hands out outlives the fetched value, so unlike
 * mp_var_unpack() it is the caller's: `s` writes a `char **` and `y` a
 * `void **, size_t *` (free them with mp_free()), `v` a `mp_var_t **`
 * (free it with mp_var_free()).
 *
 * | Python                                 | multiproc                                   |
 * |----------------------------------------|---------------------------------------------|
 * | `d = manager.dict()`                   | mp_manager_dict(m, &d)                      |
 * | `d[k] = v` / `d[k]` / `del d[k]`       | mp_dict_set() / mp_dict_get(d, k, NULL, &v) / mp_dict_del() |
 * | `d.get(k, default)`                    | mp_dict_get(d, k, default, &v)              |
 * | `k in d`, `len(d)`                     | mp_dict_contains(), mp_dict_len()           |
 * | `d.keys()`, `values()`, `items()`      | mp_dict_keys(), mp_dict_values(), mp_dict_items() (lists) |
 * | `d.update(m)` / `d \|= m`               | mp_dict_update()                            |
 * | `d.pop(k[, default])`, `d.popitem()`   | mp_dict_pop(), mp_dict_popitem()            |
 * | `d.setdefault(k, v)`, `d.clear()`      | mp_dict_setdefault(), mp_dict_clear()       |
 * | `d.copy()` / `dict(d)`                 | mp_dict_copy() (a local map)                |
 * | `l = manager.list()`                   | mp_manager_list(m, &l)                      |
 * | `l.append(x)`, `l.extend(xs)` / `l += xs` | mp_list_append(), mp_list_extend()       |
 * | `l.insert(i, x)`                       | mp_list_insert()                            |
 * | `l[i]`, `l[i] = x`, `del l[i]`         | mp_list_get(), mp_list_set(), mp_list_del() |
 * | `l[a:b]`, `l[a:b] = xs`, `del l[a:b]`  | mp_list_slice(), mp_list_set_slice(), mp_list_del_slice() |
 * | `l[a:]`, `l[:b]`                       | stop INT64_MAX, start 0                     |
 * | `l.pop()`, `l.pop(i)`                  | mp_list_pop(l, -1, &x), mp_list_pop(l, i, &x) |
 * | `l.remove(x)`, `l.index(x)`, `l.count(x)` | mp_list_remove(), mp_list_index(), mp_list_count() |
 * | `l.reverse()`, `l.sort(reverse=r)`     | mp_list_reverse(), mp_list_sort(l, r)       |
 * | `l.clear()`, `l[:]` / `list(l)`        | mp_list_clear(), mp_list_copy()             |
 * | `ns = manager.Namespace()`             | mp_manager_namespace(m, &ns)                |
 * | `ns.x = v`, `ns.x`, `del ns.x`         | mp_ns_set(), mp_ns_get(), mp_ns_del()       |
 * | `hasattr(ns, 'x')`, `str(ns)`          | mp_ns_has(), mp_ns_repr()                   |
 * | `AttributeError`, `KeyError`           | MP_EKEY                                     |
 * | `IndexError`                           | MP_EINDEX                                   |
 * | `TypeError` (unhashable key, unorderable sort) | MP_EINVAL                           |
 *
 * The server-side methods are named as Python's (`__setitem__`, `get`,
 * `pop`...) and mp_proxy_call() reaches them too, with a few that have no
 * function here: a list's `__contains__`, `__add__` and `__mul__` (plain
 * lists back), `__iadd__` and `__imul__` (in place); a dict's `__or__` (a
 * plain map back), `__ior__` (in place) and `__reversed__` (the keys, last
 * first).
 */
#ifndef MULTIPROC_MANAGER_CONTAINERS_H
#define MULTIPROC_MANAGER_CONTAINERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <multiproc/export.h>
#include <multiproc/manager.h>
#include <multiproc/var.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- dict ----------------------------------------------------------------- */

/**
 * @brief Make an empty dict on the manager's server (Python's
 *        `manager.dict()`). For one with entries, mp_proxy_create() with
 *        type "dict" and args `[map]` (or `[[[k, v], ...]]`).
 * @param m the manager.
 * @param[out] out the proxy; free it with mp_proxy_destroy() (the dict
 *             lives as long as the server).
 * @return 0; MP_EINVAL for NULL; MP_ECLOSED for a destroyed manager;
 *         MP_EBROKEN when its server is gone; MP_ENOMEM.
 */
MP_API int mp_manager_dict(mp_manager_t *m, mp_proxy_t **out);

/**
 * @brief `d[key] = value`: a key already there keeps its place in the
 *        order, a new one goes last.
 * @return 0; MP_EINVAL for an unhashable key (a list, map or reference).
 */
MP_API int mp_dict_set(mp_proxy_t *d, const mp_var_t *key, const mp_var_t *value);

/**
 * @brief `d[key]` (dflt NULL) or `d.get(key, dflt)`.
 * @param d the dict proxy.
 * @param key the key (a scalar).
 * @param dflt what to hand out when the key is missing; NULL: fail.
 * @param[out] out a copy of the value (or of `dflt`), the caller's.
 * @return 0; MP_EKEY when the key is missing and `dflt` is NULL;
 *         MP_EINVAL for an unhashable key.
 */
MP_API int mp_dict_get(mp_proxy_t *d, const mp_var_t *key, const mp_var_t *dflt, mp_var_t **out);

/**
 * @brief `del d[key]`.
 * @return 0; MP_EKEY when the key is missing; MP_EINVAL for an unhashable key.
 */
MP_API int mp_dict_del(mp_proxy_t *d, const mp_var_t *key);

/**
 * @brief `key in d`.
 * @return 1 when present, 0 when not; MP_EINVAL for an unhashable key
 *         (Python's TypeError); another negative code.
 */
MP_API int mp_dict_contains(mp_proxy_t *d, const mp_var_t *key);

/** @brief `len(d)`. @return the number of entries (>= 0), or a negative code. */
MP_API int mp_dict_len(mp_proxy_t *d);

/** @brief `list(d.keys())`: a list of the keys in insertion order.
 *  @return 0, or a negative code. */
MP_API int mp_dict_keys(mp_proxy_t *d, mp_var_t **out);

/** @brief `list(d.values())`: a list of the values in insertion order.
 *  @return 0, or a negative code. */
MP_API int mp_dict_values(mp_proxy_t *d, mp_var_t **out);

/** @brief `list(d.items())`: a list of `[key, value]` lists in insertion
 *         order. @return 0, or a negative code. */
MP_API int mp_dict_items(mp_proxy_t *d, mp_var_t **out);

/**
 * @brief `d.update(map)` (also Python's `d |= map`): every entry of `map`
 *        set in `map`'s order.
 * @param d the dict proxy.
 * @param map a map, or a list of `[key, value]` pairs (Python's iterable of
 *        pairs).
 * @return 0; MP_EINVAL for anything else, a pair that is not a list of two,
 *         or an unhashable key (checked before anything is set: the dict is
 *         unchanged).
 */
MP_API int mp_dict_update(mp_proxy_t *d, const mp_var_t *map);

/**
 * @brief `d.pop(key)` (dflt NULL) or `d.pop(key, dflt)`: remove the entry
 *        and hand out its value.
 * @param d the dict proxy.
 * @param key the key (a scalar).
 * @param dflt what to hand out when the key is missing; NULL: MP_EKEY instead.
 * @param[out] out the value (or a copy of `dflt`), the caller's; may be
 *             NULL to discard it.
 * @return 0; MP_EKEY when the key is missing and `dflt` is NULL (the dict
 *         is unchanged); MP_EINVAL for an unhashable key.
 */
MP_API int mp_dict_pop(mp_proxy_t *d, const mp_var_t *key, const mp_var_t *dflt, mp_var_t **out);

/**
 * @brief `d.popitem()`: remove the entry inserted last and hand out both
 *        halves (LIFO, as Python's since 3.7).
 * @param d the dict proxy.
 * @param[out] key the key, the caller's.
 * @param[out] value its value, the caller's.
 * @return 0; MP_EKEY when the dict is empty ("popitem(): dictionary is empty").
 */
MP_API int mp_dict_popitem(mp_proxy_t *d, mp_var_t **key, mp_var_t **value);

/**
 * @brief `d.setdefault(key, dflt)`: the value when the key is there, else
 *        set it to `dflt` and hand that out; one atomic step on the server
 *        (several processes racing on one key all get the first one's value).
 * @param d the dict proxy.
 * @param key the key (a scalar).
 * @param dflt the value to set; NULL sets nil (Python's None).
 * @param[out] out the key's value now, the caller's; may be NULL to discard it.
 * @return 0; MP_EINVAL for an unhashable key.
 */
MP_API int mp_dict_setdefault(mp_proxy_t *d, const mp_var_t *key, const mp_var_t *dflt,
                              mp_var_t **out);

/** @brief `d.clear()`. @return 0, or a negative code. */
MP_API int mp_dict_clear(mp_proxy_t *d);

/** @brief `d.copy()`: a local map with the dict's entries, in order (Python's
 *         DictProxy.copy() returns a plain dict too). @return 0, or a negative code. */
MP_API int mp_dict_copy(mp_proxy_t *d, mp_var_t **out);

/**
 * @brief `d[key] = value` for a string key, the value packed from `fmt`
 *        and the arguments (var.h's formats: exactly one value).
 * @return 0; MP_EINVAL for a NULL key or format, a malformed format or a
 *         NULL string argument (nothing was sent).
 */
MP_API int mp_dict_setf(mp_proxy_t *d, const char *key, const char *fmt, ...);

/**
 * @brief `d[key]` for a string key, unpacked through `fmt` (var.h's
 *        formats, with the getf rule above: strings, bytes and values handed
 *        out are the caller's).
 * @return 0; MP_EKEY when the key is missing; MP_EINVAL for a NULL key or
 *         format, or a value of another shape than `fmt` (mp_errdetail()
 *         says where; nothing handed out needs freeing).
 */
MP_API int mp_dict_getf(mp_proxy_t *d, const char *key, const char *fmt, ...);

/* ---- list ----------------------------------------------------------------- */

/**
 * @brief Make an empty list on the manager's server (Python's
 *        `manager.list()`). For one with items, mp_proxy_create() with type
 *        "list" and args `[list]`.
 * @param m the manager.
 * @param[out] out the proxy; free it with mp_proxy_destroy().
 * @return 0; MP_EINVAL for NULL; MP_ECLOSED; MP_EBROKEN; MP_ENOMEM.
 */
MP_API int mp_manager_list(mp_manager_t *m, mp_proxy_t **out);

/** @brief `l.append(item)`. @return 0, or a negative code. */
MP_API int mp_list_append(mp_proxy_t *l, const mp_var_t *item);

/**
 * @brief `l.extend(items)` (also Python's `l += items`).
 * @param l the list proxy.
 * @param items a list.
 * @return 0; MP_EINVAL when `items` is not a list.
 */
MP_API int mp_list_extend(mp_proxy_t *l, const mp_var_t *items);

/**
 * @brief `l.insert(index, item)`: before element `index`; negative counts
 *        from the end, and an index past either end is clamped to it, as
 *        Python's (insert(-100, x) puts x first, insert(100, x) last).
 * @return 0, or a negative code (never MP_EINDEX).
 */
MP_API int mp_list_insert(mp_proxy_t *l, int64_t index, const mp_var_t *item);

/**
 * @brief `l[index]`; negative counts from the end (-1 is the last).
 * @param l the list proxy.
 * @param index the position; negative counts from the end.
 * @param[out] out a copy of the element, the caller's.
 * @return 0; MP_EINDEX when out of range ("list index out of range").
 */
MP_API int mp_list_get(mp_proxy_t *l, int64_t index, mp_var_t **out);

/**
 * @brief `l[index] = item`.
 * @return 0; MP_EINDEX when out of range ("list assignment index out of range").
 */
MP_API int mp_list_set(mp_proxy_t *l, int64_t index, const mp_var_t *item);

/**
 * @brief `del l[index]`.
 * @return 0; MP_EINDEX when out of range.
 */
MP_API int mp_list_del(mp_proxy_t *l, int64_t index);

/** @brief `len(l)`. @return the number of items (>= 0), or a negative code. */
MP_API int mp_list_len(mp_proxy_t *l);

/**
 * @brief `l.pop(index)`: remove element `index` and hand it out; -1 is
 *        Python's `l.pop()` (the last), 0 the first.
 * @param l the list proxy.
 * @param index the position; negative counts from the end.
 * @param[out] out the element, the caller's; may be NULL to discard it.
 * @return 0; MP_EINDEX when out of range or empty ("pop from empty list").
 */
MP_API int mp_list_pop(mp_proxy_t *l, int64_t index, mp_var_t **out);

/**
 * @brief `l.remove(item)`: remove the first element equal to `item`
 *        (mp_var_equal()).
 * @return 0; MP_EINDEX when there is none (Python's ValueError
 *         "list.remove(x): x not in list").
 */
MP_API int mp_list_remove(mp_proxy_t *l, const mp_var_t *item);

/**
 * @brief `l.index(item)`: the position of the first element equal to `item`.
 * @param l the list proxy.
 * @param item the value to look for.
 * @param[out] index where it is.
 * @return 0; MP_EINDEX when there is none (Python's ValueError).
 */
MP_API int mp_list_index(mp_proxy_t *l, const mp_var_t *item, size_t *index);

/** @brief `l.count(item)`: how many elements equal `item`.
 *  @return the count (>= 0), or a negative code. */
MP_API int mp_list_count(mp_proxy_t *l, const mp_var_t *item);

/** @brief `l.reverse()`, in place. @return 0, or a negative code. */
MP_API int mp_list_reverse(mp_proxy_t *l);

/**
 * @brief `l.sort(reverse=reverse)`, in place and stable (equal elements
 *        keep their order, also with `reverse`), ordered by
 *        mp_var_compare() (numbers by value, strings and bytes by their
 *        bytes, lists element by element).
 * @return 0; MP_EINVAL when two elements have no order between them (a
 *         string and an int, nil, maps: Python's TypeError). Unlike
 *         Python, which may leave such a list partly sorted, the list is
 *         then unchanged.
 */
MP_API int mp_list_sort(mp_proxy_t *l, bool reverse);

/**
 * @brief `l[start:stop]`: a local list of the elements from `start` up to
 *        (not including) `stop`. Both are clamped as Python's slices are:
 *        negative counts from the end, past either end is the end, and
 *        `stop <= start` is empty. `l[a:]` is stop INT64_MAX.
 * @param l the list proxy.
 * @param start the slice's first position (clamped, see above).
 * @param stop the position after its last (clamped).
 * @param[out] out the new list, the caller's.
 * @return 0, or a negative code (never MP_EINDEX).
 */
MP_API int mp_list_slice(mp_proxy_t *l, int64_t start, int64_t stop, mp_var_t **out);

/**
 * @brief `l[start:stop] = items`: the slice (clamped as mp_list_slice())
 *        replaced by the items, which may be more or fewer; an empty slice
 *        inserts them at `start`.
 * @param l the list proxy.
 * @param start the slice's first position (clamped, see above).
 * @param stop the position after its last (clamped).
 * @param items a list.
 * @return 0; MP_EINVAL when `items` is not a list.
 */
MP_API int mp_list_set_slice(mp_proxy_t *l, int64_t start, int64_t stop, const mp_var_t *items);

/** @brief `del l[start:stop]` (clamped as mp_list_slice()).
 *  @return 0, or a negative code (never MP_EINDEX). */
MP_API int mp_list_del_slice(mp_proxy_t *l, int64_t start, int64_t stop);

/** @brief `l.clear()`. @return 0, or a negative code. */
MP_API int mp_list_clear(mp_proxy_t *l);

/** @brief `l[:]`: a local list with copies of every element. @return 0, or a negative code. */
MP_API int mp_list_copy(mp_proxy_t *l, mp_var_t **out);

/**
 * @brief `l.append(value)`, the value packed from `fmt` and the arguments.
 * @return 0; MP_EINVAL for a NULL or malformed format (nothing was sent).
 */
MP_API int mp_list_appendf(mp_proxy_t *l, const char *fmt, ...);

/**
 * @brief `l[index]` unpacked through `fmt` (the getf rule above).
 * @return 0; MP_EINDEX when out of range; MP_EINVAL for a NULL format or a
 *         value of another shape.
 */
MP_API int mp_list_getf(mp_proxy_t *l, int64_t index, const char *fmt, ...);

/* ---- Namespace ------------------------------------------------------------ */

/**
 * @brief Make an empty Namespace on the manager's server (Python's
 *        `manager.Namespace()`): named attributes. For one with
 *        attributes, mp_proxy_create() with type "Namespace" and args
 *        `[map]` (string keys). Unlike Python's NamespaceProxy, which keeps
 *        attributes whose name starts with `_` in the proxy, every
 *        attribute lives on the server; mp_ns_repr() hides the `_` ones.
 * @param m the manager.
 * @param[out] out the proxy; free it with mp_proxy_destroy().
 * @return 0; MP_EINVAL for NULL; MP_ECLOSED; MP_EBROKEN; MP_ENOMEM.
 */
MP_API int mp_manager_namespace(mp_manager_t *m, mp_proxy_t **out);

/** @brief `ns.name = value`. @return 0, or a negative code. */
MP_API int mp_ns_set(mp_proxy_t *ns, const char *name, const mp_var_t *value);

/**
 * @brief `ns.name`.
 * @param ns the Namespace proxy.
 * @param name the attribute's name.
 * @param[out] out a copy of the value, the caller's.
 * @return 0; MP_EKEY when there is no such attribute (Python's
 *         AttributeError, "'Namespace' object has no attribute 'name'").
 */
MP_API int mp_ns_get(mp_proxy_t *ns, const char *name, mp_var_t **out);

/** @brief `del ns.name`. @return 0; MP_EKEY when there is no such attribute. */
MP_API int mp_ns_del(mp_proxy_t *ns, const char *name);

/** @brief `hasattr(ns, name)`. @return 1 / 0, or a negative code. */
MP_API int mp_ns_has(mp_proxy_t *ns, const char *name);

/** @brief `vars(ns)`: a local map of every attribute, `_` ones included,
 *         in the order they were first set. @return 0, or a negative code. */
MP_API int mp_ns_copy(mp_proxy_t *ns, mp_var_t **out);

/**
 * @brief `str(ns)`: "Namespace(job='Builder', name='Bob')", the attributes
 *        as `name=repr(value)` sorted as Python's Namespace sorts them,
 *        hiding those whose name starts with `_`.
 * @param ns the Namespace proxy.
 * @param buf where to write it, NUL-ended (may be NULL when `size` is 0).
 * @param size the buffer's size.
 * @param[out] len the full length without the NUL (may be NULL).
 * @return 0; MP_ETOOSMALL when it did not fit (`buf` holds what fits,
 *         NUL-ended, and `len` says how much is needed), as mp_var_repr().
 */
MP_API int mp_ns_repr(mp_proxy_t *ns, char *buf, size_t size, size_t *len);

/**
 * @brief `ns.name = value`, the value packed from `fmt` and the arguments.
 * @return 0; MP_EINVAL for a NULL name or format, or a malformed format.
 */
MP_API int mp_ns_setf(mp_proxy_t *ns, const char *name, const char *fmt, ...);

/**
 * @brief `ns.name` unpacked through `fmt` (the getf rule above).
 * @return 0; MP_EKEY when there is no such attribute; MP_EINVAL for a NULL
 *         name or format or a value of another shape.
 */
MP_API int mp_ns_getf(mp_proxy_t *ns, const char *name, const char *fmt, ...);

#ifdef __cplusplus
}
#endif

#endif /* MULTIPROC_MANAGER_CONTAINERS_H */
