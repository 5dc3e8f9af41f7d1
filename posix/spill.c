/* Spill files on POSIX: an anonymous file (a memfd on Linux) read and
 * written with pread/pwrite at offsets. tmpfs keeps it sparse: only the
 * bytes of messages not yet taken use memory, and a discarded range gives
 * its pages back with a punched hole. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "posix_internal.h"

struct mp__os_spill {
    int fd;
};

static int wrap_fd(int fd, mp__os_spill_t **out)
{
    mp__os_spill_t *spill = malloc(sizeof *spill);
    if (!spill)
        return MP_ENOMEM;
    spill->fd = fd;
    *out = spill;
    return 0;
}

int mp__os_spill_create(mp__os_spill_t **out)
{
    int fd = mp__posix_anonymous_fd("multiproc-spill");
    if (fd < 0)
        return mp__posix_syserr("memfd_create (spill file)");
    int rc = wrap_fd(fd, out);
    if (rc < 0)
        close(fd);
    return rc;
}

int mp__os_spill_from_handle(mp_sentinel_t handle, mp__os_spill_t **out)
{
    return wrap_fd((int)handle, out);
}

mp_sentinel_t mp__os_spill_handle(const mp__os_spill_t *spill)
{
    return spill->fd;
}

/* A full tmpfs or memory cgroup is the caller's "no memory", not an OS
 * failure: the queue reports it as such. */
static int io_error(const char *what)
{
    if (errno == ENOSPC || errno == ENOMEM || errno == EFBIG)
        return mp__errdetail_set(MP_ENOMEM, "%s of the queue's spill file: no space left", what);
    return mp__posix_syserr(what);
}

int mp__os_spill_write(mp__os_spill_t *spill, uint64_t offset, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = pwrite(spill->fd, p, len, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return io_error("pwrite");
        p += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    return 0;
}

int mp__os_spill_read(mp__os_spill_t *spill, uint64_t offset, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = pread(spill->fd, p, len, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return io_error("pread");
        if (n == 0)
            return mp__errdetail_set(MP_EBROKEN, "the queue's spill file ends before its message");
        p += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    return 0;
}

void mp__os_spill_discard(mp__os_spill_t *spill, uint64_t offset, uint64_t len)
{
#if defined(FALLOC_FL_PUNCH_HOLE)
    /* tmpfs frees whole pages inside the range and zeroes partial ones;
     * either way the bytes are no longer needed. */
    (void)fallocate(spill->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)offset,
                    (off_t)len);
#else
    (void)spill;
    (void)offset;
    (void)len; /* No hole punching: the pages are reused at the next reset. */
#endif
}

void mp__os_spill_free(mp__os_spill_t *spill)
{
    if (!spill)
        return;
    mp__posix_close(spill->fd);
    free(spill);
}
