/**
 * @file var_tests.h
 * @brief The suite "var" (typed values, no processes): its tests live in
 *        test_var*.c, one file per job; test_var.c lists them all.
 */
#ifndef MP_TESTS_VAR_TESTS_H
#define MP_TESTS_VAR_TESTS_H

#include "helpers.h"

extern const test_suite_t suite_var;

/** The repr of `v` in a static buffer (tests compare it with Python's). */
const char *var_repr(const mp_var_t *v);

/** A list of `depth` lists nested in each other, the innermost holding 1. */
mp_var_t *var_nested(int depth);

/* test_var_format.c */
void test_var_pack_every_char(void);
void test_var_pack_bad_formats(void);
void test_var_unpack_shapes(void);
void test_var_unpack_copy_mode(void);

/* test_var_codec.c */
void test_var_codec_round_trip(void);
void test_var_codec_every_encoding(void);
void test_var_codec_depth(void);
void test_var_codec_refused(void);
void test_var_codec_truncated(void);
void test_var_codec_giant_claims(void);
void test_var_codec_from_msgpack(void);
void test_var_codec_refs(void);

/* test_var_text.c */
void test_var_repr_python(void);
void test_var_repr_buffer(void);
void test_var_compare_python(void);
void test_var_sort(void);

#endif /* MP_TESTS_VAR_TESTS_H */
