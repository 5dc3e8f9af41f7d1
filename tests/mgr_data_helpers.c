/* The parent's helpers of the manager container suites (mgr_data_tasks.h):
 * a manager per test, scratch values, and assertions on what a value or a
 * whole container prints as (Python's repr, which says type and value in
 * one string: ['a', 1] is not ['a', 1.0]). */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "mgr_data_tasks.h"
#include "queue_helpers.h" /* queue_child_ok(): join a child, print its failure */

/* The longest repr an assertion compares; longer ones fail as "too long". */
enum { REPR_MAX = 4096, SCRATCH_MAX = 128 };

static mp_var_t *scratch[SCRATCH_MAX];
static size_t nscratch;

/* The slot the V() being evaluated packs into. */
static mp_var_t **last_slot;
/* Where a V() past SCRATCH_MAX packs (freed at once by scratch_kept). */
static mp_var_t *overflow;

mp_var_t **scratch_slot(void)
{
    last_slot = nscratch < SCRATCH_MAX ? &scratch[nscratch++] : &overflow;
    *last_slot = NULL;
    return last_slot;
}

const mp_var_t *scratch_kept(int rc, const char *args)
{
    bool ok = EXPECT(rc == 0 && last_slot != &overflow, "V(%s): %s: %s", args, mp_err_name(rc),
                     mp_errdetail());
    if (!ok) {
        mp_var_free(*last_slot);
        *last_slot = NULL;
    }
    return *last_slot;
}

void scratch_free(void)
{
    while (nscratch > 0)
        mp_var_free(scratch[--nscratch]);
}

void mgr_done(mp_manager_t *m, mp_proxy_t *a, mp_proxy_t *b)
{
    scratch_free();
    mp_proxy_destroy(a);
    mp_proxy_destroy(b);
    mp_manager_destroy(m);
}

bool expect_repr(mp_var_t *v, const char *want, const char *expr, const char *file, int line)
{
    char buf[REPR_MAX];
    int rc = v ? mp_var_repr(v, buf, sizeof buf, NULL) : MP_EINVAL;
    mp_var_free(v);
    if (rc != 0)
        return check_true(false, file, line, "%s: no repr (%s)", expr, mp_err_name(rc));
    return check_true(strcmp(buf, want) == 0, file, line, "%s is %s, expected %s", expr, buf, want);
}

bool expect_list(mp_proxy_t *l, const char *want, const char *file, int line)
{
    mp_var_t *v = NULL;
    int rc = mp_list_copy(l, &v);
    if (!check_true(rc == 0, file, line, "mp_list_copy: %s: %s", mp_err_name(rc), mp_errdetail()))
        return false;
    return expect_repr(v, want, "the list", file, line);
}

bool expect_dict(mp_proxy_t *d, const char *want, const char *file, int line)
{
    mp_var_t *v = NULL;
    int rc = mp_dict_copy(d, &v);
    if (!check_true(rc == 0, file, line, "mp_dict_copy: %s: %s", mp_err_name(rc), mp_errdetail()))
        return false;
    return expect_repr(v, want, "the dict", file, line);
}

bool run_proxy_child(const char *task, int64_t arg, mp_proxy_t *a, mp_proxy_t *b)
{
    void *const objects[2] = {a, b};
    mp_process_t *p = start_process(&(mp_process_opts_t){
        .task = task, MP_ARG_I64(arg), .objects = objects, .nobjects = b ? 2 : 1});
    bool ok = queue_child_ok(p);
    mp_process_destroy(p);
    return ok;
}

bool run_racers(const char *task, mp_proxy_t *p, int n)
{
    return run_racers_with(task, p, NULL, n);
}

bool run_racers_with(const char *task, mp_proxy_t *a, mp_proxy_t *b, int n)
{
    enum { RACERS_MAX = 8 };
    mp_process_t *child[RACERS_MAX] = {NULL};
    void *const objects[2] = {a, b};
    bool ok = EXPECT(n <= RACERS_MAX, "%d racers, at most %d", n, RACERS_MAX);
    /* all started before any is joined: they run at the same time */
    for (int c = 0; ok && c < n; c++)
        child[c] = start_process(&(mp_process_opts_t){
            .task = task, MP_ARG_I64(c + 1), .objects = objects, .nobjects = b ? 2 : 1});
    for (int c = 0; c < n && c < RACERS_MAX; c++) {
        ok = queue_child_ok(child[c]) && ok; /* a child that did not start is NULL: false */
        mp_process_destroy(child[c]);
    }
    return ok;
}

bool expect_detail(const char *part, const char *file, int line)
{
    const char *d = mp_errdetail();
    return check_true(d && strstr(d, part), file, line,
                      "mp_errdetail() is \"%s\", expected it to "
                      "contain \"%s\"",
                      d ? d : "(null)", part);
}
