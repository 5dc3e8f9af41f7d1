/**
 * @file thumbnail_run.h
 * @brief The multiproc half of the image example (image_thumbnails.c) and
 *        of its benchmark (bench/bench_image.c): the photos as task
 *        arguments, the tasks, and the three ways to run them (serially in
 *        one process, with the process executor's map, with a Pool's map).
 *
 * Any failure prints what failed to stderr and exits with 1: both
 * programs would stop there anyway. POSIX only (folders, rename), like
 * libvips' build here.
 */
#ifndef THUMBNAIL_RUN_H
#define THUMBNAIL_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <multiproc.h>

#include "thumbnail_vips.h"

enum { THUMBNAIL_NAME_MAX = 256, THUMBNAIL_PATH_MAX = 1024 };

/** One photo: a task's argument, plain bytes of a fixed size (every
 *  process runs this same program, so all agree on the layout). */
typedef struct thumbnail_job {
    char name[THUMBNAIL_NAME_MAX];   /**< the file's name, as printed */
    char source[THUMBNAIL_PATH_MAX]; /**< the photo */
    char target[THUMBNAIL_PATH_MAX]; /**< its thumbnail, or the photo to draw */
    int32_t say;                     /**< print "<name> was processed..." */
    int32_t index;                   /**< drawing: the photo's number */
    int32_t width, height;           /**< drawing: its size */
} thumbnail_job_t;

/** How to run the jobs. */
typedef enum thumbnail_mode {
    THUMBNAIL_SERIAL,   /**< one after another, in one child process */
    THUMBNAIL_EXECUTOR, /**< mp_executor_map() */
    THUMBNAIL_POOL      /**< mp_pool_map() */
} thumbnail_mode_t;

/** The task table to hand to mp_init(): the tasks every process of the
 *  example may run. */
extern const mp_task_def_t thumbnail_tasks[];

/**
 * @brief Whether `folder` needs photos drawn: it does not exist, or is
 *        empty. Exits when it is something else than a folder.
 */
bool thumbnail_folder_is_new(const char *folder);

/**
 * @brief Draw `count` synthetic photos of width x height, photo-01.jpg and
 *        on, into `folder` with an executor of `workers` processes. They
 *        are drawn into a folder beside it first, which is then renamed: a
 *        run cut short leaves no half-filled `folder` behind.
 */
void thumbnail_draw_photos(const char *folder, int count, int width, int height, int workers);

/**
 * @brief The jobs for the JPEGs of `input` (*.jpg, *.jpeg, in name order),
 *        with their thumbnails in `output` (made when missing) under the
 *        same names.
 * @param say whether each task prints its photo's name.
 * @param[out] jobs the jobs (free() them).
 * @return their count; exits when there is none.
 */
size_t thumbnail_jobs(const char *input, const char *output, bool say, thumbnail_job_t **jobs);

/**
 * @brief Process every job the `mode` way, with `workers` processes
 *        (serially: one), from the start of the processes to their end,
 *        and check each thumbnail's size.
 * @param[out] results one per job.
 * @return the seconds it took.
 */
double thumbnail_run(thumbnail_mode_t mode, const thumbnail_job_t *jobs, size_t n, int workers,
                     thumbnail_result_t *results);

#endif /* THUMBNAIL_RUN_H */
