/* What both soak programs parse on their command lines (soak.h). */
#include <errno.h>
#include <stdlib.h>

#include "soak.h"

bool soak_parse_number(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s ? s : "", &end, 10);
    if (!s || !*s || *end || errno || v > max)
        return false;
    *out = v;
    return true;
}
