/* The log (multiproc/log.h, mp_log.h): the level, the sink, the line
 * format, and MP_LOG_LEVEL. The only OS needs, the wall clock and the
 * write, are the backend's (mp_backend.h). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp_core.h"
#include "mp_log.h"

_Atomic int mp__log_threshold = INT_MAX;

/* The program's handler, or none (stderr). A handler is changed rarely and
 * read on every line: readers take no lock but retry while `handler_seq`
 * is odd or moved (a seqlock); writers hold the core lock, which a fork
 * of the library is made under, so a fork child never inherits a change
 * half done. */
static _Atomic unsigned handler_seq;
static _Atomic(mp_log_handler_fn) handler_fn;
static _Atomic(void *) handler_arg;

static int level_checked(int level, const char *fn)
{
    if (level < MP_LOG_OFF || level > MP_LOG_CRITICAL)
        return mp__errdetail_set(MP_EINVAL, "%s: level %d is not between 0 and %d", fn, level,
                                 MP_LOG_CRITICAL);
    return 0;
}

static void set_threshold(int level)
{
    atomic_store_explicit(&mp__log_threshold, level == MP_LOG_OFF ? INT_MAX : level,
                          memory_order_relaxed);
}

int mp_log_get_level(void)
{
    int t = atomic_load_explicit(&mp__log_threshold, memory_order_relaxed);
    return t == INT_MAX ? MP_LOG_OFF : t;
}

int mp_log_set_level(int level)
{
    int rc = level_checked(level, "mp_log_set_level");
    if (rc == 0)
        set_threshold(level);
    return rc;
}

static void set_handler(mp_log_handler_fn fn, void *arg)
{
    mp__core_lock();
    atomic_fetch_add(&handler_seq, 1);
    atomic_store(&handler_fn, fn);
    atomic_store(&handler_arg, arg);
    atomic_fetch_add(&handler_seq, 1);
    mp__core_unlock();
}

int mp_log_set_handler(mp_log_handler_fn fn, void *arg)
{
    if (!fn)
        return mp__errdetail_set(MP_EINVAL, "mp_log_set_handler: NULL handler");
    set_handler(fn, arg);
    return 0;
}

int mp_log_to_stderr(int level)
{
    int rc = level_checked(level, "mp_log_to_stderr");
    if (rc < 0)
        return rc;
    set_handler(NULL, NULL);
    if (level != MP_LOG_OFF)
        set_threshold(level);
    else if (mp_log_get_level() == MP_LOG_OFF)
        set_threshold(MP_LOG_WARNING);
    return 0;
}

/* ---- level names ---------------------------------------------------- */

static const struct {
    const char *name;
    int level;
} names[] = {
    {"OFF", MP_LOG_OFF},     {"SUBDEBUG", MP_LOG_SUBDEBUG},     {"DEBUG", MP_LOG_DEBUG},
    {"INFO", MP_LOG_INFO},   {"SUBWARNING", MP_LOG_SUBWARNING}, {"WARNING", MP_LOG_WARNING},
    {"ERROR", MP_LOG_ERROR}, {"CRITICAL", MP_LOG_CRITICAL},
};
enum { NNAMES = sizeof names / sizeof names[0] };

const char *mp_log_level_name(int level)
{
    for (size_t i = 0; i < NNAMES; i++)
        if (names[i].level == level)
            return names[i].name;
    static _Thread_local char other[24];
    snprintf(other, sizeof other, "Level %d", level);
    return other;
}

static bool same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (toupper((unsigned char)*a) != *b)
            return false;
    return *a == *b;
}

int mp_log_level_from_name(const char *name, int *level)
{
    if (!name || !level)
        return mp__errdetail_set(MP_EINVAL, "mp_log_level_from_name: NULL name or level");
    for (size_t i = 0; i < NNAMES; i++)
        if (same_name(name, names[i].name)) {
            *level = names[i].level;
            return 0;
        }
    char *end;
    long n = strtol(name, &end, 10);
    if (name[0] && !isspace((unsigned char)name[0]) && *end == '\0' && n >= MP_LOG_OFF &&
        n <= MP_LOG_CRITICAL) {
        *level = (int)n;
        return 0;
    }
    return mp__errdetail_set(MP_EINVAL,
                             "'%.64s' is not a log level (debug, info, warning, error, or a "
                             "number from 0 to %d)",
                             name, MP_LOG_CRITICAL);
}

void mp__log_from_env(void)
{
    const char *env = getenv("MP_LOG_LEVEL");
    int level;
    if (!env || !env[0])
        return;
    if (mp_log_level_from_name(env, &level) == 0)
        set_threshold(level);
    else
        fprintf(stderr, "multiproc: MP_LOG_LEVEL ignored: %s\n", mp_errdetail());
}

/* ---- lines ------------------------------------------------------------ */

/* UTC "YYYY-MM-DDTHH:MM:SS.mmmZ" from milliseconds since the epoch, by
 * Howard Hinnant's civil_from_days (no OS call, no locale, no time zone). */
static int format_time(int64_t ms, char *out, size_t size)
{
    int64_t secs = ms / 1000, days = secs / 86400, rem = secs % 86400;
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
    int64_t year = yoe + era * 400 + (month <= 2);
    return snprintf(out, size, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ", (long long)year,
                    (long long)month, (long long)day, (long long)(rem / 3600),
                    (long long)(rem / 60 % 60), (long long)(rem % 60), (long long)(ms % 1000));
}

/* The handler now, read without a lock (see handler_seq). */
static mp_log_handler_fn current_handler(void **arg)
{
    for (;;) {
        unsigned seq = atomic_load(&handler_seq);
        mp_log_handler_fn fn = atomic_load(&handler_fn);
        *arg = atomic_load(&handler_arg);
        if (!(seq & 1) && atomic_load(&handler_seq) == seq)
            return fn;
    }
}

static void log_line(int level, const char *fmt, va_list ap)
{
    char line[MP_LOG_LINE_MAX];
    char when[96]; /* room for any year the compiler can imagine */
    format_time(mp__os_wall_ms(), when, sizeof when);
    int head = snprintf(line, sizeof line, "[%s %lld %s/%s] ", when, (long long)mp__os_getpid(),
                        mp_log_level_name(level), mp__self()->name);
    size_t room = sizeof line - 1; /* the newline's place */
    size_t len = head < 0 ? 0 : (size_t)head < room ? (size_t)head : room;
    int body = vsnprintf(line + len, sizeof line - len, fmt, ap);
    if (body > 0)
        len = len + (size_t)body < room ? len + (size_t)body : room;
    if (body > 0 && (size_t)head + (size_t)body >= room) /* cut: say so */
        memcpy(line + room - 3, "...", 3);
    while (len > 0 && line[len - 1] == '\n')
        len--;
    void *arg;
    mp_log_handler_fn fn = current_handler(&arg);
    if (fn) {
        line[len] = '\0';
        fn(level, line, arg);
        return;
    }
    line[len++] = '\n';
    mp__os_log_write(line, len);
}

void mp__log(int level, const char *fmt, ...)
{
    if (!mp__log_on(level))
        return;
    va_list ap;
    va_start(ap, fmt);
    log_line(level, fmt, ap);
    va_end(ap);
}

void mp_log(int level, const char *fmt, ...)
{
    if (!fmt || !mp__log_on(level))
        return;
    va_list ap;
    va_start(ap, fmt);
    log_line(level, fmt, ap);
    va_end(ap);
}
