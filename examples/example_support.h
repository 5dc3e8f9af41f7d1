/**
 * @file example_support.h
 * @brief What every example shares: Python's clock, sleep and float
 *        printing, and one way to report a multiproc failure.
 *
 * The examples are C twins of the tutorial's Python programs and must print
 * exactly what those print, so the few Python behaviours they rely on live
 * here, once: `time.perf_counter()`, `time.sleep()`, `repr(float)` (what an
 * f-string prints for a float) and `round(x, n)`.
 *
 * Build with _POSIX_C_SOURCE >= 200809L (examples/CMakeLists.txt sets it)
 * for clock_gettime() and nanosleep().
 */
#ifndef EXAMPLE_SUPPORT_H
#define EXAMPLE_SUPPORT_H

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <multiproc.h>

#ifdef _WIN32
#include <windows.h>
#endif

/** @brief Seconds on a monotonic clock, like Python's time.perf_counter(). */
static inline double example_now(void)
{
#ifdef _WIN32
    LARGE_INTEGER freq, count;
    QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&count);
    return (double)count.QuadPart / (double)freq.QuadPart;
#else
    struct timespec ts;
    /* CLOCK_MONOTONIC cannot fail on a POSIX system that defines it. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
#endif
}

/** @brief Sleep for `seconds`, like time.sleep(): a signal does not cut it short. */
static inline void example_sleep(double seconds)
{
#ifdef _WIN32
    Sleep((DWORD)(seconds * 1000.0 + 0.5));
#else
    struct timespec left = {.tv_sec = (time_t)seconds,
                            .tv_nsec = (long)((seconds - floor(seconds)) * 1e9)};
    /* nanosleep() reports the time still to sleep when a signal woke it. */
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
#endif
}

static inline void example_say(const char *fmt, ...) MP_PRINTF(1, 2);

/**
 * @brief printf() a line and flush it at once, as a terminal would show it.
 *
 * When stdout is a pipe or a file (a test, `| tee`) C buffers it fully, and
 * a child's lines would only come out when it exits (multiproc flushes them
 * then): every "Sleeping..." would land next to its "Done sleeping...".
 * Flushing each line keeps the order the tutorial shows.
 */
static inline void example_say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
}

/**
 * @brief Python's repr(x) for a float, which is what f'{x}' prints:
 *        the shortest digits that read back as x, always with a decimal
 *        point ("2.0", "1.5", "0.01", "100000.0"), in exponent form only
 *        below 1e-4 or from 1e16 on ("1e-05", "1e+16").
 */
static inline void example_py_repr(double x, char *buf, size_t size)
{
    if (!isfinite(x)) {
        snprintf(buf, size, "%s", isnan(x) ? "nan" : x > 0 ? "inf" : "-inf");
        return;
    }
    /* The shortest %.*e that round-trips has Python's digits (a double
     * needs at most 17 significant ones). */
    char sci[40];
    int prec = 0;
    for (; prec < 17; prec++) {
        snprintf(sci, sizeof sci, "%.*e", prec, x);
        if (strtod(sci, NULL) == x)
            break;
    }
    int exponent = atoi(strchr(sci, 'e') + 1);
    if (exponent < -4 || exponent >= 16) {
        snprintf(buf, size, "%s", sci);
        return;
    }
    /* prec + 1 significant digits, exponent + 1 of them before the point;
     * Python keeps at least one digit after it. */
    int decimals = prec - exponent;
    snprintf(buf, size, "%.*f", decimals < 1 ? 1 : decimals, x);
}

/**
 * @brief Python's round(x, ndigits) for a float: the double nearest to x
 *        rounded to `ndigits` decimals (ties to even on the exact value,
 *        as CPython's correctly rounded conversion does).
 */
static inline double example_py_round(double x, int ndigits)
{
    char text[400]; /* room for any double in %f form */
    snprintf(text, sizeof text, "%.*f", ndigits, x);
    return strtod(text, NULL);
}

/**
 * @brief The tutorial's last line, `print(f'Finished in {round(finish-start,
 *        2)} seconds')`, for a run that started at `start` (example_now()).
 */
static inline void example_print_finished(double start)
{
    char seconds[48];
    example_py_repr(example_py_round(example_now() - start, 2), seconds, sizeof seconds);
    printf("Finished in %s seconds\n", seconds);
}

/**
 * @brief Stop the example when a multiproc call failed: print what failed,
 *        the error's message and name, and its detail, then exit(1).
 * @param rc the call's return code (negative on failure).
 * @param what the call, for the message.
 */
static inline void example_check(int rc, const char *what)
{
    if (rc >= 0)
        return;
    fprintf(stderr, "%s failed: %s (%s): %s\n", what, mp_strerror(rc), mp_err_name(rc),
            mp_errdetail());
    exit(1);
}

/**
 * @brief Python's `p.join()`, and a check that the child succeeded: join
 *        only waits, so a task that failed would otherwise go unnoticed.
 */
static inline void example_join(mp_process_t *p)
{
    example_check(mp_process_join(p, MP_FOREVER), "mp_process_join");
    int code;
    example_check(mp_process_exitcode(p, &code), "mp_process_exitcode");
    if (code != 0) {
        fprintf(stderr, "process '%s' ended with exit code %d\n", mp_process_name(p), code);
        exit(1);
    }
}

#endif /* EXAMPLE_SUPPORT_H */
