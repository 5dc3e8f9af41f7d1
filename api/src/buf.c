/* Growable byte buffer: doubles its capacity, never shrinks. */
#include "mp_buf.h"

#include <stdlib.h>
#include <string.h>

#include <multiproc/error.h>

int mp__buf_reserve(mp__buf_t *buf, size_t n)
{
    if (n <= buf->cap - buf->len)
        return 0;
    if (n > ((size_t)-1) / 2 - buf->len)
        return MP_ENOMEM;
    size_t cap = buf->cap ? buf->cap : 256;
    while (cap - buf->len < n)
        cap *= 2;
    char *grown = buf->borrowed ? malloc(cap) : realloc(buf->data, cap);
    if (!grown)
        return MP_ENOMEM;
    if (buf->borrowed && buf->len)
        memcpy(grown, buf->data, buf->len);
    buf->data = grown;
    buf->cap = cap;
    buf->borrowed = false;
    return 0;
}

void mp__buf_use(mp__buf_t *buf, char *storage, size_t size)
{
    *buf = (mp__buf_t){.data = storage, .cap = size, .borrowed = true};
}

int mp__buf_append(mp__buf_t *buf, const void *bytes, size_t n)
{
    if (n == 0)
        return 0;
    int rc = mp__buf_reserve(buf, n);
    if (rc < 0)
        return rc;
    memcpy(buf->data + buf->len, bytes, n);
    buf->len += n;
    return 0;
}

void mp__buf_free(mp__buf_t *buf)
{
    if (!buf->borrowed)
        free(buf->data);
    *buf = (mp__buf_t){0};
}
