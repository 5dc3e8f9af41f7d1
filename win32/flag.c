/* Flags on Windows: a manual-reset event, signalled exactly while the flag
 * is raised, so WaitForMultipleObjects (and mp_wait()) sees it ready then
 * and a wait never takes the signal away (an auto-reset event would lower
 * the flag for everyone else). The event has no name and is not
 * inheritable: a flag belongs to one process. The state is also kept here,
 * so raising a raised flag costs no system call. */
#include <stdlib.h>

#include "win32_internal.h"

struct mp__os_flag {
    HANDLE event;
    bool raised;
};

int mp__os_flag_create(mp__os_flag_t **out)
{
    mp__os_flag_t *flag = calloc(1, sizeof *flag);
    if (!flag)
        return MP_ENOMEM;
    flag->event = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!flag->event) {
        DWORD err = GetLastError();
        free(flag);
        return err == ERROR_NOT_ENOUGH_MEMORY || err == ERROR_NO_SYSTEM_RESOURCES
                   ? mp__errdetail_set(MP_ENOMEM, "no memory for a flag's event")
                   : mp__win_syserr_code("CreateEventW (flag)", err);
    }
    *out = flag;
    return 0;
}

void mp__os_flag_set(mp__os_flag_t *flag, bool raised)
{
    if (flag->raised == raised)
        return;
    /* Neither call fails on an event this process created and still owns. */
    if (raised)
        SetEvent(flag->event);
    else
        ResetEvent(flag->event);
    flag->raised = raised;
}

mp_sentinel_t mp__os_flag_sentinel(const mp__os_flag_t *flag)
{
    return mp__win_sentinel(flag->event);
}

void mp__os_flag_free(mp__os_flag_t *flag)
{
    if (!flag)
        return;
    mp__win_close(flag->event);
    free(flag);
}
