/* Formats (var.h's table): mp_var_pack() builds a value from printf-style
 * arguments, mp_var_unpack() checks a value's shape and writes its parts
 * through pointers. Both walk the format once, by recursive descent. */
#include "mp_var_impl.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "mp_backend.h"

/* An output that unpack's copy mode allocated: freed again (and its
 * pointer reset) if a later item fails, so that a failed call leaks
 * nothing the caller cannot see. */
typedef struct owned {
    void **where;
    bool is_var;
} owned_t;

typedef struct fmt_state {
    const char *fmt; /**< the whole format, for positions in messages */
    const char *p;   /**< the next character */
    va_list *ap;
    const char *fn; /**< the public call, for messages */
    bool copy;      /**< unpack: hand out copies (mp__var_vunpack) */
    owned_t *owned;
    size_t nowned, capowned;
} fmt_state_t;

/* Spaces, commas and colons are for the reader. */
static char next_char(fmt_state_t *st)
{
    while (*st->p == ' ' || *st->p == ',' || *st->p == ':' || *st->p == '\t' || *st->p == '\n')
        st->p++;
    return *st->p;
}

static int malformed(fmt_state_t *st, const char *what)
{
    return mp__errdetail_set(MP_EINVAL, "%s: malformed format \"%s\" at position %td: %s", st->fn,
                             st->fmt, st->p - st->fmt, what);
}

/* Inside a list or map: 1 when its closing `close` is next (consumed), 0
 * when an item is, MP_EINVAL when the format ends first. */
static int closes(fmt_state_t *st, char close)
{
    char c = next_char(st);
    if (c == close) {
        st->p++;
        return 1;
    }
    if (c == '\0')
        return malformed(st, close == ']' ? "'[' is never closed" : "'{' is never closed");
    return 0;
}

/* ---- pack ------------------------------------------------------------- */

static int pack_value(fmt_state_t *st, int depth, mp_var_t **out);

/* The elements of a list up to ']'. */
static int pack_list(fmt_state_t *st, int depth, mp_var_t *list)
{
    int done;
    while ((done = closes(st, ']')) == 0) {
        mp_var_t *item = NULL;
        int rc = pack_value(st, depth + 1, &item);
        if (rc < 0 || (rc = mp_var_append(list, item)) < 0)
            return rc;
    }
    return done < 0 ? done : 0;
}

/* The entries of a map up to '}'. */
static int pack_map(fmt_state_t *st, int depth, mp_var_t *map)
{
    int done;
    while ((done = closes(st, '}')) == 0) {
        const char *at = st->p;
        mp_var_t *key = NULL, *value = NULL;
        int rc = pack_value(st, depth + 1, &key);
        if (rc == 0 && !mp__var_hashable(key)) {
            st->p = at;
            mp_var_free(key);
            return malformed(st, "a map key must be a scalar (unhashable type)");
        }
        if (rc == 0 && next_char(st) == '}') {
            mp_var_free(key);
            return malformed(st, "a map key without a value");
        }
        if (rc == 0 && (rc = pack_value(st, depth + 1, &value)) < 0)
            mp_var_free(key);
        if (rc < 0 || (rc = mp_var_map_set(map, key, value)) < 0)
            return rc;
    }
    return done < 0 ? done : 0;
}

/* A scalar from its format character and arguments. */
static int pack_scalar(fmt_state_t *st, char c, mp_var_t **out)
{
    mp_var_t *v;
    switch (c) {
    case 'n': v = mp_var_nil(); break;
    case 'b': v = mp_var_bool(va_arg(*st->ap, int) != 0); break;
    case 'i': v = mp_var_int(va_arg(*st->ap, int)); break;
    case 'I': v = mp_var_int(va_arg(*st->ap, int64_t)); break;
    case 'd': v = mp_var_double(va_arg(*st->ap, double)); break;
    case 's': {
        const char *s = va_arg(*st->ap, const char *);
        if (!s)
            return malformed(st, "the string argument of 's' is NULL");
        v = mp_var_str(s);
        break;
    }
    case 'y': {
        const void *data = va_arg(*st->ap, const void *);
        size_t len = va_arg(*st->ap, size_t);
        if (!data && len)
            return malformed(st, "the bytes argument of 'y' is NULL");
        v = mp_var_bytes(data, len);
        break;
    }
    case 'v': {
        const mp_var_t *src = va_arg(*st->ap, const mp_var_t *);
        if (!src)
            return malformed(st, "the value argument of 'v' is NULL");
        return mp_var_copy(out, src);
    }
    default: return malformed(st, "unknown format character");
    }
    if (!v)
        return mp__errdetail_set(MP_ENOMEM, "%s: out of memory", st->fn);
    *out = v;
    return 0;
}

static int pack_value(fmt_state_t *st, int depth, mp_var_t **out)
{
    char c = next_char(st);
    if (c == '\0')
        return malformed(st, "a value is missing");
    /* As deep as the codec allows, and no deeper: what is packed can be sent. */
    if ((c == '[' || c == '{') && depth >= MP__VAR_MAX_DEPTH)
        return malformed(st, "nested too deep");
    if (c != '[' && c != '{') {
        int rc = pack_scalar(st, c, out);
        if (rc == 0)
            st->p++;
        return rc;
    }
    st->p++;
    mp_var_t *v = c == '[' ? mp_var_list() : mp_var_map();
    if (!v)
        return mp__errdetail_set(MP_ENOMEM, "%s: out of memory", st->fn);
    int rc = c == '[' ? pack_list(st, depth, v) : pack_map(st, depth, v);
    if (rc < 0) {
        mp_var_free(v);
        return rc;
    }
    *out = v;
    return 0;
}

/* The whole format: exactly one value. */
static int pack_all(fmt_state_t *st, mp_var_t **out)
{
    mp_var_t *v = NULL;
    int rc = pack_value(st, 0, &v);
    if (rc == 0 && next_char(st) != '\0') {
        mp_var_free(v);
        return malformed(st, "more than one value (use a list or a map)");
    }
    if (rc == 0)
        *out = v;
    return rc;
}

int mp__var_vpack(mp_var_t **out, const char *fmt, va_list ap)
{
    if (!out || !fmt)
        return mp__errdetail_set(MP_EINVAL, "mp_var_pack: %s is NULL", out ? "fmt" : "out");
    va_list cp;
    va_copy(cp, ap);
    fmt_state_t st = {.fmt = fmt, .p = fmt, .ap = &cp, .fn = "mp_var_pack"};
    int rc = pack_all(&st, out);
    va_end(cp);
    return rc;
}

int mp_var_pack(mp_var_t **out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = mp__var_vpack(out, fmt, ap);
    va_end(ap);
    return rc;
}

/* ---- unpack ----------------------------------------------------------- */

/* Where in the value an item is, for messages: "the value", "item 2",
 * "key 'id'". */
typedef struct where {
    char text[96];
} where_t;

static int shape_error(fmt_state_t *st, const where_t *w, const char *want, const mp_var_t *v)
{
    return mp__errdetail_set(MP_EINVAL, "%s: %s: expected %s, got %s", st->fn, w->text, want,
                             mp_var_type_name(v->type));
}

static int own(fmt_state_t *st, void **where, bool is_var)
{
    if (st->nowned == st->capowned) {
        size_t cap = st->capowned ? 2 * st->capowned : 8;
        owned_t *grown = realloc(st->owned, cap * sizeof *grown);
        if (!grown)
            return MP_ENOMEM;
        st->owned = grown;
        st->capowned = cap;
    }
    st->owned[st->nowned++] = (owned_t){where, is_var};
    return 0;
}

/* Copy mode's `s` and `y`: a malloc'd copy with a NUL after it. */
static int hand_out_blob(fmt_state_t *st, const mp_var_t *v, void **where)
{
    char *copy = malloc(v->u.s.len + 1);
    if (!copy || own(st, where, false) < 0) {
        free(copy);
        return mp__errdetail_set(MP_ENOMEM, "%s: out of memory", st->fn);
    }
    memcpy(copy, v->u.s.data, v->u.s.len + 1);
    *where = copy;
    return 0;
}

static int unpack_string(fmt_state_t *st, const mp_var_t *v, const where_t *w)
{
    if (v->type != MP_VAR_STR)
        return shape_error(st, w, "str", v);
    if (st->copy)
        return hand_out_blob(st, v, (void **)va_arg(*st->ap, char **));
    *va_arg(*st->ap, const char **) = v->u.s.data;
    return 0;
}

static int unpack_bytes(fmt_state_t *st, const mp_var_t *v, const where_t *w)
{
    if (v->type != MP_VAR_BYTES)
        return shape_error(st, w, "bytes", v);
    int rc = 0;
    if (st->copy)
        rc = hand_out_blob(st, v, va_arg(*st->ap, void **));
    else
        *va_arg(*st->ap, const void **) = v->u.s.data;
    size_t *len = va_arg(*st->ap, size_t *);
    if (rc == 0)
        *len = v->u.s.len;
    return rc;
}

static int unpack_var(fmt_state_t *st, const mp_var_t *v)
{
    if (!st->copy) {
        *va_arg(*st->ap, const mp_var_t **) = v;
        return 0;
    }
    mp_var_t **where = va_arg(*st->ap, mp_var_t **);
    int rc = mp_var_copy(where, v);
    if (rc == 0 && own(st, (void **)where, true) < 0) {
        mp_var_free(*where);
        rc = mp__errdetail_set(MP_ENOMEM, "%s: out of memory", st->fn);
    }
    return rc;
}

static int unpack_scalar(fmt_state_t *st, char c, const mp_var_t *v, const where_t *w)
{
    switch (c) {
    case 'n': return v->type == MP_VAR_NIL ? 0 : shape_error(st, w, "nil", v);
    case 'b':
        if (v->type != MP_VAR_BOOL)
            return shape_error(st, w, "bool", v);
        *va_arg(*st->ap, bool *) = v->u.b;
        return 0;
    case 'i':
        if (v->type != MP_VAR_INT)
            return shape_error(st, w, "int", v);
        if (v->u.i < INT_MIN || v->u.i > INT_MAX)
            return mp__errdetail_set(MP_EINVAL, "%s: %s: %lld does not fit in an int (use 'I')",
                                     st->fn, w->text, (long long)v->u.i);
        *va_arg(*st->ap, int *) = (int)v->u.i;
        return 0;
    case 'I':
        if (v->type != MP_VAR_INT)
            return shape_error(st, w, "int", v);
        *va_arg(*st->ap, int64_t *) = v->u.i;
        return 0;
    case 'd':
        if (v->type != MP_VAR_INT && v->type != MP_VAR_DOUBLE)
            return shape_error(st, w, "double", v);
        *va_arg(*st->ap, double *) = v->type == MP_VAR_INT ? (double)v->u.i : v->u.d;
        return 0;
    case 's': return unpack_string(st, v, w);
    case 'y': return unpack_bytes(st, v, w);
    case 'v': return unpack_var(st, v);
    default: return malformed(st, "unknown format character");
    }
}

static int unpack_value(fmt_state_t *st, int depth, const mp_var_t *v, const where_t *w);

static int unpack_list(fmt_state_t *st, int depth, const mp_var_t *list, const where_t *w)
{
    if (list->type != MP_VAR_LIST)
        return shape_error(st, w, "list", list);
    size_t i = 0;
    int done;
    for (; (done = closes(st, ']')) == 0; i++) {
        where_t item;
        snprintf(item.text, sizeof item.text, "item %zu", i);
        if (i >= list->u.list.len)
            return mp__errdetail_set(MP_EINVAL, "%s: %s: the list has only %zu items", st->fn,
                                     item.text, list->u.list.len);
        int rc = unpack_value(st, depth + 1, list->u.list.items[i], &item);
        if (rc < 0)
            return rc;
    }
    if (done < 0)
        return done;
    if (i != list->u.list.len)
        return mp__errdetail_set(MP_EINVAL, "%s: %s: expected a list of %zu items, got %zu", st->fn,
                                 w->text, i, list->u.list.len);
    return 0;
}

static int unpack_map(fmt_state_t *st, int depth, const mp_var_t *map, const where_t *w)
{
    if (map->type != MP_VAR_MAP)
        return shape_error(st, w, "map", map);
    int done;
    while ((done = closes(st, '}')) == 0) {
        /* A key is packed from its arguments, then looked up. */
        const char *at = st->p;
        mp_var_t *key = NULL;
        int rc = pack_value(st, depth + 1, &key);
        if (rc < 0)
            return rc;
        if (!mp__var_hashable(key)) {
            mp_var_free(key);
            st->p = at;
            return malformed(st, "a map key must be a scalar (unhashable type)");
        }
        where_t entry;
        if (key->type == MP_VAR_STR)
            snprintf(entry.text, sizeof entry.text, "key '%.64s'", key->u.s.data);
        else
            snprintf(entry.text, sizeof entry.text, "a %s key", mp_var_type_name(key->type));
        const mp_var_t *value = mp_var_map_get(map, key);
        mp_var_free(key);
        if (next_char(st) == '}' || *st->p == '\0')
            return malformed(st, "a map key without a value");
        if (!value)
            return mp__errdetail_set(MP_EKEY, "%s: %s is missing", st->fn, entry.text);
        if ((rc = unpack_value(st, depth + 1, value, &entry)) < 0)
            return rc;
    }
    return done < 0 ? done : 0;
}

static int unpack_value(fmt_state_t *st, int depth, const mp_var_t *v, const where_t *w)
{
    char c = next_char(st);
    if (c == '\0')
        return malformed(st, "a value is missing");
    if ((c == '[' || c == '{') && depth >= MP__VAR_MAX_DEPTH)
        return malformed(st, "nested too deep");
    st->p++;
    if (c == '[')
        return unpack_list(st, depth, v, w);
    if (c == '{')
        return unpack_map(st, depth, v, w);
    st->p--; /* messages point at the character */
    int rc = unpack_scalar(st, c, v, w);
    if (rc == 0)
        st->p++;
    return rc;
}

int mp__var_vunpack(const mp_var_t *v, bool copy, const char *fmt, va_list ap)
{
    if (!v || !fmt)
        return mp__errdetail_set(MP_EINVAL, "mp_var_unpack: %s is NULL", v ? "fmt" : "the value");
    va_list cp;
    va_copy(cp, ap);
    fmt_state_t st = {.fmt = fmt, .p = fmt, .ap = &cp, .fn = "mp_var_unpack", .copy = copy};
    where_t top = {"the value"};
    int rc = unpack_value(&st, 0, v, &top);
    if (rc == 0 && next_char(&st) != '\0')
        rc = malformed(&st, "more than one value (use a list or a map)");
    va_end(cp);
    for (size_t i = 0; rc < 0 && i < st.nowned; i++) {
        if (st.owned[i].is_var)
            mp_var_free(*st.owned[i].where);
        else
            free(*st.owned[i].where);
        *st.owned[i].where = NULL;
    }
    free(st.owned);
    return rc;
}

int mp_var_unpack(const mp_var_t *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = mp__var_vunpack(v, false, fmt, ap);
    va_end(ap);
    return rc;
}
