/* The task runner (mp_runner.h): attach objects, look a task up, run it,
 * and turn what it did into the result record the parent decodes. It keeps
 * no state between runs, so one-shot children, worker loops and manager
 * servers share it. */
#include "mp_runner.h"

#include <stdio.h>
#include <string.h>

int mp__runner_attach(const mp__boot_object_t *descs, size_t n, const mp_sentinel_t *handles,
                      size_t nhandles, mp__object_t **objects)
{
    for (size_t i = 0; i < n; i++) {
        const mp__boot_object_t *o = &descs[i];
        const mp__kind_t *kind = mp__kind_by_id(o->kind);
        int rc = MP_EBOOTSTRAP;
        if (kind && o->first_handle <= nhandles && o->nhandles <= nhandles - o->first_handle)
            rc = kind->attach(kind, o->bytes, o->len, handles + o->first_handle, o->nhandles,
                              &objects[i]);
        if (rc < 0) {
            /* A process that goes on (a worker) must not keep half a set. */
            mp__runner_detach(objects, i);
            return rc == MP_ENOMEM ? rc : MP_EBOOTSTRAP;
        }
    }
    return 0;
}

void mp__runner_detach(mp__object_t **objects, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mp__object_destroy(objects[i]);
}

int mp__runner_run(mp__run_t *run, const char *name, const void *arg, size_t arg_len,
                   mp__object_t **objects, size_t nobjects)
{
    *run = (mp__run_t){.task = {.name = name,
                                .arg = arg,
                                .arg_len = arg_len,
                                .objects = objects,
                                .nobjects = nobjects}};
    mp_task_t *task = &run->task;
    task->message = task->message_storage;
    mp__buf_use(&task->value, task->value_storage, sizeof task->value_storage);
    mp_task_fn fn = mp__task_lookup(name);
    if (!fn) {
        /* The message lives in the task's slot, which no task fills here. */
        snprintf(task->message_storage, sizeof task->message_storage,
                 "no task named '%.200s' in this program's task table", name ? name : "");
        run->result = (mp__result_t){.boot_error = MP_ENOTASK, .message = task->message};
        return run->rc = MP_ENOTASK;
    }
    int rc = run->rc = fn(task);
    if (rc < 0 && !task->message[0])
        snprintf(task->message_storage, sizeof task->message_storage, "%s (%s)", mp_strerror(rc),
                 mp_err_name(rc));
    run->result = (mp__result_t){
        .task_error = rc < 0 ? rc : 0,
        .message = rc < 0 ? task->message : "",
        .has_value = task->has_value,
        .value = task->value.data,
        .value_len = task->value.len,
    };
    return rc;
}

void mp__runner_release(mp__run_t *run)
{
    mp__buf_free(&run->task.value);
    mp__task_message_free(&run->task);
    run->result = (mp__result_t){.message = ""};
}
