/* Suite "var": typed values (var.h and the container calls of mp_var.h).
 * No processes: this file tests the tree (constructors, getters, lists,
 * maps, copy, equality) and lists the suite; the formats, the codec and the
 * text forms have files of their own (var_tests.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mp_var.h"
#include "var_tests.h"

const char *var_repr(const mp_var_t *v)
{
    static char buf[4096];
    if (mp_var_repr(v, buf, sizeof buf, NULL) < 0)
        snprintf(buf, sizeof buf, "(repr failed: %s)", mp_errdetail());
    return buf;
}

mp_var_t *var_nested(int depth)
{
    mp_var_t *v = mp_var_int(1);
    for (int i = 0; i < depth && v; i++) {
        mp_var_t *outer = mp_var_list();
        if (!outer || mp_var_append(outer, v) < 0) {
            mp_var_free(outer);
            return NULL;
        }
        v = outer;
    }
    return v;
}

/* ---- constructors and getters --------------------------------------- */

static void test_scalars(void)
{
    mp_var_t *n = mp_var_nil(), *b = mp_var_bool(true), *i = mp_var_int(INT64_MIN),
             *d = mp_var_double(1.5), *s = mp_var_str("héllo"), *y = mp_var_bytes("\0\1", 2);
    EXPECT_EQ(mp_var_type(n), MP_VAR_NIL);
    EXPECT_EQ(mp_var_type(b), MP_VAR_BOOL);
    EXPECT_EQ(mp_var_type(i), MP_VAR_INT);
    EXPECT_EQ(mp_var_type(d), MP_VAR_DOUBLE);
    EXPECT_EQ(mp_var_type(s), MP_VAR_STR);
    EXPECT_EQ(mp_var_type(y), MP_VAR_BYTES);
    bool bv = false;
    int64_t iv = 0;
    double dv = 0;
    const char *sv = NULL;
    const void *yv = NULL;
    size_t yl = 0;
    EXPECT_RC(mp_var_get_bool(b, &bv), 0);
    EXPECT(bv, "bool read back false");
    EXPECT_RC(mp_var_get_int(i, &iv), 0);
    EXPECT(iv == INT64_MIN, "int read back %lld", (long long)iv);
    EXPECT_RC(mp_var_get_double(d, &dv), 0);
    EXPECT(dv == 1.5, "double read back %g", dv);
    EXPECT_RC(mp_var_get_double(i, &dv), 0); /* an int converts */
    EXPECT(dv == (double)INT64_MIN, "int as double read back %g", dv);
    EXPECT_RC(mp_var_get_str(s, &sv), 0);
    EXPECT_STR(sv, "héllo");
    EXPECT_EQ(mp_var_len(s), strlen("héllo"));
    EXPECT_RC(mp_var_get_bytes(y, &yv, &yl), 0);
    EXPECT(yl == 2 && memcmp(yv, "\0\1", 2) == 0, "bytes read back %zu bytes", yl);
    EXPECT_EQ(mp_var_len(y), 2);
    EXPECT_EQ(mp_var_len(i), 0);
    EXPECT_EQ(mp_var_len(n), 0);
    mp_var_t *vars[] = {n, b, i, d, s, y};
    for (size_t k = 0; k < sizeof vars / sizeof vars[0]; k++)
        mp_var_free(vars[k]);
}

static void test_strings_with_nuls(void)
{
    mp_var_t *s = mp_var_strn("a\0b", 3), *e = mp_var_strn(NULL, 0), *y = mp_var_bytes(NULL, 0);
    EXPECT_EQ(mp_var_len(s), 3);
    const char *sv = NULL;
    EXPECT_RC(mp_var_get_str(s, &sv), 0);
    EXPECT(sv && memcmp(sv, "a\0b", 4) == 0, "strn lost its bytes or its NUL end");
    EXPECT_EQ(mp_var_len(e), 0);
    EXPECT(e != NULL && y != NULL, "empty string or bytes from NULL, 0 refused");
    EXPECT(mp_var_str(NULL) == NULL, "mp_var_str(NULL) made a value");
    EXPECT(mp_var_strn(NULL, 2) == NULL, "mp_var_strn(NULL, 2) made a value");
    EXPECT(mp_var_bytes(NULL, 2) == NULL, "mp_var_bytes(NULL, 2) made a value");
    mp_var_free(s);
    mp_var_free(e);
    mp_var_free(y);
    mp_var_free(NULL); /* NULL-safe */
}

static void test_getters_refuse(void)
{
    mp_var_t *s = mp_var_str("x"), *i = mp_var_int(1);
    bool b;
    int64_t iv;
    double d;
    const char *sv;
    const void *yv;
    size_t yl;
    EXPECT_RC(mp_var_get_int(s, &iv), MP_EINVAL);
    EXPECT(strstr(mp_errdetail(), "expected int, got str") != NULL, "detail: %s", mp_errdetail());
    EXPECT_RC(mp_var_get_bool(i, &b), MP_EINVAL);
    EXPECT_RC(mp_var_get_double(s, &d), MP_EINVAL);
    EXPECT_RC(mp_var_get_str(i, &sv), MP_EINVAL);
    EXPECT_RC(mp_var_get_bytes(s, &yv, &yl), MP_EINVAL);
    EXPECT_RC(mp_var_get_int(NULL, &iv), MP_EINVAL);
    EXPECT_RC(mp_var_get_bool(NULL, &b), MP_EINVAL);
    EXPECT_RC(mp_var_get_int(i, NULL), MP_EINVAL);
    EXPECT_RC(mp_var_get_bool(i, NULL), MP_EINVAL);
    EXPECT_RC(mp_var_get_double(i, NULL), MP_EINVAL);
    EXPECT_RC(mp_var_get_str(s, NULL), MP_EINVAL);
    EXPECT_RC(mp_var_get_bytes(s, NULL, &yl), MP_EINVAL);
    EXPECT_RC(mp_var_get_bytes(s, &yv, NULL), MP_EINVAL);
    EXPECT_EQ(mp_var_type(NULL), 0);
    EXPECT_EQ(mp_var_len(NULL), 0);
    mp_var_free(s);
    mp_var_free(i);
}

static void test_type_names(void)
{
    static const char *const want[] = {"?",   "nil",   "bool", "int", "double",
                                       "str", "bytes", "list", "map", "ref"};
    for (int t = 0; t <= MP_VAR_REF; t++)
        EXPECT_STR(mp_var_type_name((mp_var_type_t)t), want[t]);
    EXPECT_STR(mp_var_type_name((mp_var_type_t)99), "?");
    EXPECT_STR(mp_var_type_name((mp_var_type_t)-1), "?");
}

/* ---- lists ------------------------------------------------------------- */

static void test_list_calls(void)
{
    mp_var_t *l = mp_var_list();
    EXPECT_EQ(mp_var_len(l), 0);
    for (int k = 0; k < 100; k++)
        EXPECT_RC(mp_var_append(l, mp_var_int(k)), 0);
    EXPECT_EQ(mp_var_len(l), 100);
    int64_t v = -1;
    EXPECT_RC(mp_var_get_int(mp_var_at(l, 57), &v), 0);
    EXPECT_EQ(v, 57);
    EXPECT(mp_var_at(l, 100) == NULL, "an element past the end");
    EXPECT_RC(mp_var_set_at(l, 3, mp_var_str("three")), 0);
    EXPECT_STR(var_repr(mp_var_at(l, 3)), "'three'");
    /* Refusals free the item (ASan's leak check sees it otherwise). */
    EXPECT_RC(mp_var_set_at(l, 100, mp_var_int(0)), MP_EINVAL);
    EXPECT(strstr(mp_errdetail(), "past the end") != NULL, "detail: %s", mp_errdetail());
    EXPECT_RC(mp_var_append(NULL, mp_var_int(0)), MP_EINVAL);
    EXPECT_RC(mp_var_set_at(NULL, 0, mp_var_int(0)), MP_EINVAL);
    mp_var_t *m = mp_var_map();
    EXPECT_RC(mp_var_append(m, mp_var_int(0)), MP_EINVAL);
    EXPECT(strstr(mp_errdetail(), "expected list, got map") != NULL, "detail: %s", mp_errdetail());
    EXPECT_RC(mp_var_set_at(m, 0, mp_var_int(0)), MP_EINVAL);
    EXPECT(mp_var_at(m, 0) == NULL && mp_var_at(NULL, 0) == NULL, "mp_var_at of a non-list");
    EXPECT_RC(mp_var_append(l, NULL), MP_EINVAL);
    EXPECT_RC(mp_var_set_at(l, 0, NULL), MP_EINVAL);
    EXPECT_RC(mp_var_append(l, l), MP_EINVAL); /* itself: refused, not freed */
    EXPECT_RC(mp_var_set_at(l, 0, l), MP_EINVAL);
    EXPECT_EQ(mp_var_len(l), 100);
    mp_var_free(m);
    mp_var_free(l);
}

/* The list as a repr, after an internal call. */
static mp_var_t *ints(int n)
{
    mp_var_t *l = mp_var_list();
    for (int k = 0; k < n; k++)
        mp_var_append(l, mp_var_int(k));
    return l;
}

static void test_list_internals(void)
{
    mp_var_t *l = ints(3), *out = NULL;
    EXPECT_RC(mp__var_list_insert(l, 0, mp_var_int(-1)), 0);
    EXPECT_RC(mp__var_list_insert(l, 4, mp_var_int(9)), 0); /* at the length: appends */
    EXPECT_RC(mp__var_list_insert(l, 2, mp_var_str("x")), 0);
    EXPECT_STR(var_repr(l), "[-1, 0, 'x', 1, 2, 9]");
    EXPECT_RC(mp__var_list_insert(l, 7, mp_var_int(0)), MP_EINDEX);
    EXPECT_RC(mp__var_list_insert(NULL, 0, mp_var_int(0)), MP_EINVAL);
    EXPECT_RC(mp__var_list_remove_at(l, 2, &out), 0);
    EXPECT_STR(var_repr(out), "'x'");
    mp_var_free(out);
    EXPECT_RC(mp__var_list_remove_at(l, 0, NULL), 0);
    EXPECT_STR(var_repr(l), "[0, 1, 2, 9]");
    EXPECT_RC(mp__var_list_remove_at(l, 4, NULL), MP_EINDEX);
    EXPECT_RC(mp__var_list_remove_at(NULL, 0, NULL), MP_EINVAL);

    EXPECT_RC(mp__var_list_slice(l, 1, 3, &out), 0);
    EXPECT_STR(var_repr(out), "[1, 2]");
    mp_var_free(out);
    EXPECT_RC(mp__var_list_slice(l, 3, 100, &out), 0); /* clamped */
    EXPECT_STR(var_repr(out), "[9]");
    mp_var_free(out);
    EXPECT_RC(mp__var_list_slice(l, 3, 1, &out), 0); /* start past stop: empty */
    EXPECT_STR(var_repr(out), "[]");
    mp_var_free(out);
    EXPECT_RC(mp__var_list_slice(l, 0, 1, NULL), MP_EINVAL);
    EXPECT_RC(mp__var_list_slice(NULL, 0, 1, &out), MP_EINVAL);

    EXPECT_RC(mp__var_list_splice(l, 1, 3, ints(4)), 0); /* grows */
    EXPECT_STR(var_repr(l), "[0, 0, 1, 2, 3, 9]");
    EXPECT_RC(mp__var_list_splice(l, 0, 5, ints(1)), 0); /* shrinks */
    EXPECT_STR(var_repr(l), "[0, 9]");
    EXPECT_RC(mp__var_list_splice(l, 0, 1, NULL), 0); /* deletes */
    EXPECT_STR(var_repr(l), "[9]");
    EXPECT_RC(mp__var_list_splice(l, 50, 60, ints(2)), 0); /* past the end: appends */
    EXPECT_STR(var_repr(l), "[9, 0, 1]");
    EXPECT_RC(mp__var_list_splice(l, 0, 1, mp_var_int(3)), MP_EINVAL);
    EXPECT_RC(mp__var_list_splice(l, 0, 1, l), MP_EINVAL);
    EXPECT_RC(mp__var_list_splice(NULL, 0, 1, ints(1)), MP_EINVAL);
    EXPECT_STR(var_repr(l), "[9, 0, 1]");

    mp__var_list_reverse(l);
    EXPECT_STR(var_repr(l), "[1, 0, 9]");
    mp__var_list_reverse(NULL); /* harmless */
    mp__var_clear(l);
    EXPECT_EQ(mp_var_len(l), 0);
    EXPECT_RC(mp_var_append(l, mp_var_int(5)), 0); /* usable after clear */
    EXPECT_STR(var_repr(l), "[5]");
    mp__var_clear(NULL);
    mp_var_free(l);
}

/* ---- maps -------------------------------------------------------------- */

static void test_map_calls(void)
{
    mp_var_t *m = mp_var_map();
    EXPECT_RC(mp_var_map_set(m, mp_var_str("b"), mp_var_int(1)), 0);
    EXPECT_RC(mp_var_map_set(m, mp_var_str("a"), mp_var_int(2)), 0);
    EXPECT_RC(mp_var_map_set(m, mp_var_int(1), mp_var_str("int one")), 0);
    EXPECT_RC(mp_var_map_set(m, mp_var_double(1.0), mp_var_str("double one")), 0);
    EXPECT_RC(mp_var_map_set(m, mp_var_str("b"), mp_var_int(3)), 0); /* keeps its place */
    EXPECT_EQ(mp_var_len(m), 4);
    EXPECT_STR(var_repr(m), "{'b': 3, 'a': 2, 1: 'int one', 1.0: 'double one'}");
    EXPECT_STR(var_repr(mp_var_map_key_at(m, 1)), "'a'");
    EXPECT_STR(var_repr(mp_var_map_value_at(m, 2)), "'int one'");
    EXPECT(mp_var_map_key_at(m, 4) == NULL && mp_var_map_value_at(m, 4) == NULL,
           "an entry past the end");
    EXPECT_STR(var_repr(mp_var_map_get_str(m, "a")), "2");
    EXPECT(mp_var_map_get_str(m, "zz") == NULL, "a missing key was found");
    EXPECT(mp_var_map_get_str(m, NULL) == NULL, "a NULL key was found");
    mp_var_t *k = mp_var_double(1.0);
    EXPECT_STR(var_repr(mp_var_map_get(m, k)), "'double one'");
    mp_var_free(k);

    /* Unhashable keys and bad maps: refused, both freed. */
    EXPECT_RC(mp_var_map_set(m, mp_var_list(), mp_var_int(0)), MP_EINVAL);
    EXPECT(strstr(mp_errdetail(), "unhashable") != NULL, "detail: %s", mp_errdetail());
    EXPECT_RC(mp_var_map_set(m, mp_var_map(), mp_var_int(0)), MP_EINVAL);
    EXPECT_RC(mp_var_map_set(m, mp__var_ref(1, "dict"), mp_var_int(0)), MP_EINVAL);
    EXPECT_RC(mp_var_map_set(NULL, mp_var_int(0), mp_var_int(0)), MP_EINVAL);
    mp_var_t *l = mp_var_list();
    EXPECT_RC(mp_var_map_set(l, mp_var_int(0), mp_var_int(0)), MP_EINVAL);
    EXPECT(mp_var_map_get(l, mp_var_map_key_at(m, 0)) == NULL, "mp_var_map_get of a list");
    EXPECT(mp_var_map_key_at(l, 0) == NULL, "mp_var_map_key_at of a list");
    mp_var_free(l);
    EXPECT_RC(mp_var_map_set(m, NULL, mp_var_int(0)), MP_EINVAL);
    EXPECT_RC(mp_var_map_set(m, mp_var_int(0), NULL), MP_EINVAL);
    EXPECT_RC(mp_var_map_set(m, mp_var_int(0), m), MP_EINVAL); /* itself: not freed */
    mp_var_t *same = mp_var_int(7);
    EXPECT_RC(mp_var_map_set(m, same, same), MP_EINVAL); /* freed once */
    EXPECT(mp_var_map_get(NULL, mp_var_map_key_at(m, 0)) == NULL, "mp_var_map_get(NULL)");
    EXPECT(mp_var_map_get(m, NULL) == NULL, "mp_var_map_get with a NULL key");
    EXPECT_EQ(mp_var_len(m), 4);
    mp_var_free(m);
}

static void test_map_special_keys(void)
{
    mp_var_t *m = mp_var_map();
    EXPECT_RC(mp_var_map_set(m, mp_var_double(-0.0), mp_var_str("zero")), 0);
    EXPECT_RC(mp_var_map_set(m, mp_var_double(0.0), mp_var_str("zero again")), 0);
    EXPECT_RC(mp_var_map_set(m, mp_var_double(NAN), mp_var_str("nan")), 0);
    EXPECT_RC(mp_var_map_set(m, mp_var_nil(), mp_var_str("none")), 0);
    EXPECT_RC(mp_var_map_set(m, mp_var_bool(true), mp_var_str("true")), 0);
    EXPECT_RC(mp_var_map_set(m, mp_var_bytes("a", 1), mp_var_str("bytes a")), 0);
    EXPECT_RC(mp_var_map_set(m, mp_var_str("a"), mp_var_str("str a")), 0);
    EXPECT_EQ(mp_var_len(m), 6);
    mp_var_t *nan = mp_var_double(-NAN), *zero = mp_var_double(0.0);
    EXPECT_STR(var_repr(mp_var_map_get(m, nan)), "'nan'");
    EXPECT_STR(var_repr(mp_var_map_get(m, zero)), "'zero again'");
    mp_var_free(nan);
    mp_var_free(zero);
    EXPECT_STR(var_repr(mp_var_map_get_str(m, "a")), "'str a'");
    mp_var_free(m);
}

/* A manager's dict of 100k keys: every lookup finds its key, deletions keep
 * the others' order, popitem is LIFO. Lookups are O(1) (a quadratic map
 * would take minutes here, and the suite's timeout would end it). */
static void test_map_large(void)
{
    enum { N = 100000 };
    mp_var_t *m = mp_var_map(), *k;
    char name[32];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "key%d", i);
        if (mp_var_map_set(m, mp_var_str(name), mp_var_int(i)) < 0)
            break;
    }
    EXPECT_EQ(mp_var_len(m), N);
    int wrong = 0;
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "key%d", i);
        int64_t v = -1;
        if (mp_var_get_int(mp_var_map_get_str(m, name), &v) < 0 || v != i)
            wrong++;
    }
    EXPECT_EQ(wrong, 0);
    /* Delete the even keys. */
    for (int i = 0; i < N; i += 2) {
        k = mp_var_int(i); /* another type: not the key */
        if (mp__var_map_del(m, k) != MP_EKEY)
            wrong++;
        mp_var_free(k);
        snprintf(name, sizeof name, "key%d", i);
        k = mp_var_str(name);
        if (mp__var_map_del(m, k) != 0)
            wrong++;
        mp_var_free(k);
    }
    EXPECT_EQ(wrong, 0);
    EXPECT_EQ(mp_var_len(m), N / 2);
    for (int i = 0; i < N / 2; i++) {
        int64_t v = -1;
        if (mp_var_get_int(mp_var_map_value_at(m, (size_t)i), &v) < 0 || v != 2 * i + 1)
            wrong++;
    }
    EXPECT_EQ(wrong, 0);
    mp_var_t *key = NULL, *value = NULL;
    EXPECT_RC(mp__var_map_pop_last(m, &key, &value), 0);
    EXPECT_STR(var_repr(key), "'key99999'");
    EXPECT_STR(var_repr(value), "99999");
    mp_var_free(key);
    mp_var_free(value);
    snprintf(name, sizeof name, "key%d", N - 3);
    k = mp_var_str(name);
    EXPECT_RC(mp__var_map_remove(m, k, &value), 0);
    EXPECT_STR(var_repr(value), "99997");
    mp_var_free(value);
    EXPECT_RC(mp__var_map_remove(m, k, &value), MP_EKEY);
    EXPECT_RC(mp__var_map_pop_last(m, NULL, NULL), 0); /* key99995 */
    EXPECT(mp_var_map_get(m, k) == NULL, "a deleted key is still there");
    mp_var_free(k);
    /* Re-adding a deleted key puts it at the end. */
    EXPECT_RC(mp_var_map_set(m, mp_var_str("key0"), mp_var_int(0)), 0);
    EXPECT_STR(var_repr(mp_var_map_key_at(m, mp_var_len(m) - 1)), "'key0'");
    mp_var_free(m);
}

/* Random sets, deletes and popitems against a model (an array in insertion
 * order), checking lookups, the order and the length as they go: the index
 * must stay right through holes, compactions and growth. */
static void test_map_churn(void)
{
    enum { KEYS = 300, OPS = 30000 };
    int64_t order[KEYS], value[KEYS]; /* the model: keys in order, and values by key */
    size_t n = 0;
    bool present[KEYS] = {false};
    mp_var_t *m = mp_var_map();
    uint32_t seed = 12345;
    int wrong = 0;
    for (int op = 0; op < OPS && wrong == 0; op++) {
        seed = seed * 1103515245u + 12345u;
        int64_t k = (seed >> 8) % KEYS;
        unsigned what = (seed >> 20) % 8;
        mp_var_t *key = mp_var_int(k);
        if (what < 4) { /* set: a new key goes last, an old one keeps its place */
            if (!present[k])
                order[n++] = k;
            present[k] = true;
            value[k] = op;
            if (mp_var_map_set(m, mp_var_int(k), mp_var_int(op)) != 0)
                wrong++;
        } else if (what < 7) { /* delete */
            int rc = mp__var_map_del(m, key);
            if (rc != (present[k] ? 0 : MP_EKEY))
                wrong++;
            for (size_t i = 0; present[k] && i < n; i++)
                if (order[i] == k) {
                    memmove(order + i, order + i + 1, (n - i - 1) * sizeof *order);
                    n--;
                    break;
                }
            present[k] = false;
        } else { /* popitem: the last one */
            mp_var_t *pk = NULL;
            int64_t got = -1;
            int rc = mp__var_map_pop_last(m, &pk, NULL);
            if (rc != (n ? 0 : MP_EKEY) ||
                (n && (mp_var_get_int(pk, &got) < 0 || got != order[n - 1])))
                wrong++;
            if (n)
                present[order[--n]] = false;
            mp_var_free(pk);
        }
        int64_t v = -1;
        mp_var_t *found = mp_var_map_get(m, key);
        if (present[k] ? mp_var_get_int(found, &v) < 0 || v != value[k] : found != NULL)
            wrong++;
        mp_var_free(key);
        if (mp_var_len(m) != n)
            wrong++;
        if (op % 97 == 0) /* the order, by position (compacts any holes) */
            for (size_t i = 0; i < n; i++)
                if (mp_var_get_int(mp_var_map_key_at(m, i), &v) < 0 || v != order[i])
                    wrong++;
    }
    EXPECT_EQ(wrong, 0);
    /* Deleting most of a map squeezes its holes out as it goes (more holes
     * than live entries); lookups and the order survive that. */
    mp__var_clear(m);
    for (int64_t k = 0; k < 100; k++)
        mp_var_map_set(m, mp_var_int(k), mp_var_int(k));
    for (int64_t k = 0; k < 90; k++) {
        mp_var_t *key = mp_var_int(k);
        wrong += mp__var_map_del(m, key) != 0;
        mp_var_free(key);
    }
    for (int64_t k = 0; k < 100; k++) {
        mp_var_t *key = mp_var_int(k);
        wrong += (mp_var_map_get(m, key) != NULL) != (k >= 90);
        mp_var_free(key);
    }
    EXPECT_EQ(wrong, 0);
    EXPECT_STR(var_repr(m), "{90: 90, 91: 91, 92: 92, 93: 93, 94: 94, 95: 95, 96: 96, 97: 97, "
                            "98: 98, 99: 99}");
    mp_var_free(m);
}

static void test_map_internals_refuse(void)
{
    mp_var_t *m = mp_var_map(), *l = mp_var_list(), *k = mp_var_int(1), *v = NULL;
    EXPECT_RC(mp__var_map_pop_last(m, &k, &v), MP_EKEY);
    EXPECT(strstr(mp_errdetail(), "empty") != NULL, "detail: %s", mp_errdetail());
    EXPECT_RC(mp__var_map_del(m, k), MP_EKEY);
    EXPECT_RC(mp__var_map_del(m, NULL), MP_EINVAL);
    EXPECT_RC(mp__var_map_del(NULL, k), MP_EINVAL);
    EXPECT_RC(mp__var_map_del(l, k), MP_EINVAL);
    EXPECT_RC(mp__var_map_del(m, l), MP_EKEY); /* unhashable: never there */
    EXPECT_RC(mp__var_map_pop_last(l, NULL, NULL), MP_EINVAL);
    EXPECT_RC(mp__var_map_pop_last(NULL, NULL, NULL), MP_EINVAL);
    /* Emptied by deletions, then filled again. */
    EXPECT_RC(mp_var_map_set(m, mp_var_int(1), mp_var_int(10)), 0);
    EXPECT_RC(mp__var_map_del(m, k), 0);
    EXPECT_EQ(mp_var_len(m), 0);
    EXPECT_STR(var_repr(m), "{}");
    EXPECT_RC(mp_var_map_set(m, mp_var_int(2), mp_var_int(20)), 0);
    EXPECT_RC(mp_var_map_set(m, mp_var_int(1), mp_var_int(10)), 0);
    EXPECT_STR(var_repr(m), "{2: 20, 1: 10}");
    mp__var_clear(m);
    EXPECT_STR(var_repr(m), "{}");
    EXPECT_RC(mp_var_map_set(m, mp_var_int(3), mp_var_int(30)), 0);
    EXPECT_STR(var_repr(m), "{3: 30}");
    mp_var_free(k);
    mp_var_free(l);
    mp_var_free(m);
}

/* ---- copy and equality ---------------------------------------------- */

static mp_var_t *sample_tree(void)
{
    mp_var_t *v = NULL;
    mp_var_t *ref = mp__var_ref(42, "dict");
    mp_var_pack(&v, "{s:I, s:[s, d, n, b, y], i:{s:v}, d:[]}", "id", (int64_t)1 << 40, "tags", "x",
                1.5, true, "\x00\xff", (size_t)2, 7, "ref", ref, 2.5);
    mp_var_free(ref);
    return v;
}

static void test_copy_and_equal(void)
{
    mp_var_t *a = sample_tree(), *b = NULL;
    if (!EXPECT(a != NULL, "sample tree: %s", mp_errdetail()))
        return;
    EXPECT_RC(mp_var_copy(&b, a), 0);
    EXPECT(b != a && mp_var_equal(a, b), "a copy differs: %s", var_repr(b));
    EXPECT_STR(var_repr(b), var_repr(a));
    /* The copy is deep: changing it leaves the original. */
    EXPECT_RC(mp_var_append(mp_var_map_get_str(b, "tags"), mp_var_int(0)), 0);
    EXPECT(!mp_var_equal(a, b), "a changed copy still equals the original");
    EXPECT_EQ(mp_var_len(mp_var_map_get_str(a, "tags")), 5);
    mp_var_free(b);
    EXPECT_RC(mp_var_copy(NULL, a), MP_EINVAL);
    EXPECT_RC(mp_var_copy(&b, NULL), MP_EINVAL);
    mp_var_free(a);
}

static void test_equal_rules(void)
{
    mp_var_t *m1 = NULL, *m2 = NULL, *x = mp_var_int(1), *y = mp_var_double(1.0);
    mp_var_pack(&m1, "{s:i, s:i}", "a", 1, "b", 2);
    mp_var_pack(&m2, "{s:i, s:i}", "b", 2, "a", 1);
    EXPECT(mp_var_equal(m1, m2), "maps with the same entries in another order differ");
    EXPECT(mp_var_equal(NULL, NULL), "two NULLs differ");
    EXPECT(!mp_var_equal(m1, NULL) && !mp_var_equal(NULL, m1), "NULL equals a value");
    EXPECT(!mp_var_equal(x, y), "int 1 equals double 1.0 (another type)");
    mp_var_t *n1 = mp_var_double(NAN), *n2 = mp_var_double(NAN);
    EXPECT(mp_var_equal(n1, n2), "NaN differs from NaN (a round trip would)");
    mp_var_t *r1 = mp__var_ref(1, "dict"), *r2 = mp__var_ref(1, "list"),
             *r3 = mp__var_ref(2, "dict");
    EXPECT(!mp_var_equal(r1, r2) && !mp_var_equal(r1, r3), "references to others are equal");
    mp_var_t *s1 = mp_var_str("ab"), *s2 = mp_var_bytes("ab", 2), *s3 = mp_var_str("abc");
    EXPECT(!mp_var_equal(s1, s2) && !mp_var_equal(s1, s3), "str equals bytes or longer str");
    mp_var_t *nil1 = mp_var_nil(), *nil2 = mp_var_nil();
    EXPECT(mp_var_equal(nil1, nil2), "None differs from None");
    mp_var_t *all[] = {m1, m2, x, y, n1, n2, r1, r2, r3, s1, s2, s3, nil1, nil2};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        mp_var_free(all[i]);
}

static void test_refs(void)
{
    mp_var_t *r = mp__var_ref(UINT64_MAX, "Namespace");
    uint64_t id = 0;
    const char *type = NULL;
    EXPECT_EQ(mp_var_type(r), MP_VAR_REF);
    EXPECT_RC(mp__var_ref_get(r, &id, &type), 0);
    EXPECT(id == UINT64_MAX, "id read back %llu", (unsigned long long)id);
    EXPECT_STR(type, "Namespace");
    mp_var_t *i = mp_var_int(3);
    EXPECT_RC(mp__var_ref_get(i, &id, &type), MP_EINVAL);
    EXPECT_RC(mp__var_ref_get(NULL, &id, &type), MP_EINVAL);
    EXPECT(mp__var_ref(1, NULL) == NULL, "a reference without a type");
    mp_var_free(i);
    mp_var_free(r);
}

static const test_case_t tests[] = {
    {"scalars", test_scalars, ON_ALL},
    {"strings_with_nuls", test_strings_with_nuls, ON_ALL},
    {"getters_refuse", test_getters_refuse, ON_ALL},
    {"type_names", test_type_names, ON_ALL},
    {"list_calls", test_list_calls, ON_ALL},
    {"list_internals", test_list_internals, ON_ALL},
    {"map_calls", test_map_calls, ON_ALL},
    {"map_special_keys", test_map_special_keys, ON_ALL},
    {"map_large", test_map_large, ON_ALL},
    {"map_churn", test_map_churn, ON_ALL},
    {"map_internals_refuse", test_map_internals_refuse, ON_ALL},
    {"copy_and_equal", test_copy_and_equal, ON_ALL},
    {"equal_rules", test_equal_rules, ON_ALL},
    {"refs", test_refs, ON_ALL},
    {"pack_every_char", test_var_pack_every_char, ON_ALL},
    {"pack_bad_formats", test_var_pack_bad_formats, ON_ALL},
    {"unpack_shapes", test_var_unpack_shapes, ON_ALL},
    {"unpack_copy_mode", test_var_unpack_copy_mode, ON_ALL},
    {"codec_round_trip", test_var_codec_round_trip, ON_ALL},
    {"codec_every_encoding", test_var_codec_every_encoding, ON_ALL},
    {"codec_depth", test_var_codec_depth, ON_ALL},
    {"codec_refused", test_var_codec_refused, ON_ALL},
    {"codec_truncated", test_var_codec_truncated, ON_ALL},
    {"codec_giant_claims", test_var_codec_giant_claims, ON_ALL},
    {"codec_from_msgpack", test_var_codec_from_msgpack, ON_ALL},
    {"codec_refs", test_var_codec_refs, ON_ALL},
    {"repr_python", test_var_repr_python, ON_ALL},
    {"repr_buffer", test_var_repr_buffer, ON_ALL},
    {"compare_python", test_var_compare_python, ON_ALL},
    {"sort", test_var_sort, ON_ALL},
    {NULL, NULL, 0},
};

const test_suite_t suite_var = {"var", false, tests};
