/**
 * @file mp_process_impl.h
 * @brief The inside of a process handle, shared by process.c (its state
 *        machine) and children.c (the registry of live handles).
 */
#ifndef MP_PROCESS_IMPL_H
#define MP_PROCESS_IMPL_H

#include "mp_core.h"
#include "mp_object.h"
#include "mp_record.h"

typedef enum proc_state { CREATED, RUNNING, ENDED, CLOSED } proc_state_t;

struct mp_process {
    mp__object_t obj; /* a process handle is a handle like any other */
    char *task;
    void *arg;
    size_t arg_len;
    char *name;
    bool daemon;
    bool exit_with_parent;
    mp_context_t *context;
    const mp__start_method_t *method; /* resolved at start */
    proc_state_t state;
    mp__os_proc_t *os;
    mp__buf_t received; /* what the child sent: its result record */
    int exitcode;
    mp__result_t result;
    bool reported;               /* the child sent a well-formed result record */
    struct mp__object **objects; /* shareable objects for the child (not owned) */
    size_t nobjects;
};

/** @brief The child has ended: decode its report, drop the channel bytes. */
void mp__process_finish(mp_process_t *p);

/** @brief Keep a running child whose handle is destroyed, to reap it later. */
void mp__registry_detach(mp__os_proc_t *os, bool daemon);

#endif /* MP_PROCESS_IMPL_H */
