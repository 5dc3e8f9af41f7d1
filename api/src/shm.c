/* Named shared memory segments (Python's SharedMemory). The backend
 * prefixes names and tracks them; here are the checks, generated names and
 * the handle's life. */
#include <stdio.h>
#include <string.h>

#include "mp_core.h"
#include "mp_object.h"

struct mp_shm {
    mp__object_t obj;
    mp__os_shm_t *os;
    char name[MP_SHM_NAME_MAX + 1];
    bool closed; /* unmapped */
};

static bool valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > MP_SHM_NAME_MAX)
        return false;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '.' || *c == '-'))
            return false;
    return true;
}

/* An unguessable name that also says which process made it, so a stray
 * one can be traced: "mp<pid>_<16 hex digits>". */
static int generate_name(char *out, size_t size)
{
    unsigned char r[8];
    int rc = mp__os_random(r, sizeof r);
    if (rc < 0)
        return rc;
    snprintf(out, size, "mp%lld_%02x%02x%02x%02x%02x%02x%02x%02x", (long long)mp__os_getpid(), r[0],
             r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
    return 0;
}

static int new_object(const char *name, mp_shm_t **out)
{
    mp__object_t *obj;
    int rc = mp__object_new(&mp__kind_shm, &obj);
    if (rc < 0)
        return rc;
    mp_shm_t *shm = (mp_shm_t *)obj;
    snprintf(shm->name, sizeof shm->name, "%s", name);
    *out = shm;
    return 0;
}

int mp_shm_create(mp_shm_t **out, const mp_shm_opts_t *opts)
{
    if (!out || !opts || opts->size == 0)
        return mp__errdetail_set(MP_EINVAL, "mp_shm_create: NULL out or opts, or size 0");
    const char *name = opts->name;
    if (name && !valid_name(name))
        return mp__errdetail_set(MP_EINVAL, "mp_shm_create: bad name '%s'", name);
    char generated[MP_SHM_NAME_MAX + 1];
    int rc = name ? 0 : generate_name(generated, sizeof generated);
    mp_shm_t *shm = NULL;
    if (rc == 0)
        rc = new_object(name ? name : generated, &shm);
    if (rc == 0 && (rc = mp__os_shm_create(shm->name, opts->size, &shm->os)) < 0)
        mp__object_destroy(&shm->obj);
    if (rc == 0)
        *out = mp__handle_of(shm);
    return rc;
}

int mp_shm_attach(mp_shm_t **out, const char *name, const mp_attach_opts_t *opts)
{
    if (!out || !name || !valid_name(name))
        return mp__errdetail_set(MP_EINVAL, "mp_shm_attach: NULL out or bad name");
    mp_shm_t *shm;
    int rc = new_object(name, &shm);
    if (rc == 0 && (rc = mp__os_shm_open(name, opts && opts->allow_other_owner, &shm->os)) < 0)
        mp__object_destroy(&shm->obj);
    if (rc == 0)
        *out = mp__handle_of(shm);
    return rc;
}

void *mp_shm_data(mp_shm_t *shm)
{
    if (mp__object_open(&shm, &mp__kind_shm, "mp_shm_data") < 0 || shm->closed)
        return NULL;
    return mp__os_shm_addr(shm->os);
}

size_t mp_shm_size(mp_shm_t *shm)
{
    if (mp__object_open(&shm, &mp__kind_shm, "mp_shm_size") < 0 || shm->closed)
        return 0;
    return mp__os_shm_size(shm->os);
}

const char *mp_shm_name(mp_shm_t *shm)
{
    return mp__object_open(&shm, &mp__kind_shm, "mp_shm_name") == 0 ? shm->name : "";
}

int mp_shm_close(mp_shm_t *shm)
{
    int rc = mp__object_open(&shm, &mp__kind_shm, "mp_shm_close");
    if (rc == 0 && !shm->closed) {
        mp__os_shm_unmap(shm->os);
        shm->closed = true;
    }
    return rc;
}

int mp_shm_unlink(mp_shm_t *shm)
{
    int rc = mp__object_open(&shm, &mp__kind_shm, "mp_shm_unlink");
    return rc < 0 ? rc : mp__os_shm_unlink(shm->name);
}

void mp_shm_destroy(mp_shm_t *shm)
{
    mp__object_destroy_handle(shm, &mp__kind_shm);
}

static void shm_release(mp__object_t *obj)
{
    mp_shm_t *shm = (mp_shm_t *)obj;
    mp__os_shm_free(shm->os);
    shm->os = NULL;
}

/* A child gets the segment itself (its descriptor), and its name. */
static int shm_share(mp__object_t *obj, mp__share_t *out)
{
    mp_shm_t *shm = (mp_shm_t *)obj;
    int rc = mp__buf_append(&out->bytes, shm->name, strlen(shm->name));
    if (rc == 0)
        out->handles[out->nhandles++] = mp__os_shm_handle(shm->os);
    return rc;
}

static int shm_attach(const mp__kind_t *kind, const void *bytes, size_t len,
                      const mp_sentinel_t *handles, size_t nhandles, mp__object_t **out)
{
    char name[MP_SHM_NAME_MAX + 1];
    if (nhandles != 1 || len == 0 || len > MP_SHM_NAME_MAX)
        return MP_EBOOTSTRAP;
    memcpy(name, bytes, len);
    name[len] = '\0';
    if (!valid_name(name))
        return MP_EBOOTSTRAP;
    mp_shm_t *shm;
    int rc = new_object(name, &shm);
    if (rc == 0 && (rc = mp__os_shm_from_handle(handles[0], &shm->os)) < 0)
        mp__object_destroy(&shm->obj);
    if (rc == 0)
        *out = &shm->obj;
    return rc;
}

const mp__kind_t mp__kind_shm = {
    .name = "SharedMemory",
    .id = 8,
    .size = sizeof(mp_shm_t),
    .share = shm_share,
    .attach = shm_attach,
    .release = shm_release,
};

int mp_task_shm(const mp_task_t *task, size_t index, mp_shm_t **out)
{
    return mp__task_object(task, index, &mp__kind_shm, out);
}
