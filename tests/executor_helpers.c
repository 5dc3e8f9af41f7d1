/* The parent's side of the executor suites: executors, gates, and checks
 * of a future's outcome (executor_helpers.h). */
#include "executor_helpers.h"

#include <stdio.h>
#include <string.h>

#include "sync_helpers.h" /* poll_until */

const char *kind_name(mp_executor_kind_t kind)
{
    return kind == MP_EXECUTOR_THREADS ? "threads" : "processes";
}

mp_executor_t *start_executor_opts(const mp_executor_opts_t *opts)
{
    mp_executor_t *ex = NULL;
    if (!EXPECT_RC(mp_executor_create(&ex, opts), 0))
        return NULL;
    return ex;
}

mp_executor_t *start_executor(mp_executor_kind_t kind, int max_workers)
{
    mp_executor_opts_t opts = {.kind = kind, .max_workers = max_workers};
    if (kind == MP_EXECUTOR_PROCESSES)
        opts.context = method_context();
    return start_executor_opts(&opts);
}

mp_future_t *submit_i64(mp_executor_t *ex, const char *task, int64_t value)
{
    mp_future_t *f = NULL;
    if (!ex || !EXPECT_RC(mp_executor_submit_i64(ex, &f, task, value), 0))
        return NULL;
    return f;
}

void destroy_futures(mp_future_t **fs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mp_future_destroy(fs[i]);
}

bool expect_result_i64(mp_future_t *f, int64_t want, const char *file, int line)
{
    int64_t got = 0;
    int rc = f ? mp_future_result_i64(f, EXEC_WAIT_S, &got) : MP_EINVAL;
    int code = 0;
    const char *message = "";
    if (rc == MP_ETASK)
        mp_future_error(f, 0, &code, &message);
    return check_true(rc == 0 && got == want, file, line,
                      "result %s (task error %s: %.200s), %lld, expected %lld", mp_err_name(rc),
                      mp_err_name(code), message, (long long)got, (long long)want);
}

bool expect_task_error(mp_future_t *f, int code, const char *prefix, const char *file, int line)
{
    int rc = f ? mp_future_result(f, EXEC_WAIT_S, NULL, NULL) : MP_EINVAL;
    int got_code = 0;
    const char *message = NULL;
    int erc = f ? mp_future_error(f, 0, &got_code, &message) : MP_EINVAL;
    bool ok = rc == MP_ETASK && erc == 0 && got_code == code && message &&
              strncmp(message, prefix, strlen(prefix)) == 0;
    return check_true(ok, file, line,
                      "result %s, error %s with code %d (%s) and message \"%.200s\"; expected "
                      "MP_ETASK, 0, code %d (%s), a message starting \"%s\"",
                      mp_err_name(rc), mp_err_name(erc), got_code, mp_err_name(got_code),
                      message ? message : "(null)", code, mp_err_name(code), prefix);
}

bool expect_cancelled(mp_future_t *f, const char *file, int line)
{
    int rc = mp_future_result(f, 0, NULL, NULL);
    int erc = mp_future_error(f, 0, NULL, NULL);
    int done = mp_future_is_done(f), cancelled = mp_future_is_cancelled(f);
    int running = mp_future_is_running(f);
    return check_true(rc == MP_ECANCELLED && erc == MP_ECANCELLED && done == 1 && cancelled == 1 &&
                          running == 0,
                      file, line,
                      "result %s, error %s, done %d, cancelled %d, running %d: expected "
                      "MP_ECANCELLED twice, done and cancelled, not running",
                      mp_err_name(rc), mp_err_name(erc), done, cancelled, running);
}

bool expect_state(mp_future_t *f, int done, int running, int cancelled, const char *file, int line)
{
    int d = mp_future_is_done(f), r = mp_future_is_running(f), c = mp_future_is_cancelled(f);
    return check_true(d == done && r == running && c == cancelled, file, line,
                      "done %d running %d cancelled %d, expected %d %d %d", d, r, c, done, running,
                      cancelled);
}

/* ---- gated tasks ------------------------------------------------------ */

bool gate_make(exec_gate_t *g)
{
    g->opened = false;
    g->dir[0] = '\0';
    char dir[sizeof g->dir + 64];
    if (!make_temp_dir(dir, sizeof dir))
        return false;
    if (!EXPECT(strlen(dir) < sizeof g->dir, "temporary folder name too long: %s", dir)) {
        remove_tree(dir);
        return false;
    }
    memcpy(g->dir, dir, strlen(dir) + 1);
    return true;
}

mp_future_t *gate_submit(mp_executor_t *ex, const exec_gate_t *g, int64_t id)
{
    ctl_arg_t ctl = make_ctl(g->dir, id, 0);
    mp_future_t *f = NULL;
    if (!ex || !EXPECT_RC(mp_executor_submit(ex, &f, "task_exec_gate", &ctl, sizeof ctl), 0))
        return NULL;
    return f;
}

/* The path of gated task `id`'s "started" file. */
static void started_path(const exec_gate_t *g, int64_t id, char *out, size_t size)
{
    snprintf(out, size, EXEC_GATE_STARTED_FMT, g->dir, (long long)id);
}

bool gate_started(const exec_gate_t *g, int64_t id)
{
    char path[TASK_STR + 32], buf[16];
    started_path(g, id, path, sizeof path);
    return read_text_file(path, buf, sizeof buf) >= 0;
}

bool gate_wait_started(const exec_gate_t *g, int64_t id)
{
    char path[TASK_STR + 32], buf[16];
    started_path(g, id, path, sizeof path);
    return EXPECT(wait_for_file(path, EXEC_WAIT_S, buf, sizeof buf),
                  "gated task %lld did not start within %.0f s", (long long)id, EXEC_WAIT_S);
}

void gate_open(exec_gate_t *g)
{
    if (!g->dir[0] || g->opened)
        return;
    char path[TASK_STR + 32];
    snprintf(path, sizeof path, EXEC_GATE_GO_FMT, g->dir);
    g->opened = EXPECT(write_file_atomic(path, "go\n") == 0, "cannot write %s", path);
}

void gate_remove(exec_gate_t *g)
{
    gate_open(g);
    remove_tree(g->dir);
    g->dir[0] = '\0';
}

bool held_start(held_executor_t *h, mp_executor_kind_t kind, int max_workers, int n_queued)
{
    memset(h, 0, sizeof *h);
    if (!EXPECT(n_queued <= HELD_QUEUED_MAX, "%d queued tasks", n_queued) || !gate_make(&h->gate))
        return false;
    if (!(h->ex = start_executor(kind, max_workers)) ||
        !(h->held = gate_submit(h->ex, &h->gate, 0)))
        return false;
    for (; h->n_queued < n_queued; h->n_queued++)
        if (!(h->queued[h->n_queued] = gate_submit(h->ex, &h->gate, h->n_queued + 1)))
            return false;
    return gate_wait_started(&h->gate, 0);
}

mp_future_t *held_last(const held_executor_t *h)
{
    return h->n_queued ? h->queued[h->n_queued - 1] : NULL;
}

void held_end(held_executor_t *h)
{
    gate_open(&h->gate);
    mp_executor_destroy(h->ex);
    h->ex = NULL;
    gate_remove(&h->gate);
    mp_future_destroy(h->held);
    h->held = NULL;
    destroy_futures(h->queued, (size_t)h->n_queued);
    h->n_queued = 0;
}

bool has_number(const char *text, long long n)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%lld", n < 0 ? -n : n);
    size_t len = strlen(digits);
    for (const char *p = strstr(text, digits); p; p = strstr(p + 1, digits)) {
        bool starts = p == text || p[-1] < '0' || p[-1] > '9';
        bool ends = p[len] < '0' || p[len] > '9';
        if (starts && ends)
            return true;
    }
    return false;
}

bool whoami_of(mp_future_t *f, exec_whoami_t *w)
{
    const void *data = NULL;
    size_t len = 0;
    int rc = f ? mp_future_result(f, EXEC_WAIT_S, &data, &len) : MP_EINVAL;
    if (!EXPECT(rc == 0 && len == sizeof *w, "whoami: %s, %zu bytes", mp_err_name(rc), len))
        return false;
    memcpy(w, data, sizeof *w); /* a result's bytes need not be aligned */
    return true;
}
