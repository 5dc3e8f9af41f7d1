/* The manager suites' shared helpers (mgr_helpers.h). */
#include "mgr_helpers.h"

#include "helpers.h"

mp_manager_t *mgr_start(const mp_manager_opts_t *opts)
{
    mp_manager_opts_t o = opts ? *opts : (mp_manager_opts_t){0};
    if (!o.context)
        o.context = method_context();
    mp_manager_t *m = NULL;
    return EXPECT_RC(mp_manager_start(&m, &o), 0) ? m : NULL;
}

mp_proxy_t *mgr_counter(mp_manager_t *m, int64_t start)
{
    mp_var_t *args = NULL;
    mp_proxy_t *p = NULL;
    EXPECT_RC(mp_var_pack(&args, "[I]", start), 0);
    bool ok = EXPECT_RC(
        mp_proxy_create(&p, &(mp_proxy_opts_t){.manager = m, .type = MGR_COUNTER, .args = args}),
        0);
    mp_var_free(args);
    return ok ? p : NULL;
}

mp_proxy_t *mgr_same(mp_proxy_t *p)
{
    mp_var_t *ref = NULL;
    mp_proxy_t *again = NULL;
    if (EXPECT_RC(mp_proxy_ref(p, &ref), 0))
        EXPECT_RC(mp_proxy_open(&again, p, ref), 0);
    mp_var_free(ref);
    return again;
}

int64_t mgr_call_int(mp_proxy_t *p, const char *method, int64_t arg)
{
    mp_var_t *result = NULL;
    int64_t value = INT64_MIN;
    if (EXPECT_RC(mp_proxy_callf(p, method, &result, "[I]", arg), 0))
        EXPECT_RC(mp_var_get_int(result, &value), 0);
    mp_var_free(result);
    return value;
}

int64_t mgr_value(mp_proxy_t *p)
{
    mp_var_t *result = NULL;
    int64_t value = INT64_MIN;
    if (EXPECT_RC(mp_proxy_call(p, "get", NULL, &result, MP_FOREVER), 0))
        EXPECT_RC(mp_var_get_int(result, &value), 0);
    mp_var_free(result);
    return value;
}

bool mgr_wait_waiting(mp_proxy_t *p, int64_t want)
{
    double end = now_s() + MGR_WAIT_S;
    for (;;) {
        mp_var_t *result = NULL;
        int64_t n = -1;
        int rc = mp_proxy_call(p, "waiting", NULL, &result, MP_FOREVER);
        if (rc == 0)
            mp_var_get_int(result, &n);
        mp_var_free(result);
        if (n == want)
            return true;
        if (rc < 0 || now_s() > end)
            return EXPECT(false, "the counter's waiters: %lld, expected %lld (%s)", (long long)n,
                          (long long)want, rc < 0 ? mp_errdetail() : "timed out");
        sleep_s(0.01);
    }
}
