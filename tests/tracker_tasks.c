/* The child side of the tracker suite's fault scenarios (tracker_tasks.h).
 * Each task reports through files under the ctl's path, because the
 * parent kills it (SIGKILL) rather than waiting for a result. */
#include "tracker_tasks.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "platform.h"
#include "posix_internal.h" /* mp__posix_write_all(), a test hook */

/* Create a segment with a generated name and append its name to `names`. */
static int create_one(mp_task_t *t, mp_shm_t **shm, char *names, size_t size)
{
    int rc = mp_shm_create(shm, &(mp_shm_opts_t){.size = 4096});
    if (rc < 0)
        return mp_task_fail(t, rc, "mp_shm_create: %s", mp_errdetail());
    size_t used = strlen(names);
    snprintf(names + used, size - used, "%s\n", mp_shm_name(*shm));
    return 0;
}

/* Create, unlink and destroy segments until killed (or ctl.seconds pass,
 * or ctl.n cycles when it is not 0), having written ctl.path once the loop
 * runs: the parent kills it at a random moment, inside a create as likely
 * as not. */
int task_trk_create_churn(mp_task_t *t)
{
    ctl_arg_t ctl;
    int rc = task_arg_struct(t, &ctl, sizeof ctl, "ctl_arg_t");
    double end = now_s() + ctl.seconds;
    for (long i = 0; rc == 0 && now_s() < end && (ctl.n == 0 || i < ctl.n); i++) {
        mp_shm_t *shm;
        if ((rc = mp_shm_create(&shm, &(mp_shm_opts_t){.size = 4096})) < 0)
            return mp_task_fail(t, rc, "mp_shm_create: %s", mp_errdetail());
        rc = mp_shm_unlink(shm);
        mp_shm_destroy(shm);
        if (i == 0 && write_file_atomic(ctl.path, "looping\n") < 0)
            return mp_task_fail(t, MP_ESYS, "cannot write %s", ctl.path);
    }
    return rc;
}

/* Create ctl.n segments, destroy the handles without unlinking (the names
 * stay while this process lives), write ctl.path, and sleep ctl.seconds. */
int task_trk_create_many(mp_task_t *t)
{
    ctl_arg_t ctl;
    int rc = task_arg_struct(t, &ctl, sizeof ctl, "ctl_arg_t");
    for (int64_t i = 0; rc == 0 && i < ctl.n; i++) {
        mp_shm_t *shm;
        if ((rc = mp_shm_create(&shm, &(mp_shm_opts_t){.size = 4096})) < 0)
            return mp_task_fail(t, rc, "segment %lld: %s", (long long)i, mp_errdetail());
        mp_shm_destroy(shm);
    }
    if (rc == 0 && write_file_atomic(ctl.path, "created\n") < 0)
        return mp_task_fail(t, MP_ESYS, "cannot write %s", ctl.path);
    sleep_s(ctl.seconds);
    return rc;
}

/* Create a segment and write its name to ctl.path; once ctl.path + ".go"
 * exists, create another and write its name to ctl.path + ".2"; then sleep
 * ctl.seconds. The parent kills the tracker in between. */
int task_trk_create_twice(mp_task_t *t)
{
    ctl_arg_t ctl;
    int rc = task_arg_struct(t, &ctl, sizeof ctl, "ctl_arg_t");
    char names[2][64] = {"", ""}, go[600], second[600];
    mp_shm_t *shm[2] = {NULL, NULL};
    snprintf(go, sizeof go, "%s.go", ctl.path);
    snprintf(second, sizeof second, "%s.2", ctl.path);
    if (rc < 0 || (rc = create_one(t, &shm[0], names[0], sizeof names[0])) < 0)
        return rc;
    if (write_file_atomic(ctl.path, names[0]) < 0)
        return mp_task_fail(t, MP_ESYS, "cannot write %s", ctl.path);
    for (double end = now_s() + ctl.seconds; access(go, F_OK) != 0; sleep_s(0.01))
        if (now_s() > end)
            return mp_task_fail(t, MP_ETIMEDOUT, "%s never came", go);
    if ((rc = create_one(t, &shm[1], names[1], sizeof names[1])) < 0)
        return rc;
    if (write_file_atomic(second, names[1]) < 0)
        return mp_task_fail(t, MP_ESYS, "cannot write %s", second);
    sleep_s(ctl.seconds);
    return 0;
}

/* Create a segment, then try to create it again by its name (MP_EEXIST
 * expected: that failed create must not make the tracker forget that this
 * process made the name), write its name to ctl.path, sleep ctl.seconds. */
int task_trk_create_taken(mp_task_t *t)
{
    ctl_arg_t ctl;
    int rc = task_arg_struct(t, &ctl, sizeof ctl, "ctl_arg_t");
    char names[64] = "";
    mp_shm_t *shm = NULL, *again = NULL;
    if (rc < 0 || (rc = create_one(t, &shm, names, sizeof names)) < 0)
        return rc;
    rc = mp_shm_create(&again, &(mp_shm_opts_t){.name = mp_shm_name(shm), .size = 4096});
    if (rc != MP_EEXIST)
        return mp_task_fail(t, MP_ESTATE, "a second create of %s returned %s", mp_shm_name(shm),
                            mp_err_name(rc));
    if (write_file_atomic(ctl.path, names) < 0)
        return mp_task_fail(t, MP_ESYS, "cannot write %s", ctl.path);
    sleep_s(ctl.seconds);
    return 0;
}

/* The library's write helper on a pipe whose reader is gone, with SIGPIPE
 * at its default (which ends the process): returns the code it got. */
int task_trk_write_dead_pipe(mp_task_t *t)
{
    int p[2];
    if (pipe(p) < 0)
        return mp_task_fail(t, MP_ESYS, "pipe failed");
    close(p[0]);
    signal(SIGPIPE, SIG_DFL);
    int rc = mp__posix_write_all(p[1], "x", 1);
    close(p[1]);
    return mp_task_return_i64(t, rc);
}

/* Listen on a fresh Unix address (its private directory made by the
 * library), write the address to ctl.path, and sleep ctl.seconds: the
 * parent kills it, and the directory is left for the next program. */
int task_trk_listen_sleep(mp_task_t *t)
{
    ctl_arg_t ctl;
    int rc = task_arg_struct(t, &ctl, sizeof ctl, "ctl_arg_t");
    mp_listener_t *l = NULL;
    if (rc < 0 || (rc = mp_listener_create(&l, NULL)) < 0)
        return rc < 0 ? mp_task_fail(t, rc, "mp_listener_create: %s", mp_errdetail()) : rc;
    if (write_file_atomic(ctl.path, mp_listener_address(l)) < 0)
        return mp_task_fail(t, MP_ESYS, "cannot write %s", ctl.path);
    sleep_s(ctl.seconds);
    mp_listener_destroy(l);
    return 0;
}
