/* The generic proxy calls (manager.h): making objects, calling their
 * methods, references, and named objects (publish / lookup). */
#include <stdarg.h>
#include <string.h>

#include "mp_mgr.h"

int mp__manager_new_object(mp_manager_t *manager, const char *type, const mp_var_t *args,
                           mp_proxy_t **out)
{
    const char *fn = "mp_proxy_create";
    if (!out || !type)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL out or type", fn);
    if (args && mp_var_type(args) != MP_VAR_LIST)
        return mp__errdetail_set(MP_EINVAL, "%s: the arguments must be a list, not a %s", fn,
                                 mp_var_type_name(mp_var_type(args)));
    mp_var_t *request = mp_var_list(), *ctor = NULL;
    int rc = request ? 0 : MP_ENOMEM;
    if (rc == 0)
        rc = args ? mp_var_copy(&ctor, args) : (ctor = mp_var_list()) ? 0 : MP_ENOMEM;
    if (rc == 0 && mp_var_append(request, mp_var_str(type)) < 0) {
        mp_var_free(ctor);
        rc = MP_ENOMEM;
    }
    if (rc == 0 && mp_var_append(request, ctor) < 0) /* takes `ctor` over, also failing */
        rc = MP_ENOMEM;
    mp_var_t *ref = NULL;
    mp__mgr_target_t target;
    if (rc == 0)
        rc = mp__manager_request(manager, fn, "create", request, &ref, &target);
    mp_var_free(request);
    if (rc == 0)
        rc = mp__proxy_from_ref(&target, ref, fn, out);
    mp_var_free(ref);
    return rc;
}

int mp_proxy_create(mp_proxy_t **out, const mp_proxy_opts_t *opts)
{
    if (!opts)
        return mp__errdetail_set(MP_EINVAL, "mp_proxy_create: NULL opts");
    return mp__manager_new_object(opts->manager, opts->type, opts->args, out);
}

int mp_proxy_call(mp_proxy_t *p, const char *method, const mp_var_t *args, mp_var_t **result,
                  double timeout)
{
    return mp__proxy_call(p, 0, "mp_proxy_call", method, args, timeout, result);
}

int mp_proxy_callf(mp_proxy_t *p, const char *method, mp_var_t **result, const char *fmt, ...)
{
    if (!fmt)
        return mp__errdetail_set(MP_EINVAL, "mp_proxy_callf: NULL format");
    mp_var_t *args = NULL;
    va_list ap;
    va_start(ap, fmt);
    int rc = mp__var_vpack(&args, fmt, ap);
    va_end(ap);
    if (rc < 0)
        return rc;
    if (mp_var_type(args) != MP_VAR_LIST)
        rc = mp__errdetail_set(MP_EINVAL, "mp_proxy_callf: the format must make a list \"[...]\"");
    else
        rc = mp__proxy_call(p, 0, "mp_proxy_callf", method, args, MP_FOREVER, result);
    mp_var_free(args);
    return rc;
}

int mp_proxy_ref(mp_proxy_t *p, mp_var_t **out)
{
    mp__mgr_target_t target;
    uint64_t id;
    int rc = mp__proxy_target(p, "mp_proxy_ref", &target, &id);
    if (rc < 0)
        return rc;
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "mp_proxy_ref: NULL out");
    mp_var_t *ref = mp__var_ref(id, mp_proxy_type(p));
    if (!ref)
        return MP_ENOMEM;
    *out = ref;
    return 0;
}

int mp_proxy_open(mp_proxy_t **out, mp_proxy_t *via, const mp_var_t *ref)
{
    mp__mgr_target_t target;
    int rc = mp__proxy_target(via, "mp_proxy_open", &target, NULL);
    if (rc < 0)
        return rc;
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "mp_proxy_open: NULL out");
    return mp__proxy_from_ref(&target, ref, "mp_proxy_open", out);
}

int mp_manager_publish(mp_manager_t *m, const char *name, mp_proxy_t *proxy)
{
    const char *fn = "mp_manager_publish";
    mp__mgr_target_t target;
    uint64_t id;
    int rc = mp__proxy_target(proxy, fn, &target, &id);
    if (rc < 0)
        return rc;
    if (!name || !name[0])
        return mp__errdetail_set(MP_EINVAL, "%s: NULL or empty name", fn);
    if (strcmp(target.address, mp_manager_address(m)) != 0)
        return mp__errdetail_set(MP_EINVAL, "%s: a proxy of the server at %s, not at '%s'", fn,
                                 target.address, mp_manager_address(m));
    mp_var_t *args = NULL, *ref = mp__var_ref(id, mp_proxy_type(proxy));
    rc = ref ? mp_var_pack(&args, "[s, v]", name, ref) : MP_ENOMEM;
    mp_var_free(ref);
    if (rc == 0)
        rc = mp__manager_request(m, fn, "publish", args, NULL, NULL);
    mp_var_free(args);
    return rc;
}

int mp_manager_lookup(mp_manager_t *m, const char *name, mp_proxy_t **out)
{
    const char *fn = "mp_manager_lookup";
    if (!name || !out)
        return mp__errdetail_set(MP_EINVAL, "%s: NULL name or out", fn);
    mp_var_t *args = NULL, *ref = NULL;
    int rc = mp_var_pack(&args, "[s]", name);
    mp__mgr_target_t target;
    if (rc == 0)
        rc = mp__manager_request(m, fn, "lookup", args, &ref, &target);
    mp_var_free(args);
    if (rc == 0)
        rc = mp__proxy_from_ref(&target, ref, fn, out);
    mp_var_free(ref);
    return rc;
}
