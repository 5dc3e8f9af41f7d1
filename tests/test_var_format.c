/* Suite "var", the formats: mp_var_pack(), mp_var_unpack() and the copy
 * mode of mp__var_vunpack() (what a proxy's getf() uses). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mp_var.h"
#include "var_tests.h"

void test_var_pack_every_char(void)
{
    mp_var_t *inner = mp_var_str("inner"), *v = NULL;
    int rc = mp_var_pack(&v, "[n, b, b, i, I, d, s, y, v, [], {}, {i:[n], s:{b:d}}]", true, 0, -7,
                         (int64_t)INT64_MAX, 0.1, "it's", "\x01z", (size_t)2, inner, 3, "m", false,
                         2.0);
    EXPECT_RC(rc, 0);
    EXPECT_STR(var_repr(v), "[None, True, False, -7, 9223372036854775807, 0.1, \"it's\", "
                            "b'\\x01z', 'inner', [], {}, {3: [None], 'm': {False: 2.0}}]");
    mp_var_free(v);
    /* The example of var.h, and separators are for the reader only. */
    EXPECT_RC(mp_var_pack(&v, "{s:I, s:[s, d]}", "id", (int64_t)5, "tags", "x", 1.5), 0);
    EXPECT_STR(var_repr(v), "{'id': 5, 'tags': ['x', 1.5]}");
    mp_var_free(v);
    EXPECT_RC(mp_var_pack(&v, " { s I\t s\n[ s d ] } ", "id", (int64_t)5, "tags", "x", 1.5), 0);
    EXPECT_STR(var_repr(v), "{'id': 5, 'tags': ['x', 1.5]}");
    mp_var_free(v);
    EXPECT_RC(mp_var_pack(&v, "y", NULL, (size_t)0), 0); /* empty bytes from NULL */
    EXPECT_STR(var_repr(v), "b''");
    mp_var_free(v);
    /* 64 nested lists are the codec's limit, so the format's too. */
    char fmt[200];
    memset(fmt, '[', 64);
    memset(fmt + 64, ']', 64);
    fmt[128] = '\0';
    EXPECT_RC(mp_var_pack(&v, fmt), 0);
    mp_var_free(v);
    v = NULL;
    memset(fmt, '[', 65);
    memset(fmt + 65, ']', 65);
    fmt[130] = '\0';
    EXPECT_RC(mp_var_pack(&v, fmt), MP_EINVAL);
    EXPECT(v == NULL, "a refused pack wrote its output");
    mp_var_free(inner);
}

/* Each malformed format is refused with MP_EINVAL, names its position in
 * the detail, and writes nothing. */
static void expect_bad(const char *fmt, const char *detail_part, ...)
{
    mp_var_t *v = NULL;
    va_list ap;
    va_start(ap, detail_part);
    int rc = mp__var_vpack(&v, fmt, ap);
    va_end(ap);
    EXPECT(rc == MP_EINVAL && v == NULL, "format \"%s\": rc %d, detail: %s", fmt, rc,
           mp_errdetail());
    EXPECT(strstr(mp_errdetail(), detail_part) != NULL, "format \"%s\": detail \"%s\" lacks \"%s\"",
           fmt, mp_errdetail(), detail_part);
    mp_var_free(v);
}

void test_var_pack_bad_formats(void)
{
    expect_bad("x", "unknown format character");
    expect_bad("[i, q]", "position 4", 1);
    expect_bad("[i", "never closed", 1);
    expect_bad("{s:i", "never closed", "a", 1);
    expect_bad("{s}", "without a value", "a");
    expect_bad("{[i]:i}", "unhashable", 1, 2);
    expect_bad("{{}:i}", "unhashable", 1);
    expect_bad("i i", "more than one value", 1, 2);
    expect_bad("", "missing");
    expect_bad("  ,: ", "missing");
    expect_bad("]", "unknown format character");
    expect_bad("s", "NULL", (const char *)NULL);
    expect_bad("[y]", "NULL", (const void *)NULL, (size_t)3);
    expect_bad("v", "NULL", (const mp_var_t *)NULL);
    mp_var_t *v = NULL;
    EXPECT_RC(mp_var_pack(NULL, "i", 1), MP_EINVAL);
    EXPECT_RC(mp_var_pack(&v, NULL), MP_EINVAL);
}

void test_var_unpack_shapes(void)
{
    mp_var_t *v = NULL;
    mp_var_t *ref = mp__var_ref(9, "list");
    mp_var_pack(&v, "{s:I, s:[s, d, i], s:n, s:b, s:y, s:v, i:d}", "id", (int64_t)1 << 40, "tags",
                "x", 1.5, 3, "none", "yes", true, "raw", "ab", (size_t)2, "ref", ref, 7, 2.0);
    int64_t id = 0;
    const char *tag = NULL;
    double d = 0, seven = 0;
    int three = 0;
    bool yes = false;
    const void *raw = NULL;
    size_t rawlen = 0;
    const mp_var_t *r = NULL;
    EXPECT_RC(mp_var_unpack(v, "{s:I, s:[s, d, i], s:n, s:b, s:y, s:v, i:d}", "id", &id, "tags",
                            &tag, &d, &three, "none", "yes", &yes, "raw", &raw, &rawlen, "ref", &r,
                            7, &seven),
              0);
    EXPECT(id == (int64_t)1 << 40 && d == 1.5 && three == 3 && yes && seven == 2.0,
           "read back id %lld d %g three %d yes %d seven %g", (long long)id, d, three, yes, seven);
    EXPECT_STR(tag, "x");
    EXPECT(rawlen == 2 && raw && memcmp(raw, "ab", 2) == 0, "bytes read back %zu", rawlen);
    EXPECT(mp_var_equal(r, ref), "the borrowed var is not the reference");
    /* A subset of the keys is fine; an int reads as a double. */
    EXPECT_RC(mp_var_unpack(v, "{s:d}", "id", &d), 0);
    EXPECT(d == (double)((int64_t)1 << 40), "int as double read back %g", d);

    /* Shape errors say where. */
    EXPECT_RC(mp_var_unpack(v, "{s:[s, i, i]}", "tags", &tag, &three, &three), MP_EINVAL);
    EXPECT(strstr(mp_errdetail(), "item 1: expected int, got double") != NULL, "detail: %s",
           mp_errdetail());
    EXPECT_RC(mp_var_unpack(v, "{s:[s, d]}", "tags", &tag, &d), MP_EINVAL);
    EXPECT(strstr(mp_errdetail(), "expected a list of 2 items, got 3") != NULL, "detail: %s",
           mp_errdetail());
    EXPECT_RC(mp_var_unpack(v, "{s:[s, d, i, i]}", "tags", &tag, &d, &three, &three), MP_EINVAL);
    EXPECT(strstr(mp_errdetail(), "only 3 items") != NULL, "detail: %s", mp_errdetail());
    EXPECT_RC(mp_var_unpack(v, "{s:s}", "id", &tag), MP_EINVAL);
    EXPECT(strstr(mp_errdetail(), "key 'id': expected str, got int") != NULL, "detail: %s",
           mp_errdetail());
    EXPECT_RC(mp_var_unpack(v, "{s:i}", "missing", &three), MP_EKEY);
    EXPECT(strstr(mp_errdetail(), "'missing'") != NULL, "detail: %s", mp_errdetail());
    EXPECT_RC(mp_var_unpack(v, "{s:i}", "id", &three), MP_EINVAL); /* 2^40: not an int */
    EXPECT(strstr(mp_errdetail(), "does not fit") != NULL, "detail: %s", mp_errdetail());
    EXPECT_RC(mp_var_unpack(v, "[i]", &three), MP_EINVAL);
    EXPECT(strstr(mp_errdetail(), "the value: expected list, got map") != NULL, "detail: %s",
           mp_errdetail());
    const char *ytag = NULL;
    EXPECT_RC(mp_var_unpack(v, "{s:n, s:b, s:y, s:d, s:I}", "id", "none", &yes, "tags", &ytag,
                            &rawlen, "tags", &d, "tags", &id),
              MP_EINVAL);
    EXPECT_RC(mp_var_unpack(v, "{s:b}", "id", &yes), MP_EINVAL);
    EXPECT_RC(mp_var_unpack(v, "{s:y}", "id", &raw, &rawlen), MP_EINVAL);
    EXPECT_RC(mp_var_unpack(v, "{s:d}", "tags", &d), MP_EINVAL);
    EXPECT_RC(mp_var_unpack(v, "{s:I}", "tags", &id), MP_EINVAL);
    EXPECT_RC(mp_var_unpack(v, "{s:{}}", "tags"), MP_EINVAL);
    EXPECT_RC(mp_var_unpack(v, "{s:n}", "id"), MP_EINVAL);
    /* Malformed formats. */
    EXPECT_RC(mp_var_unpack(v, "{s:q}", "id"), MP_EINVAL);
    EXPECT(strstr(mp_errdetail(), "unknown format character") != NULL, "detail: %s",
           mp_errdetail());
    EXPECT_RC(mp_var_unpack(v, "{s:I", "id", &id), MP_EINVAL);
    EXPECT_RC(mp_var_unpack(v, "{s}", "id"), MP_EINVAL);
    EXPECT_RC(mp_var_unpack(v, "{[i]:I}", 1, &id), MP_EINVAL);
    EXPECT_RC(mp_var_unpack(v, "{s:I} i", "id", &id, &three), MP_EINVAL);
    EXPECT_RC(mp_var_unpack(v, "", &id), MP_EINVAL);
    mp_var_t *tags = mp_var_map_get_str(v, "tags");
    EXPECT_RC(mp_var_unpack(tags, "[s, d, i", &tag, &d, &three), MP_EINVAL);
    EXPECT_RC(mp_var_unpack(NULL, "i", &three), MP_EINVAL);
    EXPECT_RC(mp_var_unpack(v, NULL), MP_EINVAL);
    mp_var_free(ref);
    mp_var_free(v);
}

static int unpack_copy(const mp_var_t *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = mp__var_vunpack(v, true, fmt, ap);
    va_end(ap);
    return rc;
}

void test_var_unpack_copy_mode(void)
{
    mp_var_t *v = NULL;
    mp_var_pack(&v, "[s, y, [i], I]", "text", "by", (size_t)2, 5, (int64_t)6);
    char *s = NULL;
    void *y = NULL;
    size_t ylen = 0;
    mp_var_t *inner = NULL;
    int64_t six = 0;
    EXPECT_RC(unpack_copy(v, "[s, y, v, I]", &s, &y, &ylen, &inner, &six), 0);
    mp_var_free(v); /* the copies outlive it */
    EXPECT_STR(s, "text");
    EXPECT(ylen == 2 && y && memcmp(y, "by", 2) == 0, "bytes copy of %zu", ylen);
    EXPECT_STR(var_repr(inner), "[5]");
    EXPECT_EQ(six, 6);
    mp_free(s);
    mp_free(y);
    mp_var_free(inner);
    /* A failure after some copies frees them and resets their pointers. */
    mp_var_pack(&v, "[s, y, [i], s]", "text", "by", (size_t)2, 5, "not an int");
    s = NULL;
    y = NULL;
    inner = NULL;
    EXPECT_RC(unpack_copy(v, "[s, y, v, I]", &s, &y, &ylen, &inner, &six), MP_EINVAL);
    EXPECT(s == NULL && y == NULL && inner == NULL, "a failed copy-mode unpack left copies");
    mp_var_free(v);
}
