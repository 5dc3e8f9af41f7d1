/* The tasks of the synchronisation and shared-memory suites (issue 4):
 * scripts of lock/semaphore/event/condition calls, barrier parties, value
 * writers, shared-memory exchanges and the tracker scenarios. Like every
 * task they never assert: they report what each call returned (result
 * bytes, exit code, or a file when the test means to kill them) and the
 * test in the parent judges. */
#include "sync_tasks.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h> /* getpid, access: mingw-w64 has them too */

#include "platform.h" /* die_now, tracker_journal_id */

/* ---- scripts --------------------------------------------------------- */

/* The object types scripts use, for the child's typed getters. */
typedef enum obj_type { T_NONE, T_LOCK, T_RLOCK, T_SEM, T_EVENT, T_COND } obj_type_t;

static obj_type_t op_type(int32_t op)
{
    switch ((sync_op_t)op) {
    case OP_END:
    case OP_SLEEP: return T_NONE;
    case OP_LOCK_ACQUIRE:
    case OP_LOCK_TRY:
    case OP_LOCK_RELEASE:
    case OP_LOCK_LOCKED: return T_LOCK;
    case OP_RLOCK_ACQUIRE:
    case OP_RLOCK_RELEASE:
    case OP_RLOCK_LOCKED: return T_RLOCK;
    case OP_SEM_ACQUIRE:
    case OP_SEM_RELEASE: return T_SEM;
    case OP_EVENT_SET:
    case OP_EVENT_CLEAR:
    case OP_EVENT_IS_SET:
    case OP_EVENT_WAIT: return T_EVENT;
    case OP_COND_ACQUIRE:
    case OP_COND_RELEASE:
    case OP_COND_WAIT:
    case OP_COND_NOTIFY: return T_COND;
    }
    return T_NONE;
}

/* A child's object `index` through the getter of `type`: the getters are
 * part of what the scripts exercise (and check the type). */
static int task_object(const mp_task_t *task, obj_type_t type, size_t index, void **out)
{
    int rc = MP_EINVAL;
    switch (type) {
    case T_NONE: return 0;
    case T_LOCK: {
        mp_lock_t *o = NULL;
        rc = mp_task_lock(task, index, &o);
        *out = o;
        break;
    }
    case T_RLOCK: {
        mp_rlock_t *o = NULL;
        rc = mp_task_rlock(task, index, &o);
        *out = o;
        break;
    }
    case T_SEM: {
        mp_semaphore_t *o = NULL;
        rc = mp_task_semaphore(task, index, &o);
        *out = o;
        break;
    }
    case T_EVENT: {
        mp_event_t *o = NULL;
        rc = mp_task_event(task, index, &o);
        *out = o;
        break;
    }
    case T_COND: {
        mp_condition_t *o = NULL;
        rc = mp_task_condition(task, index, &o);
        *out = o;
        break;
    }
    }
    return rc;
}

/* One call; the object has the type op_type() says. */
static int run_step(const sync_step_t *st, void *obj)
{
    double a = st->arg;
    switch ((sync_op_t)st->op) {
    case OP_END: return 0;
    case OP_SLEEP: sleep_s(a); return 0;
    case OP_LOCK_ACQUIRE: return mp_lock_acquire(obj, a);
    case OP_LOCK_TRY: return mp_lock_acquire(obj, 0);
    case OP_LOCK_RELEASE: return mp_lock_release(obj);
    case OP_LOCK_LOCKED: return mp_lock_is_locked(obj);
    case OP_RLOCK_ACQUIRE: return mp_rlock_acquire(obj, a);
    case OP_RLOCK_RELEASE: return mp_rlock_release(obj);
    case OP_RLOCK_LOCKED: return mp_rlock_is_locked(obj);
    case OP_SEM_ACQUIRE: return mp_semaphore_acquire(obj, a);
    case OP_SEM_RELEASE: return mp_semaphore_release(obj);
    case OP_EVENT_SET: return mp_event_set(obj);
    case OP_EVENT_CLEAR: return mp_event_clear(obj);
    case OP_EVENT_IS_SET: return mp_event_is_set(obj);
    case OP_EVENT_WAIT: return mp_event_wait(obj, a);
    case OP_COND_ACQUIRE: return mp_condition_acquire(obj, a);
    case OP_COND_RELEASE: return mp_condition_release(obj);
    case OP_COND_WAIT: return mp_condition_wait(obj, a);
    case OP_COND_NOTIFY: return mp_condition_notify(obj, (unsigned)a);
    }
    return MP_EINVAL;
}

void sync_script_run(const sync_script_t *script, const mp_task_t *task, void *const *handles,
                     size_t nhandles, script_rcs_t *out)
{
    size_t i = 0;
    for (; i < SCRIPT_STEPS && script->steps[i].op != OP_END; i++) {
        const sync_step_t *st = &script->steps[i];
        void *obj = NULL;
        int rc = 0;
        if (task)
            rc = task_object(task, op_type(st->op), st->obj, &obj);
        else if (st->obj < nhandles)
            obj = handles[st->obj];
        else if (op_type(st->op) != T_NONE)
            rc = MP_EINVAL;
        out->rc[i] = rc < 0 ? rc : run_step(st, obj);
        /* Without its object the rest of the script is meaningless (and
         * may wait for something that never comes). */
        if (rc < 0) {
            i++;
            break;
        }
    }
    for (; i < SCRIPT_STEPS; i++)
        out->rc[i] = script->steps[i].op == OP_END ? 0 : STEP_NOT_RUN;
}

/* Runs the sync_script_t it is given on its objects; returns every step's
 * code (script_rcs_t). */
int task_sync_script(mp_task_t *t)
{
    sync_script_t script;
    int rc = task_arg_struct(t, &script, sizeof script, "sync_script_t");
    if (rc < 0)
        return rc;
    script_rcs_t rcs;
    sync_script_run(&script, t, NULL, 0, &rcs);
    return mp_task_return(t, &rcs, sizeof rcs);
}

/* ---- conditions -------------------------------------------------------- */

int value_reaches(void *ctx)
{
    const value_target_t *target = ctx;
    int64_t v = 0;
    return mp_value_get_i64(target->value, 0, &v) == 0 && v == target->want;
}

/* CPython's _test_waitfor_f: under the condition (object 0), set the
 * Value (object 1) to 0 and notify, then wait_for it to reach 4. Exits
 * with 0 when it did, 2 when wait_for returned with another value. */
int task_cond_wait_for_four(mp_task_t *t)
{
    mp_condition_t *cond;
    mp_value_t *state;
    int rc = mp_task_condition(t, 0, &cond);
    if (rc == 0)
        rc = mp_task_value(t, 1, &state);
    if (rc == 0)
        rc = mp_condition_acquire(cond, MP_FOREVER);
    if (rc < 0)
        return mp_task_fail(t, rc, "setup: %s", mp_errdetail());
    value_target_t target = {.value = state, .want = WAIT_FOR_TARGET};
    if ((rc = mp_value_set_i64(state, 0, 0)) == 0 && (rc = mp_condition_notify(cond, 1)) == 0)
        rc = mp_condition_wait_for(cond, value_reaches, &target, 30.0);
    int ok = value_reaches(&target);
    int released = mp_condition_release(cond);
    if (rc < 0 || released < 0)
        return mp_task_fail(t, rc < 0 ? rc : released, "wait_for: %s", mp_errdetail());
    return ok ? 0 : 2;
}

/* ---- barriers ---------------------------------------------------------- */

mp_value_t *barrier_action_counter;

/* A party of a barrier (object 0): waits `rounds` times. For each round
 * it adds 1 << its index to element `round` of the Value array at object
 * 1, when given: each round must then sum to 2^parties - 1, which happens
 * only when the indices were exactly 0..parties-1. Object 2, when given, is
 * the counter task_barrier_action adds to. Returns (as an int64 result) 0,
 * or the first wait's error code. */
int task_barrier_party(mp_task_t *t)
{
    barrier_arg_t a;
    mp_barrier_t *b;
    int rc = task_arg_struct(t, &a, sizeof a, "barrier_arg_t");
    if (rc == 0 && (rc = mp_task_barrier(t, 0, &b)) < 0)
        rc = mp_task_fail(t, rc, "mp_task_barrier: %s", mp_errdetail());
    if (rc < 0)
        return rc;
    /* Objects 1 and 2 are optional: a getter's MP_EINVAL means "not given". */
    mp_value_t *masks = NULL;
    if (mp_task_value(t, 1, &masks) < 0)
        masks = NULL;
    if (mp_task_value(t, 2, &barrier_action_counter) < 0)
        barrier_action_counter = NULL;
    sleep_s(a.delay);
    int64_t result = 0;
    for (int64_t r = 0; r < a.rounds && result == 0; r++) {
        unsigned index = UINT_MAX;
        result = mp_barrier_wait(b, a.timeout, &index);
        if (result == 0 && masks && index < 63 &&
            (rc = mp_value_add_i64(masks, (size_t)r, (int64_t)1 << index, NULL)) < 0)
            return mp_task_fail(t, rc, "recording round %lld: %s", (long long)r, mp_errdetail());
    }
    return mp_task_return_i64(t, result);
}

/* A barrier action: adds 1 to barrier_action_counter in whichever party
 * runs it; MP_ESTATE (breaking the barrier) when that party has none. */
int task_barrier_action(mp_task_t *t)
{
    (void)t;
    return barrier_action_counter ? mp_value_add_i64(barrier_action_counter, 0, 1, NULL)
                                  : MP_ESTATE;
}

/* A barrier action that fails: the barrier must break. */
int task_barrier_action_fail(mp_task_t *t)
{
    (void)t;
    return MP_EINVAL;
}

/* ---- values ------------------------------------------------------------ */

/* Doubles a char array holding a string, as CPython's `string.value *= 2`
 * on a c_char array (truncated to the array, NUL included). */
static int double_string(mp_value_t *v)
{
    mp_rlock_t *lock = NULL;
    int rc = mp_value_lock(v, &lock);
    if (rc == MP_ENOTSUP)
        lock = NULL; /* a raw array: nothing to hold */
    else if (rc < 0 || (rc = mp_rlock_acquire(lock, MP_FOREVER)) < 0)
        return rc;
    char *s = mp_value_ptr(v);
    size_t cap = mp_value_length(v), n = strnlen(s, cap);
    for (size_t i = 0; i < n && n + i + 1 < cap; i++)
        s[n + i] = s[i];
    s[n * 2 + 1 <= cap ? n * 2 : cap - 1] = '\0';
    return lock ? mp_rlock_release(lock) : 0;
}

/* Doubles every element of every Value it is given (integers exactly as
 * int64, floating point as double; char arrays as strings); returns how
 * many values it saw. */
int task_value_double(mp_task_t *t)
{
    int64_t count = 0;
    mp_value_t *v;
    for (size_t i = 0; mp_task_value(t, i, &v) == 0; i++, count++) {
        int type = mp_value_type(v), rc = 0;
        size_t n = mp_value_length(v);
        if (type == MP_CHAR && n > 1) {
            rc = double_string(v);
        } else {
            for (size_t j = 0; j < n && rc == 0; j++) {
                int64_t k;
                double d;
                if (type == MP_FLOAT || type == MP_DOUBLE)
                    rc = mp_value_get_double(v, j, &d) < 0 ? MP_EINVAL
                                                           : mp_value_set_double(v, j, d * 2);
                else
                    rc = mp_value_get_i64(v, j, &k) < 0
                             ? MP_EINVAL
                             : mp_value_set_i64(v, j, (int64_t)((uint64_t)k * 2));
            }
        }
        if (rc < 0)
            return mp_task_fail(t, rc, "value #%zu: %s", i, mp_errdetail());
    }
    return mp_task_return_i64(t, count);
}

/* Adds 1 to element 0 of the Value at object 0, `times` times, the way
 * incr_mode_t says. */
int task_value_increment(mp_task_t *t)
{
    incr_arg_t a;
    mp_value_t *v;
    mp_rlock_t *own = NULL;
    mp_lock_t *other = NULL;
    int rc = task_arg_struct(t, &a, sizeof a, "incr_arg_t");
    if (rc == 0)
        rc = mp_task_value(t, 0, &v);
    if (rc == 0 && (a.mode == INCR_PTR || a.mode == INCR_GET_SET))
        rc = mp_value_lock(v, &own);
    if (rc == 0 && a.mode == INCR_LOCKED_RAW)
        rc = mp_task_lock(t, 1, &other);
    if (rc < 0)
        return mp_task_fail(t, rc, "setup: %s", mp_errdetail());
    int64_t *p = mp_value_ptr(v), k = 0;
    for (int64_t i = 0; i < a.times && rc == 0; i++) {
        switch ((incr_mode_t)a.mode) {
        case INCR_ADD: rc = mp_value_add_i64(v, 0, 1, NULL); break;
        case INCR_PTR:
            if ((rc = mp_rlock_acquire(own, MP_FOREVER)) == 0) {
                ++*p;
                rc = mp_rlock_release(own);
            }
            break;
        case INCR_GET_SET:
            if ((rc = mp_rlock_acquire(own, MP_FOREVER)) == 0) {
                if ((rc = mp_value_get_i64(v, 0, &k)) == 0)
                    rc = mp_value_set_i64(v, 0, k + 1);
                int released = mp_rlock_release(own);
                rc = rc < 0 ? rc : released;
            }
            break;
        case INCR_LOCKED_RAW:
            if ((rc = mp_lock_acquire(other, MP_FOREVER)) == 0) {
                ++*p;
                rc = mp_lock_release(other);
            }
            break;
        default: rc = MP_EINVAL;
        }
    }
    return rc < 0 ? mp_task_fail(t, rc, "increment: %s", mp_errdetail()) : 0;
}

/* CPython's _test_array child: `seq[i] += seq[i-1]` for every i of the
 * array at object 0, under its lock when it has one. */
int task_prefix_sums(mp_task_t *t)
{
    mp_value_t *v;
    mp_rlock_t *lock = NULL;
    int rc = mp_task_value(t, 0, &v);
    if (rc == 0 && (rc = mp_value_lock(v, &lock)) == MP_ENOTSUP)
        rc = 0, lock = NULL;
    if (rc == 0 && lock)
        rc = mp_rlock_acquire(lock, MP_FOREVER);
    for (size_t i = 1; rc == 0 && i < mp_value_length(v); i++) {
        int64_t prev, cur;
        if ((rc = mp_value_get_i64(v, i - 1, &prev)) == 0 &&
            (rc = mp_value_get_i64(v, i, &cur)) == 0)
            rc = mp_value_set_i64(v, i, cur + prev);
    }
    if (rc == 0 && lock)
        rc = mp_rlock_release(lock);
    return rc < 0 ? mp_task_fail(t, rc, "prefix sums: %s", mp_errdetail()) : 0;
}

/* ---- shared memory ------------------------------------------------------ */

/* Reads the string at the start of a segment (object 0, or attached by
 * shm_msg_t.name), writes shm_msg_t.text there, and returns what it read:
 * writes must show both ways. */
int task_shm_exchange(mp_task_t *t)
{
    shm_msg_t m;
    mp_shm_t *shm = NULL;
    int rc = task_arg_struct(t, &m, sizeof m, "shm_msg_t");
    if (rc < 0)
        return rc;
    rc = m.name[0] ? mp_shm_attach(&shm, m.name, NULL) : mp_task_shm(t, 0, &shm);
    if (rc < 0)
        return mp_task_fail(t, rc, "getting the segment: %s", mp_errdetail());
    char *data = mp_shm_data(shm), seen[sizeof m.text];
    size_t size = mp_shm_size(shm);
    if (!data || size < sizeof m.text)
        rc = mp_task_fail(t, MP_ESTATE, "segment of %zu bytes at %p", size, (void *)data);
    if (rc == 0) {
        snprintf(seen, sizeof seen, "%.*s", (int)sizeof seen - 1, data);
        memcpy(data, m.text, sizeof m.text);
        rc = mp_task_return_str(t, seen);
    }
    /* Ours only when we attached it; a task's object belongs to the task. */
    if (m.name[0])
        mp_shm_destroy(shm);
    return rc;
}

/* Reads the SL_* slots of a list (object 0, or attached by the name in its
 * string argument, "" for object 0), writes the SL_CHILD_* values, and
 * returns what it read (shlist_seen_t). */
int task_shlist_exchange(mp_task_t *t)
{
    const char *name;
    mp_shlist_t *list = NULL;
    int rc = mp_task_arg_str(t, &name);
    if (rc == 0)
        rc = name[0] ? mp_shlist_attach(&list, name, NULL) : mp_task_shlist(t, 0, &list);
    if (rc < 0)
        return mp_task_fail(t, rc, "getting the list: %s", mp_errdetail());
    shlist_seen_t seen;
    memset(&seen, 0, sizeof seen);
    size_t len = 0;
    if ((rc = mp_shlist_get_i64(list, SL_I64, &seen.i64)) == 0 &&
        (rc = mp_shlist_get_double(list, SL_DOUBLE, &seen.dbl)) == 0 &&
        (rc = mp_shlist_get_bytes(list, SL_STR, seen.str, sizeof seen.str, &len)) == 0 &&
        (rc = mp_shlist_get_bytes(list, SL_BYTES, seen.bytes, sizeof seen.bytes, &len)) == 0 &&
        (rc = mp_shlist_set_i64(list, SL_I64, SL_CHILD_I64)) == 0 &&
        (rc = mp_shlist_set_double(list, SL_DOUBLE, SL_CHILD_DOUBLE)) == 0 &&
        (rc = mp_shlist_set_bytes(list, SL_STR, SL_CHILD_STR, strlen(SL_CHILD_STR))) == 0)
        rc = mp_shlist_set_bytes(list, SL_BYTES, SL_CHILD_BYTES, SL_CHILD_BYTES_LEN);
    seen.bytes_len = (int64_t)len;
    if (name[0])
        mp_shlist_destroy(list);
    return rc < 0 ? mp_task_fail(t, rc, "list access: %s", mp_errdetail())
                  : mp_task_return(t, &seen, sizeof seen);
}

/* Attaches the segment shm_ctl_t.name (or, when the name is "", takes
 * object 0), writes "<pid>\n" to ctl.path, and sleeps ctl.seconds with the
 * segment mapped (the test kills it). */
int task_shm_attach_sleep(mp_task_t *t)
{
    shm_ctl_t a;
    mp_shm_t *shm = NULL;
    int rc = task_arg_struct(t, &a, sizeof a, "shm_ctl_t");
    if (rc < 0)
        return rc;
    rc = a.name[0] ? mp_shm_attach(&shm, a.name, NULL) : mp_task_shm(t, 0, &shm);
    if (rc < 0)
        return mp_task_fail(t, rc, "getting segment '%s': %s", a.name, mp_errdetail());
    char text[32];
    snprintf(text, sizeof text, "%lld\n", (long long)getpid());
    if (write_file_atomic(a.ctl.path, text) < 0)
        return mp_task_fail(t, MP_ESYS, "cannot write %s", a.ctl.path);
    sleep_s(a.ctl.seconds);
    if (a.name[0]) /* a task's own object is not ours to destroy */
        mp_shm_destroy(shm);
    return 0;
}

/* ---- the tracker --------------------------------------------------------- */

/* Creates ctl.n named segments (generated names), a Value and a Lock (which
 * it holds), unlinks the first segment when there are two, writes the
 * names, one per line, to ctl.path, then sleeps ctl.seconds (the test kills
 * it), or with 0 returns at once: either way it never unlinks the rest. */
int task_leak_creator(mp_task_t *t)
{
    ctl_arg_t ctl;
    int rc = task_arg_struct(t, &ctl, sizeof ctl, "ctl_arg_t");
    if (rc < 0)
        return rc;
    char names[4 * (MP_SHM_NAME_MAX + 2)] = "";
    for (int64_t i = 0; i < ctl.n && i < 4; i++) {
        mp_shm_t *shm;
        if ((rc = mp_shm_create(&shm, &(mp_shm_opts_t){.size = 4096})) < 0)
            return mp_task_fail(t, rc, "mp_shm_create: %s", mp_errdetail());
        memset(mp_shm_data(shm), 0x5a, 4096);
        size_t used = strlen(names);
        snprintf(names + used, sizeof names - used, "%s\n", mp_shm_name(shm));
        if (i == 0 && ctl.n >= 2 && (rc = mp_shm_unlink(shm)) < 0)
            return mp_task_fail(t, rc, "mp_shm_unlink: %s", mp_errdetail());
    }
    mp_value_t *value;
    mp_lock_t *lock;
    if ((rc = mp_value_create(&value, &(mp_value_opts_t){.type = MP_INT64})) < 0 ||
        (rc = mp_lock_create(&lock, NULL)) < 0 || (rc = mp_lock_acquire(lock, 1.0)) < 0)
        return mp_task_fail(t, rc, "value and lock: %s", mp_errdetail());
    if (write_file_atomic(ctl.path, names) < 0)
        return mp_task_fail(t, MP_ESYS, "cannot write %s", ctl.path);
    sleep_s(ctl.seconds);
    return 0;
}

/* Poll for `path` to exist for up to `timeout` s (a task cannot use the
 * parent's helpers, which assert). */
static bool child_wait_for_file(const char *path, double timeout)
{
    for (double waited = 0; access(path, F_OK) != 0; waited += 0.01) {
        if (waited > timeout)
            return false;
        sleep_s(0.01);
    }
    return true;
}

/* The creator that dies while another process uses its segment: creates a
 * named segment, starts task_shm_attach_sleep as a grandchild (under
 * ctl.method) that attaches it by name (with ctl.n == 1: that is given it
 * through MP_OBJECTS instead), waits until it has, destroys its own handle
 * without unlinking, writes "<name> <grandchild pid>\n" to ctl.path, and
 * dies at once (die_now(): an exit would join the grandchild). */
int task_leak_middle(mp_task_t *t)
{
    ctl_arg_t ctl;
    int rc = task_arg_struct(t, &ctl, sizeof ctl, "ctl_arg_t");
    mp_shm_t *shm = NULL;
    if (rc == 0 && (rc = mp_shm_create(&shm, &(mp_shm_opts_t){.size = 4096})) < 0)
        rc = mp_task_fail(t, rc, "mp_shm_create: %s", mp_errdetail());
    if (rc < 0)
        return rc;
    char name[MP_SHM_NAME_MAX + 1];
    snprintf(name, sizeof name, "%s", mp_shm_name(shm)); /* kept past the destroy */
    shm_ctl_t grand;
    memset(&grand, 0, sizeof grand);
    grand.ctl = ctl;
    snprintf(grand.ctl.path, sizeof grand.ctl.path, "%.*s.ready", TASK_STR - 8, ctl.path);
    if (ctl.n != 1)
        snprintf(grand.name, sizeof grand.name, "%s", name);
    mp_process_t *p = NULL;
    rc = start_grandchild(t, ctl.method,
                          (mp_process_opts_t){.task = "task_shm_attach_sleep",
                                              .arg = &grand,
                                              .arg_len = sizeof grand,
                                              .objects = (void *const[]){shm},
                                              .nobjects = ctl.n == 1},
                          &p);
    if (rc < 0)
        return rc;
    if (!child_wait_for_file(grand.ctl.path, 30.0))
        return mp_task_fail(t, MP_ETIMEDOUT, "the grandchild never attached");
    mp_pid_t pid = 0;
    mp_process_pid(p, &pid);
    mp_shm_destroy(shm);
    char text[64];
    snprintf(text, sizeof text, "%s %lld\n", name, (long long)pid);
    if (write_file_atomic(ctl.path, text) < 0)
        return mp_task_fail(t, MP_ESYS, "cannot write %s", ctl.path);
    die_now();
    return 0;
}

/* Returns which tracker journal this process has ("journal <dev>:<inode>",
 * the same text in every process that shares it), or "none" (always on
 * Windows, which needs no tracker). */
int task_tracker_pipe(mp_task_t *t)
{
    char target[128] = "none";
#if TEST_POSIX
    tracker_journal_id(target, sizeof target);
#endif
    return mp_task_return_str(t, target);
}

/* ---- getters with bad arguments -------------------------------------------- */

/* Given exactly one object, a Value, asks for it with every other getter,
 * beyond the end, and with NULL pointers; returns the names of the calls
 * that did not give MP_EINVAL ("" when all did). */
int task_getter_checks(mp_task_t *t)
{
    char failed[512] = "";
    mp_lock_t *lock;
    mp_rlock_t *rlock;
    mp_semaphore_t *sem;
    mp_event_t *event;
    mp_condition_t *cond;
    mp_barrier_t *barrier;
    mp_value_t *value;
    mp_shm_t *shm;
    mp_shlist_t *list;
#define CHECK(expr, want)                                                \
    do {                                                                 \
        if ((expr) != (want)) {                                          \
            size_t used = strlen(failed);                                \
            snprintf(failed + used, sizeof failed - used, "%s;", #expr); \
        }                                                                \
    } while (0)
    CHECK(mp_task_value(t, 0, &value), 0);
    CHECK(mp_task_lock(t, 0, &lock), MP_EINVAL);
    CHECK(mp_task_rlock(t, 0, &rlock), MP_EINVAL);
    CHECK(mp_task_semaphore(t, 0, &sem), MP_EINVAL);
    CHECK(mp_task_event(t, 0, &event), MP_EINVAL);
    CHECK(mp_task_condition(t, 0, &cond), MP_EINVAL);
    CHECK(mp_task_barrier(t, 0, &barrier), MP_EINVAL);
    CHECK(mp_task_shm(t, 0, &shm), MP_EINVAL);
    CHECK(mp_task_shlist(t, 0, &list), MP_EINVAL);
    CHECK(mp_task_value(t, 1, &value), MP_EINVAL);
    CHECK(mp_task_value(t, SIZE_MAX, &value), MP_EINVAL);
    CHECK(mp_task_value(t, 0, NULL), MP_EINVAL);
    CHECK(mp_task_value(NULL, 0, &value), MP_EINVAL);
    CHECK(mp_task_lock(NULL, 0, &lock), MP_EINVAL);
    CHECK(mp_task_shm(t, 0, NULL), MP_EINVAL);
#undef CHECK
    return mp_task_return_str(t, failed);
}
