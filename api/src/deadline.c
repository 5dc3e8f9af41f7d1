/* Timeouts as deadlines: every blocking call of the core and the backends
 * turns its timeout into one, so waking early (a signal, a spurious
 * wake-up, a notify for someone else) never stretches the caller's limit. */
#include <math.h>

#include "mp_core.h"

double mp__deadline(bool block, double timeout)
{
    if (!block)
        return mp__os_now();
    if (isinf(timeout) && timeout > 0)
        return INFINITY;
    return mp__os_now() + (timeout > 0 ? timeout : 0);
}

double mp__time_left(double deadline)
{
    if (isinf(deadline))
        return INFINITY;
    double left = deadline - mp__os_now();
    return left > 0 ? left : 0;
}
