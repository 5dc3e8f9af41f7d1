/* Shared memory blocks as pagefile-backed file mappings: anonymous ones have
 * no name at all (only the handle handed to a child reaches them), named
 * ones are `Local\mp.<name>` (this session's namespace; `Global\` would need
 * SeCreateGlobalPrivilege).
 *
 * Lifetime: Windows frees a mapping with its last handle, so a block can
 * never outlive the processes that use it, whatever way they end: Windows
 * needs no resource tracker. The flip side is unlink, which Windows has
 * not: mp__os_shm_unlink() marks the block as unlinked (a flag in the block
 * itself, so every process sees it), after which attaching by name fails
 * with MP_ENOENT everywhere, as on POSIX; the name itself stays taken until
 * the last handle closes, so creating a new block under it meanwhile fails
 * with MP_EEXIST (POSIX would allow it).
 *
 * Size: the mapping is the requested size plus a 16-byte trailer, rounded up
 * to whole pages; the trailer, in the last 16 bytes of the last page, holds
 * the exact size (so an attach reports the size that was asked for, not a
 * page multiple as VirtualQuery alone would) and the unlinked flag. The
 * user's bytes start at the view's base, page-aligned as on POSIX. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <multiproc/shm.h> /* MP_SHM_NAME_MAX */

#include "win32_internal.h"

typedef struct trailer {
    uint64_t size;          /* what the creator asked for */
    uint32_t magic;         /* TRAILER_MAGIC once `size` is valid */
    volatile LONG unlinked; /* 1 once unlinked by name */
} trailer_t;

enum { TRAILER_MAGIC = 0x4d505348u /* "MPSH" */ };

struct mp__os_shm {
    HANDLE mapping;
    void *addr; /* the view: `size` bytes for the user, then the trailer */
    size_t size;
    size_t mapped; /* the whole view, a page multiple */
};

static size_t page_size(void)
{
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    return info.dwPageSize;
}

/* `Local\mp.<name>`, malloc()ed. */
static wchar_t *os_name(const char *name)
{
    char buf[16 + MP_SHM_NAME_MAX];
    if ((size_t)snprintf(buf, sizeof buf, "Local\\mp.%s", name) >= sizeof buf)
        return NULL;
    return mp__win_wide(buf);
}

static trailer_t *trailer_of(void *addr, size_t mapped)
{
    return (trailer_t *)((char *)addr + mapped - sizeof(trailer_t));
}

static int new_block(HANDLE mapping, void *addr, size_t size, size_t mapped, mp__os_shm_t **out)
{
    mp__os_shm_t *shm = malloc(sizeof *shm);
    if (!shm)
        return MP_ENOMEM;
    *shm = (mp__os_shm_t){.mapping = mapping, .addr = addr, .size = size, .mapped = mapped};
    *out = shm;
    return 0;
}

int mp__os_shm_create(const char *name, size_t size, mp__os_shm_t **out)
{
    size_t page = page_size();
    if (size > SIZE_MAX - sizeof(trailer_t) - page)
        return mp__errdetail_set(MP_ENOMEM, "shared memory of %zu bytes is too big", size);
    size_t mapped = (size + sizeof(trailer_t) + page - 1) / page * page;
    wchar_t *wname = name ? os_name(name) : NULL;
    if (name && !wname)
        return MP_ENOMEM;
    HANDLE mapping = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE,
                                        (DWORD)((uint64_t)mapped >> 32), (DWORD)mapped, wname);
    DWORD err = GetLastError();
    free(wname);
    if (mapping && err == ERROR_ALREADY_EXISTS) {
        CloseHandle(mapping);
        return mp__errdetail_set(MP_EEXIST,
                                 "shared memory '%s' exists (if it was unlinked, it stays until "
                                 "every process has closed it)",
                                 name);
    }
    if (!mapping && err == ERROR_INVALID_HANDLE) /* the name is another kind of object's */
        return mp__errdetail_set(MP_EEXIST, "the name '%s' is taken", name);
    if (!mapping)
        return err == ERROR_NOT_ENOUGH_MEMORY || err == ERROR_COMMITMENT_LIMIT
                   ? mp__errdetail_set(MP_ENOMEM, "no memory for %zu bytes of shared memory", size)
                   : mp__win_syserr_code("CreateFileMappingW", err);
    void *addr = MapViewOfFile(mapping, FILE_MAP_ALL_ACCESS, 0, 0, mapped);
    int rc = addr ? new_block(mapping, addr, size, mapped, out) : mp__win_syserr("MapViewOfFile");
    if (rc < 0) {
        if (addr)
            UnmapViewOfFile(addr);
        CloseHandle(mapping);
        return rc;
    }
    /* The pages are zero already; the trailer makes the block attachable,
     * magic last, so an attacher never reads a size before it is there. */
    trailer_t *t = trailer_of(addr, mapped);
    t->size = size;
    MemoryBarrier();
    t->magic = TRAILER_MAGIC;
    return 0;
}

/* Map the whole of an existing mapping and read its trailer. A block being
 * created right now may not have its trailer yet: give it a moment. */
static int map_existing(HANDLE mapping, const char *name, mp__os_shm_t **out)
{
    void *addr = MapViewOfFile(mapping, FILE_MAP_ALL_ACCESS, 0, 0, 0);
    if (!addr)
        return mp__win_syserr("MapViewOfFile");
    MEMORY_BASIC_INFORMATION info;
    size_t mapped = VirtualQuery(addr, &info, sizeof info) ? info.RegionSize : 0;
    trailer_t *t = mapped >= sizeof(trailer_t) ? trailer_of(addr, mapped) : NULL;
    for (int i = 0; t && t->magic != TRAILER_MAGIC && i < 100; i++)
        Sleep(1);
    int rc = 0;
    MemoryBarrier();
    if (!t || t->magic != TRAILER_MAGIC || t->size > mapped - sizeof(trailer_t))
        rc = mp__errdetail_set(MP_EINVAL, "'%s' is not multiproc shared memory",
                               name ? name : "(handle)");
    else if (name && t->unlinked)
        rc = mp__errdetail_set(MP_ENOENT, "shared memory '%s' was unlinked", name);
    if (rc == 0)
        rc = new_block(mapping, addr, (size_t)t->size, mapped, out);
    if (rc < 0)
        UnmapViewOfFile(addr);
    return rc;
}

/* Open a named mapping; MP_ENOENT when there is none. */
static int open_named(const char *name, HANDLE *out)
{
    wchar_t *wname = os_name(name);
    if (!wname)
        return MP_ENOMEM;
    HANDLE mapping = OpenFileMappingW(FILE_MAP_ALL_ACCESS, FALSE, wname);
    DWORD err = GetLastError();
    free(wname);
    if (!mapping)
        return err == ERROR_FILE_NOT_FOUND || err == ERROR_INVALID_HANDLE
                   ? mp__errdetail_set(MP_ENOENT, "no shared memory named '%s'", name)
                   : mp__win_syserr_code("OpenFileMappingW", err);
    *out = mapping;
    return 0;
}

int mp__os_shm_open(const char *name, bool any_owner, mp__os_shm_t **out)
{
    (void)any_owner; /* Local\\ names are the session's own */
    HANDLE mapping = NULL;
    int rc = open_named(name, &mapping);
    if (rc == 0 && (rc = map_existing(mapping, name, out)) < 0)
        CloseHandle(mapping);
    return rc;
}

int mp__os_shm_from_handle(mp_sentinel_t handle, mp__os_shm_t **out)
{
    return map_existing(mp__win_handle(handle), NULL, out);
}

mp_sentinel_t mp__os_shm_handle(const mp__os_shm_t *shm)
{
    return mp__win_sentinel(shm->mapping);
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
        UnmapViewOfFile(shm->addr);
    shm->addr = NULL;
}

void mp__os_shm_free(mp__os_shm_t *shm)
{
    if (!shm)
        return;
    mp__os_shm_unmap(shm);
    mp__win_close(shm->mapping);
    free(shm);
}

int mp__os_shm_unlink(const char *name)
{
    HANDLE mapping = NULL;
    int rc = open_named(name, &mapping);
    if (rc < 0)
        return rc;
    mp__os_shm_t *shm;
    rc = map_existing(mapping, name, &shm);
    if (rc < 0) {
        CloseHandle(mapping);
        return rc;
    }
    trailer_t *t = trailer_of(shm->addr, shm->mapped);
    if (InterlockedExchange(&t->unlinked, 1) != 0)
        rc = mp__errdetail_set(MP_ENOENT, "shared memory '%s' was unlinked already", name);
    mp__os_shm_free(shm);
    return rc;
}
