/* The proxy functions of a manager's Event. */
#include "mp_core.h"
#include "mp_mgr_sync.h"

#define EVENT MP__MGR_BIT(MP__MGR_EVENT)

int mp_manager_event(mp_manager_t *m, mp_proxy_t **out)
{
    return mp__mnew_ints(m, "Event", "mp_manager_event", out, 0, 0, 0);
}

int mp_mevent_set(mp_proxy_t *e)
{
    return mp__mcall_ints(e, EVENT, "mp_mevent_set", "set", MP_FOREVER, 0, 0, 0);
}

int mp_mevent_clear(mp_proxy_t *e)
{
    return mp__mcall_ints(e, EVENT, "mp_mevent_clear", "clear", MP_FOREVER, 0, 0, 0);
}

int mp_mevent_is_set(mp_proxy_t *e)
{
    return mp__mcall_count(e, EVENT, "mp_mevent_is_set", "is_set");
}

int mp_mevent_wait(mp_proxy_t *e, double timeout)
{
    return mp__mcall_ints(e, EVENT, "mp_mevent_wait", "wait", timeout, 0, 0, 0);
}
