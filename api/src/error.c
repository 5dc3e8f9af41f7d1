/* The frozen error list turned into names and messages, and the per-thread
 * detail string that says what exactly went wrong. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <multiproc/error.h>

#include "mp_core.h"

const char *mp_strerror(int code)
{
    switch (code) {
#define MP__ERROR_MESSAGE(name, number, message) \
    case number: return message;
        MP_ERROR_LIST(MP__ERROR_MESSAGE)
#undef MP__ERROR_MESSAGE
    }
    return "unknown error";
}

const char *mp_err_name(int code)
{
    switch (code) {
#define MP__ERROR_NAME(name, number, message) \
    case number: return #name;
        MP_ERROR_LIST(MP__ERROR_NAME)
#undef MP__ERROR_NAME
    }
    return "MP_E?";
}

/* One buffer per thread, so a failing call never races another thread's. */
static _Thread_local char errdetail[256];
_Static_assert(sizeof errdetail == sizeof(mp__errdetail_saved_t), "a saved detail holds it all");

const char *mp_errdetail(void)
{
    return errdetail;
}

int mp__errdetail_set(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errdetail, sizeof errdetail, fmt, ap);
    va_end(ap);
    return code;
}

void mp__errdetail_save(mp__errdetail_saved_t *out)
{
    memcpy(out->text, errdetail, sizeof out->text);
}

void mp__errdetail_restore(const mp__errdetail_saved_t *saved)
{
    memcpy(errdetail, saved->text, sizeof errdetail);
}
