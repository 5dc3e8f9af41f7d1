/* Suite "var", the codec (mp_var.h): round trips through the bytes and
 * through msgpack-c's objects, every msgpack encoding a peer may choose, and
 * the refusal of hostile input: nesting, giant claimed counts (without
 * allocating for them), duplicate or unhashable keys, unknown extensions,
 * truncation and trailing bytes. */
#include <stdlib.h>
#include <string.h>

#include "mp_var.h"
#include "var_tests.h"

#if TEST_POSIX
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

/* Encode then decode; the result must equal the original. */
static bool round_trips(const mp_var_t *v)
{
    mp__buf_t buf = {0};
    mp_var_t *back = NULL;
    int rc = mp__var_encode(v, &buf);
    if (rc == 0)
        rc = mp__var_decode(buf.data, buf.len, &back);
    bool ok = EXPECT(rc == 0 && mp_var_equal(v, back), "%s did not round-trip: rc %d, %s",
                     var_repr(v), rc, mp_errdetail());
    mp_var_free(back);
    mp__buf_free(&buf);
    return ok;
}

/* Decode `len` bytes; returns the code, and the repr in `repr` on success. */
static int decode_repr(const void *data, size_t len, char *repr, size_t size)
{
    mp_var_t *v = NULL;
    int rc = mp__var_decode(data, len, &v);
    if (rc == 0)
        mp_var_repr(v, repr, size, NULL);
    mp_var_free(v);
    return rc;
}

#define DECODES_AS(bytes, want)                                                               \
    do {                                                                                      \
        char got_[256] = "";                                                                  \
        EXPECT_RC(decode_repr(bytes, sizeof(bytes) - 1, got_, sizeof got_), 0);               \
        EXPECT(strcmp(got_, want) == 0, "%s decodes as %s, expected %s", #bytes, got_, want); \
    } while (0)

/* Refused with MP_EINVAL and a detail that says why. */
#define REFUSED(bytes, why)                                                                   \
    do {                                                                                      \
        char got_[256] = "";                                                                  \
        EXPECT_RC(decode_repr(bytes, sizeof(bytes) - 1, got_, sizeof got_), MP_EINVAL);       \
        EXPECT(strstr(mp_errdetail(), why) != NULL, "%s: detail \"%s\" lacks \"%s\"", #bytes, \
               mp_errdetail(), why);                                                          \
    } while (0)

static mp_var_t *every_type(void)
{
    mp_var_t *v = NULL, *ref = mp__var_ref(77, "Queue");
    char big[70000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    mp_var_pack(&v,
                "[n, b, b, i, i, I, I, I, I, d, d, d, s, s, s, y, y, v, [], {}, "
                "{n:i, b:i, I:i, d:i, s:i, y:i}]",
                true, false, 0, -1, (int64_t)INT64_MIN, (int64_t)INT64_MAX, (int64_t)-129,
                (int64_t)65536, 0.1, -0.0, 1e300, "", "héllo", big, "", (size_t)0, "\0\1\2",
                (size_t)3, ref, 1, false, 2, (int64_t)-5, 3, 2.5, 4, "k", 5, "k", (size_t)1, 6);
    mp_var_free(ref);
    return v;
}

void test_var_codec_round_trip(void)
{
    mp_var_t *v = every_type();
    if (!EXPECT(v != NULL, "building the value: %s", mp_errdetail()))
        return;
    round_trips(v);
    mp_var_t *deep = var_nested(64);
    round_trips(deep);
    mp_var_free(deep);
    /* Appending to a buffer that holds bytes keeps them. */
    mp__buf_t buf = {0};
    mp__buf_append(&buf, "xy", 2);
    EXPECT_RC(mp__var_encode(v, &buf), 0);
    mp_var_t *back = NULL;
    EXPECT_RC(mp__var_decode(buf.data + 2, buf.len - 2, &back), 0);
    EXPECT(memcmp(buf.data, "xy", 2) == 0 && mp_var_equal(v, back), "encode after bytes");
    mp_var_free(back);
    mp__buf_free(&buf);
    EXPECT_RC(mp__var_encode(NULL, &buf), MP_EINVAL);
    EXPECT_RC(mp__var_encode(v, NULL), MP_EINVAL);
    EXPECT_RC(mp__var_decode(NULL, 3, &back), MP_EINVAL);
    EXPECT_RC(mp__var_decode("\xc0", 1, NULL), MP_EINVAL);
    EXPECT_RC(mp__var_decode(NULL, 0, &back), MP_EINVAL); /* nothing: truncated */
    mp_var_free(v);
}

void test_var_codec_every_encoding(void)
{
    DECODES_AS("\x7f", "127");
    DECODES_AS("\xe0", "-32");
    DECODES_AS("\xcc\xff", "255");
    DECODES_AS("\xcd\xff\xff", "65535");
    DECODES_AS("\xce\xff\xff\xff\xff", "4294967295");
    DECODES_AS("\xcf\x7f\xff\xff\xff\xff\xff\xff\xff", "9223372036854775807");
    DECODES_AS("\xd0\x80", "-128");
    DECODES_AS("\xd1\x80\x00", "-32768");
    DECODES_AS("\xd2\x80\x00\x00\x00", "-2147483648");
    DECODES_AS("\xd3\x80\x00\x00\x00\x00\x00\x00\x00", "-9223372036854775808");
    DECODES_AS("\xd0\x05", "5");
    DECODES_AS("\xca\x3f\xc0\x00\x00", "1.5");
    DECODES_AS("\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00", "1.5");
    DECODES_AS("\xc0", "None");
    DECODES_AS("\xc2", "False");
    DECODES_AS("\xc3", "True");
    DECODES_AS("\xa2hi", "'hi'");
    DECODES_AS("\xd9\x02hi", "'hi'");
    DECODES_AS("\xda\x00\x02hi", "'hi'");
    DECODES_AS("\xdb\x00\x00\x00\x02hi", "'hi'");
    DECODES_AS("\xc4\x02hi", "b'hi'");
    DECODES_AS("\xc5\x00\x02hi", "b'hi'");
    DECODES_AS("\xc6\x00\x00\x00\x02hi", "b'hi'");
    DECODES_AS("\x92\x01\xa1x", "[1, 'x']");
    DECODES_AS("\xdc\x00\x02\x01\x02", "[1, 2]");
    DECODES_AS("\xdd\x00\x00\x00\x01\x01", "[1]");
    DECODES_AS("\x81\x01\x02", "{1: 2}");
    DECODES_AS("\xde\x00\x01\xa1k\xc0", "{'k': None}");
    DECODES_AS("\xdf\x00\x00\x00\x01\xc3\x90", "{True: []}");
    /* A reference in each extension form that fits it. */
    DECODES_AS("\xd8\x52\x00\x00\x00\x00\x00\x00\x00\x05listlist", "<listlist proxy #5>");
    DECODES_AS("\xc7\x0c\x52\x00\x00\x00\x00\x00\x00\x00\x05"
               "dict",
               "<dict proxy #5>");
    DECODES_AS("\xc8\x00\x0c\x52\x00\x00\x00\x00\x00\x00\x00\x05"
               "dict",
               "<dict proxy #5>");
    DECODES_AS("\xc9\x00\x00\x00\x0c\x52\x00\x00\x00\x00\x00\x00\x00\x05"
               "dict",
               "<dict proxy #5>");
}

void test_var_codec_depth(void)
{
    mp__buf_t buf = {0};
    mp_var_t *deep = var_nested(65), *back = NULL;
    EXPECT_RC(mp__var_encode(deep, &buf), MP_EINVAL);
    EXPECT(strstr(mp_errdetail(), "nested deeper than 64") != NULL, "detail: %s", mp_errdetail());
    EXPECT_EQ(buf.len, 0); /* nothing half-written */
    mp__buf_free(&buf);
    mp_var_free(deep);
    /* The same depth as bytes: 64 arrays are fine, 65 are refused, and a
     * map nests like a list. */
    unsigned char bytes[200];
    memset(bytes, 0x91, 65);
    bytes[65] = 0x01;
    EXPECT_RC(mp__var_decode(bytes + 1, 65, &back), 0);
    mp_var_free(back);
    back = NULL;
    EXPECT_RC(mp__var_decode(bytes, 66, &back), MP_EINVAL);
    EXPECT(strstr(mp_errdetail(), "nested deeper") != NULL, "detail: %s", mp_errdetail());
    for (int i = 0; i < 65; i++) {
        bytes[2 * i] = 0x81;
        bytes[2 * i + 1] = 0x01;
    }
    bytes[130] = 0x01;
    EXPECT_RC(mp__var_decode(bytes, 131, &back), MP_EINVAL);
    EXPECT_RC(mp__var_decode(bytes + 2, 129, &back), 0);
    mp_var_free(back);
    /* A million levels: refused at 65, no stack overflow. */
    enum { HUGE_DEPTH = 1000000 };
    unsigned char *huge = malloc(HUGE_DEPTH + 1);
    if (huge) {
        memset(huge, 0x91, HUGE_DEPTH);
        huge[HUGE_DEPTH] = 0xc0;
        EXPECT_RC(mp__var_decode(huge, HUGE_DEPTH + 1, &back), MP_EINVAL);
        free(huge);
    }
}

void test_var_codec_refused(void)
{
    REFUSED("\xc1", "not msgpack");
    REFUSED("\x01\x02", "1 bytes after the value");
    REFUSED("\xc0\xc0\xc0", "2 bytes after the value");
    REFUSED("\xcf\x80\x00\x00\x00\x00\x00\x00\x00", "past int64");
    REFUSED("\x82\x01\x02\x01\x03", "duplicate int key");
    REFUSED("\x82\xa1k\x01\xa1k\x02", "duplicate str key");
    REFUSED("\x81\x90\x01", "map key of type list");
    REFUSED("\x81\x80\x01", "map key of type map");
    REFUSED("\x81\xd8\x52\x00\x00\x00\x00\x00\x00\x00\x05listlist\x01", "map key of type ref");
    REFUSED("\xd4\x01\x00", "unknown msgpack extension type 1");
    REFUSED("\xc7\x00\x52", "malformed reference");                             /* empty payload */
    REFUSED("\xd7\x52\x00\x00\x00\x00\x00\x00\x00\x05", "malformed reference"); /* no name */
    REFUSED("\xc7\x0b\x52\x00\x00\x00\x00\x00\x00\x00\x05"
            "a\x00"
            "b",
            "malformed reference");
    /* A type name longer than 255 bytes. */
    unsigned char ext[8 + 300 + 3] = {0xc8, 0x01, 0x34, 0x52};
    memset(ext + 4, 'a', sizeof ext - 4);
    mp_var_t *v = NULL;
    EXPECT_RC(mp__var_decode(ext, 4 + 8 + 300, &v), MP_EINVAL);
    /* ... which the encoder refuses too, as it does an empty one. */
    char name[300];
    memset(name, 'a', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    mp__buf_t buf = {0};
    v = mp__var_ref(1, name);
    EXPECT_RC(mp__var_encode(v, &buf), MP_EINVAL);
    mp_var_free(v);
    v = mp__var_ref(1, "");
    EXPECT_RC(mp__var_encode(v, &buf), MP_EINVAL);
    mp_var_free(v);
    mp__buf_free(&buf);
}

void test_var_codec_truncated(void)
{
    mp_var_t *v = every_type();
    mp__buf_t buf = {0};
    if (!EXPECT(v && mp__var_encode(v, &buf) == 0, "encoding: %s", mp_errdetail()))
        goto out;
    /* Every prefix of a valid encoding is refused (up to the big string,
     * then every 997th: the suffix is all the same bytes). */
    int accepted = 0;
    for (size_t n = 0; n < buf.len; n += n < 400 ? 1 : 997) {
        mp_var_t *back = NULL;
        int rc = mp__var_decode(buf.data, n, &back);
        if (rc != MP_EINVAL)
            accepted++;
        mp_var_free(back);
    }
    EXPECT_EQ(accepted, 0);
out:
    mp__buf_free(&buf);
    mp_var_free(v);
}

/* Headers that claim 2^32-1 elements or bytes in a few bytes. */
static const struct claim {
    const char *bytes;
    size_t len;
} claims[] = {
    {"\xdd\xff\xff\xff\xff\x01\x02\x03\x04\x05", 10}, /* array32 */
    {"\xdf\xff\xff\xff\xff\x01\x02\x03\x04\x05", 10}, /* map32 */
    {"\xdb\xff\xff\xff\xff\x01\x02\x03\x04\x05", 10}, /* str32 */
    {"\xc6\xff\xff\xff\xff\x01\x02\x03\x04\x05", 10}, /* bin32 */
    {"\xc9\xff\xff\xff\xff\x52\x02\x03\x04\x05", 10}, /* ext32 */
    {"\x91\x91\xdd\xff\xff\xff\xff\x01\x02\x03", 10}, /* nested array32 */
    {"\xdc\xff\xff\xde\xff\xff\xc0\xc0\xc0\xc0", 10}, /* array16 of map16 */
};

/* Every claim is refused with MP_EINVAL; returns how many were not. */
static int claims_accepted(void)
{
    int accepted = 0;
    for (size_t i = 0; i < sizeof claims / sizeof claims[0]; i++) {
        mp_var_t *v = NULL;
        if (mp__var_decode(claims[i].bytes, claims[i].len, &v) != MP_EINVAL)
            accepted++;
        mp_var_free(v);
    }
    return accepted;
}

#if TEST_POSIX && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define NO_RLIMIT_AS 1 /* clang's sanitizers reserve terabytes of shadow */
#endif
#endif
#else
#define NO_RLIMIT_AS 1
#endif

#ifndef NO_RLIMIT_AS
/* This process's address space now, in bytes (0 if unknown). */
static size_t vm_size(void)
{
    unsigned long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%lu", &pages) != 1)
            pages = 0;
        fclose(f);
    }
    return pages * (size_t)sysconf(_SC_PAGESIZE);
}

/* In a child whose address space may grow by 64 MB only: first show that
 * the limit bites (a 1 GB allocation fails), then decode every claim. A
 * decoder that reserved for a claim would fail with MP_ENOMEM or crash,
 * not MP_EINVAL. Exit 0 when all is well, 2 when the limit did not bite. */
static void decode_claims_under_limit(void)
{
    struct rlimit lim = {vm_size() + (64u << 20), vm_size() + (64u << 20)};
    if (setrlimit(RLIMIT_AS, &lim) != 0)
        _exit(3);
    /* Through a volatile pointer: a compiler may drop an unused malloc. */
    void *(*volatile alloc)(size_t) = malloc;
    if (alloc((size_t)1 << 30))
        _exit(2);
    _exit(claims_accepted() == 0 ? 0 : 1);
}
#endif

void test_var_codec_giant_claims(void)
{
    EXPECT_EQ(claims_accepted(), 0);
    mp_var_t *v = NULL;
    mp__var_decode(claims[0].bytes, claims[0].len, &v);
    EXPECT(strstr(mp_errdetail(), "list of 4294967295 elements in 5 bytes left") != NULL,
           "the claim was not refused by the count check: %s", mp_errdetail());
    mp__var_decode(claims[1].bytes, claims[1].len, &v);
    EXPECT(strstr(mp_errdetail(), "map of 4294967295 elements") != NULL,
           "the claim was not refused by the count check: %s", mp_errdetail());
#ifndef NO_RLIMIT_AS
    pid_t pid = fork();
    if (pid == 0)
        decode_claims_under_limit();
    int status = -1;
    if (EXPECT(pid > 0, "fork failed")) {
        waitpid(pid, &status, 0);
        EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
               "under a 64 MB address-space allowance: status 0x%x (exit 1: a claim was not "
               "refused; 2: the limit did not bite; 3: setrlimit failed)",
               (unsigned)status);
    }
#endif
}

void test_var_codec_from_msgpack(void)
{
    /* Through msgpack-c: pack into a packer, unpack, convert. */
    mp_var_t *v = every_type(), *back = NULL;
    mp__buf_t buf = {0};
    msgpack_packer pk;
    msgpack_packer_init(&pk, &buf, NULL);
    EXPECT_RC(mp__var_pack_msgpack(NULL, v), MP_EINVAL);
    EXPECT_RC(mp__var_pack_msgpack(&pk, NULL), MP_EINVAL);
    EXPECT_RC(mp__var_encode(v, &buf), 0);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    EXPECT_EQ(msgpack_unpack_next(&up, buf.data, buf.len, &off), MSGPACK_UNPACK_SUCCESS);
    EXPECT_RC(mp__var_from_msgpack(&up.data, &back), 0);
    EXPECT(mp_var_equal(v, back), "through msgpack-c: %s", var_repr(back));
    mp_var_free(back);
    EXPECT_RC(mp__var_from_msgpack(NULL, &back), MP_EINVAL);
    EXPECT_RC(mp__var_from_msgpack(&up.data, NULL), MP_EINVAL);
    msgpack_unpacked_destroy(&up);
    mp__buf_free(&buf);
    mp_var_free(v);

    /* Objects built by hand, as msgpack-c could hand them over: 65 levels
     * of arrays, a duplicate key, a list key, an unknown extension, an
     * integer past int64. */
    msgpack_object chain[66];
    for (int i = 0; i < 65; i++) {
        chain[i].type = MSGPACK_OBJECT_ARRAY;
        chain[i].via.array.size = 1;
        chain[i].via.array.ptr = &chain[i + 1];
    }
    chain[65].type = MSGPACK_OBJECT_NIL;
    EXPECT_RC(mp__var_from_msgpack(&chain[0], &back), MP_EINVAL);
    EXPECT(strstr(mp_errdetail(), "nested deeper") != NULL, "detail: %s", mp_errdetail());
    EXPECT_RC(mp__var_from_msgpack(&chain[1], &back), 0);
    mp_var_free(back);
    msgpack_object one = {.type = MSGPACK_OBJECT_POSITIVE_INTEGER, .via.u64 = 1};
    msgpack_object_kv kv[2] = {{one, one}, {one, one}};
    msgpack_object map = {.type = MSGPACK_OBJECT_MAP, .via.map = {2, kv}};
    EXPECT_RC(mp__var_from_msgpack(&map, &back), MP_EINVAL);
    EXPECT(strstr(mp_errdetail(), "duplicate") != NULL, "detail: %s", mp_errdetail());
    kv[0].key = chain[64];
    map.via.map.size = 1;
    EXPECT_RC(mp__var_from_msgpack(&map, &back), MP_EINVAL);
    EXPECT(strstr(mp_errdetail(), "map key of type list") != NULL, "detail: %s", mp_errdetail());
    msgpack_object ext = {.type = MSGPACK_OBJECT_EXT, .via.ext = {3, 1, "x"}};
    EXPECT_RC(mp__var_from_msgpack(&ext, &back), MP_EINVAL);
    msgpack_object big = {.type = MSGPACK_OBJECT_POSITIVE_INTEGER, .via.u64 = UINT64_MAX};
    EXPECT_RC(mp__var_from_msgpack(&big, &back), MP_EINVAL);
    msgpack_object f32 = {.type = MSGPACK_OBJECT_FLOAT32, .via.f64 = 0.5};
    EXPECT_RC(mp__var_from_msgpack(&f32, &back), 0);
    EXPECT_STR(var_repr(back), "0.5");
    mp_var_free(back);
    msgpack_object bad = {.type = (msgpack_object_type)99};
    EXPECT_RC(mp__var_from_msgpack(&bad, &back), MP_EINVAL);
}

void test_var_codec_refs(void)
{
    mp_var_t *r = mp__var_ref(0x0102030405060708u, "Namespace"), *back = NULL;
    mp__buf_t buf = {0};
    EXPECT_RC(mp__var_encode(r, &buf), 0);
    /* The documented layout: ext type 82, id big-endian, then the name. */
    static const unsigned char want[] = {0xc7, 17,  82,  1,   2,   3,   4,   5,   6,   7,
                                         8,    'N', 'a', 'm', 'e', 's', 'p', 'a', 'c', 'e'};
    EXPECT(buf.len == sizeof want && memcmp(buf.data, want, sizeof want) == 0,
           "a reference encodes as %zu other bytes", buf.len);
    EXPECT_RC(mp__var_decode(buf.data, buf.len, &back), 0);
    uint64_t id = 0;
    const char *type = NULL;
    EXPECT_RC(mp__var_ref_get(back, &id, &type), 0);
    EXPECT(id == 0x0102030405060708u, "id %llx", (unsigned long long)id);
    EXPECT_STR(type, "Namespace");
    mp_var_free(back);
    mp__buf_free(&buf);
    mp_var_free(r);
}
