/* Suite "errors": the frozen error list, its names and messages, and the
 * per-thread detail string. Does not depend on the start method. */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"

/* The numbers as the first release froze them, written out here rather than
 * taken from the header, so that a renumbering in the header fails. */
static const struct frozen_code {
    int code; /* the header's enum value */
    int number;
    const char *name;
} frozen[] = {
    {MP_OK, 0, "MP_OK"},
    {MP_EINVAL, -1, "MP_EINVAL"},
    {MP_ENOMEM, -2, "MP_ENOMEM"},
    {MP_ESTATE, -3, "MP_ESTATE"},
    {MP_ECLOSED, -4, "MP_ECLOSED"},
    {MP_ETIMEDOUT, -5, "MP_ETIMEDOUT"},
    {MP_ENOTASK, -6, "MP_ENOTASK"},
    {MP_EBOOTSTRAP, -7, "MP_EBOOTSTRAP"},
    {MP_EVERSION, -8, "MP_EVERSION"},
    {MP_ENOTSUP, -9, "MP_ENOTSUP"},
    {MP_ESYS, -10, "MP_ESYS"},
    {MP_ECHILD, -11, "MP_ECHILD"},
    {MP_ETASK, -12, "MP_ETASK"},
    {MP_EEXIST, -13, "MP_EEXIST"},
    {MP_ENOENT, -14, "MP_ENOENT"},
    {MP_EOWNERDEAD, -15, "MP_EOWNERDEAD"},
    {MP_EFULL, -16, "MP_EFULL"},
    {MP_EEMPTY, -17, "MP_EEMPTY"},
    {MP_EBROKEN, -18, "MP_EBROKEN"},
    {MP_ECANCELLED, -19, "MP_ECANCELLED"},
    {MP_EAUTH, -20, "MP_EAUTH"},
    {MP_ETOOSMALL, -21, "MP_ETOOSMALL"},
    {MP_EEOF, -22, "MP_EEOF"},
    {MP_EREMOTE, -23, "MP_EREMOTE"},
    {MP_ESERIALIZE, -24, "MP_ESERIALIZE"},
    {MP_ENOTOWNER, -25, "MP_ENOTOWNER"},
    {MP_EUNSAFEFORK, -26, "MP_EUNSAFEFORK"},
    {MP_ESHUTDOWN, -27, "MP_ESHUTDOWN"},
};
enum { FROZEN_COUNT = sizeof frozen / sizeof frozen[0] };

/* The header's list as it is now (it may have grown since). */
static const struct listed_code {
    const char *name;
    int number;
    const char *message;
} listed[] = {
#define AS_ROW(name, number, message) {#name, number, message},
    MP_ERROR_LIST(AS_ROW)
#undef AS_ROW
};
enum { LISTED_COUNT = sizeof listed / sizeof listed[0] };

/* The numbers are frozen: every code of the first release keeps its number
 * and name, and codes added later only extend the list downwards. */
static void test_numbers_are_frozen(void)
{
    EXPECT_EQ(MP_OK, 0);
    EXPECT_EQ(MP_EINVAL, -1);
    EXPECT_EQ(MP_ETIMEDOUT, -5);
    EXPECT_EQ(MP_ECHILD, -11);
    EXPECT_EQ(MP_EUNSAFEFORK, -26);
    for (size_t i = 0; i < FROZEN_COUNT; i++) {
        EXPECT(frozen[i].code == frozen[i].number, "%s is %d in the header, frozen as %d",
               frozen[i].name, frozen[i].code, frozen[i].number);
        EXPECT_STR(mp_err_name(frozen[i].number), frozen[i].name);
    }
    EXPECT((size_t)LISTED_COUNT >= (size_t)FROZEN_COUNT, "the list shrank to %d codes",
           (int)LISTED_COUNT);
    for (size_t i = 0; i < LISTED_COUNT; i++) {
        if (i < FROZEN_COUNT) {
            EXPECT_STR(listed[i].name, frozen[i].name);
            EXPECT_EQ(listed[i].number, frozen[i].number);
        } else {
            EXPECT(listed[i].number == -(int)i, "new code %s is %d, expected %d (appended)",
                   listed[i].name, listed[i].number, -(int)i);
        }
    }
}

/* Every code has its own name and message, and the functions return the
 * header's strings for it. */
static void test_names_and_messages_distinct(void)
{
    for (size_t i = 0; i < LISTED_COUNT; i++) {
        const struct listed_code *a = &listed[i];
        EXPECT_STR(mp_err_name(a->number), a->name);
        EXPECT_STR(mp_strerror(a->number), a->message);
        EXPECT(a->message[0] != '\0', "%s has an empty message", a->name);
        EXPECT(strncmp(a->name, "MP_", 3) == 0, "%s does not start with MP_", a->name);
        for (size_t j = 0; j < i; j++) {
            const struct listed_code *b = &listed[j];
            EXPECT(a->number != b->number, "%s and %s share %d", a->name, b->name, a->number);
            EXPECT(strcmp(a->name, b->name) != 0, "name %s listed twice", a->name);
            EXPECT(strcmp(a->message, b->message) != 0, "%s and %s share the message \"%s\"",
                   a->name, b->name, a->message);
            EXPECT(strcmp(mp_strerror(a->number), mp_strerror(b->number)) != 0,
                   "mp_strerror gives %s and %s the same message", a->name, b->name);
        }
    }
}

/* Numbers outside the list get the documented fallbacks, never NULL. */
static void test_unknown_codes_fallback(void)
{
    int lowest = 0;
    for (size_t i = 0; i < LISTED_COUNT; i++)
        lowest = listed[i].number < lowest ? listed[i].number : lowest;
    const int unknown[] = {1, 2, 42, 1000, INT_MAX, lowest - 1, lowest - 100, -100000, INT_MIN};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        EXPECT_STR(mp_strerror(unknown[i]), "unknown error");
        EXPECT_STR(mp_err_name(unknown[i]), "MP_E?");
    }
}

/* A failing call leaves a detail naming what was wrong. */
static void test_errdetail_names_the_problem(void)
{
    EXPECT(mp_errdetail() != NULL, "mp_errdetail() is NULL");
    mp_context_t *ctx = NULL;
    EXPECT_RC(mp_get_context(&ctx, "no-such-method-xyz"), MP_EINVAL);
    EXPECT(strstr(mp_errdetail(), "no-such-method-xyz") != NULL, "detail \"%s\" does not name it",
           mp_errdetail());
    mp_process_t *p = NULL;
    EXPECT_RC(mp_process_create(&p, &(mp_process_opts_t){.task = "no_such_task_abc"}), MP_ENOTASK);
    EXPECT(strstr(mp_errdetail(), "no_such_task_abc") != NULL, "detail \"%s\" does not name it",
           mp_errdetail());
}

/* What a second thread sees: the detail is per thread. */
typedef struct thread_view {
    char initial[256]; /* its detail before it failed anything */
    char after[256];   /* its detail after its own failure */
} thread_view_t;

static void *errdetail_thread(void *arg)
{
    thread_view_t *v = arg;
    snprintf(v->initial, sizeof v->initial, "%s", mp_errdetail());
    mp_context_t *ctx = NULL;
    mp_get_context(&ctx, "thread-only-method");
    snprintf(v->after, sizeof v->after, "%s", mp_errdetail());
    return NULL;
}

static void test_errdetail_is_per_thread(void)
{
    mp_context_t *ctx = NULL;
    EXPECT_RC(mp_get_context(&ctx, "main-thread-method"), MP_EINVAL);
    thread_view_t v = {{0}, {0}};
    pthread_t th;
    if (!EXPECT_EQ(pthread_create(&th, NULL, errdetail_thread, &v), 0))
        return;
    pthread_join(th, NULL);
    EXPECT_STR(v.initial, "");
    EXPECT(strstr(v.after, "thread-only-method") != NULL, "thread's detail is \"%s\"", v.after);
    EXPECT(strstr(mp_errdetail(), "main-thread-method") != NULL,
           "the other thread's failure changed this thread's detail to \"%s\"", mp_errdetail());
}

static const test_case_t tests[] = {
    {"numbers_are_frozen", test_numbers_are_frozen, ON_ALL},
    {"names_and_messages_distinct", test_names_and_messages_distinct, ON_ALL},
    {"unknown_codes_fallback", test_unknown_codes_fallback, ON_ALL},
    {"errdetail_names_the_problem", test_errdetail_names_the_problem, ON_ALL},
    {"errdetail_is_per_thread", test_errdetail_is_per_thread, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_errors = {"errors", false, tests};
