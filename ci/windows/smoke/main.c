/* win32_smoke [--list] [--test NAME]: run the smoke tests (all, or one),
 * print PASS or FAIL for each and "N passed, N failed" at the end; the exit
 * status is non-zero when a test failed. main() calls mp_init() first:
 * every child is this program and branches off there.
 *
 * win32_smoke --registered NAME...: fail if a test is not among the NAMEs
 * (CMakeLists.txt registers one ctest test per smoke test by name, and
 * checks with this that it forgot none). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "smoke.h"

static const smoke_test_t *const tables[] = {
    process_tests, sync_tests, shm_tests, handle_tests, conn_tests, listener_tests, spill_tests};

static int failures; /* failed checks of the running test */

void smoke_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("    %s:%d: ", file, line);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
    failures++;
}

bool smoke_check_rc(int got, int want, const char *expr, const char *file, int line)
{
    if (got == want)
        return true;
    smoke_fail(file, line, "%s returned %s, expected %s (%s)", expr, mp_err_name(got),
               mp_err_name(want), mp_errdetail());
    return false;
}

double smoke_now(void)
{
    LARGE_INTEGER f, c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (double)c.QuadPart / (double)f.QuadPart;
}

mp_process_t *smoke_start(const mp_process_opts_t *opts)
{
    mp_process_t *p = NULL;
    if (!CHECK_RC(mp_process_create(&p, opts), 0))
        return NULL;
    if (!CHECK_RC(mp_process_start(p), 0)) {
        mp_process_destroy(p);
        return NULL;
    }
    return p;
}

int smoke_join(mp_process_t *p)
{
    int code = INT32_MIN;
    if (p && CHECK_RC(mp_process_join(p, 60.0), 0))
        CHECK_RC(mp_process_exitcode(p, &code), 0);
    return code;
}

unsigned long smoke_open_handles(void)
{
    unsigned long n = 0;
    DWORD flags;
    for (uintptr_t v = 4; v < (1u << 16); v += 4)
        n += GetHandleInformation((HANDLE)v, &flags) != 0;
    return n;
}

/* Every test must be among `names`; says which are not. */
static int check_registered(int n, char **names)
{
    int missing = 0;
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
        for (const smoke_test_t *test = tables[t]; test->name; test++) {
            bool found = false;
            for (int i = 0; i < n && !found; i++)
                found = strcmp(names[i], test->name) == 0;
            if (!found) {
                printf("smoke test '%s' has no ctest test: add it to CMakeLists.txt\n", test->name);
                missing++;
            }
        }
    return missing ? 1 : 0;
}

int main(int argc, char **argv)
{
    int rc = mp_init(&argc, &argv, smoke_tasks); /* children never return */
    if (rc < 0) {
        fprintf(stderr, "mp_init: %s: %s\n", mp_err_name(rc), mp_errdetail());
        return 2;
    }
    if (argc > 1 && strcmp(argv[1], "--registered") == 0)
        return check_registered(argc - 2, argv + 2);
    const char *only = NULL;
    bool list = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--list") == 0)
            list = true;
        else if (strcmp(argv[i], "--test") == 0 && i + 1 < argc)
            only = argv[++i];
        else
            return fprintf(stderr, "usage: %s [--list] [--test NAME]\n", argv[0]), 2;
    }
    int passed = 0, failed = 0;
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
        for (const smoke_test_t *test = tables[t]; test->name; test++) {
            if (only && strcmp(only, test->name) != 0)
                continue;
            if (list) {
                printf("%s\n", test->name);
                passed++;
                continue;
            }
            failures = 0;
            double t0 = smoke_now();
            test->fn();
            printf("%s %s (%.2f s)\n", failures ? "FAIL" : "PASS", test->name, smoke_now() - t0);
            fflush(stdout);
            failures ? failed++ : passed++;
        }
    if (list)
        return 0;
    if (passed + failed == 0)
        return fprintf(stderr, "no test named '%s'\n", only), 2;
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
