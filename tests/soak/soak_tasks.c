/* The tasks the victim's children run. Each uses what a real child would:
 * it attaches the named segment it was given (so the tracker must wait for
 * it too before removing the name) and connects to a keyed listener. Each
 * names itself (comm), so a census can tell a leftover child from the
 * tracker or the fork server. */
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "soak.h"

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ; /* EINTR: sleep the rest */
}

/* What every child does first; fails only on a bad argument. The segment
 * handle and the connection are kept, not destroyed: a child that is
 * killed or ends holds them to the last, as a real one would. */
static int use_resources(mp_task_t *t, const char *comm, soak_child_arg_t *arg)
{
    prctl(PR_SET_NAME, comm);
    const void *data;
    size_t len;
    int rc = mp_task_arg(t, &data, &len);
    if (rc < 0 || len != sizeof *arg)
        return mp_task_fail(t, MP_EINVAL, "soak child: bad argument (%zu bytes)", len);
    memcpy(arg, data, sizeof *arg);
    arg->address[sizeof arg->address - 1] = '\0';
    mp_shm_t *shm;
    if (mp_task_shm(t, 0, &shm) == 0)
        *(volatile char *)mp_shm_data(shm) = 1;
    /* A parent killed before it accepts makes this fail or time out:
     * either is fine, the point is the half-open connection. */
    mp_connection_t *conn;
    mp_client_connect(&conn,
                      &(mp_client_opts_t){.address = arg->address,
                                          .authkey = SOAK_AUTHKEY,
                                          .authkey_len = sizeof SOAK_AUTHKEY - 1},
                      0.5);
    return 0;
}

/* An exit-with-parent child: it outlives any round's settle time unless
 * the library ends it when its parent dies, so a survivor is a leak. */
static int soak_linger(mp_task_t *t)
{
    soak_child_arg_t arg;
    int rc = use_resources(t, "soak-linger", &arg);
    if (rc == 0)
        sleep_ms(120 * 1000);
    return rc;
}

/* A plain or daemon child: nothing ends it when its parent is killed
 * (Python's promise for daemons is only for a parent that exits), so it
 * runs a short task and ends by itself. */
static int soak_short(mp_task_t *t)
{
    soak_child_arg_t arg;
    int rc = use_resources(t, "soak-short", &arg);
    if (rc == 0)
        sleep_ms(arg.run_ms);
    return rc;
}

const mp_task_def_t soak_tasks[] = {MP_TASK(soak_linger), MP_TASK(soak_short), MP_TASK_END};
