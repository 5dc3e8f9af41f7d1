/* Typed values (var.h): the tree, its constructors, typed getters, list
 * calls, deep copy, free and equality. Maps live in var_map.c. */
#include "mp_var_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mp_backend.h"

mp_var_t *mp__var_new(mp_var_type_t type)
{
    mp_var_t *v = calloc(1, sizeof *v);
    if (v)
        v->type = type;
    return v;
}

/* ---- constructors --------------------------------------------------- */

mp_var_t *mp_var_nil(void)
{
    return mp__var_new(MP_VAR_NIL);
}

mp_var_t *mp_var_bool(bool value)
{
    mp_var_t *v = mp__var_new(MP_VAR_BOOL);
    if (v)
        v->u.b = value;
    return v;
}

mp_var_t *mp_var_int(int64_t value)
{
    mp_var_t *v = mp__var_new(MP_VAR_INT);
    if (v)
        v->u.i = value;
    return v;
}

mp_var_t *mp_var_double(double value)
{
    mp_var_t *v = mp__var_new(MP_VAR_DOUBLE);
    if (v)
        v->u.d = value;
    return v;
}

/* Strings and bytes share one payload: `len` bytes and a NUL after them
 * (so that a string's bytes are a C string, and a bytes' never need a
 * special case for an empty payload). */
static mp_var_t *new_blob(mp_var_type_t type, const void *data, size_t len)
{
    if (len == (size_t)-1)
        return NULL;
    mp_var_t *v = mp__var_new(type);
    char *copy = malloc(len + 1);
    if (!v || !copy) {
        free(v);
        free(copy);
        return NULL;
    }
    if (len)
        memcpy(copy, data, len);
    copy[len] = '\0';
    v->u.s.data = copy;
    v->u.s.len = len;
    return v;
}

mp_var_t *mp_var_str(const char *s)
{
    return s ? new_blob(MP_VAR_STR, s, strlen(s)) : NULL;
}

mp_var_t *mp_var_strn(const char *s, size_t len)
{
    return s || len == 0 ? new_blob(MP_VAR_STR, s, len) : NULL;
}

mp_var_t *mp_var_bytes(const void *data, size_t len)
{
    return data || len == 0 ? new_blob(MP_VAR_BYTES, data, len) : NULL;
}

mp_var_t *mp_var_list(void)
{
    return mp__var_new(MP_VAR_LIST);
}

mp_var_t *mp_var_map(void)
{
    return mp__var_new(MP_VAR_MAP);
}

mp_var_t *mp__var_ref(uint64_t id, const char *type)
{
    if (!type)
        return NULL;
    mp_var_t *v = mp__var_new(MP_VAR_REF);
    char *name = malloc(strlen(type) + 1);
    if (!v || !name) {
        free(v);
        free(name);
        return NULL;
    }
    strcpy(name, type);
    v->u.ref.id = id;
    v->u.ref.type = name;
    return v;
}

int mp__var_ref_get(const mp_var_t *v, uint64_t *id, const char **type)
{
    if (!v || v->type != MP_VAR_REF)
        return mp__var_type_error("mp__var_ref_get", v, MP_VAR_REF);
    if (id)
        *id = v->u.ref.id;
    if (type)
        *type = v->u.ref.type;
    return 0;
}

/* ---- free ------------------------------------------------------------- */

void mp__var_clear(mp_var_t *v)
{
    if (!v)
        return;
    if (v->type == MP_VAR_LIST) {
        for (size_t i = 0; i < v->u.list.len; i++)
            mp_var_free(v->u.list.items[i]);
        v->u.list.len = 0;
    } else if (v->type == MP_VAR_MAP) {
        mp__var_map_release(&v->u.map);
    }
}

void mp_var_free(mp_var_t *v)
{
    if (!v)
        return;
    mp__var_clear(v);
    switch (v->type) {
    case MP_VAR_STR:
    case MP_VAR_BYTES: free(v->u.s.data); break;
    case MP_VAR_LIST: free(v->u.list.items); break;
    case MP_VAR_REF: free(v->u.ref.type); break;
    default: break;
    }
    free(v);
}

/* ---- type, getters ---------------------------------------------------- */

mp_var_type_t mp_var_type(const mp_var_t *v)
{
    return v ? v->type : (mp_var_type_t)0;
}

const char *mp_var_type_name(mp_var_type_t type)
{
    static const char *const names[] = {
        [MP_VAR_NIL] = "nil",       [MP_VAR_BOOL] = "bool", [MP_VAR_INT] = "int",
        [MP_VAR_DOUBLE] = "double", [MP_VAR_STR] = "str",   [MP_VAR_BYTES] = "bytes",
        [MP_VAR_LIST] = "list",     [MP_VAR_MAP] = "map",   [MP_VAR_REF] = "ref",
    };
    if ((unsigned)type >= sizeof names / sizeof names[0] || !names[type])
        return "?";
    return names[type];
}

int mp__var_type_error(const char *what, const mp_var_t *v, mp_var_type_t want)
{
    if (!v)
        return mp__errdetail_set(MP_EINVAL, "%s: the value is NULL", what);
    return mp__errdetail_set(MP_EINVAL, "%s: expected %s, got %s", what, mp_var_type_name(want),
                             mp_var_type_name(v->type));
}

/* What every typed getter checks first: its output, then the value's type. */
static int get_check(const char *fn, const mp_var_t *v, const void *out, mp_var_type_t want)
{
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "%s: out is NULL", fn);
    if (!v || v->type != want)
        return mp__var_type_error(fn, v, want);
    return 0;
}

int mp_var_get_bool(const mp_var_t *v, bool *out)
{
    int rc = get_check("mp_var_get_bool", v, out, MP_VAR_BOOL);
    if (rc == 0)
        *out = v->u.b;
    return rc;
}

int mp_var_get_int(const mp_var_t *v, int64_t *out)
{
    int rc = get_check("mp_var_get_int", v, out, MP_VAR_INT);
    if (rc == 0)
        *out = v->u.i;
    return rc;
}

int mp_var_get_double(const mp_var_t *v, double *out)
{
    /* An int converts: check it as the int it is. */
    bool is_int = v && v->type == MP_VAR_INT;
    int rc = get_check("mp_var_get_double", v, out, is_int ? MP_VAR_INT : MP_VAR_DOUBLE);
    if (rc == 0)
        *out = is_int ? (double)v->u.i : v->u.d;
    return rc;
}

int mp_var_get_str(const mp_var_t *v, const char **out)
{
    int rc = get_check("mp_var_get_str", v, out, MP_VAR_STR);
    if (rc == 0)
        *out = v->u.s.data;
    return rc;
}

int mp_var_get_bytes(const mp_var_t *v, const void **data, size_t *len)
{
    int rc = get_check("mp_var_get_bytes", v, data && len ? data : NULL, MP_VAR_BYTES);
    if (rc == 0) {
        *data = v->u.s.data;
        *len = v->u.s.len;
    }
    return rc;
}

size_t mp_var_len(const mp_var_t *v)
{
    if (!v)
        return 0;
    switch (v->type) {
    case MP_VAR_STR:
    case MP_VAR_BYTES: return v->u.s.len;
    case MP_VAR_LIST: return v->u.list.len;
    case MP_VAR_MAP: return v->u.map.live;
    default: return 0;
    }
}

/* ---- lists ------------------------------------------------------------ */

int mp__var_list_reserve(mp_var_t *list, size_t n)
{
    size_t len = list->u.list.len, cap = list->u.list.cap;
    if (n <= cap - len)
        return 0;
    if (n > ((size_t)-1) / sizeof(mp_var_t *) / 2 - len)
        return MP_ENOMEM;
    size_t want = cap ? cap : 4;
    while (want - len < n)
        want *= 2;
    mp_var_t **grown = realloc(list->u.list.items, want * sizeof *grown);
    if (!grown)
        return MP_ENOMEM;
    list->u.list.items = grown;
    list->u.list.cap = want;
    return 0;
}

mp_var_t *mp_var_at(const mp_var_t *list, size_t i)
{
    if (!list || list->type != MP_VAR_LIST || i >= list->u.list.len)
        return NULL;
    return list->u.list.items[i];
}

/* The checks every call that takes an element over shares: on failure the
 * element is freed, as var.h promises. */
static int take_check(const char *fn, mp_var_t *list, mp_var_t *item)
{
    int rc = 0;
    if (!item)
        rc = mp__errdetail_set(MP_EINVAL, "%s: the item is NULL", fn);
    else if (!list || list->type != MP_VAR_LIST)
        rc = mp__var_type_error(fn, list, MP_VAR_LIST);
    else if (item == list)
        rc = mp__errdetail_set(MP_EINVAL, "%s: a list cannot hold itself", fn);
    if (rc < 0 && item != list)
        mp_var_free(item);
    return rc;
}

int mp_var_append(mp_var_t *list, mp_var_t *item)
{
    int rc = take_check("mp_var_append", list, item);
    if (rc == 0 && (rc = mp__var_list_reserve(list, 1)) < 0)
        mp_var_free(item);
    if (rc < 0)
        return rc;
    list->u.list.items[list->u.list.len++] = item;
    return 0;
}

int mp_var_set_at(mp_var_t *list, size_t i, mp_var_t *item)
{
    int rc = take_check("mp_var_set_at", list, item);
    if (rc < 0)
        return rc;
    if (i >= list->u.list.len) {
        mp_var_free(item);
        return mp__errdetail_set(MP_EINVAL, "mp_var_set_at: index %zu past the end (length %zu)", i,
                                 list->u.list.len);
    }
    mp_var_free(list->u.list.items[i]);
    list->u.list.items[i] = item;
    return 0;
}

int mp__var_list_insert(mp_var_t *list, size_t i, mp_var_t *item)
{
    int rc = take_check("mp__var_list_insert", list, item);
    if (rc < 0)
        return rc;
    if (i > list->u.list.len) {
        mp_var_free(item);
        return mp__errdetail_set(MP_EINDEX, "list insert: index %zu past the end (length %zu)", i,
                                 list->u.list.len);
    }
    if ((rc = mp__var_list_reserve(list, 1)) < 0) {
        mp_var_free(item);
        return rc;
    }
    mp_var_t **items = list->u.list.items;
    memmove(items + i + 1, items + i, (list->u.list.len - i) * sizeof *items);
    items[i] = item;
    list->u.list.len++;
    return 0;
}

int mp__var_list_remove_at(mp_var_t *list, size_t i, mp_var_t **out)
{
    if (!list || list->type != MP_VAR_LIST)
        return mp__var_type_error("mp__var_list_remove_at", list, MP_VAR_LIST);
    if (i >= list->u.list.len)
        return mp__errdetail_set(MP_EINDEX, "list index %zu out of range (length %zu)", i,
                                 list->u.list.len);
    mp_var_t **items = list->u.list.items;
    mp_var_t *item = items[i];
    memmove(items + i, items + i + 1, (list->u.list.len - i - 1) * sizeof *items);
    list->u.list.len--;
    if (out)
        *out = item;
    else
        mp_var_free(item);
    return 0;
}

/* Python's clamping of a slice's bounds to a list of `len` elements. */
static void clamp_range(size_t len, size_t *start, size_t *stop)
{
    if (*stop > len)
        *stop = len;
    if (*start > *stop)
        *start = *stop;
}

int mp__var_list_slice(const mp_var_t *list, size_t start, size_t stop, mp_var_t **out)
{
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "mp__var_list_slice: out is NULL");
    if (!list || list->type != MP_VAR_LIST)
        return mp__var_type_error("mp__var_list_slice", list, MP_VAR_LIST);
    clamp_range(list->u.list.len, &start, &stop);
    mp_var_t *slice = mp_var_list();
    if (!slice || mp__var_list_reserve(slice, stop - start) < 0) {
        mp_var_free(slice);
        return MP_ENOMEM;
    }
    for (size_t i = start; i < stop; i++) {
        int rc = mp_var_copy(&slice->u.list.items[i - start], list->u.list.items[i]);
        if (rc < 0) {
            mp_var_free(slice);
            return rc;
        }
        slice->u.list.len++;
    }
    *out = slice;
    return 0;
}

int mp__var_list_splice(mp_var_t *list, size_t start, size_t stop, mp_var_t *items)
{
    int rc = 0;
    if (!list || list->type != MP_VAR_LIST)
        rc = mp__var_type_error("mp__var_list_splice", list, MP_VAR_LIST);
    else if (items && (items->type != MP_VAR_LIST || items == list))
        rc = mp__errdetail_set(MP_EINVAL,
                               "mp__var_list_splice: the new items must be another list");
    if (rc < 0) {
        if (items != list)
            mp_var_free(items);
        return rc;
    }
    clamp_range(list->u.list.len, &start, &stop);
    size_t add = items ? items->u.list.len : 0, drop = stop - start;
    if (add > drop && (rc = mp__var_list_reserve(list, add - drop)) < 0) {
        mp_var_free(items);
        return rc;
    }
    mp_var_t **v = list->u.list.items;
    for (size_t i = start; i < stop; i++)
        mp_var_free(v[i]);
    memmove(v + start + add, v + stop, (list->u.list.len - stop) * sizeof *v);
    if (add)
        memcpy(v + start, items->u.list.items, add * sizeof *v);
    list->u.list.len = list->u.list.len - drop + add;
    if (items)
        items->u.list.len = 0; /* its elements are the list's now */
    mp_var_free(items);
    return 0;
}

void mp__var_list_reverse(mp_var_t *list)
{
    if (!list || list->type != MP_VAR_LIST || list->u.list.len < 2)
        return;
    mp_var_t **v = list->u.list.items;
    for (size_t i = 0, j = list->u.list.len - 1; i < j; i++, j--) {
        mp_var_t *t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
}

/* ---- copy and equality ----------------------------------------------- */

static int copy_list(mp_var_t *to, const mp_var_t *from)
{
    int rc = mp__var_list_reserve(to, from->u.list.len);
    for (size_t i = 0; rc == 0 && i < from->u.list.len; i++) {
        rc = mp_var_copy(&to->u.list.items[i], from->u.list.items[i]);
        if (rc == 0)
            to->u.list.len++;
    }
    return rc;
}

static int copy_map(mp_var_t *to, const mp_var_t *from)
{
    int rc = mp__var_map_reserve(&to->u.map, from->u.map.live);
    const mp__var_map_t *m = &from->u.map;
    for (size_t i = 0; rc == 0 && i < m->nentries; i++) {
        if (!m->entries[i].key)
            continue;
        mp_var_t *k = NULL, *val = NULL;
        rc = mp_var_copy(&k, m->entries[i].key);
        if (rc == 0 && (rc = mp_var_copy(&val, m->entries[i].value)) < 0)
            mp_var_free(k);
        if (rc == 0)
            rc = mp_var_map_set(to, k, val);
    }
    return rc;
}

int mp_var_copy(mp_var_t **out, const mp_var_t *v)
{
    if (!out || !v)
        return mp__errdetail_set(MP_EINVAL, "mp_var_copy: %s is NULL", out ? "the value" : "out");
    mp_var_t *c;
    int rc = 0;
    switch (v->type) {
    case MP_VAR_STR:
    case MP_VAR_BYTES: c = new_blob(v->type, v->u.s.data, v->u.s.len); break;
    case MP_VAR_REF: c = mp__var_ref(v->u.ref.id, v->u.ref.type); break;
    default:
        c = mp__var_new(v->type);
        if (c && (v->type == MP_VAR_LIST || v->type == MP_VAR_MAP)) {
            rc = v->type == MP_VAR_LIST ? copy_list(c, v) : copy_map(c, v);
            if (rc < 0) {
                mp_var_free(c);
                return rc;
            }
        } else if (c) {
            c->u = v->u; /* a scalar: its payload is the value */
        }
        break;
    }
    if (!c)
        return mp__errdetail_set(MP_ENOMEM, "mp_var_copy: out of memory");
    *out = c;
    return 0;
}

bool mp__var_double_same(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

static bool maps_equal(const mp__var_map_t *a, const mp__var_map_t *b)
{
    if (a->live != b->live)
        return false;
    for (size_t i = 0; i < a->nentries; i++) {
        if (!a->entries[i].key)
            continue;
        ptrdiff_t j = mp__var_map_find(b, a->entries[i].key);
        if (j < 0 || !mp_var_equal(a->entries[i].value, b->entries[j].value))
            return false;
    }
    return true;
}

bool mp_var_equal(const mp_var_t *a, const mp_var_t *b)
{
    if (!a || !b)
        return a == b;
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case MP_VAR_BOOL: return a->u.b == b->u.b;
    case MP_VAR_INT: return a->u.i == b->u.i;
    case MP_VAR_DOUBLE: return mp__var_double_same(a->u.d, b->u.d);
    case MP_VAR_STR:
    case MP_VAR_BYTES:
        return a->u.s.len == b->u.s.len && memcmp(a->u.s.data, b->u.s.data, a->u.s.len) == 0;
    case MP_VAR_LIST:
        if (a->u.list.len != b->u.list.len)
            return false;
        for (size_t i = 0; i < a->u.list.len; i++)
            if (!mp_var_equal(a->u.list.items[i], b->u.list.items[i]))
                return false;
        return true;
    case MP_VAR_MAP: return maps_equal(&a->u.map, &b->u.map);
    case MP_VAR_REF: return a->u.ref.id == b->u.ref.id && strcmp(a->u.ref.type, b->u.ref.type) == 0;
    default: return true; /* nil */
    }
}
