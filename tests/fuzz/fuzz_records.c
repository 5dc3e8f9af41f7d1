/* libFuzzer target for the records a parent and a child exchange: the
 * bootstrap and result records, and the orders a worker loop receives.
 *
 * Every decoder takes bytes from another process (a pipe, a socket), so they
 * must reject anything that is not a well-formed record without crashing,
 * leaking or reading out of bounds; ASan and UBSan watch for that. On top of
 * that, whatever a decoder accepts must survive a round trip: encoding the
 * decoded record and decoding it again gives the same fields. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <multiproc/error.h>

#include "mp_buf.h"
#include "mp_order.h"
#include "mp_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A finding is a crash: libFuzzer saves the input that caused it. */
static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_records: round trip broke: %s\n", what);
        abort();
    }
}

/* Decoders may only answer with their documented codes. */
static void check_code(int rc)
{
    check(rc == 0 || rc == MP_EBOOTSTRAP || rc == MP_EVERSION || rc == MP_ENOMEM,
          "decoder returned an undocumented code");
}

static int same_bytes(const void *a, size_t alen, const void *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static int same_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static void boot_round_trip(const mp__boot_t *first)
{
    mp__buf_t buf = {0};
    if (mp__boot_encode(first, &buf) < 0) {
        mp__buf_free(&buf);
        return; /* out of memory: nothing to compare */
    }
    mp__boot_t again;
    int rc = mp__boot_decode(buf.data, buf.len, &again);
    check(rc == 0, "re-encoded boot record does not decode");
    check(same_str(first->task, again.task), "boot task");
    check(same_bytes(first->arg, first->arg_len, again.arg, again.arg_len), "boot arg");
    check(same_str(first->name, again.name), "boot name");
    check(first->daemon == again.daemon, "boot daemon");
    check(first->parent_pid == again.parent_pid, "boot parent_pid");
    check(same_str(first->parent_name, again.parent_name), "boot parent_name");
    mp__boot_free(&again);
    mp__buf_free(&buf);
}

static void result_round_trip(const mp__result_t *first)
{
    mp__buf_t buf = {0};
    if (mp__result_encode(first, &buf) < 0) {
        mp__buf_free(&buf);
        return;
    }
    mp__result_t again;
    int rc = mp__result_decode(buf.data, buf.len, &again);
    check(rc == 0, "re-encoded result record does not decode");
    check(first->boot_error == again.boot_error, "result boot_error");
    check(first->task_error == again.task_error, "result task_error");
    check(same_str(first->message, again.message), "result message");
    check(first->has_value == again.has_value, "result has_value");
    check(same_bytes(first->value, first->value_len, again.value, again.value_len), "result value");
    mp__result_free(&again);
    mp__buf_free(&buf);
}

static void order_round_trip(const mp__order_t *first)
{
    mp__buf_t buf = {0};
    if (mp__order_encode(first, &buf) < 0) {
        mp__buf_free(&buf);
        return;
    }
    mp__order_t again;
    int rc = mp__order_decode(buf.data, buf.len, &again);
    check(rc == 0, "re-encoded order does not decode");
    check(first->op == again.op, "order op");
    check(same_str(first->task, again.task), "order task");
    check(same_bytes(first->arg, first->arg_len, again.arg, again.arg_len), "order arg");
    mp__order_free(&again);
    mp__buf_free(&buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mp__boot_t boot;
    int rc = mp__boot_decode(data, size, &boot);
    check_code(rc);
    if (rc == 0)
        boot_round_trip(&boot);
    mp__boot_free(&boot);

    mp__result_t result;
    rc = mp__result_decode(data, size, &result);
    check_code(rc);
    if (rc == 0)
        result_round_trip(&result);
    mp__result_free(&result);

    mp__order_t order;
    rc = mp__order_decode(data, size, &order);
    check_code(rc);
    if (rc == 0)
        order_round_trip(&order);
    mp__order_free(&order);
    return 0;
}
