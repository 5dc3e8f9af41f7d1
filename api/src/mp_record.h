/**
 * @file mp_record.h
 * @brief The two messages between a parent and a child: the bootstrap record
 *        (parent to child: which task, with what, as whom) and the result
 *        record (child to parent: what the task returned or why it failed).
 *
 * Both are msgpack arrays that begin with a magic string and a version, so a
 * child built from another multiproc release says so (MP_EVERSION) instead of
 * misreading its orders. The decoders take any bytes: they are fuzzed.
 */
#ifndef MP_RECORD_H
#define MP_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <multiproc/process.h>

#include "mp_buf.h"

/** Bumped whenever either record's layout changes. */
#define MP__RECORD_VERSION 2u

/** One shareable object given to the child: its kind, its own description
 *  and which of the launch's handles are its. */
typedef struct mp__boot_object {
    uint32_t kind;
    void *bytes;
    size_t len;
    uint32_t first_handle;
    uint32_t nhandles;
} mp__boot_object_t;

/** The orders a child starts with. Decoded strings are owned (mp__boot_free). */
typedef struct mp__boot {
    uint32_t version; /**< mp__record_version() when encoding */
    char *task;       /**< task name */
    void *arg;        /**< argument bytes (NULL when empty) */
    size_t arg_len;
    char *name; /**< the child's name */
    bool daemon;
    mp_pid_t parent_pid;
    char *parent_name;
    mp__boot_object_t *objects;
    size_t nobjects;
    char *start_method; /**< the parent's chosen default method, "" if none */
    int32_t log_level;  /**< the parent's log level (multiproc/log.h), 0: off */
} mp__boot_t;

/** @brief Append the encoded record to `out`. @return 0 or MP_ENOMEM. */
int mp__boot_encode(const mp__boot_t *boot, mp__buf_t *out);

/**
 * @brief Decode a bootstrap record from untrusted bytes.
 * @return 0; MP_EVERSION for a record of another version; MP_EBOOTSTRAP for
 *         anything else that is not a well-formed record; MP_ENOMEM.
 */
int mp__boot_decode(const void *data, size_t len, mp__boot_t *out);

/** @brief Free what mp__boot_decode() allocated. NULL-safe. */
void mp__boot_free(mp__boot_t *boot);

/** How a child ended its run, as it reports it. */
typedef struct mp__result {
    int boot_error; /**< MP_ENOTASK/MP_EVERSION/MP_EBOOTSTRAP, or 0 */
    int task_error; /**< the task's negative code, or 0 */
    char *message;  /**< the error message ("" when none) */
    bool has_value; /**< the task called mp_task_return() */
    void *value;    /**< result bytes (NULL when empty) */
    size_t value_len;
} mp__result_t;

/** @brief Append the encoded result to `out`. @return 0 or MP_ENOMEM. */
int mp__result_encode(const mp__result_t *result, mp__buf_t *out);

/** @brief Decode a result record (same errors as mp__boot_decode()). */
int mp__result_decode(const void *data, size_t len, mp__result_t *out);

/** @brief Free what mp__result_decode() allocated. NULL-safe. */
void mp__result_free(mp__result_t *result);

/**
 * Test-only knob: when non-zero, records are encoded with this version
 * instead of MP__RECORD_VERSION, so the suite can prove that a mismatch is
 * reported as MP_EVERSION. Never set by the library itself.
 */
extern uint32_t mp__record_version_for_tests;

/** @brief The version to put in a new bootstrap record (the knob's, if set). */
uint32_t mp__record_version(void);

#endif /* MP_RECORD_H */
