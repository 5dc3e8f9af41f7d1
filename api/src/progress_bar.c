/* The ready-made progress bar (multiproc/progress.h): one line on stderr,
 * redrawn in place on a terminal, or plain lines elsewhere when asked for.
 *
 * Its state is process-wide, not per call: when it last drew, and how wide
 * the line it drew was (a shorter redraw blanks the rest). A terminal has
 * one line to draw on, so two calls showing a bar at once share it (and
 * its rate limit) anyway, and a callback has nowhere to keep per-call
 * state: mp_progress_t is the call's, and the options are the caller's,
 * borrowed and const. Both words are atomics: any thread may draw, and
 * the rate limit is claimed by a compare-and-swap (no lock, no wait). */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp_backend.h"

#include <multiproc/progress.h>

/* Seconds between two redraws on a terminal (about ten a second). */
#define REDRAW_S 0.1
/* Seconds between plain lines by default. */
#define PLAIN_S 5.0
/* Characters of the bar itself, between its brackets. */
enum { BAR_WIDTH = 24, LABEL_MAX = 64, LINE_MAX = 256 };

static _Atomic uint64_t last_draw_ns; /* mp__os_now() of the last draw; 0: none */
static _Atomic size_t drawn_width;    /* of the terminal line now open; 0: none */

typedef enum output { OFF, TERMINAL, PLAIN } output_t;

/* Where the bar goes: MP_PROGRESS=0 turns it off, MP_PROGRESS=1 draws the
 * terminal line whatever stderr is; otherwise a terminal gets the line,
 * and anything else plain lines if asked for. */
static output_t bar_output(const mp_progress_bar_opts_t *opts)
{
    const char *env = getenv("MP_PROGRESS");
    if (env && strcmp(env, "0") == 0)
        return OFF;
    if ((env && strcmp(env, "1") == 0) || mp__os_isatty_stderr())
        return TERMINAL;
    return opts && opts->plain ? PLAIN : OFF;
}

/* The plain lines' period from the options: 0, negative or NaN is the
 * default. */
static double plain_interval(const mp_progress_bar_opts_t *opts)
{
    return opts && opts->interval > 0 && isfinite(opts->interval) ? opts->interval : PLAIN_S;
}

/* Seconds from the last draw to `now_ns` (another thread may have stored
 * a later clock reading than ours: 0 then); infinity before the first. */
static double since_last(uint64_t last, uint64_t now_ns)
{
    return !last ? INFINITY : now_ns > last ? (double)(now_ns - last) * 1e-9 : 0;
}

/* Claim the draw due `gap` seconds after the last one (the final one is
 * always due): false when too early, or another thread claimed it. */
static bool claim(uint64_t now_ns, double gap, bool final)
{
    uint64_t last = atomic_load(&last_draw_ns);
    if (final) {
        atomic_store(&last_draw_ns, now_ns);
        return true;
    }
    if (since_last(last, now_ns) < gap)
        return false;
    return atomic_compare_exchange_strong(&last_draw_ns, &last, now_ns);
}

/* "h:mm:ss" */
static void clock_text(double seconds, char *out, size_t size)
{
    unsigned long s = seconds > 0 && seconds < 360000.0 ? (unsigned long)seconds : 0;
    snprintf(out, size, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
}

/* Tasks a second, with k or M: "3.2k/s". */
static void rate_text(double rate, char *out, size_t size)
{
    const char *unit = "";
    if (rate >= 1e6) {
        rate /= 1e6;
        unit = "M";
    } else if (rate >= 1e3) {
        rate /= 1e3;
        unit = "k";
    }
    snprintf(out, size, "%.1f%s/s", rate, unit);
}

/* The line, without \r or newline: "label [####    ] 512/1000  51% 3.2k/s
 * ETA 0:00:02", "... 1000/1000 100% 3.2k/s in 0:00:03" once done, "label
 * 512 3.2k/s" while the total is unknown; failures are counted at the end.
 * @return its length. */
static size_t format_line(const mp_progress_t *p, const mp_progress_bar_opts_t *opts, char *line)
{
    const char *label = opts && opts->label ? opts->label : "";
    double rate = p->elapsed > 0 ? (double)p->done / p->elapsed : 0;
    char rate_s[32], time_s[32];
    rate_text(rate, rate_s, sizeof rate_s);
    int n = snprintf(line, LINE_MAX, "%.*s%s", LABEL_MAX, label, *label ? " " : "");
    if (p->total == 0) {
        n += snprintf(line + n, LINE_MAX - (size_t)n, "%zu %s", p->done, rate_s);
    } else {
        size_t done = p->done < p->total ? p->done : p->total;
        size_t filled = (size_t)((double)done / (double)p->total * BAR_WIDTH);
        char bar[BAR_WIDTH + 1];
        memset(bar, '#', filled);
        memset(bar + filled, ' ', BAR_WIDTH - filled);
        bar[BAR_WIDTH] = '\0';
        bool finished = p->done >= p->total;
        clock_text(finished   ? p->elapsed
                   : rate > 0 ? (double)(p->total - done) / rate
                              : 0,
                   time_s, sizeof time_s);
        n += snprintf(line + n, LINE_MAX - (size_t)n, "[%s] %zu/%zu %3d%% %s %s %s", bar, p->done,
                      p->total, (int)(100.0 * (double)done / (double)p->total), rate_s,
                      finished ? "in" : "ETA", rate > 0 || finished ? time_s : "?");
    }
    if (p->failed)
        n += snprintf(line + n, LINE_MAX - (size_t)n, " (%zu failed)", p->failed);
    return n < LINE_MAX ? (size_t)n : LINE_MAX - 1;
}

/* Redraw the terminal line in place: \r, the line, blanks over what is
 * left of a longer previous line, and a newline once done. One write. */
static void draw_terminal(const char *line, size_t len, bool final)
{
    size_t before = atomic_exchange(&drawn_width, final ? 0 : len);
    char out[LINE_MAX * 2 + 4];
    size_t n = 0;
    out[n++] = '\r';
    memcpy(out + n, line, len);
    n += len;
    for (size_t i = len; i < before && i < LINE_MAX; i++)
        out[n++] = ' ';
    if (final)
        out[n++] = '\n';
    fwrite(out, 1, n, stderr);
    fflush(stderr);
}

void mp_progress_bar(const mp_progress_t *progress, void *arg)
{
    if (!progress)
        return;
    const mp_progress_bar_opts_t *opts = arg;
    bool final = progress->total > 0 && progress->done >= progress->total;
    uint64_t now_ns = (uint64_t)(mp__os_now() * 1e9);
    double plain_s = plain_interval(opts);
    /* Too early for either kind of line: no look at the environment or
     * the terminal (a system call) for a message of work that draws
     * nothing. */
    double since = since_last(atomic_load(&last_draw_ns), now_ns);
    if (!final && since < REDRAW_S && since < plain_s)
        return;
    output_t mode = bar_output(opts);
    if (mode == OFF || !claim(now_ns, mode == TERMINAL ? REDRAW_S : plain_s, final))
        return;
    char line[LINE_MAX];
    size_t len = format_line(progress, opts, line);
    if (mode == TERMINAL) {
        draw_terminal(line, len, final);
    } else {
        line[len] = '\n';
        fwrite(line, 1, len + 1, stderr);
        fflush(stderr);
    }
}
