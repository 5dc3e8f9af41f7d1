/* Where a Pool call's arguments come from (mp_pool_api.h): an array, the
 * tuples of a starmap, arguments already encoded, or an iterator callback.
 * Each is read one argument at a time into a job's order. */
#include <stdint.h>
#include <string.h>

#include "mp_core.h"
#include "mp_pool_api.h"
#include "mp_pool_wire.h"
#include "mp_tuple.h"

void mp__input_of(mp__input_t *r, const mp_input_t *in)
{
    *r = (mp__input_t){.in = *in, .total = in->next ? SIZE_MAX : in->n};
}

void mp__input_of_tuples(mp__input_t *r, const mp_arg_t *args, size_t nargs, size_t n)
{
    *r = (mp__input_t){.args = args, .nargs = nargs, .total = n};
}

void mp__input_of_encoded(mp__input_t *r, const mp__buf_t *encoded, size_t n)
{
    *r = (mp__input_t){.encoded = encoded, .total = n};
}

int mp__input_check(const mp_input_t *in, const char *fn)
{
    if (!in)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL input", fn);
    if (in->next)
        return 0;
    if (!in->args && in->n && in->arg_size)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL args for %zu arguments", fn, in->n);
    if (in->arg_size > UINT32_MAX || (in->arg_size && in->n > SIZE_MAX / in->arg_size))
        return mp__errdetail_set(MP_EINVAL, "%s: arguments of %zu bytes are too large", fn,
                                 in->arg_size);
    return 0;
}

/* The next argument of an encoded buffer, copied as it is. */
static int read_encoded(mp__input_t *r, mp__buf_t *out)
{
    uint32_t len;
    memcpy(&len, r->encoded->data + r->offset, sizeof len);
    size_t whole = sizeof len + len;
    int rc = mp__buf_append(out, r->encoded->data + r->offset, whole);
    if (rc == 0)
        r->offset += whole;
    return rc;
}

/* The next argument of an iterator; its failure names the item. */
static int read_next(mp__input_t *r, mp__buf_t *out)
{
    const void *data = NULL;
    size_t len = 0;
    int rc = r->in.next(r->in.ctx, &data, &len);
    if (rc == 0)
        return 0;
    if (rc < 0)
        return mp__errdetail_set(rc, "the input iterator failed at item %zu (%s)", r->index,
                                 mp_err_name(rc));
    if (!data && len)
        return mp__errdetail_set(MP_EINVAL,
                                 "the input iterator gave NULL data of %zu bytes at "
                                 "item %zu",
                                 len, r->index);
    return mp__order_add(out, data, len) < 0 ? MP_ENOMEM : 1;
}

int mp__input_read(mp__input_t *r, mp__buf_t *out)
{
    int rc;
    if (r->in.next) {
        rc = read_next(r, out);
    } else if (r->index >= r->total) {
        return 0;
    } else if (r->encoded) {
        rc = read_encoded(r, out);
    } else if (r->args) {
        rc = mp__tuple_add(out, &r->args[r->index * r->nargs], r->nargs);
    } else {
        size_t size = r->in.arg_size;
        rc = mp__order_add(out, size ? (const char *)r->in.args + r->index * size : NULL, size);
    }
    if (rc < 0)
        return rc;
    if (rc == 0 && r->in.next)
        return 0;
    r->index++;
    return 1;
}
