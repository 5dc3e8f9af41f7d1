/* The manager's wire format (mp_mgr.h): requests and replies, each one
 * connection message holding one msgpack array. Decoding goes through the
 * typed values' decoder (mp__var_decode), which treats its input as
 * hostile: it refuses deep nesting and length fields the bytes cannot
 * back, before anything is allocated for them. What is left here is the
 * shape check. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "mp_mgr.h"
#include "mp_wire.h"

int mp__mgr_request_encode(mp__buf_t *out, const char *method, uint64_t object, double timeout,
                           const mp_var_t *args)
{
    if (args && mp_var_type(args) != MP_VAR_LIST)
        return mp__errdetail_set(MP_EINVAL, "the arguments must be a list, not a %s",
                                 mp_var_type_name(mp_var_type(args)));
    msgpack_packer pk;
    mp__wire_packer_init(&pk, out);
    if (msgpack_pack_array(&pk, 4) || mp__wire_pack_str(&pk, method) ||
        msgpack_pack_uint64(&pk, object) || msgpack_pack_double(&pk, timeout))
        return MP_ENOMEM;
    if (!args)
        return msgpack_pack_array(&pk, 0) ? MP_ENOMEM : 0;
    int rc = mp__var_pack_msgpack(&pk, args);
    return rc == MP_EINVAL ? MP_ENOMEM : rc; /* args was checked: only memory fails */
}

/* A string element without NULs inside (a name compared with strcmp). */
static const char *plain_str(const mp_var_t *v)
{
    const char *s;
    if (mp_var_get_str(v, &s) < 0 || strlen(s) != mp_var_len(v))
        return NULL;
    return s;
}

int mp__mgr_request_decode(const void *data, size_t len, mp__mgr_request_t *out)
{
    *out = (mp__mgr_request_t){0};
    mp_var_t *msg = NULL;
    int rc = mp__var_decode(data, len, &msg);
    if (rc < 0)
        return rc;
    int64_t object = -1;
    double timeout = -1;
    const char *method = NULL;
    const mp_var_t *args = mp_var_at(msg, 3);
    if (mp_var_type(msg) == MP_VAR_LIST && mp_var_len(msg) == 4)
        method = plain_str(mp_var_at(msg, 0));
    if (method && mp_var_get_int(mp_var_at(msg, 1), &object) == 0 &&
        mp_var_get_double(mp_var_at(msg, 2), &timeout) == 0 && object >= 0 &&
        timeout >= 0 /* NaN compares false */ && mp_var_type(args) == MP_VAR_LIST) {
        *out = (mp__mgr_request_t){.msg = msg,
                                   .method = method,
                                   .object = (uint64_t)object,
                                   .timeout = timeout,
                                   .args = args};
        return 0;
    }
    mp_var_free(msg);
    return mp__errdetail_set(MP_EINVAL, "a manager request must be [method, object id >= 0, "
                                        "timeout >= 0, arguments list]");
}

void mp__mgr_request_free(mp__mgr_request_t *req)
{
    if (!req)
        return;
    mp_var_free(req->msg);
    *req = (mp__mgr_request_t){0};
}

int mp__mgr_reply_encode(mp__buf_t *out, int code, const mp_var_t *result, const char *message)
{
    msgpack_packer pk;
    mp__wire_packer_init(&pk, out);
    if (msgpack_pack_array(&pk, 2) || msgpack_pack_int(&pk, code))
        return MP_ENOMEM;
    if (code < 0)
        return mp__wire_pack_str(&pk, message ? message : mp_strerror(code)) ? MP_ENOMEM : 0;
    if (!result)
        return msgpack_pack_nil(&pk) ? MP_ENOMEM : 0;
    int rc = mp__var_pack_msgpack(&pk, result);
    return rc == MP_EINVAL ? MP_ENOMEM : rc;
}

int mp__mgr_reply_decode(const void *data, size_t len, int *code, mp_var_t **result, char **message)
{
    *result = NULL;
    *message = NULL;
    mp_var_t *msg = NULL;
    int rc = mp__var_decode(data, len, &msg);
    if (rc < 0)
        return rc;
    int64_t c = 1;
    const char *text = NULL;
    if (mp_var_type(msg) == MP_VAR_LIST && mp_var_len(msg) == 2 &&
        mp_var_get_int(mp_var_at(msg, 0), &c) == 0 && c <= 0 && c >= INT_MIN) {
        if (c == 0) /* taken out of the message, not copied: results can be big */
            rc = mp__var_list_remove_at(msg, 1, result);
        else if ((text = plain_str(mp_var_at(msg, 1))) != NULL)
            rc = (*message = strdup(text)) ? 0 : MP_ENOMEM;
        else
            c = 1;
    }
    mp_var_free(msg);
    if (c > 0)
        return mp__errdetail_set(MP_EINVAL, "a manager reply must be [0, result] or "
                                            "[negative code, message]");
    if (rc == 0)
        *code = (int)c;
    return rc;
}
