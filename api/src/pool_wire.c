/* The worker-pool core's orders and answers (mp_pool_wire.h). */
#include "mp_pool_wire.h"
#include "mp_runner.h"

#include <stdio.h>
#include <string.h>

#include <multiproc/error.h>

/* One outcome's fixed fields. */
typedef struct outcome_head {
    int32_t code;
    uint32_t value_len;
    uint32_t message_len; /* with its NUL */
} outcome_head_t;

int mp__order_begin(mp__buf_t *out, uint64_t seq, const char *task, uint32_t count)
{
    size_t name_len = strlen(task);
    mp__order_head_t head = {.seq = seq, .count = count, .name_len = (uint32_t)name_len};
    int rc = mp__buf_append(out, &head, sizeof head);
    return rc < 0 ? rc : mp__buf_append(out, task, name_len);
}

int mp__order_add(mp__buf_t *out, const void *arg, size_t len)
{
    if (len > UINT32_MAX)
        return MP_EINVAL;
    uint32_t n = (uint32_t)len;
    int rc = mp__buf_reserve(out, sizeof n + len);
    if (rc < 0)
        return rc;
    mp__buf_append(out, &n, sizeof n);
    return len ? mp__buf_append(out, arg, len) : 0;
}

int mp__order_open(mp__order_reader_t *reader, const void *msg, size_t len)
{
    if (len < sizeof reader->head)
        return MP_EBOOTSTRAP;
    memcpy(&reader->head, msg, sizeof reader->head);
    size_t name_len = reader->head.name_len;
    if (name_len >= sizeof reader->name || len - sizeof reader->head < name_len)
        return MP_EBOOTSTRAP;
    const char *p = (const char *)msg + sizeof reader->head;
    memcpy(reader->name, p, name_len);
    reader->name[name_len] = '\0';
    reader->next = p + name_len;
    reader->end = (const char *)msg + len;
    reader->left = reader->head.count;
    return 0;
}

int mp__order_next(mp__order_reader_t *reader, const void **arg, size_t *len)
{
    uint32_t n;
    if (reader->left == 0 || (size_t)(reader->end - reader->next) < sizeof n)
        return MP_EBOOTSTRAP;
    memcpy(&n, reader->next, sizeof n);
    const char *bytes = reader->next + sizeof n;
    if ((size_t)(reader->end - bytes) < n)
        return MP_EBOOTSTRAP;
    *arg = n ? bytes : NULL;
    *len = n;
    reader->next = bytes + n;
    reader->left--;
    return 0;
}

int mp__answer_begin(mp__buf_t *out, const mp__answer_head_t *head)
{
    out->len = 0;
    return mp__buf_append(out, head, sizeof *head);
}

int mp__answer_add(mp__buf_t *out, int code, const void *value, size_t value_len,
                   const char *message)
{
    if (!message)
        message = "";
    size_t message_len = strlen(message) + 1;
    if (value_len > UINT32_MAX || message_len > UINT32_MAX)
        return MP_ENOMEM;
    outcome_head_t head = {
        .code = code, .value_len = (uint32_t)value_len, .message_len = (uint32_t)message_len};
    int rc = mp__buf_reserve(out, sizeof head + value_len + message_len);
    if (rc < 0)
        return rc;
    mp__buf_append(out, &head, sizeof head);
    if (value_len)
        mp__buf_append(out, value, value_len);
    return mp__buf_append(out, message, message_len);
}

int mp__answer_add_run(mp__buf_t *out, const mp__run_t *run)
{
    const mp__result_t *r = &run->result;
    int code = r->boot_error ? r->boot_error : r->task_error;
    char exited[64];
    const char *message = r->message;
    if (!code && run->rc > 0) {
        code = MP_ETASK;
        snprintf(exited, sizeof exited, "the task ended with exit code %d", run->rc);
        message = exited;
    }
    return code ? mp__answer_add(out, code, NULL, 0, message)
                : mp__answer_add(out, 0, r->value, r->value_len, "");
}

void mp__answer_end(mp__buf_t *out, uint32_t count, uint64_t elapsed_ns)
{
    mp__answer_head_t head;
    memcpy(&head, out->data, sizeof head);
    head.count = count;
    head.elapsed_ns = elapsed_ns;
    memcpy(out->data, &head, sizeof head);
}

bool mp__answer_peek(const void *msg, size_t len, mp__answer_head_t *head)
{
    if (len < sizeof *head)
        return false;
    memcpy(head, msg, sizeof *head);
    return true;
}

int mp__answer_read(const void *msg, size_t len, mp__answer_head_t *head, mp__outcome_t *outcomes,
                    size_t cap)
{
    if (!mp__answer_peek(msg, len, head) || head->count > cap)
        return MP_EBOOTSTRAP;
    const char *p = (const char *)msg + sizeof *head, *end = (const char *)msg + len;
    for (uint32_t i = 0; i < head->count; i++) {
        outcome_head_t o;
        if ((size_t)(end - p) < sizeof o)
            return MP_EBOOTSTRAP;
        memcpy(&o, p, sizeof o);
        p += sizeof o;
        /* Both lengths checked against what is left before either is used;
         * the message must end in its NUL inside the answer. */
        if ((size_t)(end - p) < o.value_len || (size_t)(end - p) - o.value_len < o.message_len ||
            o.message_len == 0 || p[o.value_len + o.message_len - 1] != '\0')
            return MP_EBOOTSTRAP;
        outcomes[i] = (mp__outcome_t){.code = o.code,
                                      .value = o.value_len ? p : NULL,
                                      .value_len = o.value_len,
                                      .message = p + o.value_len};
        p += o.value_len + o.message_len;
    }
    return 0;
}
