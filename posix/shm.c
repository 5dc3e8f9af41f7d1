/* Shared memory blocks: anonymous ones are memfds (Linux) that only exist
 * while a process holds them, so they can never leak; named ones are
 * shm_open() objects, created 0600 and registered with the tracker, which
 * removes each name once every process that used it has ended. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "posix_internal.h"

struct mp__os_shm {
    int fd;
    void *addr;
    size_t size;
};

/* The OS name of a user-visible name: a fixed prefix, so stray names are
 * recognisable as ours. */
static void os_name(const char *name, char *out, size_t size)
{
    snprintf(out, size, "/mp.%s", name);
}

static int map_block(int fd, size_t size, mp__os_shm_t **out)
{
    void *addr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (addr == MAP_FAILED)
        return mp__posix_syserr("mmap");
    mp__os_shm_t *shm = malloc(sizeof *shm);
    if (!shm) {
        munmap(addr, size);
        return MP_ENOMEM;
    }
    *shm = (mp__os_shm_t){.fd = fd, .addr = addr, .size = size};
    *out = shm;
    return 0;
}

int mp__posix_anonymous_fd(const char *label)
{
#ifdef __linux__
    return memfd_create(label, MFD_CLOEXEC);
#else
    /* No memfd: a name that exists only for the instant it takes to open it. */
    (void)label;
    char name[64];
    unsigned char r[8];
    mp__os_random(r, sizeof r);
    snprintf(name, sizeof name, "/mp.anon.%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3],
             r[4], r[5], r[6], r[7]);
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd >= 0) {
        shm_unlink(name);
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    return fd;
#endif
}

/* Create the named block: the tracker hears of the name before it
 * exists, so that a SIGKILL at any moment of the create leaves nothing
 * behind (the tracker removes a name whose users all ended; one that was
 * never made costs it an ENOENT). */
static int create_named(const char *name, const char *path, int *fd)
{
    int rc = mp__posix_track(path);
    if (rc == 0 && (*fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) >= 0)
        return 0;
    if (rc == 0)
        rc = errno == EEXIST
                 ? mp__errdetail_set(MP_EEXIST, "shared memory '%s' already exists", name)
                 : mp__posix_syserr("shm_open");
    /* Someone else's name, or none at all; the line may be in the journal
     * even if the tracker could not be rung. */
    mp__posix_track_abandon(path);
    return rc;
}

int mp__os_shm_create(const char *name, size_t size, mp__os_shm_t **out)
{
    char path[64];
    int fd = -1, rc = 0;
    if (name) {
        os_name(name, path, sizeof path);
        rc = create_named(name, path, &fd);
    } else if ((fd = mp__posix_anonymous_fd("multiproc")) < 0) {
        rc = mp__posix_syserr("memfd_create");
    }
    if (rc < 0)
        return rc;
    rc = ftruncate(fd, (off_t)size) < 0 ? mp__posix_syserr("ftruncate") : 0;
    if (rc == 0)
        rc = map_block(fd, size, out);
    if (rc < 0) {
        close(fd);
        if (name) {
            shm_unlink(path);
            mp__posix_untrack(path);
        }
    }
    return rc;
}

/* Map a descriptor whose size is whatever the object has. */
static int map_existing(int fd, mp__os_shm_t **out)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return mp__posix_syserr("fstat");
    if (st.st_size <= 0)
        return mp__errdetail_set(MP_EINVAL, "shared memory has size 0");
    return map_block(fd, (size_t)st.st_size, out);
}

/* Another user's segment is attached only on request: whoever made it
 * controls what this process reads (and can grant itself our writes). */
static int check_owner(int fd, const char *name, bool any_owner)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return mp__posix_syserr("fstat");
    if (any_owner || st.st_uid == geteuid())
        return 0;
    return mp__errdetail_set(MP_ENOTOWNER,
                             "shared memory '%s' belongs to uid %u, not to this process's uid %u "
                             "(allow_other_owner attaches it anyway)",
                             name, (unsigned)st.st_uid, (unsigned)geteuid());
}

int mp__os_shm_open(const char *name, bool any_owner, mp__os_shm_t **out)
{
    char path[64];
    os_name(name, path, sizeof path);
    int fd = shm_open(path, O_RDWR | O_CLOEXEC, 0);
    if (fd < 0)
        return errno == ENOENT ? mp__errdetail_set(MP_ENOENT, "no shared memory named '%s'", name)
                               : mp__posix_syserr("shm_open");
    int rc = check_owner(fd, name, any_owner);
    bool tracked = rc == 0;
    if (rc == 0)
        rc = mp__posix_track(path);
    if (rc == 0)
        rc = map_existing(fd, out);
    if (rc < 0) {
        close(fd);
        if (tracked) /* this process does not use it after all */
            mp__posix_track_abandon(path);
    }
    return rc;
}

int mp__os_shm_from_handle(mp_sentinel_t handle, mp__os_shm_t **out)
{
    int fd = (int)handle;
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    return map_existing(fd, out);
}

mp_sentinel_t mp__os_shm_handle(const mp__os_shm_t *shm)
{
    return shm->fd;
}

void *mp__os_shm_addr(const mp__os_shm_t *shm)
{
    return shm->addr;
}

size_t mp__os_shm_size(const mp__os_shm_t *shm)
{
    return shm->size;
}

void mp__os_shm_unmap(mp__os_shm_t *shm)
{
    if (shm->addr)
        munmap(shm->addr, shm->size);
    shm->addr = NULL;
}

void mp__os_shm_free(mp__os_shm_t *shm)
{
    if (!shm)
        return;
    mp__os_shm_unmap(shm);
    mp__posix_close(shm->fd);
    free(shm);
}

int mp__os_shm_unlink(const char *name)
{
    char path[64];
    os_name(name, path, sizeof path);
    if (shm_unlink(path) < 0)
        return errno == ENOENT ? mp__errdetail_set(MP_ENOENT, "no shared memory named '%s'", name)
                               : mp__posix_syserr("shm_unlink");
    mp__posix_untrack(path);
    return 0;
}
