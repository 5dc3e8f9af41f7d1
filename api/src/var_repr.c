/* mp_var_repr(): what Python's repr() prints for the same builtin value,
 * so that a C program's output matches its Python twin's. */
#include "mp_var_impl.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp_backend.h"

/* Where the text goes: as much as fits, while `len` counts it all. */
typedef struct out {
    char *buf;
    size_t size;
    size_t len;
} out_t;

static void put(out_t *o, const char *s, size_t n)
{
    if (o->len < o->size) {
        size_t room = o->size - 1 - o->len, k = n < room ? n : room;
        memcpy(o->buf + o->len, s, k);
    }
    o->len += n;
}

static void puts_(out_t *o, const char *s)
{
    put(o, s, strlen(s));
}

/* ---- doubles ----------------------------------------------------------- */

/* The shortest decimal digits that read back as `d` (d finite, > 0 or
 * -0 handled by the caller), and where the decimal point goes: `decpt`
 * digits before it. */
static void shortest_digits(double d, char *digits, int *decpt)
{
    char text[40];
    for (int prec = 0; prec < 17; prec++) {
        snprintf(text, sizeof text, "%.*e", prec, d);
        if (strtod(text, NULL) == d)
            break;
    }
    /* text is "D.DDDDe±XX" (or "De±XX"): gather the digits, drop trailing
     * zeros, read the exponent. */
    size_t n = 0;
    const char *p = text;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            digits[n++] = *p;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    *decpt = atoi(p + 1) + 1;
}

static void put_double(out_t *o, double d)
{
    if (isnan(d)) {
        puts_(o, "nan");
        return;
    }
    if (signbit(d))
        puts_(o, "-");
    d = fabs(d);
    if (isinf(d)) {
        puts_(o, "inf");
        return;
    }
    char digits[24], text[64];
    int decpt;
    shortest_digits(d, digits, &decpt);
    int n = (int)strlen(digits);
    if (decpt <= -4 || decpt > 16) { /* Python's switch to an exponent */
        snprintf(text, sizeof text, "%c%s%s", digits[0], n > 1 ? "." : "", digits + 1);
        puts_(o, text);
        snprintf(text, sizeof text, "e%c%02d", decpt - 1 < 0 ? '-' : '+', abs(decpt - 1));
    } else if (decpt <= 0) {
        snprintf(text, sizeof text, "0.%.*s%s", -decpt, "0000", digits);
    } else if (decpt >= n) {
        snprintf(text, sizeof text, "%s%.*s.0", digits, decpt - n, "0000000000000000");
    } else {
        snprintf(text, sizeof text, "%.*s.%s", decpt, digits, digits + decpt);
    }
    puts_(o, text);
}

/* ---- strings and bytes ------------------------------------------------- */

/* Python's choice of quotes: single, unless the text has a single quote
 * and no double one. */
static char quote_for(const char *s, size_t n)
{
    return memchr(s, '\'', n) && !memchr(s, '"', n) ? '"' : '\'';
}

/* A quoted string or bytes literal. Strings pass bytes from 0x80 through
 * (UTF-8 text prints as itself, as in Python); bytes escape them. */
static void put_quoted(out_t *o, const char *s, size_t n, bool is_bytes)
{
    char q = quote_for(s, n), esc[8];
    if (is_bytes)
        puts_(o, "b");
    put(o, &q, 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *named = c == '\\'   ? "\\\\"
                            : c == '\n' ? "\\n"
                            : c == '\r' ? "\\r"
                            : c == '\t' ? "\\t"
                                        : NULL;
        if (named) {
            puts_(o, named);
        } else if (c == (unsigned char)q) {
            esc[0] = '\\';
            esc[1] = q;
            put(o, esc, 2);
        } else if (c < 0x20 || c == 0x7f || (is_bytes && c >= 0x80)) {
            snprintf(esc, sizeof esc, "\\x%02x", c);
            puts_(o, esc);
        } else {
            put(o, &s[i], 1);
        }
    }
    put(o, &q, 1);
}

/* ---- the tree ---------------------------------------------------------- */

static void put_value(out_t *o, const mp_var_t *v)
{
    char text[64];
    switch (v->type) {
    case MP_VAR_NIL: puts_(o, "None"); break;
    case MP_VAR_BOOL: puts_(o, v->u.b ? "True" : "False"); break;
    case MP_VAR_INT:
        snprintf(text, sizeof text, "%" PRId64, v->u.i);
        puts_(o, text);
        break;
    case MP_VAR_DOUBLE: put_double(o, v->u.d); break;
    case MP_VAR_STR:
    case MP_VAR_BYTES: put_quoted(o, v->u.s.data, v->u.s.len, v->type == MP_VAR_BYTES); break;
    case MP_VAR_LIST:
        puts_(o, "[");
        for (size_t i = 0; i < v->u.list.len; i++) {
            if (i)
                puts_(o, ", ");
            put_value(o, v->u.list.items[i]);
        }
        puts_(o, "]");
        break;
    case MP_VAR_MAP: {
        const mp__var_map_t *m = &v->u.map;
        puts_(o, "{");
        for (size_t i = 0, k = 0; i < m->nentries; i++) {
            if (!m->entries[i].key)
                continue;
            if (k++)
                puts_(o, ", ");
            put_value(o, m->entries[i].key);
            puts_(o, ": ");
            put_value(o, m->entries[i].value);
        }
        puts_(o, "}");
        break;
    }
    default: /* a reference: Python prints a proxy as <...> too */
        snprintf(text, sizeof text, "<%.32s proxy #%" PRIu64 ">", v->u.ref.type, v->u.ref.id);
        puts_(o, text);
        break;
    }
}

int mp_var_repr(const mp_var_t *v, char *buf, size_t size, size_t *len)
{
    if (!buf && size)
        return mp__errdetail_set(MP_EINVAL, "mp_var_repr: buf is NULL with size %zu", size);
    out_t o = {buf, size, 0};
    if (v)
        put_value(&o, v);
    else
        puts_(&o, "NULL");
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    if (len)
        *len = o.len;
    if (o.len >= size)
        return mp__errdetail_set(MP_ETOOSMALL, "mp_var_repr: %zu bytes needed, the buffer has %zu",
                                 o.len + 1, size);
    return 0;
}
