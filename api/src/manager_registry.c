/* The types a manager's server can hold (mp_mgr.h): the built-in ones
 * (manager_types.c) and the program's, registered before mp_init() so that
 * every server process, whatever its start method, has the same table (a
 * spawned child runs main up to mp_init(), registering them again). */
#include <stdlib.h>
#include <string.h>

#include "mp_mgr.h"

/* The program's types, by pointer (the program keeps them). Written only
 * before mp_init(), while the process has one thread, and only read after. */
static const mp_manager_type_t **registered;
static size_t nregistered, cap_registered;

const mp_manager_type_t *mp__mgr_type_find(const char *name)
{
    if (!name)
        return NULL;
    for (const mp_manager_type_t *const *t = mp__mgr_builtin_types; *t; t++)
        if (strcmp((*t)->name, name) == 0)
            return *t;
    for (size_t i = 0; i < nregistered; i++)
        if (strcmp(registered[i]->name, name) == 0)
            return registered[i];
    return NULL;
}

mp_manager_method_fn mp__mgr_method_find(const mp_manager_type_t *type, const char *name)
{
    for (const mp_manager_method_t *m = type->methods; m && m->name; m++)
        if (strcmp(m->name, name) == 0)
            return m->fn;
    return NULL;
}

int mp_manager_register(const mp_manager_type_t *type)
{
    if (!type || !type->name || !type->name[0] || !type->create || !type->methods)
        return mp__errdetail_set(MP_EINVAL,
                                 "mp_manager_register: NULL type, or no name, create or methods");
    if (mp__initialised())
        return mp__errdetail_set(MP_ESTATE,
                                 "mp_manager_register: '%s' registered after mp_init() (a "
                                 "spawned server would not have it)",
                                 type->name);
    for (const mp_manager_method_t *m = type->methods; m->name; m++)
        if (!m->fn)
            return mp__errdetail_set(MP_EINVAL,
                                     "mp_manager_register: '%s': method '%s' has no "
                                     "function",
                                     type->name, m->name);
    if (mp__mgr_type_find(type->name))
        return mp__errdetail_set(MP_EEXIST, "mp_manager_register: a type named '%s' exists",
                                 type->name);
    if (nregistered == cap_registered) {
        size_t cap = cap_registered ? 2 * cap_registered : 8;
        const mp_manager_type_t **grown = realloc(registered, cap * sizeof *grown);
        if (!grown)
            return MP_ENOMEM;
        registered = grown;
        cap_registered = cap;
    }
    registered[nregistered++] = type;
    return 0;
}
