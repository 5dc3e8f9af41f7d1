/**
 * @file thumbnail_vips.h
 * @brief The libvips half of the image example (image_thumbnails.c) and of
 *        its benchmark (bench/bench_image.c): start libvips in a process,
 *        draw a synthetic photo, and do to one photo what the tutorial's
 *        process_image() does with PIL. Nothing here knows of multiproc.
 *
 * Every function returns 0, or -1 with libvips' error message in
 * thumbnail_vips_error().
 */
#ifndef THUMBNAIL_VIPS_H
#define THUMBNAIL_VIPS_H

#include <stdint.h>

enum {
    /** `size = (1200, 1200)`: the box a thumbnail fits in. */
    THUMBNAIL_BOX = 1200
};

/** PIL's `ImageFilter.GaussianBlur(15)`: see thumbnail_vips.c for how its
 *  radius maps to vips_gaussblur()'s sigma. */
#define THUMBNAIL_BLUR_SIGMA 15.0

/** What processing one photo made (the tasks' result bytes). */
typedef struct thumbnail_result {
    int32_t width, height; /**< the photo's size */
    int32_t thumb_width;   /**< the thumbnail's size */
    int32_t thumb_height;  /**< ... */
    int64_t thumb_bytes;   /**< the thumbnail file's size */
} thumbnail_result_t;

/**
 * @brief Start libvips in this process, on one thread (see thumbnail_vips.c
 *        for why), once; later calls do nothing.
 * @param program a name for libvips' messages (its argv[0]).
 */
int thumbnail_vips_start(const char *program);

/** @brief The version of the libvips this program runs with ("8.14.1"). */
const char *thumbnail_vips_version(void);

/**
 * @brief Draw a synthetic photo (a gradient, noise and shapes, all from
 *        `index`) and write it as a JPEG.
 */
int thumbnail_vips_draw(const char *path, int index, int width, int height);

/**
 * @brief The tutorial's process_image(): open `source`, blur it, shrink it
 *        to fit THUMBNAIL_BOX x THUMBNAIL_BOX (never enlarging it) and save
 *        it as `target`.
 * @param[out] out the sizes.
 */
int thumbnail_vips_process(const char *source, const char *target, thumbnail_result_t *out);

/** @brief libvips' message for the last failure of this thread, then cleared
 *         for the next; "" when there is none. */
const char *thumbnail_vips_error(void);

#endif /* THUMBNAIL_VIPS_H */
