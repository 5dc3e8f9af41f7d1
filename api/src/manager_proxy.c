/* Proxies (mp_mgr.h): a handle naming one object of a manager's server
 * (its address, key, object id and type), shareable with children. Each
 * proxy makes its own connection on its first call in each process, and a
 * process never uses a connection it inherited (after a fork the copy is
 * dropped and a new one made); one call at a time goes through it. */
#include <stdlib.h>
#include <string.h>

#include "mp_mgr.h"

struct mp_proxy {
    mp__object_t obj;
    char *address;
    void *key;
    size_t key_len;
    bool has_key;
    uint64_t id;
    char *type;
    mp__mgr_kind_t kind;
    apr_pool_t *apr;
    apr_thread_mutex_t *mutex; /**< one call at a time on `conn` */
    mp_connection_t *conn;     /**< made on first use */
    mp_pid_t conn_pid;         /**< the process that made `conn` */
};

/* The built-in types' names, by kind (a proxy function checks the kind). */
static const char *const kind_names[] = {
    [MP__MGR_DICT] = "dict",
    [MP__MGR_LIST] = "list",
    [MP__MGR_NAMESPACE] = "Namespace",
    [MP__MGR_VALUE] = "Value",
    [MP__MGR_ARRAY] = "Array",
    [MP__MGR_LOCK] = "Lock",
    [MP__MGR_RLOCK] = "RLock",
    [MP__MGR_SEMAPHORE] = "Semaphore",
    [MP__MGR_BOUNDED_SEMAPHORE] = "BoundedSemaphore",
    [MP__MGR_CONDITION] = "Condition",
    [MP__MGR_EVENT] = "Event",
    [MP__MGR_BARRIER] = "Barrier",
    [MP__MGR_QUEUE] = "Queue",
    [MP__MGR_JOINABLE_QUEUE] = "JoinableQueue",
    [MP__MGR_SET] = "set",
    [MP__MGR_POOL] = "Pool",
};

static mp__mgr_kind_t kind_of(const char *type)
{
    for (size_t k = 1; k < sizeof kind_names / sizeof *kind_names; k++)
        if (strcmp(kind_names[k], type) == 0)
            return (mp__mgr_kind_t)k;
    return MP__MGR_CUSTOM;
}

static void drop_conn(mp_proxy_t *p)
{
    mp_connection_destroy(p->conn);
    p->conn = NULL;
}

static void proxy_release(mp__object_t *obj)
{
    mp_proxy_t *p = (mp_proxy_t *)obj;
    drop_conn(p);
    free(p->address);
    free(p->key);
    free(p->type);
    if (p->apr)
        apr_pool_destroy(p->apr);
}

/* A new proxy object (not its handle). */
static int proxy_make(const mp__mgr_target_t *target, uint64_t id, const char *type,
                      mp_proxy_t **out)
{
    mp__object_t *obj;
    int rc = mp__object_new(&mp__kind_proxy, &obj);
    if (rc < 0)
        return rc;
    mp_proxy_t *p = (mp_proxy_t *)obj;
    p->id = id;
    p->has_key = target->has_key;
    p->key_len = target->key_len;
    p->address = strdup(target->address);
    p->type = strdup(type);
    p->key = malloc(target->key_len ? target->key_len : 1);
    if (!p->address || !p->type || !p->key || apr_pool_create(&p->apr, NULL) != APR_SUCCESS ||
        apr_thread_mutex_create(&p->mutex, APR_THREAD_MUTEX_DEFAULT, p->apr) != APR_SUCCESS) {
        mp__object_destroy(obj);
        return MP_ENOMEM;
    }
    if (target->key_len)
        memcpy(p->key, target->key, target->key_len);
    p->kind = kind_of(type);
    *out = p;
    return 0;
}

int mp__proxy_new(const mp__mgr_target_t *target, uint64_t id, const char *type, mp_proxy_t **out)
{
    mp_proxy_t *p;
    int rc = proxy_make(target, id, type, &p);
    if (rc == 0)
        *out = mp__handle_of(p);
    return rc;
}

int mp__proxy_from_ref(const mp__mgr_target_t *target, const mp_var_t *ref, const char *fn,
                       mp_proxy_t **out)
{
    uint64_t id;
    const char *type;
    if (mp__var_ref_get(ref, &id, &type) < 0)
        return mp__errdetail_set(MP_EINVAL, "%s: not a reference to a managed object (a %s)", fn,
                                 mp_var_type_name(mp_var_type(ref)));
    return mp__proxy_new(target, id, type, out);
}

int mp__proxy_target(mp_proxy_t *p, const char *fn, mp__mgr_target_t *target, uint64_t *id)
{
    int rc = mp__object_open(&p, &mp__kind_proxy, fn);
    if (rc < 0)
        return rc;
    *target = (mp__mgr_target_t){
        .address = p->address, .key = p->key, .key_len = p->key_len, .has_key = p->has_key};
    if (id)
        *id = p->id;
    return 0;
}

const char *mp_proxy_type(mp_proxy_t *p)
{
    return mp__object_open(&p, &mp__kind_proxy, "mp_proxy_type") < 0 ? "" : p->type;
}

void mp_proxy_destroy(mp_proxy_t *p)
{
    mp__object_destroy_handle(p, &mp__kind_proxy);
}

int mp_task_proxy(const mp_task_t *task, size_t index, mp_proxy_t **out)
{
    return mp__task_object(task, index, &mp__kind_proxy, out);
}

/* The call on the proxy's connection, made first if needed; under the
 * proxy's mutex. */
static int call_locked(mp_proxy_t *p, const char *fn, const char *method, const mp_var_t *args,
                       double timeout, mp_var_t **result)
{
    mp_pid_t self = mp__os_getpid();
    if (p->conn && p->conn_pid != self)
        drop_conn(p); /* inherited through a fork: the parent's, not ours */
    int rc = 0;
    if (!p->conn) {
        rc = mp__mgr_connect(&p->conn, p->address, p->key, p->key_len, p->has_key, fn);
        if (rc < 0)
            return rc;
        p->conn_pid = self;
    }
    bool broken;
    rc = mp__mgr_roundtrip(p->conn, p->address, fn, method, p->id, timeout, args, result, &broken);
    if (broken)
        drop_conn(p); /* the next call connects again, or says the server is gone */
    return rc;
}

int mp__proxy_call(mp_proxy_t *p, unsigned kinds, const char *fn, const char *method,
                   const mp_var_t *args, double timeout, mp_var_t **result)
{
    int rc = mp__object_open(&p, &mp__kind_proxy, fn);
    if (rc < 0)
        return rc;
    if (kinds && !(kinds & MP__MGR_BIT(p->kind)))
        return mp__errdetail_set(MP_EINVAL, "%s: a proxy of a %s, not of a type it takes", fn,
                                 p->type);
    if ((rc = mp__timeout_check(timeout, fn)) < 0)
        return rc;
    if (!method)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL method", fn);
    if (args && mp_var_type(args) != MP_VAR_LIST)
        return mp__errdetail_set(MP_EINVAL, "%s: the arguments must be a list, not a %s", fn,
                                 mp_var_type_name(mp_var_type(args)));
    apr_thread_mutex_lock(p->mutex);
    rc = call_locked(p, fn, method, args, timeout, result);
    apr_thread_mutex_unlock(p->mutex);
    return rc;
}

/* ---- handing a proxy to a child -------------------------------------- */

/* A child gets [address, key bytes | nil, id, type]: it connects itself. */
static int proxy_share(mp__object_t *obj, mp__share_t *out)
{
    const mp_proxy_t *p = (const mp_proxy_t *)obj;
    mp_var_t *desc = mp_var_list();
    int rc = desc ? 0 : MP_ENOMEM;
    if (rc == 0)
        rc = mp_var_append(desc, mp_var_str(p->address));
    if (rc == 0)
        rc = mp_var_append(desc, p->has_key ? mp_var_bytes(p->key, p->key_len) : mp_var_nil());
    if (rc == 0)
        rc = mp_var_append(desc, mp_var_int((int64_t)p->id));
    if (rc == 0)
        rc = mp_var_append(desc, mp_var_str(p->type));
    if (rc == 0)
        rc = mp__var_encode(desc, &out->bytes);
    mp_var_free(desc);
    return rc < 0 ? MP_ENOMEM : 0;
}

static int proxy_attach(const mp__kind_t *kind, const void *bytes, size_t len,
                        const mp_sentinel_t *handles, size_t nhandles, mp__object_t **out)
{
    (void)kind, (void)handles;
    mp_var_t *desc = NULL;
    if (nhandles != 0 || mp__var_decode(bytes, len, &desc) < 0)
        return MP_EBOOTSTRAP;
    mp__mgr_target_t target = {0};
    const mp_var_t *key = mp_var_at(desc, 1);
    const char *type = NULL;
    int64_t id = 0;
    int rc = MP_EBOOTSTRAP;
    if (mp_var_len(desc) == 4 && mp_var_get_str(mp_var_at(desc, 0), &target.address) == 0 &&
        (mp_var_type(key) == MP_VAR_NIL ||
         mp_var_get_bytes(key, &target.key, &target.key_len) == 0) &&
        mp_var_get_int(mp_var_at(desc, 2), &id) == 0 && id > 0 &&
        mp_var_get_str(mp_var_at(desc, 3), &type) == 0) {
        target.has_key = mp_var_type(key) != MP_VAR_NIL;
        mp_proxy_t *p;
        rc = proxy_make(&target, (uint64_t)id, type, &p);
        if (rc == 0)
            *out = &p->obj;
    }
    mp_var_free(desc);
    return rc;
}

const mp__kind_t mp__kind_proxy = {
    .name = "Proxy",
    .id = 21,
    .size = sizeof(mp_proxy_t),
    .share = proxy_share,
    .attach = proxy_attach,
    .release = proxy_release,
};
