/* Value in a manager's server: one typed value of any shape, replaced
 * whole by set() and copied out by get(). */
#include <stdlib.h>

#include "mp_core.h"
#include "mp_mgr_sync.h"

typedef struct mvalue {
    mp_var_t *value;
} mvalue_t;

/* A copy of argument 0, or nil when there is none (Value() with no
 * initial value). */
static int copy_arg(mp_manager_call_t *call, mp_var_t **out)
{
    const mp_var_t *v = mp_var_at(mp_manager_call_args(call), 0);
    int rc = v ? mp_var_copy(out, v) : ((*out = mp_var_nil()) ? 0 : MP_ENOMEM);
    return rc < 0 ? mp_manager_call_fail(call, rc, "out of memory for the value") : 0;
}

static int value_create(void **self, mp_manager_call_t *call)
{
    mvalue_t *v = calloc(1, sizeof *v);
    if (!v)
        return MP_ENOMEM;
    int rc = copy_arg(call, &v->value);
    if (rc < 0) {
        free(v);
        return rc;
    }
    *self = v;
    return 0;
}

static void value_destroy(void *self)
{
    mvalue_t *v = self;
    mp_var_free(v->value);
    free(v);
}

static int m_get(void *self, mp_manager_call_t *call)
{
    mp_var_t *copy = NULL;
    if (mp_var_copy(&copy, ((mvalue_t *)self)->value) < 0)
        return mp_manager_call_fail(call, MP_ENOMEM, "out of memory for the value");
    return mp_manager_call_return(call, copy);
}

static int m_set(void *self, mp_manager_call_t *call)
{
    mvalue_t *v = self;
    const mp_var_t *arg = NULL;
    mp_var_t *copy = NULL;
    int rc = mp__marg_var(call, 0, "set", &arg);
    if (rc == 0 && (rc = copy_arg(call, &copy)) == 0) {
        mp_var_free(v->value);
        v->value = copy;
    }
    return rc;
}

static const mp_manager_method_t methods[] = {
    MP_METHOD("get", m_get),
    MP_METHOD("set", m_set),
    MP_METHOD_END,
};

const mp_manager_type_t mp__mgr_type_value = {"Value", value_create, value_destroy, methods};
