/* Bootstrap and result records as msgpack arrays:
 *   boot:   ["multiproc-boot", version, task, arg, name, daemon, ppid, pname,
 *            [[kind, bytes, first_handle, nhandles], ...], start_method, log_level]
 *   result: ["multiproc-result", version, boot_error, task_error, message,
 *            has_value, value]
 * The decoders treat their input as hostile: every field's type and every
 * length is checked before use, and nothing is trusted to be NUL-ended (the
 * field readers are wire.c's, shared with the other records). */
#include "mp_record.h"

#include <stdlib.h>
#include <string.h>

#include <multiproc/error.h>
#include <multiproc/log.h>

#include "mp_wire.h"

uint32_t mp__record_version_for_tests;

static const char boot_magic[] = "multiproc-boot";
static const char result_magic[] = "multiproc-result";

enum { BOOT_FIELDS = 11, RESULT_FIELDS = 7, OBJECT_FIELDS = 4, MAX_OBJECTS = 1024 };

/* ---- encoding ----------------------------------------------------- */

uint32_t mp__record_version(void)
{
    return mp__record_version_for_tests ? mp__record_version_for_tests : MP__RECORD_VERSION;
}

int mp__boot_encode(const mp__boot_t *boot, mp__buf_t *out)
{
    msgpack_packer pk;
    mp__wire_packer_init(&pk, out);
    int failed = mp__wire_pack_header(&pk, boot_magic, BOOT_FIELDS, boot->version) ||
                 mp__wire_pack_str(&pk, boot->task) ||
                 mp__wire_pack_bin(&pk, boot->arg, boot->arg_len) ||
                 mp__wire_pack_str(&pk, boot->name) || mp__wire_pack_bool(&pk, boot->daemon) ||
                 msgpack_pack_int64(&pk, boot->parent_pid) ||
                 mp__wire_pack_str(&pk, boot->parent_name) ||
                 msgpack_pack_array(&pk, boot->nobjects);
    for (size_t i = 0; i < boot->nobjects && !failed; i++) {
        const mp__boot_object_t *o = &boot->objects[i];
        failed = msgpack_pack_array(&pk, OBJECT_FIELDS) || msgpack_pack_uint32(&pk, o->kind) ||
                 mp__wire_pack_bin(&pk, o->bytes, o->len) ||
                 msgpack_pack_uint32(&pk, o->first_handle) || msgpack_pack_uint32(&pk, o->nhandles);
    }
    failed = failed || mp__wire_pack_str(&pk, boot->start_method) ||
             msgpack_pack_int32(&pk, boot->log_level);
    return failed ? MP_ENOMEM : 0;
}

int mp__result_encode(const mp__result_t *r, mp__buf_t *out)
{
    msgpack_packer pk;
    mp__wire_packer_init(&pk, out);
    int failed = mp__wire_pack_header(&pk, result_magic, RESULT_FIELDS, MP__RECORD_VERSION) ||
                 msgpack_pack_int(&pk, r->boot_error) || msgpack_pack_int(&pk, r->task_error) ||
                 mp__wire_pack_str(&pk, r->message) || mp__wire_pack_bool(&pk, r->has_value) ||
                 mp__wire_pack_bin(&pk, r->value, r->value_len);
    return failed ? MP_ENOMEM : 0;
}

/* ---- decoding ----------------------------------------------------- */

/* The objects array: each [kind, bytes, first_handle, nhandles]. */
static int take_objects(const msgpack_object *o, mp__boot_t *out)
{
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size > MAX_OBJECTS)
        return MP_EBOOTSTRAP;
    size_t n = o->via.array.size;
    if (n == 0)
        return 0;
    if (!(out->objects = calloc(n, sizeof *out->objects)))
        return MP_ENOMEM;
    out->nobjects = n;
    for (size_t i = 0; i < n; i++) {
        const msgpack_object *e = &o->via.array.ptr[i];
        if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size != OBJECT_FIELDS)
            return MP_EBOOTSTRAP;
        const msgpack_object *f = e->via.array.ptr;
        int64_t kind, first, count;
        mp__boot_object_t *b = &out->objects[i];
        int rc = mp__wire_take_int(&f[0], 0, UINT32_MAX, &kind);
        if (rc == 0)
            rc = mp__wire_take_bin(&f[1], &b->bytes, &b->len);
        if (rc == 0)
            rc = mp__wire_take_int(&f[2], 0, UINT16_MAX, &first);
        if (rc == 0)
            rc = mp__wire_take_int(&f[3], 0, UINT16_MAX, &count);
        if (rc < 0)
            return rc;
        b->kind = (uint32_t)kind;
        b->first_handle = (uint32_t)first;
        b->nhandles = (uint32_t)count;
    }
    return 0;
}

int mp__boot_decode(const void *data, size_t len, mp__boot_t *out)
{
    memset(out, 0, sizeof *out);
    mp__wire_record_t d;
    int rc = mp__wire_record_decode(data, len, boot_magic, BOOT_FIELDS, &d);
    int64_t ppid = 0, log_level = 0;
    MP__WIRE_TAKE(rc, mp__wire_take_str(&d.field[2], &out->task));
    MP__WIRE_TAKE(rc, mp__wire_take_bin(&d.field[3], &out->arg, &out->arg_len));
    MP__WIRE_TAKE(rc, mp__wire_take_str(&d.field[4], &out->name));
    MP__WIRE_TAKE(rc, mp__wire_take_bool(&d.field[5], &out->daemon));
    MP__WIRE_TAKE(rc, mp__wire_take_int(&d.field[6], 0, INT64_MAX, &ppid));
    MP__WIRE_TAKE(rc, mp__wire_take_str(&d.field[7], &out->parent_name));
    MP__WIRE_TAKE(rc, take_objects(&d.field[8], out));
    MP__WIRE_TAKE(rc, mp__wire_take_str(&d.field[9], &out->start_method));
    MP__WIRE_TAKE(rc, mp__wire_take_int(&d.field[10], 0, MP_LOG_CRITICAL, &log_level));
    mp__wire_record_free(&d);
    out->version = MP__RECORD_VERSION;
    out->parent_pid = ppid;
    out->log_level = (int32_t)log_level;
    if (rc < 0)
        mp__boot_free(out);
    return rc;
}

int mp__result_decode(const void *data, size_t len, mp__result_t *out)
{
    memset(out, 0, sizeof *out);
    mp__wire_record_t d;
    int rc = mp__wire_record_decode(data, len, result_magic, RESULT_FIELDS, &d);
    int64_t boot_error = 0, task_error = 0;
    MP__WIRE_TAKE(rc, mp__wire_take_int(&d.field[2], -1000000, 0, &boot_error));
    MP__WIRE_TAKE(rc, mp__wire_take_int(&d.field[3], -1000000, 0, &task_error));
    MP__WIRE_TAKE(rc, mp__wire_take_str(&d.field[4], &out->message));
    MP__WIRE_TAKE(rc, mp__wire_take_bool(&d.field[5], &out->has_value));
    MP__WIRE_TAKE(rc, mp__wire_take_bin(&d.field[6], &out->value, &out->value_len));
    mp__wire_record_free(&d);
    out->boot_error = (int)boot_error;
    out->task_error = (int)task_error;
    if (rc < 0)
        mp__result_free(out);
    return rc;
}

void mp__boot_free(mp__boot_t *boot)
{
    if (!boot)
        return;
    free(boot->task);
    free(boot->arg);
    free(boot->name);
    free(boot->parent_name);
    free(boot->start_method);
    for (size_t i = 0; i < boot->nobjects; i++)
        free(boot->objects[i].bytes);
    free(boot->objects);
    memset(boot, 0, sizeof *boot);
}

void mp__result_free(mp__result_t *result)
{
    if (!result)
        return;
    free(result->message);
    free(result->value);
    memset(result, 0, sizeof *result);
}
