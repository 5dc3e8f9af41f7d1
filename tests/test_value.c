/* Suite "value": Value, Array, RawValue and RawArray shared with children
 * (checklist section 11, items 90-94; issue 4's counters). Run once per
 * start method. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sync_helpers.h"

/* Every element type, with a value that fits it and is not its zero. */
static const struct typed_init {
    mp_type_t type;
    size_t size;
    double value; /* exact in its type, and so is half of it */
} types[] = {
    {MP_INT8, 1, -8},      {MP_UINT8, 1, 250},     {MP_INT16, 2, -3000},
    {MP_UINT16, 2, 60000}, {MP_INT32, 4, -100000}, {MP_UINT32, 4, 4000000000.0},
    {MP_INT64, 8, -1e15},  {MP_UINT64, 8, 1e18},   {MP_FLOAT, 4, 1.5},
    {MP_DOUBLE, 8, -2.25}, {MP_CHAR, 1, 'x'},
};
enum { NTYPES = sizeof types / sizeof types[0] };

/* The bytes of `v` as an element of `type`, for mp_value_opts_t.init. */
static void encode(mp_type_t type, double v, void *out)
{
    switch (type) {
    case MP_INT8: *(int8_t *)out = (int8_t)v; break;
    case MP_UINT8: *(uint8_t *)out = (uint8_t)v; break;
    case MP_CHAR: *(char *)out = (char)v; break;
    case MP_INT16: *(int16_t *)out = (int16_t)v; break;
    case MP_UINT16: *(uint16_t *)out = (uint16_t)v; break;
    case MP_INT32: *(int32_t *)out = (int32_t)v; break;
    case MP_UINT32: *(uint32_t *)out = (uint32_t)v; break;
    case MP_INT64: *(int64_t *)out = (int64_t)v; break;
    case MP_UINT64: *(uint64_t *)out = (uint64_t)v; break;
    case MP_FLOAT: *(float *)out = (float)v; break;
    case MP_DOUBLE: *(double *)out = v; break;
    case MP_STR:
    case MP_BYTES: break; /* list slots, not value elements */
    }
}

static bool is_float(mp_type_t type)
{
    return type == MP_FLOAT || type == MP_DOUBLE;
}

/* Element 0 of `v`, read with the getter that suits its type, must be
 * `want` (exact: every value in `types` is). */
static void expect_element(mp_value_t *v, size_t index, double want, const char *what)
{
    double got = NAN;
    if (is_float((mp_type_t)mp_value_type(v))) {
        EXPECT_RC(mp_value_get_double(v, index, &got), 0);
    } else {
        int64_t k = 0;
        EXPECT_RC(mp_value_get_i64(v, index, &k), 0);
        /* uint64 values above INT64_MAX come back as their bit pattern. */
        got = mp_value_type(v) == MP_UINT64 ? (double)(uint64_t)k : (double)k;
    }
    EXPECT(got == want, "%s[%zu] is %.17g, expected %.17g", what, index, got, want);
}

/* Checklist item 90: a Value of every type reads back its initial value
 * through the getters and through its pointer, and reports its type,
 * length and element size. */
static void test_value_types(void)
{
    for (size_t i = 0; i < NTYPES; i++) {
        const struct typed_init *t = &types[i];
        EXPECT_EQ(mp_type_size(t->type), t->size);
        unsigned char init[8] = {0};
        encode(t->type, t->value, init);
        for (int raw = 0; raw < 2; raw++) {
            mp_value_t *v = NULL;
            if (!EXPECT_RC(mp_value_create(
                               &v, &(mp_value_opts_t){.type = t->type, .raw = raw, .init = init}),
                           0))
                continue;
            EXPECT_EQ(mp_value_type(v), t->type);
            EXPECT_EQ(mp_value_length(v), 1);
            EXPECT(memcmp(mp_value_ptr(v), init, t->size) == 0, "type %d: wrong bytes", t->type);
            expect_element(v, 0, t->value, raw ? "raw value" : "value");
            double d = NAN;
            EXPECT_RC(mp_value_get_double(v, 0, &d), 0); /* every type reads as double */
            EXPECT(d == t->value, "type %d as double: %.17g", t->type, d);
            mp_value_destroy(v);
        }
    }
}

/* Checklist item 90 and 94: a child doubles a Value of every type, raw
 * and synchronized, and the parent sees each result after join. */
static void test_child_writes_visible(void)
{
    for (int raw = 0; raw < 2; raw++) {
        mp_value_t *v[NTYPES] = {0};
        void *objects[NTYPES];
        size_t made = 0;
        for (size_t i = 0; i < NTYPES; i++) {
            unsigned char init[8] = {0};
            /* Half the value, so that doubling gives the listed one. */
            encode(types[i].type, types[i].value / 2, init);
            made += EXPECT_RC(
                mp_value_create(
                    &v[i], &(mp_value_opts_t){.type = types[i].type, .raw = raw, .init = init}),
                0);
            objects[i] = v[i];
        }
        mp_process_t *p = made == NTYPES
                              ? run_process(&(mp_process_opts_t){.task = "task_value_double",
                                                                 .objects = objects,
                                                                 .nobjects = NTYPES})
                              : NULL;
        int64_t seen = 0;
        if (p && EXPECT_EQ(exitcode_of(p), 0) && result_of(p, &seen, sizeof seen)) {
            EXPECT_EQ(seen, NTYPES);
            for (size_t i = 0; i < NTYPES; i++)
                expect_element(v[i], 0, types[i].value, raw ? "raw value" : "value");
        }
        dispose_process(p);
        for (size_t i = 0; i < NTYPES; i++)
            mp_value_destroy(v[i]);
    }
}

/* Checklist item 91: a synchronized value has a lock, an RLock, the one
 * its typed accesses take (a child's add waits while the parent holds
 * it); a raw one has none, and no locked add. */
static void test_value_lock(void)
{
    mp_value_t *v = NULL, *raw = NULL;
    mp_rlock_t *lock = NULL, *again = NULL;
    if (!EXPECT_RC(mp_value_create(&v, &(mp_value_opts_t){.type = MP_INT64}), 0) ||
        !EXPECT_RC(mp_value_create(&raw, &(mp_value_opts_t){.type = MP_INT64, .raw = true}), 0))
        goto out;
    EXPECT_RC(mp_value_lock(raw, &lock), MP_ENOTSUP);
    EXPECT_RC(mp_value_add_i64(raw, 0, 1, NULL), MP_ENOTSUP);
    EXPECT_RC(mp_value_set_i64(raw, 0, 5), 0);
    int64_t k = 0;
    EXPECT_RC(mp_value_get_i64(raw, 0, &k), 0);
    EXPECT_EQ(k, 5);
    if (!EXPECT_RC(mp_value_lock(v, &lock), 0) || !EXPECT_RC(mp_value_lock(v, &again), 0))
        goto out;
    EXPECT(lock == again, "two different lock handles for one value");
    EXPECT_RC(mp_rlock_acquire(lock, MP_FOREVER), 0);
    EXPECT_RC(mp_value_add_i64(v, 0, 1, NULL), 0); /* our own lock: recursive */
    incr_arg_t a = {.times = 1, .mode = INCR_ADD};
    mp_process_t *p = start_process(
        &(mp_process_opts_t){.task = "task_value_increment", ARG_OF(a), MP_OBJECTS(v)});
    if (p) {
        EXPECT_RC(mp_process_join(p, 0.3), MP_ETIMEDOUT); /* blocked on our lock */
        EXPECT_EQ(*(int64_t *)mp_value_ptr(v), 1);
        EXPECT_RC(mp_rlock_release(lock), 0);
        if (EXPECT_RC(mp_process_join(p, JOIN_LIMIT_S), 0))
            EXPECT_EQ(exitcode_of(p), 0);
        EXPECT_RC(mp_value_get_i64(v, 0, &k), 0);
        EXPECT_EQ(k, 2);
    } else {
        mp_rlock_release(lock);
    }
    dispose_process(p);
out:
    mp_value_destroy(raw);
    mp_value_destroy(v);
}

/* Checklist item 92: a child computes in-place prefix sums of an Array
 * (and of a RawArray) and the parent sees them. */
static void test_array_prefix_sums(void)
{
    enum { N = 10 };
    int32_t init[N];
    for (int i = 0; i < N; i++)
        init[i] = i;
    for (int raw = 0; raw < 2; raw++) {
        mp_value_t *arr = NULL;
        if (!EXPECT_RC(
                mp_value_create(
                    &arr,
                    &(mp_value_opts_t){.type = MP_INT32, .length = N, .raw = raw, .init = init}),
                0))
            continue;
        EXPECT_EQ(mp_value_length(arr), N);
        mp_process_t *p = run_process(
            &(mp_process_opts_t){.task = "task_prefix_sums", MP_OBJECTS(arr)});
        if (p && EXPECT_EQ(exitcode_of(p), 0)) {
            const int32_t *got = mp_value_ptr(arr);
            for (int i = 0, sum = 0; i < N; i++) {
                sum += i;
                EXPECT(got[i] == sum, "%s[%d] = %d, expected %d", raw ? "raw" : "array", i, got[i],
                       sum);
            }
        }
        dispose_process(p);
        mp_value_destroy(arr);
    }
}

/* Checklist item 93: Array(INT32, 10) is zero-filled every time, even when
 * it may reuse the memory of one that was scribbled on and freed. */
static void test_array_zero_filled(void)
{
    for (int cycle = 0; cycle < 3; cycle++) {
        mp_value_t *arr = NULL;
        if (!EXPECT_RC(mp_value_create(&arr, &(mp_value_opts_t){.type = MP_INT32, .length = 10}),
                       0))
            return;
        int32_t *p = mp_value_ptr(arr);
        for (int i = 0; i < 10; i++) {
            EXPECT(p[i] == 0, "cycle %d: element %d is %d", cycle, i, p[i]);
            p[i] = -1;
        }
        mp_value_destroy(arr);
    }
}

/* Start `procs` children that each add 1 to `counter` `times` times in
 * `mode`, join them, and check the exact total. */
static void run_increments(mp_value_t *counter, int procs, int64_t times, incr_mode_t mode)
{
    mp_process_t *p[16] = {0};
    incr_arg_t a = {.times = times, .mode = mode};
    for (int i = 0; i < procs && i < 16; i++)
        p[i] = start_process(
            &(mp_process_opts_t){.task = "task_value_increment", ARG_OF(a), MP_OBJECTS(counter)});
    for (int i = 0; i < procs && i < 16; i++) {
        if (p[i] && EXPECT_RC(mp_process_join(p[i], JOIN_LIMIT_S), 0))
            EXPECT_EQ(exitcode_of(p[i]), 0);
        dispose_process(p[i]);
    }
    int64_t total = -1;
    EXPECT_RC(mp_value_get_i64(counter, 0, &total), 0);
    EXPECT(total == procs * times, "mode %d: %d x %lld increments gave %lld", mode, procs,
           (long long)times, (long long)total);
}

/* Issue 4: 8 processes x 100,000 increments give the exact count, with
 * mp_value_add_i64 and with the value's lock held around ++ on its memory. */
static void test_increments_exact(void)
{
    for (incr_mode_t mode = INCR_ADD; mode <= INCR_PTR; mode++) {
        mp_value_t *counter = NULL;
        if (!EXPECT_RC(mp_value_create(&counter, &(mp_value_opts_t){.type = MP_INT64}), 0))
            return;
        run_increments(counter, 8, 100000, mode);
        mp_value_destroy(counter);
    }
}

/* The tutorial's shared counter: 10 processes each do, under get_lock(),
 * counter.value += 1, and the parent prints "Final Counter: 10". */
static void test_tutorial_counter(void)
{
    mp_value_t *counter = NULL;
    if (!EXPECT_RC(mp_value_create(&counter, &(mp_value_opts_t){.type = MP_INT32}), 0))
        return;
    run_increments(counter, 10, 1, INCR_GET_SET);
    int64_t value = 0;
    char line[64];
    EXPECT_RC(mp_value_get_i64(counter, 0, &value), 0);
    snprintf(line, sizeof line, "Final Counter: %lld", (long long)value);
    EXPECT_STR(line, "Final Counter: 10");
    mp_value_destroy(counter);
}

/* Checklist item 94: shared data, synchronized or not, doubled by a child:
 * 2^33 as int64 exactly, a double, a double array, and a char array
 * holding "hello" (doubled as a string, as Python's c_char array). */
static void test_shared_data_doubled(void)
{
    for (int raw = 0; raw < 2; raw++) {
        mp_value_t *big = NULL, *d = NULL, *arr = NULL, *str = NULL;
        double darr[] = {1.0, -2.5, 1e300 / 4, 0.1};
        char hello[20] = "hello";
        bool made = EXPECT_RC(
                        mp_value_create(&big, &(mp_value_opts_t){.type = MP_INT64,
                                                                 .raw = raw,
                                                                 .init = &(int64_t){1LL << 33}}),
                        0) &&
                    EXPECT_RC(mp_value_create(&d, &(mp_value_opts_t){.type = MP_DOUBLE,
                                                                     .raw = raw,
                                                                     .init = &(double){1.0 / 3}}),
                              0) &&
                    EXPECT_RC(mp_value_create(&arr, &(mp_value_opts_t){.type = MP_DOUBLE,
                                                                       .length = 4,
                                                                       .raw = raw,
                                                                       .init = darr}),
                              0) &&
                    EXPECT_RC(mp_value_create(&str, &(mp_value_opts_t){.type = MP_CHAR,
                                                                       .length = sizeof hello,
                                                                       .raw = raw,
                                                                       .init = hello}),
                              0);
        mp_process_t *p = made ? run_process(&(mp_process_opts_t){.task = "task_value_double",
                                                                  MP_OBJECTS(big, d, arr, str)})
                               : NULL;
        if (p && EXPECT_EQ(exitcode_of(p), 0)) {
            EXPECT_EQ(*(int64_t *)mp_value_ptr(big), 1LL << 34);
            EXPECT(*(double *)mp_value_ptr(d) == 2.0 / 3, "%.17g", *(double *)mp_value_ptr(d));
            for (int i = 0; i < 4; i++)
                EXPECT(((double *)mp_value_ptr(arr))[i] == darr[i] * 2, "arr[%d] = %.17g", i,
                       ((double *)mp_value_ptr(arr))[i]);
            EXPECT_STR((const char *)mp_value_ptr(str), "hellohello");
        }
        dispose_process(p);
        mp_value_destroy(str);
        mp_value_destroy(arr);
        mp_value_destroy(d);
        mp_value_destroy(big);
    }
}

/* Conversions follow the element type: an add wraps as the type does and
 * hands back the stored value, a set converts, an integer read of a
 * floating-point value (or an add to it) is refused, and so is a double
 * that an integer element cannot hold (NaN, an infinity, out of range). */
static void test_value_conversions(void)
{
    mp_value_t *i8 = NULL, *u8 = NULL, *dbl = NULL, *arr = NULL;
    if (!EXPECT_RC(
            mp_value_create(&i8, &(mp_value_opts_t){.type = MP_INT8, .init = &(int8_t){127}}), 0) ||
        !EXPECT_RC(mp_value_create(&u8, &(mp_value_opts_t){.type = MP_UINT8}), 0) ||
        !EXPECT_RC(mp_value_create(&dbl, &(mp_value_opts_t){.type = MP_DOUBLE}), 0) ||
        !EXPECT_RC(mp_value_create(&arr, &(mp_value_opts_t){.type = MP_INT16, .length = 3}), 0))
        goto out;
    int64_t k = 0;
    double d = 0;
    EXPECT_RC(mp_value_add_i64(i8, 0, 1, &k), 0);
    EXPECT_EQ(k, -128);
    EXPECT_RC(mp_value_set_i64(u8, 0, -1), 0);
    EXPECT_RC(mp_value_get_i64(u8, 0, &k), 0);
    EXPECT_EQ(k, 255);
    EXPECT_RC(mp_value_set_i64(dbl, 0, 3), 0);
    EXPECT_RC(mp_value_get_double(dbl, 0, &d), 0);
    EXPECT(d == 3.0, "%g", d);
    EXPECT_RC(mp_value_set_double(dbl, 0, 2.5), 0);
    EXPECT_RC(mp_value_get_i64(dbl, 0, &k), MP_EINVAL);
    EXPECT_RC(mp_value_add_i64(dbl, 0, 1, NULL), MP_EINVAL);
    EXPECT_RC(mp_value_get_double(dbl, 0, &d), 0);
    EXPECT(d == 2.5, "the refused calls changed it to %g", d);
    /* Indices: the last is fine, one past it is not. */
    EXPECT_RC(mp_value_set_i64(arr, 2, -5), 0);
    EXPECT_RC(mp_value_get_i64(arr, 2, &k), 0);
    EXPECT_EQ(k, -5);
    EXPECT_RC(mp_value_get_i64(arr, 3, &k), MP_EINVAL);
    EXPECT_RC(mp_value_set_i64(arr, 3, 1), MP_EINVAL);
    EXPECT_RC(mp_value_get_double(arr, 3, &d), MP_EINVAL);
    EXPECT_RC(mp_value_set_double(arr, 3, 1), MP_EINVAL);
    EXPECT_RC(mp_value_add_i64(arr, 3, 1, NULL), MP_EINVAL);
    EXPECT_RC(mp_value_add_i64(arr, 2, 10, NULL), 0); /* result may be NULL */
    EXPECT_RC(mp_value_get_i64(arr, 2, &k), 0);
    EXPECT_EQ(k, 5);
    EXPECT_RC(mp_value_set_double(arr, 2, NAN), MP_EINVAL);
    EXPECT_RC(mp_value_set_double(arr, 2, INFINITY), MP_EINVAL);
    EXPECT_RC(mp_value_set_double(arr, 2, -INFINITY), MP_EINVAL);
    EXPECT_RC(mp_value_set_double(arr, 2, 1e300), MP_EINVAL);
    EXPECT_RC(mp_value_get_i64(arr, 2, &k), 0);
    EXPECT(k == 5, "the refused sets changed it to %lld", (long long)k);
    EXPECT_RC(mp_value_set_double(arr, 2, -7.0), 0); /* one it can hold */
    EXPECT_RC(mp_value_get_i64(arr, 2, &k), 0);
    EXPECT_EQ(k, -7);
    EXPECT_RC(mp_value_set_double(dbl, 0, INFINITY), 0); /* a double element holds it */
    EXPECT_RC(mp_value_get_double(dbl, 0, &d), 0);
    EXPECT(isinf(d) && d > 0, "%g", d);
out:
    mp_value_destroy(arr);
    mp_value_destroy(dbl);
    mp_value_destroy(u8);
    mp_value_destroy(i8);
}

static const test_case_t tests[] = {
    {"value_types", test_value_types, ON_ALL},
    {"child_writes_visible", test_child_writes_visible, ON_ALL},
    {"value_lock", test_value_lock, ON_ALL},
    {"array_prefix_sums", test_array_prefix_sums, ON_ALL},
    {"array_zero_filled", test_array_zero_filled, ON_ALL},
    {"increments_exact", test_increments_exact, ON_ALL},
    {"tutorial_counter", test_tutorial_counter, ON_ALL},
    {"shared_data_doubled", test_shared_data_doubled, ON_ALL},
    {"value_conversions", test_value_conversions, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_value = {"value", true, tests};
