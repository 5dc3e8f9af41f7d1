/* Timeouts as deadlines: every blocking call of the core and the backends
 * turns its timeout into one, so waking early (a signal, a spurious
 * wake-up, a notify for someone else) never stretches the caller's limit. */
#include <math.h>

#include "mp_core.h"

/* Past this, a timeout is for ever: no caller waits a century, and
 * clocks and time_t conversions overflow on 1e19 s or DBL_MAX. */
#define CENTURY_SECONDS (100.0 * 365.25 * 24 * 3600)

double mp__deadline(bool block, double timeout)
{
    if (!block)
        return mp__os_now();
    if (timeout > CENTURY_SECONDS)
        return INFINITY;
    return mp__os_now() + (timeout > 0 ? timeout : 0);
}

int mp__timeout_invalid(double timeout, const char *fn)
{
    return mp__errdetail_set(MP_EINVAL, "%s: timeout %g is %s", fn, timeout,
                             timeout != timeout ? "NaN" : "negative");
}

double mp__time_left(double deadline)
{
    if (isinf(deadline))
        return INFINITY;
    double left = deadline - mp__os_now();
    return left > 0 ? left : 0;
}
