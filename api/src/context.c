/* Start methods chosen at run time from the table the backend registers:
 * an explicit context wins, then mp_set_start_method(), then the
 * MP_START_METHOD environment variable, then the platform default. */
#include <stdlib.h>
#include <string.h>

#include "mp_core.h"

/* A context is a start method, or (method == NULL) "the default one". */
struct mp_context {
    const mp__start_method_t *method;
};

enum { MAX_METHODS = 8 };

static mp_context_t method_contexts[MAX_METHODS];
static mp_context_t default_context;
static const char *method_names[MAX_METHODS];
static size_t method_count;
static const mp__start_method_t *chosen; /* the default once fixed */

/* Build the per-method contexts from the backend's table, once. The table
 * is static, so racing first calls write the same values. */
static void load_methods(void)
{
    if (method_count)
        return;
    const mp__start_method_t *const *table = mp__os_start_methods();
    size_t n = 0;
    for (; table[n] && n < MAX_METHODS; n++) {
        method_contexts[n].method = table[n];
        method_names[n] = table[n]->name;
    }
    method_count = n;
}

/* Names every platform knows of, so "fork" on Windows is MP_ENOTSUP rather
 * than MP_EINVAL. */
static bool is_known_method(const char *name)
{
    return strcmp(name, "fork") == 0 || strcmp(name, "spawn") == 0 ||
           strcmp(name, "forkserver") == 0;
}

static int find_method(const char *name, mp_context_t **out)
{
    load_methods();
    for (size_t i = 0; i < method_count; i++)
        if (strcmp(method_names[i], name) == 0) {
            *out = &method_contexts[i];
            return 0;
        }
    if (is_known_method(name))
        return mp__errdetail_set(MP_ENOTSUP, "start method '%s' is not available on this platform",
                                 name);
    return mp__errdetail_set(MP_EINVAL, "unknown start method '%s'", name);
}

int mp_get_context(mp_context_t **out, const char *method)
{
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "mp_get_context: NULL out");
    if (!method) {
        *out = &default_context;
        return 0;
    }
    return find_method(method, out);
}

const char *mp_context_start_method(const mp_context_t *ctx)
{
    if (!ctx)
        return "";
    if (ctx->method)
        return ctx->method->name;
    const char *name = NULL;
    return mp_get_start_method(&name, false) == 0 ? name : "";
}

/* The default method before anything was chosen: the environment's, or the
 * platform's first. */
static int environment_default(const mp__start_method_t **out)
{
    load_methods();
    const char *env = getenv("MP_START_METHOD");
    if (env && env[0]) {
        mp_context_t *ctx;
        int rc = find_method(env, &ctx);
        if (rc < 0)
            return mp__errdetail_set(rc, "MP_START_METHOD=%s: %s", env, mp_strerror(rc));
        *out = ctx->method;
        return 0;
    }
    *out = method_contexts[0].method;
    return 0;
}

int mp_set_start_method(const char *method, bool force)
{
    mp_context_t *ctx = NULL;
    if (method) {
        int rc = find_method(method, &ctx);
        if (rc < 0)
            return rc;
    } else if (!force) {
        return mp__errdetail_set(MP_EINVAL, "mp_set_start_method: NULL method without force");
    }
    mp__core_lock();
    int rc = 0;
    if (chosen && !force)
        rc = mp__errdetail_set(MP_ESTATE, "the start method is already set to '%s'", chosen->name);
    else
        chosen = ctx ? ctx->method : NULL;
    mp__core_unlock();
    return rc;
}

int mp_get_start_method(const char **out, bool allow_none)
{
    if (!out)
        return mp__errdetail_set(MP_EINVAL, "mp_get_start_method: NULL out");
    const mp__start_method_t *m;
    int rc = 0;
    mp__core_lock();
    if (!chosen && !allow_none)
        rc = environment_default(&chosen);
    m = chosen;
    mp__core_unlock();
    *out = m ? m->name : NULL;
    return rc;
}

int mp_get_all_start_methods(const char *const **methods, size_t *count)
{
    if (!methods || !count)
        return mp__errdetail_set(MP_EINVAL, "mp_get_all_start_methods: NULL argument");
    load_methods();
    *methods = method_names;
    *count = method_count;
    return 0;
}

int mp__context_method(mp_context_t *ctx, const mp__start_method_t **out)
{
    if (ctx && ctx->method) {
        *out = ctx->method;
        return 0;
    }
    const char *name;
    int rc = mp_get_start_method(&name, false);
    if (rc < 0)
        return rc;
    mp_context_t *resolved;
    rc = find_method(name, &resolved);
    if (rc == 0)
        *out = resolved->method;
    return rc;
}
