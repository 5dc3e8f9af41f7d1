/* bench_conn's libuv peer: the 64-byte ping-pong on each side's event loop,
 * the socketpair's end opened as a uv_pipe_t, uv_write() out and
 * uv_read_start()'s callback in, as a libuv program does it. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "bench_common.h"
#include "conn_peers.h"

/* One side of the exchange, shared by the parent and the echoing child. */
typedef struct side {
    uv_pipe_t pipe;
    const conn_peer_run_t *run;
    bool echo; /* the child: send back what came */
    char in[256], out[256];
    size_t have; /* bytes of the current message in `in` */
    int trips;   /* round trips done (the parent) */
    double t0;   /* when the timed ones began */
    bool failed;
} side_t;

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    (void)hint;
    side_t *s = h->data;
    /* Only what the current message lacks: a read never runs into the
     * next one, so a message is exactly one exchange. */
    *buf = uv_buf_init(s->in + s->have, (unsigned)(s->run->size - s->have));
}

static void on_written(uv_write_t *w, int status)
{
    side_t *s = w->data;
    free(w);
    if (status < 0) {
        s->failed = true;
        uv_close((uv_handle_t *)&s->pipe, NULL);
    }
}

/* Send `out` (the parent stamps it with the trip's number first), with a
 * request of its own, as libuv programs do: a request is busy until its
 * callback, which may run after the answer to this very message came. */
static void send_message(side_t *s)
{
    uv_buf_t b = uv_buf_init(s->out, (unsigned)s->run->size);
    uv_write_t *w = malloc(sizeof *w);
    if (w)
        w->data = s;
    if (!w || uv_write(w, (uv_stream_t *)&s->pipe, &b, 1, on_written) < 0) {
        free(w);
        s->failed = true;
        uv_close((uv_handle_t *)&s->pipe, NULL);
    }
}

static void stamp_and_send(side_t *s)
{
    if (s->trips == s->run->warmup)
        s->t0 = bench_now_us();
    memcpy(s->out, &s->trips, sizeof s->trips);
    send_message(s);
}

/* A whole message came: the child echoes it; the parent checks it and
 * starts the next trip, or stops after the last. */
static void on_message(side_t *s)
{
    s->have = 0;
    memcpy(s->out, s->in, s->run->size);
    if (s->echo) {
        send_message(s);
        return;
    }
    int back = -1;
    memcpy(&back, s->in, sizeof back);
    if (back != s->trips) {
        s->failed = true;
        uv_close((uv_handle_t *)&s->pipe, NULL);
        return;
    }
    if (++s->trips == s->run->warmup + s->run->iters)
        uv_close((uv_handle_t *)&s->pipe, NULL); /* the child reads end-of-file */
    else
        stamp_and_send(s);
}

static void on_read(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    side_t *s = stream->data;
    if (n < 0) {
        /* End-of-file ends the child; for the parent it is a failure. */
        s->failed = !s->echo || n != UV_EOF;
        uv_close((uv_handle_t *)stream, NULL);
        return;
    }
    s->have += (size_t)n;
    if (s->have == s->run->size)
        on_message(s);
}

/* Run one side on a loop of this process's own (made after the fork). */
static void run_side(side_t *s, int fd)
{
    uv_loop_t loop;
    if (uv_loop_init(&loop) < 0 || uv_pipe_init(&loop, &s->pipe, 0) < 0 ||
        uv_pipe_open(&s->pipe, fd) < 0)
        bench_die("%s: libuv cannot open the socket", s->run->name);
    s->pipe.data = s;
    if (uv_read_start((uv_stream_t *)&s->pipe, on_alloc, on_read) < 0)
        bench_die("%s: uv_read_start failed", s->run->name);
    if (!s->echo)
        stamp_and_send(s);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
}

double conn_peer_uv_pingpong(const conn_peer_run_t *run)
{
    side_t *s = calloc(1, sizeof *s);
    if (!s || run->size > sizeof s->in || run->size < sizeof s->trips)
        bench_die("%s: no room for %zu-byte messages", run->name, run->size);
    s->run = run;
    memset(s->out, 0x33, sizeof s->out);
    int fd;
    int pid = conn_peer_fork(run, &fd);
    s->echo = pid == 0;
    run_side(s, fd);
    if (pid == 0)
        _exit(s->failed ? 3 : 0);
    if (s->failed || s->trips != run->warmup + run->iters)
        bench_die("%s: the exchange stopped after %d round trips", run->name, s->trips);
    double us = (bench_now_us() - s->t0) / run->iters;
    free(s);
    conn_peer_done(run, pid);
    return us;
}
