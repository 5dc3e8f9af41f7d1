/* Spill files on Windows: a temporary file that nothing else opens and that
 * the system deletes with its last handle (FILE_FLAG_DELETE_ON_CLOSE), read
 * and written at offsets (ReadFile/WriteFile with the offset in an
 * OVERLAPPED on a synchronous handle, the twin of pread/pwrite).
 *
 * Its name is unguessable (the pipe names' random part) and opened with
 * CREATE_NEW, so nobody else's file is ever taken. The handle is not
 * inheritable: a child gets the file the way it gets shared memory, as an
 * inheritable duplicate made for one CreateProcessW call (spawn.c). Every
 * handle refers to the same file object, so the file lives while any
 * process holds one and is gone once the last one closes, however the
 * processes end: nothing is left in the temporary directory after a crash.
 *
 * FILE_ATTRIBUTE_TEMPORARY asks the cache manager to keep the bytes in
 * memory while it can. The file is made sparse (best effort) so that an
 * offset near MP__SPILL_SPAN costs no disk, and a discarded range is given
 * back with FSCTL_SET_ZERO_DATA, which frees the clusters of a sparse file.
 * On a file system without sparse files (FAT) nothing is discarded: there
 * FSCTL_SET_ZERO_DATA would write the zeros out, which costs more than it
 * saves. */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "win32_internal.h"

#include <winioctl.h> /* after windows.h, whose types it uses */

struct mp__os_spill {
    HANDLE file;
    bool sparse; /* discarding frees clusters (else it is skipped) */
};

/* The most one ReadFile/WriteFile call moves (its count is a DWORD). */
#define SPILL_CHUNK ((DWORD)1 << 30)

/* Attempts at a fresh name: a clash of 64 random bits means something is
 * wrong with the generator, not bad luck. */
enum { NAME_ATTEMPTS = 4 };

/* Whether the file system keeps this file sparse. */
static bool is_sparse(HANDLE file)
{
    BY_HANDLE_FILE_INFORMATION info;
    return GetFileInformationByHandle(file, &info) &&
           (info.dwFileAttributes & FILE_ATTRIBUTE_SPARSE_FILE);
}

static int wrap_handle(HANDLE file, mp__os_spill_t **out)
{
    mp__os_spill_t *spill = malloc(sizeof *spill);
    if (!spill)
        return MP_ENOMEM;
    *spill = (mp__os_spill_t){.file = file, .sparse = is_sparse(file)};
    *out = spill;
    return 0;
}

/* `<temporary directory>mp-<pid>-<random>.spill`, malloc()ed. */
static int temp_path(wchar_t **out)
{
    wchar_t dir[MAX_PATH + 1];
    DWORD n = GetTempPathW(MAX_PATH + 1, dir);
    if (n == 0 || n > MAX_PATH)
        return mp__win_syserr("GetTempPathW (spill file)");
    char name[MP__WIN_PIPE_NAME_SIZE + 8];
    int rc = mp__win_pipe_random_name(name, MP__WIN_PIPE_NAME_SIZE);
    if (rc < 0)
        return rc;
    strcat(name, ".spill");
    wchar_t *wname = mp__win_wide(name);
    size_t len = wname ? wcslen(wname) : 0;
    wchar_t *path = wname ? malloc((n + len + 1) * sizeof *path) : NULL;
    if (path) {
        wmemcpy(path, dir, n); /* the directory ends in a backslash */
        wmemcpy(path + n, wname, len + 1);
    }
    free(wname);
    if (!path)
        return MP_ENOMEM;
    *out = path;
    return 0;
}

/* Create a new, empty, delete-on-close file with a fresh name. */
static int create_file(HANDLE *out)
{
    for (int attempt = 0; attempt < NAME_ATTEMPTS; attempt++) {
        wchar_t *path = NULL;
        int rc = temp_path(&path);
        if (rc < 0)
            return rc;
        /* Shared for reading, writing and deleting: the duplicates in other
         * processes are the same open, but a scanner (an antivirus) that
         * opens the file must not make our own use of it fail. */
        HANDLE file = CreateFileW(path, GENERIC_READ | GENERIC_WRITE | DELETE,
                                  FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                                  CREATE_NEW, FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE,
                                  NULL);
        DWORD err = GetLastError();
        free(path);
        if (file != INVALID_HANDLE_VALUE) {
            *out = file;
            return 0;
        }
        if (err != ERROR_FILE_EXISTS && err != ERROR_ALREADY_EXISTS)
            return err == ERROR_DISK_FULL || err == ERROR_NOT_ENOUGH_QUOTA
                       ? mp__errdetail_set(MP_ENOMEM, "no space left for the queue's spill file")
                       : mp__win_syserr_code("CreateFileW (spill file)", err);
    }
    return mp__errdetail_set(MP_ESYS, "CreateFileW (spill file): %d fresh names were all taken",
                             NAME_ATTEMPTS);
}

int mp__os_spill_create(mp__os_spill_t **out)
{
    HANDLE file = INVALID_HANDLE_VALUE;
    int rc = create_file(&file);
    if (rc < 0)
        return rc;
    /* Best effort: a file system without sparse files refuses, and the
     * file works all the same (only bigger). */
    DWORD bytes;
    (void)DeviceIoControl(file, FSCTL_SET_SPARSE, NULL, 0, NULL, 0, &bytes, NULL);
    rc = wrap_handle(file, out);
    if (rc < 0)
        CloseHandle(file);
    return rc;
}

int mp__os_spill_from_handle(mp_sentinel_t handle, mp__os_spill_t **out)
{
    return wrap_handle(mp__win_handle(handle), out);
}

mp_sentinel_t mp__os_spill_handle(const mp__os_spill_t *spill)
{
    return mp__win_sentinel(spill->file);
}

/* A full disk or quota is the caller's "no memory", not an OS failure: the
 * queue reports it as such. */
static int io_error(const char *what)
{
    DWORD err = GetLastError();
    if (err == ERROR_DISK_FULL || err == ERROR_HANDLE_DISK_FULL || err == ERROR_NOT_ENOUGH_QUOTA ||
        err == ERROR_NOT_ENOUGH_MEMORY || err == ERROR_OUTOFMEMORY || err == ERROR_FILE_TOO_LARGE)
        return mp__errdetail_set(MP_ENOMEM,
                                 "%s of the queue's spill file: no space left (Windows error %lu)",
                                 what, (unsigned long)err);
    return mp__win_syserr_code(what, err);
}

/* The offset as an OVERLAPPED takes it (no event: the handle is
 * synchronous, the call returns when the transfer is done). */
static OVERLAPPED at(uint64_t offset)
{
    return (OVERLAPPED){.Offset = (DWORD)offset, .OffsetHigh = (DWORD)(offset >> 32)};
}

static DWORD chunk_of(size_t len)
{
    return len > SPILL_CHUNK ? SPILL_CHUNK : (DWORD)len;
}

int mp__os_spill_write(mp__os_spill_t *spill, uint64_t offset, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        OVERLAPPED ov = at(offset);
        DWORD n = 0;
        if (!WriteFile(spill->file, p, chunk_of(len), &n, &ov))
            return io_error("WriteFile");
        if (n == 0) /* never seen; it would loop for ever */
            return mp__errdetail_set(MP_ESYS, "WriteFile of the queue's spill file wrote nothing");
        p += n;
        len -= n;
        offset += n;
    }
    return 0;
}

int mp__os_spill_read(mp__os_spill_t *spill, uint64_t offset, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        OVERLAPPED ov = at(offset);
        DWORD n = 0;
        /* At or past the end, a read with an offset fails with
         * ERROR_HANDLE_EOF on a synchronous handle (or reads nothing). */
        if (!ReadFile(spill->file, p, chunk_of(len), &n, &ov) && GetLastError() != ERROR_HANDLE_EOF)
            return io_error("ReadFile");
        if (n == 0)
            return mp__errdetail_set(MP_EBROKEN, "the queue's spill file ends before its message");
        p += n;
        len -= n;
        offset += n;
    }
    return 0;
}

void mp__os_spill_discard(mp__os_spill_t *spill, uint64_t offset, uint64_t len)
{
    if (!spill->sparse || len == 0)
        return;
    /* Whole clusters inside the range are freed, partial ones zeroed; the
     * file's size is not changed. */
    FILE_ZERO_DATA_INFORMATION zero = {.FileOffset.QuadPart = (LONGLONG)offset,
                                       .BeyondFinalZero.QuadPart = (LONGLONG)(offset + len)};
    DWORD bytes;
    (void)DeviceIoControl(spill->file, FSCTL_SET_ZERO_DATA, &zero, sizeof zero, NULL, 0, &bytes,
                          NULL);
}

void mp__os_spill_free(mp__os_spill_t *spill)
{
    if (!spill)
        return;
    mp__win_close(spill->file);
    free(spill);
}
