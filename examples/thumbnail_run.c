/*
 * The multiproc half of the image example: see thumbnail_run.h.
 *
 * The parent (the program's main process) never starts libvips; see
 * thumbnail_vips.c for why. Each process that uses it starts it itself:
 * the executor's and the pool's workers in their initializer (the task
 * "thumbnail_start", run once in each worker before its first task), the
 * serial run's child at the top of its task. That is why the serial run is
 * a child process too: the parent stays free of libvips' threads, so the
 * workers can be forked from it, and every way of running the photos pays
 * for one start of a process and of libvips.
 */
#include "thumbnail_run.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "example_support.h"
#include "executor_example.h"

/* ---- the tasks (in the workers and the serial run's child) ---------------- */

/* A name for libvips' messages. */
#define VIPS_PROGRAM "multiproc-thumbnails"

/* The executor's and the pool's initializer: libvips, once per worker. */
static int thumbnail_start(mp_task_t *task)
{
    if (thumbnail_vips_start(VIPS_PROGRAM) < 0)
        return mp_task_fail(task, MP_ESYS, "cannot start libvips: %s", thumbnail_vips_error());
    return 0;
}

/* A task's argument as a job (a copy: the bytes need not be aligned). */
static int job_arg(mp_task_t *task, thumbnail_job_t *job)
{
    const void *arg;
    size_t len;
    int rc = mp_task_arg(task, &arg, &len);
    if (rc < 0)
        return rc;
    if (len != sizeof *job)
        return mp_task_fail(task, MP_EINVAL, "a job of %u bytes", (unsigned)len);
    memcpy(job, arg, sizeof *job);
    return 0;
}

/* The tutorial's process_image(img_name), for one job. */
static int process_one(mp_task_t *task, const thumbnail_job_t *job, thumbnail_result_t *out)
{
    if (thumbnail_vips_process(job->source, job->target, out) < 0)
        return mp_task_fail(task, MP_ESYS, "%s: %s", job->name, thumbnail_vips_error());
    if (job->say)
        example_say("%s was processed...\n", job->name);
    return 0;
}

/* One photo (the executor's and the pool's map): its sizes are the result. */
static int thumbnail_process(mp_task_t *task)
{
    thumbnail_job_t job;
    thumbnail_result_t result;
    int rc = job_arg(task, &job);
    if (rc == 0)
        rc = process_one(task, &job, &result);
    return rc < 0 ? rc : mp_task_return(task, &result, sizeof result);
}

/* Every photo of the argument (an array of jobs), one after another: the
 * serial run. The result is the array of their sizes. */
static int thumbnail_serial(mp_task_t *task)
{
    const void *arg;
    size_t len;
    int rc = mp_task_arg(task, &arg, &len);
    if (rc < 0)
        return rc;
    if (len == 0 || len % sizeof(thumbnail_job_t) != 0)
        return mp_task_fail(task, MP_EINVAL, "jobs of %u bytes", (unsigned)len);
    rc = thumbnail_start(task);
    if (rc < 0)
        return rc;
    size_t n = len / sizeof(thumbnail_job_t);
    thumbnail_result_t *results = calloc(n, sizeof *results);
    if (results == NULL)
        return mp_task_fail(task, MP_ENOMEM, "no memory for %u results", (unsigned)n);
    for (size_t i = 0; i < n && rc == 0; i++) {
        thumbnail_job_t job;
        memcpy(&job, (const char *)arg + i * sizeof job, sizeof job);
        rc = process_one(task, &job, &results[i]);
    }
    if (rc == 0)
        rc = mp_task_return(task, results, n * sizeof *results);
    free(results);
    return rc;
}

/* Draw one synthetic photo (first run). */
static int thumbnail_draw(mp_task_t *task)
{
    thumbnail_job_t job;
    int rc = job_arg(task, &job);
    if (rc == 0 && thumbnail_vips_draw(job.target, job.index, job.width, job.height) < 0)
        rc = mp_task_fail(task, MP_ESYS, "cannot draw %s: %s", job.target, thumbnail_vips_error());
    return rc;
}

const mp_task_def_t thumbnail_tasks[] = {MP_TASK(thumbnail_start), MP_TASK(thumbnail_process),
                                         MP_TASK(thumbnail_serial), MP_TASK(thumbnail_draw),
                                         MP_TASK_END};

/* ---- folders (in the parent) ---------------------------------------------- */

/* Exit with the system's reason for `what` failing on `path`. */
static void die_errno(const char *what, const char *path)
{
    fprintf(stderr, "cannot %s %s: %s\n", what, path, strerror(errno));
    exit(1);
}

/* Make folder `path` unless it is there. */
static void make_folder(const char *path)
{
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        die_errno("make the folder", path);
}

/* snprintf() into a path, exiting when it does not fit. */
static void join_path(char *out, size_t size, const char *folder, const char *name)
{
    int n = snprintf(out, size, "%s/%s", folder, name);
    if (n < 0 || (size_t)n >= size) {
        fprintf(stderr, "the path %s/%s is too long\n", folder, name);
        exit(1);
    }
}

bool thumbnail_folder_is_new(const char *folder)
{
    DIR *dir = opendir(folder);
    if (dir == NULL) {
        if (errno == ENOENT)
            return true;
        die_errno("open the folder", folder);
    }
    bool empty = true;
    for (struct dirent *e; empty && (e = readdir(dir)) != NULL;)
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(dir);
    return empty;
}

/* Run `task` on every job with an executor of `workers` processes whose
 * workers start libvips first; each result must be `result_size` bytes
 * and is copied into `results` (NULL: none is kept). */
static void executor_map(const char *task, const thumbnail_job_t *jobs, size_t n, int workers,
                         void *results, size_t result_size)
{
    mp_executor_t *ex;
    example_check(mp_executor_create(&ex, &(mp_executor_opts_t){.max_workers = workers,
                                                                .initializer = "thumbnail_start"}),
                  "mp_executor_create");
    mp_map_t *map;
    /* One photo per message: the workers share them out as they finish. */
    example_check(
        mp_executor_map(ex, &map, task, jobs, sizeof *jobs, n, &(mp_map_opts_t){.chunksize = 1}),
        "mp_executor_map");
    for (size_t i = 0; i < n; i++) {
        const void *data;
        size_t len;
        example_check_map(mp_map_get(map, i, &data, &len), map, i, "mp_map_get");
        if (len != result_size) {
            fprintf(stderr, "%s: a result of %u bytes for %s\n", task, (unsigned)len, jobs[i].name);
            exit(1);
        }
        if (results != NULL)
            memcpy((char *)results + i * result_size, data, len);
    }
    mp_map_destroy(map);
    mp_executor_destroy(ex);
}

void thumbnail_draw_photos(const char *folder, int count, int width, int height, int workers)
{
    /* A folder of its own beside the final one, renamed when complete. */
    char part[THUMBNAIL_PATH_MAX];
    mp_process_info_t me;
    example_check(mp_current_process(&me), "mp_current_process");
    int len = snprintf(part, sizeof part, "%s.part-%lld", folder, (long long)me.pid);
    if (len < 0 || (size_t)len >= sizeof part) {
        fprintf(stderr, "the folder's name is too long: %s\n", folder);
        exit(1);
    }
    make_folder(part);
    thumbnail_job_t *jobs = calloc((size_t)count, sizeof *jobs);
    if (jobs == NULL) {
        fprintf(stderr, "no memory for %d jobs\n", count);
        exit(1);
    }
    for (int i = 0; i < count; i++) {
        snprintf(jobs[i].name, sizeof jobs[i].name, "photo-%02d.jpg", i + 1);
        join_path(jobs[i].target, sizeof jobs[i].target, part, jobs[i].name);
        jobs[i].index = i + 1;
        jobs[i].width = width;
        jobs[i].height = height;
    }
    executor_map("thumbnail_draw", jobs, (size_t)count, workers, NULL, 0);
    free(jobs);
    /* An empty `folder` (made by the user) is replaced too. */
    if (rename(part, folder) != 0)
        die_errno("rename the folder", part);
}

/* Whether a file name ends in .jpg or .jpeg, in any case. */
static bool is_jpeg(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot == NULL)
        return false;
    char ext[8];
    size_t i = 0;
    for (dot++; *dot != '\0' && i + 1 < sizeof ext; dot++)
        ext[i++] = (char)(*dot >= 'A' && *dot <= 'Z' ? *dot - 'A' + 'a' : *dot);
    ext[i] = '\0';
    return *dot == '\0' && (strcmp(ext, "jpg") == 0 || strcmp(ext, "jpeg") == 0);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const thumbnail_job_t *)a)->name, ((const thumbnail_job_t *)b)->name);
}

size_t thumbnail_jobs(const char *input, const char *output, bool say, thumbnail_job_t **jobs)
{
    DIR *dir = opendir(input);
    if (dir == NULL)
        die_errno("open the folder", input);
    make_folder(output);
    thumbnail_job_t *list = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *e; (e = readdir(dir)) != NULL;) {
        if (!is_jpeg(e->d_name) || strlen(e->d_name) >= THUMBNAIL_NAME_MAX)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            list = realloc(list, cap * sizeof *list);
            if (list == NULL) {
                fprintf(stderr, "no memory for %u jobs\n", (unsigned)cap);
                exit(1);
            }
        }
        thumbnail_job_t *job = &list[n++];
        memset(job, 0, sizeof *job);
        snprintf(job->name, sizeof job->name, "%s", e->d_name);
        join_path(job->source, sizeof job->source, input, e->d_name);
        join_path(job->target, sizeof job->target, output, e->d_name);
        job->say = say;
    }
    closedir(dir);
    if (n == 0) {
        fprintf(stderr, "no JPEG (*.jpg, *.jpeg) in %s\n", input);
        exit(1);
    }
    qsort(list, n, sizeof *list, by_name);
    *jobs = list;
    return n;
}

/* ---- the three runs (in the parent) ---------------------------------------- */

/* Every photo in one child process, one after another. */
static void run_serial(const thumbnail_job_t *jobs, size_t n, thumbnail_result_t *results)
{
    mp_process_t *p;
    example_check(mp_process_create(&p, &(mp_process_opts_t){.task = "thumbnail_serial",
                                                             .arg = jobs,
                                                             .arg_len = n * sizeof *jobs}),
                  "mp_process_create");
    example_check(mp_process_start(p), "mp_process_start");
    example_check(mp_process_join(p, MP_FOREVER), "mp_process_join");
    const void *data;
    size_t len;
    int rc = mp_process_result(p, &data, &len);
    if (rc == MP_ETASK || rc == MP_ECHILD) {
        int code;
        const char *message;
        example_check(mp_process_error(p, &code, &message), "mp_process_error");
        example_task_failed("the serial run", code, message);
    }
    example_check(rc, "mp_process_result");
    if (len != n * sizeof *results) {
        fprintf(stderr, "the serial run returned %u bytes\n", (unsigned)len);
        exit(1);
    }
    memcpy(results, data, len);
    mp_process_destroy(p);
}

/* The photos with a Pool's map: its workers start with it. */
static void run_pool(const thumbnail_job_t *jobs, size_t n, int workers,
                     thumbnail_result_t *results)
{
    mp_pool_t *pool;
    example_check(mp_pool_create(&pool, &(mp_pool_opts_t){.workers = workers,
                                                          .initializer = "thumbnail_start"}),
                  "mp_pool_create");
    mp_async_result_t *r = NULL;
    int rc = mp_pool_map(pool, &r, "thumbnail_process",
                         &(const mp_input_t){.args = jobs, .arg_size = sizeof *jobs, .n = n},
                         &(mp_pool_map_opts_t){.chunksize = 1});
    if (rc == MP_ETASK) {
        size_t i;
        int code;
        const char *message;
        example_check(mp_async_result_error(r, &i, &code, &message), "mp_async_result_error");
        example_task_failed("mp_pool_map", code, message);
    }
    example_check(rc, "mp_pool_map");
    for (size_t i = 0; i < n; i++) {
        const void *data;
        size_t len;
        example_check(mp_async_result_item(r, i, &data, &len), "mp_async_result_item");
        if (len != sizeof *results) {
            fprintf(stderr, "mp_pool_map: a result of %u bytes for %s\n", (unsigned)len,
                    jobs[i].name);
            exit(1);
        }
        memcpy(&results[i], data, len);
    }
    mp_async_result_destroy(r);
    /* Python's `with Pool() as p` terminates it; close and join let the
     * workers end on their own, and the time counts their end. */
    example_check(mp_pool_close(pool), "mp_pool_close");
    example_check(mp_pool_join(pool, MP_FOREVER), "mp_pool_join");
    mp_pool_destroy(pool);
}

/* Each thumbnail fits the box, and is no larger than its photo. */
static void check_results(const thumbnail_job_t *jobs, size_t n, const thumbnail_result_t *r)
{
    for (size_t i = 0; i < n; i++)
        if (r[i].thumb_width < 1 || r[i].thumb_height < 1 || r[i].thumb_width > THUMBNAIL_BOX ||
            r[i].thumb_height > THUMBNAIL_BOX || r[i].thumb_width > r[i].width ||
            r[i].thumb_height > r[i].height || r[i].thumb_bytes <= 0) {
            fprintf(stderr, "%s: a thumbnail of %dx%d (%lld bytes) for a photo of %dx%d\n",
                    jobs[i].target, r[i].thumb_width, r[i].thumb_height,
                    (long long)r[i].thumb_bytes, r[i].width, r[i].height);
            exit(1);
        }
}

double thumbnail_run(thumbnail_mode_t mode, const thumbnail_job_t *jobs, size_t n, int workers,
                     thumbnail_result_t *results)
{
    double start = example_now();
    switch (mode) {
    case THUMBNAIL_SERIAL: run_serial(jobs, n, results); break;
    case THUMBNAIL_EXECUTOR:
        executor_map("thumbnail_process", jobs, n, workers, results, sizeof *results);
        break;
    case THUMBNAIL_POOL: run_pool(jobs, n, workers, results); break;
    }
    double seconds = example_now() - start;
    check_results(jobs, n, results);
    return seconds;
}
