/* Suite "var", the text forms and the order: mp_var_repr() against what
 * Python 3 prints for the same values, mp_var_compare() against Python's
 * `<`, and a managed list's sort (mp__var_list_sort()). */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "mp_var.h"
#include "var_tests.h"

/* The repr of a value packed from a format with one argument or none. */
#define REPR_OF_DOUBLE(d, want)                                                       \
    do {                                                                              \
        mp_var_t *v_ = mp_var_double(d);                                              \
        EXPECT(strcmp(var_repr(v_), want) == 0, "repr(%s) is %s, Python says %s", #d, \
               var_repr(v_), want);                                                   \
        mp_var_free(v_);                                                              \
    } while (0)

static void expect_repr_str(const char *s, size_t len, bool bytes, const char *want)
{
    mp_var_t *v = bytes ? mp_var_bytes(s, len) : mp_var_strn(s, len);
    EXPECT(strcmp(var_repr(v), want) == 0, "repr is %s, Python says %s", var_repr(v), want);
    mp_var_free(v);
}

void test_var_repr_python(void)
{
    REPR_OF_DOUBLE(1.0, "1.0");
    REPR_OF_DOUBLE(0.1, "0.1");
    REPR_OF_DOUBLE(0.1 + 0.2, "0.30000000000000004");
    REPR_OF_DOUBLE(1e100, "1e+100");
    REPR_OF_DOUBLE(1e16, "1e+16");
    REPR_OF_DOUBLE(1e15, "1000000000000000.0");
    REPR_OF_DOUBLE(12345678901234567.0, "1.2345678901234568e+16");
    REPR_OF_DOUBLE(0.0001, "0.0001");
    REPR_OF_DOUBLE(0.00001, "1e-05");
    REPR_OF_DOUBLE(1.5e-10, "1.5e-10");
    REPR_OF_DOUBLE(5e-324, "5e-324");
    REPR_OF_DOUBLE(1.7976931348623157e308, "1.7976931348623157e+308");
    REPR_OF_DOUBLE(123456789.123, "123456789.123");
    REPR_OF_DOUBLE(100.0, "100.0");
    REPR_OF_DOUBLE(2.5, "2.5");
    REPR_OF_DOUBLE(-2.5, "-2.5");
    REPR_OF_DOUBLE(0.0, "0.0");
    REPR_OF_DOUBLE(-0.0, "-0.0");
    REPR_OF_DOUBLE(INFINITY, "inf");
    REPR_OF_DOUBLE(-INFINITY, "-inf");
    REPR_OF_DOUBLE(NAN, "nan");

    expect_repr_str("x", 1, false, "'x'");
    expect_repr_str("it's", 4, false, "\"it's\"");
    expect_repr_str("say \"hi\"", 8, false, "'say \"hi\"'");
    expect_repr_str("it's \"x\"", 8, false, "'it\\'s \"x\"'");
    expect_repr_str("a\tb\nc\rd\\", 8, false, "'a\\tb\\nc\\rd\\\\'");
    expect_repr_str("\0\x1f\x7f", 3, false, "'\\x00\\x1f\\x7f'");
    expect_repr_str("h\xc3\xa9llo", 6, false, "'h\xc3\xa9llo'");
    expect_repr_str("\0\xff", 2, true, "b'\\x00\\xff'");
    expect_repr_str("it's", 4, true, "b\"it's\"");
    expect_repr_str("a\\b\n", 4, true, "b'a\\\\b\\n'");
    expect_repr_str("", 0, true, "b''");
    expect_repr_str("", 0, false, "''");

    mp_var_t *v = NULL, *ref = mp__var_ref(3, "dict");
    mp_var_pack(&v, "[s]", "Hello from process!");
    EXPECT_STR(var_repr(v), "['Hello from process!']");
    mp_var_free(v);
    mp_var_pack(&v, "{s:i, s:[d, n, b]}", "a", 1, "b", 1.5, true);
    EXPECT_STR(var_repr(v), "{'a': 1, 'b': [1.5, None, True]}");
    mp_var_free(v);
    mp_var_pack(&v, "[I, b, [], {}, v, {y:[]}]", (int64_t)INT64_MIN, false, ref, "k", (size_t)1);
    EXPECT_STR(var_repr(v), "[-9223372036854775808, False, [], {}, <dict proxy #3>, {b'k': []}]");
    mp_var_free(v);
    mp_var_free(ref);
    EXPECT_STR(var_repr(NULL), "NULL");
}

void test_var_repr_buffer(void)
{
    mp_var_t *v = NULL;
    mp_var_pack(&v, "[i, s]", 12, "abc"); /* [12, 'abc']: 11 characters */
    char buf[32];
    size_t len = 0;
    EXPECT_RC(mp_var_repr(v, buf, 12, &len), 0); /* exactly fits with its NUL */
    EXPECT_STR(buf, "[12, 'abc']");
    EXPECT_EQ(len, 11);
    memset(buf, '#', sizeof buf);
    len = 0;
    EXPECT_RC(mp_var_repr(v, buf, 11, &len), MP_ETOOSMALL);
    EXPECT_STR(buf, "[12, 'abc'"); /* what fits, NUL-ended */
    EXPECT_EQ(len, 11);
    EXPECT(strstr(mp_errdetail(), "12 bytes needed") != NULL, "detail: %s", mp_errdetail());
    EXPECT_RC(mp_var_repr(v, buf, 1, &len), MP_ETOOSMALL);
    EXPECT_STR(buf, "");
    len = 0;
    EXPECT_RC(mp_var_repr(v, NULL, 0, &len), MP_ETOOSMALL); /* only the length */
    EXPECT_EQ(len, 11);
    EXPECT_RC(mp_var_repr(v, NULL, 5, &len), MP_EINVAL);
    EXPECT_RC(mp_var_repr(v, buf, sizeof buf, NULL), 0); /* len may be NULL */
    EXPECT_RC(mp_var_repr(NULL, buf, sizeof buf, &len), 0);
    EXPECT_STR(buf, "NULL");
    EXPECT_RC(mp_var_repr(NULL, buf, 4, &len), MP_ETOOSMALL);
    mp_var_free(v);
}

/* The order of two values packed from one format ("[x, y]"). */
static int order_of(int *order, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mp_var_t *pair = NULL;
    int rc = mp__var_vpack(&pair, fmt, ap);
    va_end(ap);
    if (rc == 0)
        rc = mp_var_compare(mp_var_at(pair, 0), mp_var_at(pair, 1), order);
    mp_var_free(pair);
    return rc;
}

#define ORDER(want, ...)                                                                  \
    do {                                                                                  \
        int o_ = 99;                                                                      \
        EXPECT_RC(order_of(&o_, __VA_ARGS__), 0);                                         \
        EXPECT(o_ == (want), "compare %s: %d, Python says %d", #__VA_ARGS__, o_, (want)); \
    } while (0)

void test_var_compare_python(void)
{
    ORDER(-1, "[i, i]", 1, 2);
    ORDER(0, "[i, d]", 1, 1.0);
    ORDER(0, "[b, i]", true, 1);
    ORDER(-1, "[b, d]", false, 0.5);
    ORDER(1, "[I, d]", ((int64_t)1 << 53) + 1, 9007199254740992.0); /* exact, not rounded */
    ORDER(-1, "[d, i]", -1.5, -1);
    ORDER(1, "[d, I]", INFINITY, (int64_t)INT64_MAX);
    ORDER(-1, "[I, d]", (int64_t)INT64_MAX, 9.3e18);
    ORDER(1, "[I, d]", (int64_t)INT64_MIN, -1e19);
    ORDER(0, "[d, d]", NAN, 1.0); /* neither < nor > */
    ORDER(-1, "[s, s]", "a", "b");
    ORDER(-1, "[s, s]", "ab", "abc");
    ORDER(1, "[s, s]", "b", "abc");
    ORDER(0, "[s, s]", "x", "x");
    ORDER(-1, "[y, y]", "", (size_t)0, "a", (size_t)1);
    ORDER(-1, "[[i, i], [i, i]]", 1, 2, 1, 3);
    ORDER(-1, "[[i], [i, i]]", 1, 1, 0);
    ORDER(-1, "[[i, s], [d, s]]", 1, "a", 1.0, "b"); /* 1 == 1.0: go on */
    ORDER(0, "[[], []]");
    int o = 0;
    EXPECT_RC(order_of(&o, "[s, i]", "a", 1), MP_EINVAL);
    EXPECT(strstr(mp_errdetail(), "'str' and 'int'") != NULL, "detail: %s", mp_errdetail());
    EXPECT_RC(order_of(&o, "[n, n]"), MP_EINVAL);
    EXPECT_RC(order_of(&o, "[{}, {}]"), MP_EINVAL);
    EXPECT_RC(order_of(&o, "[s, y]", "a", "a", (size_t)1), MP_EINVAL);
    EXPECT_RC(order_of(&o, "[[i], [s]]", 1, "a"), MP_EINVAL);
    mp_var_t *r = mp__var_ref(1, "dict");
    EXPECT_RC(mp_var_compare(r, r, &o), MP_EINVAL);
    EXPECT_RC(mp_var_compare(NULL, r, &o), MP_EINVAL);
    EXPECT_RC(mp_var_compare(r, NULL, &o), MP_EINVAL);
    EXPECT_RC(mp_var_compare(r, r, NULL), MP_EINVAL);
    mp_var_free(r);
}

static void expect_sorted(const char *want, bool reverse, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mp_var_t *l = NULL;
    EXPECT_RC(mp__var_vpack(&l, fmt, ap), 0);
    va_end(ap);
    EXPECT_RC(mp__var_list_sort(l, reverse), 0);
    EXPECT(strcmp(var_repr(l), want) == 0, "sorted %s, expected %s", var_repr(l), want);
    mp_var_free(l);
}

void test_var_sort(void)
{
    expect_sorted("[True, 1.5, 2, 3]", false, "[i, d, b, i]", 3, 1.5, true, 2);
    expect_sorted("[3, 2, 1.5, True]", true, "[i, d, b, i]", 3, 1.5, true, 2);
    /* Stable both ways: equal elements keep their order. */
    expect_sorted("[1, 1.0, True]", false, "[i, d, b]", 1, 1.0, true);
    expect_sorted("[1, 1.0, True]", true, "[i, d, b]", 1, 1.0, true);
    expect_sorted("[2, 2.0, 1]", true, "[i, i, d]", 2, 1, 2.0);
    expect_sorted("['a', 'ab', 'b']", false, "[s, s, s]", "b", "ab", "a");
    expect_sorted("[]", false, "[]");
    expect_sorted("[[1], [1, 0], [2]]", false, "[[i], [i], [i, i]]", 2, 1, 1, 0);
    /* A large one, against a check of every neighbour. */
    mp_var_t *l = mp_var_list();
    for (int i = 0; i < 5000; i++)
        mp_var_append(l, mp_var_int((i * 7919) % 5003));
    EXPECT_RC(mp__var_list_sort(l, false), 0);
    int bad = 0;
    for (size_t i = 1; i < mp_var_len(l); i++) {
        int o = 0;
        if (mp_var_compare(mp_var_at(l, i - 1), mp_var_at(l, i), &o) < 0 || o > 0)
            bad++;
    }
    EXPECT_EQ(bad, 0);
    mp_var_free(l);
    /* Unorderable: refused, the list as it was. */
    mp_var_pack(&l, "[i, s, i]", 3, "a", 1);
    EXPECT_RC(mp__var_list_sort(l, false), MP_EINVAL);
    EXPECT_STR(var_repr(l), "[3, 'a', 1]");
    mp_var_t *m = mp_var_map();
    EXPECT_RC(mp__var_list_sort(m, false), MP_EINVAL);
    EXPECT_RC(mp__var_list_sort(NULL, false), MP_EINVAL);
    mp_var_free(m);
    mp_var_free(l);
}
