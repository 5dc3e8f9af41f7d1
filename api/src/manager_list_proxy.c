/**
 * @file manager_list_proxy.c
 * @brief The list functions of manager_containers.h: each checks what it
 *        can locally (NULL arguments, named), then makes one call to the
 *        server's list (manager_list*.c). Indices and slice bounds travel
 *        as they were given; the server applies Python's rules to them.
 */
#include "mp_core.h"
#include "mp_mgrdata.h"
#include "mp_var.h"

#define LIST MP__MGR_LIST

int mp_manager_list(mp_manager_t *m, mp_proxy_t **out)
{
    return mp__manager_new_object(m, "list", NULL, out);
}

/* A call whose one argument is a value (the item, or the items). */
static int call_item(mp_proxy_t *l, const char *fn, const char *method, const char *what,
                     const mp_var_t *item, mp_var_t **result)
{
    int rc = mp__mgrdata_need(item, fn, what);
    return rc < 0 ? rc : mp__mgrdata_call(l, LIST, fn, method, result, "[v]", item);
}

int mp_list_append(mp_proxy_t *l, const mp_var_t *item)
{
    return call_item(l, __func__, "append", "item", item, NULL);
}

int mp_list_extend(mp_proxy_t *l, const mp_var_t *items)
{
    return call_item(l, __func__, "extend", "items", items, NULL);
}

int mp_list_insert(mp_proxy_t *l, int64_t index, const mp_var_t *item)
{
    int rc = mp__mgrdata_need(item, __func__, "item");
    return rc < 0 ? rc : mp__mgrdata_call(l, LIST, __func__, "insert", NULL, "[I, v]", index, item);
}

/* A call with an index that hands a value out (NULL drops it). */
static int call_index(mp_proxy_t *l, const char *fn, const char *method, int64_t index,
                      mp_var_t **out)
{
    mp_var_t *result = NULL;
    int rc = mp__mgrdata_call(l, LIST, fn, method, &result, "[I]", index);
    if (rc == 0 && out)
        *out = result;
    else
        mp_var_free(result);
    return rc;
}

int mp_list_get(mp_proxy_t *l, int64_t index, mp_var_t **out)
{
    int rc = mp__mgrdata_need(out, __func__, "out");
    return rc < 0 ? rc : call_index(l, __func__, "__getitem__", index, out);
}

int mp_list_set(mp_proxy_t *l, int64_t index, const mp_var_t *item)
{
    int rc = mp__mgrdata_need(item, __func__, "item");
    return rc < 0 ? rc
                  : mp__mgrdata_call(l, LIST, __func__, "__setitem__", NULL, "[I, v]", index, item);
}

int mp_list_del(mp_proxy_t *l, int64_t index)
{
    return call_index(l, __func__, "__delitem__", index, NULL);
}

int mp_list_pop(mp_proxy_t *l, int64_t index, mp_var_t **out)
{
    return call_index(l, __func__, "pop", index, out);
}

int mp_list_len(mp_proxy_t *l)
{
    mp_var_t *result = NULL;
    int rc = mp__mgrdata_call(l, LIST, __func__, "__len__", &result, NULL);
    return mp__mgrdata_int_result(rc, result, __func__);
}

int mp_list_remove(mp_proxy_t *l, const mp_var_t *item)
{
    return call_item(l, __func__, "remove", "item", item, NULL);
}

int mp_list_index(mp_proxy_t *l, const mp_var_t *item, size_t *index)
{
    mp_var_t *result = NULL;
    int64_t at = 0;
    int rc = mp__mgrdata_need(index, __func__, "index");
    if (rc == 0)
        rc = call_item(l, __func__, "index", "item", item, &result);
    if (rc == 0 && (mp_var_get_int(result, &at) != 0 || at < 0))
        rc = mp__errdetail_set(MP_EREMOTE, "%s: the server answered a %s, not an index", __func__,
                               mp_var_type_name(mp_var_type(result)));
    mp_var_free(result);
    if (rc == 0)
        *index = (size_t)at;
    return rc;
}

int mp_list_count(mp_proxy_t *l, const mp_var_t *item)
{
    mp_var_t *result = NULL;
    int rc = call_item(l, __func__, "count", "item", item, &result);
    return mp__mgrdata_int_result(rc, result, __func__);
}

int mp_list_reverse(mp_proxy_t *l)
{
    return mp__mgrdata_call(l, LIST, __func__, "reverse", NULL, NULL);
}

int mp_list_sort(mp_proxy_t *l, bool reverse)
{
    return mp__mgrdata_call(l, LIST, __func__, "sort", NULL, "[b]", (int)reverse);
}

int mp_list_slice(mp_proxy_t *l, int64_t start, int64_t stop, mp_var_t **out)
{
    int rc = mp__mgrdata_need(out, __func__, "out");
    return rc < 0 ? rc
                  : mp__mgrdata_call(l, LIST, __func__, "__getitem__", out, "[I, I]", start, stop);
}

int mp_list_set_slice(mp_proxy_t *l, int64_t start, int64_t stop, const mp_var_t *items)
{
    int rc = mp__mgrdata_need(items, __func__, "items");
    return rc < 0 ? rc
                  : mp__mgrdata_call(l, LIST, __func__, "__setitem__", NULL, "[I, I, v]", start,
                                     stop, items);
}

int mp_list_del_slice(mp_proxy_t *l, int64_t start, int64_t stop)
{
    return mp__mgrdata_call(l, LIST, __func__, "__delitem__", NULL, "[I, I]", start, stop);
}

int mp_list_clear(mp_proxy_t *l)
{
    return mp__mgrdata_call(l, LIST, __func__, "clear", NULL, NULL);
}

int mp_list_copy(mp_proxy_t *l, mp_var_t **out)
{
    int rc = mp__mgrdata_need(out, __func__, "out");
    return rc < 0 ? rc : mp__mgrdata_call(l, LIST, __func__, "copy", out, NULL);
}

int mp_list_appendf(mp_proxy_t *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = mp__mgrdata_vset(l, LIST, __func__, "append", NULL, fmt, ap);
    va_end(ap);
    return rc;
}

int mp_list_getf(mp_proxy_t *l, int64_t index, const char *fmt, ...)
{
    mp_var_t *item = NULL;
    int rc = mp__mgrdata_need(fmt, __func__, "fmt");
    if (rc == 0)
        rc = call_index(l, __func__, "__getitem__", index, &item);
    if (rc == 0) {
        va_list ap;
        va_start(ap, fmt);
        rc = mp__mgrdata_vunpack(item, fmt, ap);
        va_end(ap);
    }
    return rc;
}
