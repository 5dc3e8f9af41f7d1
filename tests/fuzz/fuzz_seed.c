/* Writes valid encoded records into a directory, the seed corpus of
 * fuzz_records, so that the fuzzer starts from records that get past the
 * magic and version checks instead of having to discover them.
 * Usage: fuzz_seed DIR   (DIR must exist) */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <multiproc/error.h>

#include "mp_buf.h"
#include "mp_order.h"
#include "mp_record.h"

static int write_file(const char *dir, const char *name, const mp__buf_t *buf)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
        fprintf(stderr, "fuzz_seed: path too long\n");
        return -1;
    }
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf->data, 1, buf->len, f) != buf->len || fclose(f) != 0) {
        perror(path);
        return -1;
    }
    return 0;
}

static int seed_boot(const char *dir, const char *name, const mp__boot_t *boot)
{
    mp__buf_t buf = {0};
    int rc = mp__boot_encode(boot, &buf);
    if (rc == 0)
        rc = write_file(dir, name, &buf);
    mp__buf_free(&buf);
    return rc;
}

static int seed_result(const char *dir, const char *name, const mp__result_t *result)
{
    mp__buf_t buf = {0};
    int rc = mp__result_encode(result, &buf);
    if (rc == 0)
        rc = write_file(dir, name, &buf);
    mp__buf_free(&buf);
    return rc;
}

static int seed_order(const char *dir, const char *name, const mp__order_t *order)
{
    mp__buf_t buf = {0};
    int rc = mp__order_encode(order, &buf);
    if (rc == 0)
        rc = write_file(dir, name, &buf);
    mp__buf_free(&buf);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fuzz_seed DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    int64_t i64 = 21;
    double dbl = 1.5;
    char blob[300];
    for (size_t i = 0; i < sizeof blob; i++)
        blob[i] = (char)i;

    int failed = 0;
    failed |= seed_boot(dir, "boot-i64",
                        &(mp__boot_t){.task = "square",
                                      .arg = &i64,
                                      .arg_len = sizeof i64,
                                      .name = "Process-1",
                                      .parent_pid = 4242,
                                      .parent_name = "MainProcess"});
    failed |= seed_boot(dir, "boot-double-daemon",
                        &(mp__boot_t){.task = "do_something",
                                      .arg = &dbl,
                                      .arg_len = sizeof dbl,
                                      .name = "worker",
                                      .daemon = true,
                                      .parent_pid = 1,
                                      .parent_name = "Process-3"});
    failed |= seed_boot(dir, "boot-empty",
                        &(mp__boot_t){.task = "t", .name = "", .parent_name = ""});
    failed |= seed_boot(dir, "boot-blob",
                        &(mp__boot_t){.task = "blob",
                                      .arg = blob,
                                      .arg_len = sizeof blob,
                                      .name = "Process-2",
                                      .parent_pid = INT32_MAX,
                                      .parent_name = "MainProcess"});
    failed |= seed_result(
        dir, "result-value",
        &(mp__result_t){.message = "", .has_value = true, .value = &i64, .value_len = sizeof i64});
    failed |= seed_result(dir, "result-task-error",
                          &(mp__result_t){.task_error = MP_EINVAL, .message = "bad row 7"});
    failed |= seed_result(dir, "result-boot-error",
                          &(mp__result_t){.boot_error = MP_ENOTASK, .message = "no task"});
    failed |= seed_result(dir, "result-empty-value",
                          &(mp__result_t){.message = "", .has_value = true});
    failed |= seed_order(
        dir, "order-i64",
        &(mp__order_t){.op = MP__ORDER_RUN, .task = "square", .arg = &i64, .arg_len = sizeof i64});
    failed |= seed_order(
        dir, "order-blob",
        &(mp__order_t){.op = MP__ORDER_RUN, .task = "blob", .arg = blob, .arg_len = sizeof blob});
    failed |= seed_order(dir, "order-stop", &(mp__order_t){.op = MP__ORDER_STOP, .task = ""});
    return failed ? 1 : 0;
}
