/* What a manager's server runs for one request (mp_mgr.h), under its one
 * lock: a method of an object, or one of the server's own (object 0):
 * create, publish, lookup, ping, shutdown. */
#include <stdlib.h>
#include <string.h>

#include "mp_mgr.h"

/* The object with this id, or NULL. */
static mp__mgr_object_t *object_at(mp__mgr_server_t *s, uint64_t id)
{
    return id >= 1 && id <= s->nobjects ? &s->objects[id - 1] : NULL;
}

/* A table of `n` elements with room for one more (it doubles): `table`
 * or its new place; NULL when memory ran out (`table` is unchanged). */
static void *grow(void *table, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return table;
    size_t more = *cap ? 2 * *cap : 16;
    void *grown = realloc(table, more * size);
    if (grown)
        *cap = more;
    return grown;
}

/* A string argument without NULs inside, or NULL. */
static const char *arg_str(const mp_manager_call_t *call, size_t i)
{
    const mp_var_t *v = mp_var_at(call->args, i);
    const char *s;
    return mp_var_get_str(v, &s) == 0 && strlen(s) == mp_var_len(v) ? s : NULL;
}

/* create [type, args]: make an object, answer a reference to it. */
static int op_create(mp__mgr_server_t *s, mp_manager_call_t *call)
{
    const char *name = arg_str(call, 0);
    const mp_var_t *args = mp_var_at(call->args, 1);
    if (!name || mp_var_len(call->args) != 2 || mp_var_type(args) != MP_VAR_LIST)
        return mp_manager_call_fail(call, MP_EINVAL, "create: expected [type, arguments list]");
    const mp_manager_type_t *type = mp__mgr_type_find(name);
    if (!type)
        return mp_manager_call_fail(call, MP_EREMOTE,
                                    "the manager has no type '%s' (register it with "
                                    "mp_manager_register() before mp_init())",
                                    name);
    void *self = NULL;
    call->args = args; /* the constructor sees its own arguments */
    int rc = type->create(&self, call);
    if (rc < 0)
        return rc;
    /* The id is taken after the constructor: one may run with the server's
     * lock released (a Pool starting its workers), and other objects may be
     * made meanwhile. */
    mp__mgr_object_t *objects = grow(s->objects, &s->cap_objects, s->nobjects, sizeof *objects);
    mp_var_t *ref = objects ? mp__var_ref(s->nobjects + 1, type->name) : NULL;
    if (objects)
        s->objects = objects;
    if (!ref) {
        if (type->destroy)
            type->destroy(self);
        return mp_manager_call_fail(call, MP_ENOMEM, "out of memory for a new object");
    }
    s->objects[s->nobjects++] = (mp__mgr_object_t){.type = type, .self = self};
    return mp_manager_call_return(call, ref);
}

/* The published name's slot, or NULL. */
static mp__mgr_name_t *name_find(mp__mgr_server_t *s, const char *name)
{
    for (size_t i = 0; i < s->nnames; i++)
        if (strcmp(s->names[i].name, name) == 0)
            return &s->names[i];
    return NULL;
}

/* publish [name, ref]: name an object (replacing the name's object). */
static int op_publish(mp__mgr_server_t *s, mp_manager_call_t *call)
{
    const char *name = arg_str(call, 0);
    uint64_t id;
    const char *type;
    if (!name || !name[0] || mp_var_len(call->args) != 2 ||
        mp__var_ref_get(mp_var_at(call->args, 1), &id, &type) < 0)
        return mp_manager_call_fail(call, MP_EINVAL, "publish: expected [name, reference]");
    const mp__mgr_object_t *obj = object_at(s, id);
    if (!obj || strcmp(obj->type->name, type) != 0)
        return mp_manager_call_fail(call, MP_EINVAL, "publish: no %s with id %llu on this server",
                                    type, (unsigned long long)id);
    mp__mgr_name_t *slot = name_find(s, name);
    if (!slot) {
        mp__mgr_name_t *names = grow(s->names, &s->cap_names, s->nnames, sizeof *names);
        if (names)
            s->names = names;
        char *copy = names ? strdup(name) : NULL;
        if (!copy)
            return mp_manager_call_fail(call, MP_ENOMEM, "out of memory for a name");
        slot = &s->names[s->nnames++];
        slot->name = copy;
    }
    slot->id = id;
    return 0;
}

/* lookup [name]: the reference published under a name. */
static int op_lookup(mp__mgr_server_t *s, mp_manager_call_t *call)
{
    const char *name = arg_str(call, 0);
    if (!name || mp_var_len(call->args) != 1)
        return mp_manager_call_fail(call, MP_EINVAL, "lookup: expected [name]");
    const mp__mgr_name_t *slot = name_find(s, name);
    if (!slot)
        return mp_manager_call_fail(call, MP_EKEY, "no object is published as '%s'", name);
    mp_var_t *ref = mp__var_ref(slot->id, object_at(s, slot->id)->type->name);
    if (!ref)
        return mp_manager_call_fail(call, MP_ENOMEM, "out of memory");
    return mp_manager_call_return(call, ref);
}

/* One of the server's own methods. */
static int server_method(mp__mgr_server_t *s, mp_manager_call_t *call, const char *method)
{
    if (strcmp(method, "create") == 0)
        return op_create(s, call);
    if (strcmp(method, "publish") == 0)
        return op_publish(s, call);
    if (strcmp(method, "lookup") == 0)
        return op_lookup(s, call);
    if (strcmp(method, "ping") == 0)
        return 0;
    if (strcmp(method, "shutdown") == 0) {
        if (!call->client->starter)
            return mp_manager_call_fail(call, MP_ESTATE,
                                        "only the process that started the manager stops it");
        mp__mgr_server_stop(s); /* the reply goes out, then the client's thread ends */
        return 0;
    }
    return mp_manager_call_fail(call, MP_EREMOTE, "the manager server has no method '%s'", method);
}

/* A method of an object. */
static int object_method(mp__mgr_server_t *s, mp_manager_call_t *call, uint64_t id,
                         const char *method)
{
    const mp__mgr_object_t *obj = object_at(s, id);
    if (!obj)
        return mp_manager_call_fail(call, MP_EREMOTE, "the manager server has no object %llu",
                                    (unsigned long long)id);
    mp_manager_method_fn fn = mp__mgr_method_find(obj->type, method);
    if (!fn)
        return mp_manager_call_fail(call, MP_EREMOTE, "'%s' object has no method '%s'",
                                    obj->type->name, method);
    return fn(obj->self, call);
}

int mp__mgr_server_dispatch(mp__mgr_client_t *client, const mp__mgr_request_t *req,
                            mp__buf_t *reply)
{
    mp__mgr_server_t *s = client->server;
    mp_manager_call_t call = {
        .client = client, .args = req->args, .deadline = mp__deadline(true, req->timeout)};
    apr_thread_mutex_lock(s->mutex);
    int rc = atomic_load(&s->stopping)
                 ? mp_manager_call_fail(&call, MP_ESHUTDOWN, "the manager is shutting down")
             : req->object == 0 ? server_method(s, &call, req->method)
                                : object_method(s, &call, req->object, req->method);
    apr_thread_mutex_unlock(s->mutex);
    /* Encoded outside the lock: a big result holds up no other call. */
    int enc = rc < 0 ? mp__mgr_reply_encode(reply, rc, NULL, call.message)
                     : mp__mgr_reply_encode(reply, 0, call.result, NULL);
    if (enc < 0) {
        reply->len = 0;
        enc = mp__mgr_reply_encode(reply, MP_ENOMEM, NULL, "out of memory encoding the reply");
    }
    mp__mgr_call_release(&call);
    return enc;
}
