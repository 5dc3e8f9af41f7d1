/* libFuzzer target for a manager server's request decoder (and the
 * client's reply decoder): every byte of a request comes from a client the
 * server cannot trust, and every reply from a server the client reached.
 *
 * A decoder must refuse what is not a well-formed message without
 * crashing, leaking, reading out of bounds or reserving memory the input
 * does not hold (ASan, UBSan and -rss_limit_mb watch for those), and answer
 * only its documented codes. Whatever it accepts must survive a round trip:
 * encoding the decoded request and decoding it again gives the same one. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <multiproc.h>

#include "mp_mgr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A finding is a crash: libFuzzer saves the input that caused it. */
static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_manager: %s\n", what);
        abort();
    }
}

static void request_round_trip(const mp__mgr_request_t *first)
{
    mp__buf_t buf = {0};
    check(mp__mgr_request_encode(&buf, first->method, first->object, first->timeout, first->args) ==
              0,
          "an accepted request does not encode");
    mp__mgr_request_t again;
    check(mp__mgr_request_decode(buf.data, buf.len, &again) == 0,
          "a re-encoded request does not decode");
    check(
        strcmp(again.method, first->method) == 0 && again.object == first->object &&
            (again.timeout == first->timeout || (isinf(again.timeout) && isinf(first->timeout))) &&
            mp_var_equal(again.args, first->args),
        "a request changed in a round trip");
    mp__mgr_request_free(&again);
    mp__buf_free(&buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mp__mgr_request_t req;
    int rc = mp__mgr_request_decode(data, size, &req);
    check(rc == 0 || rc == MP_EINVAL || rc == MP_ENOMEM, "request: an undocumented code");
    if (rc == 0) {
        request_round_trip(&req);
        mp__mgr_request_free(&req);
    }
    int code = 1;
    mp_var_t *result = NULL;
    char *message = NULL;
    rc = mp__mgr_reply_decode(data, size, &code, &result, &message);
    check(rc == 0 || rc == MP_EINVAL || rc == MP_ENOMEM, "reply: an undocumented code");
    check(rc < 0 || (code == 0 && !message) || (code < 0 && message && !result),
          "reply: an accepted reply with the wrong parts");
    mp_var_free(result);
    free(message);
    return 0;
}
