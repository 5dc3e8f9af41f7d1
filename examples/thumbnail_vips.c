/*
 * The libvips half of the image example: see thumbnail_vips.h.
 *
 * One thread per process. libvips runs every pipeline on a pool of threads
 * of its own, as many as the machine has cores by default: a "serial" run
 * would then already use both cores of a 2-core machine, and two worker
 * processes would each start that many threads, so the speedup printed
 * would be libvips' and not the processes'. thumbnail_vips_start() sets
 * its concurrency to 1 (vips_concurrency_set(1)), as does VIPS_CONCURRENCY=1
 * in the environment, which the example sets before it starts any process
 * (libvips reads it when it starts). libvips may still write a file from a
 * second thread while the first computes, but the work is the first's.
 *
 * Started late, in the process that uses it. libvips must not be started
 * in a process that then forks (fork start method): its threads and their
 * locks would not exist in the child, whose copy of libvips would wait for
 * them for ever. So the examples' parent never starts it: every process
 * that uses it (a worker, the serial run's child) starts it itself, from
 * the executor's or the pool's initializer, after it is born.
 */
#include "thumbnail_vips.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <vips/vips.h>

/*
 * PIL's ImageFilter.GaussianBlur(radius): Pillow's "radius" is the
 * Gaussian's standard deviation (its documentation says so), which it
 * approximates with three box blurs; vips_gaussblur() takes the standard
 * deviation as `sigma`. So radius 15 is sigma 15.
 *
 * libvips cuts its mask where the Gaussian falls below `min_ampl` of its
 * peak. At 0.1 that is at 2.1 sigma (32 pixels each side for sigma 15), and
 * the mask keeps 97% of the Gaussian's weight; Pillow's boxes reach about 3
 * sigma with little weight out there. libvips' default, 0.2, cuts at 1.8
 * sigma; below 0.1 this libvips (8.14) leaves its vectorised path: 0.05
 * took 1.25 s where 0.1 took 0.46 s on a 3000x2000 photo here, for a blur
 * that looks the same.
 */
#define BLUR_MIN_AMPL 0.1

/* The JPEG quality of the drawn photos (thumbnails: libvips' default, 75,
 * which is PIL's too). */
enum { PHOTO_QUALITY = 90 };

int thumbnail_vips_start(const char *program)
{
    static int started;
    if (started)
        return 0;
    if (VIPS_INIT(program) != 0)
        return -1;
    vips_concurrency_set(1); /* see the top of this file */
    started = 1;
    return 0;
}

const char *thumbnail_vips_version(void)
{
    return vips_version_string();
}

const char *thumbnail_vips_error(void)
{
    /* A copy: the next libvips call may write into its buffer. */
    static char message[1024];
    snprintf(message, sizeof message, "%s", vips_error_buffer());
    vips_error_clear();
    /* libvips ends its messages with a newline; the callers add their own. */
    size_t n = strlen(message);
    while (n > 0 && message[n - 1] == '\n')
        message[--n] = '\0';
    return message;
}

/* A small deterministic random generator, so that photo i is the same on
 * every run and every machine. */
static unsigned next_random(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return (*state >> 8) & 0xffffffu;
}

/* Filled circles and rectangles of random colours on `img` (in memory). */
static int draw_shapes(VipsImage *img, unsigned seed)
{
    int w = img->Xsize, h = img->Ysize, small = w < h ? w : h;
    for (int k = 0; k < 12; k++) {
        double ink[3];
        for (int c = 0; c < 3; c++)
            ink[c] = next_random(&seed) % 256;
        int x = (int)(next_random(&seed) % (unsigned)w);
        int y = (int)(next_random(&seed) % (unsigned)h);
        int size = small / 20 + (int)(next_random(&seed) % (unsigned)(small / 6 + 1));
        int rc = k % 2 == 0 ? vips_draw_circle(img, ink, 3, x, y, size, "fill", TRUE, NULL)
                            : vips_draw_rect(img, ink, 3, x - size, y - size / 2, 2 * size, size,
                                             "fill", TRUE, NULL);
        if (rc != 0)
            return -1;
    }
    return 0;
}

int thumbnail_vips_draw(const char *path, int index, int width, int height)
{
    /* Every image made below belongs to `context`, which frees them all. */
    VipsObject *context = VIPS_OBJECT(vips_image_new());
    VipsImage **t = (VipsImage **)vips_object_local_array(context, 7);

    /* A colour gradient whose direction and colours turn with `index`:
     * band c is a linear function of x and y (vips_recomb's matrix) plus
     * an offset that centres it on mid-grey. */
    double angle = 0.7 * index, m[3][2], offset[3], ones[3] = {1, 1, 1};
    for (int c = 0; c < 3; c++) {
        double a = cos(angle + 2.1 * c), b = sin(angle + 2.1 * c);
        m[c][0] = 200.0 * a / width;
        m[c][1] = 200.0 * b / height;
        offset[c] = 128.0 - 100.0 * a - 100.0 * b;
    }
    t[0] = vips_image_new_matrixv(2, 3, m[0][0], m[0][1], m[1][0], m[1][1], m[2][0], m[2][1]);
    int rc = t[0] == NULL || vips_xyz(&t[1], width, height, NULL) ||
             vips_recomb(t[1], &t[2], t[0], NULL) ||
             vips_linear(t[2], &t[3], ones, offset, 3, NULL) ||
             /* Grain, as a camera's sensor gives, then 8-bit pixels
              * (vips_cast clips what falls outside 0..255). */
             vips_gaussnoise(&t[4], width, height, "sigma", 18.0, "mean", 0.0, "seed", index,
                             NULL) ||
             vips_add(t[3], t[4], &t[5], NULL) || vips_cast_uchar(t[5], &t[6], NULL);
    /* Drawing works in place, on an image in memory. */
    VipsImage *photo = rc == 0 ? vips_image_copy_memory(t[6]) : NULL;
    rc = photo == NULL || draw_shapes(photo, 7919u * (unsigned)index + 1u) ||
         vips_image_write_to_file(photo, path, "Q", PHOTO_QUALITY, NULL);
    if (photo != NULL)
        g_object_unref(photo);
    g_object_unref(context);
    return rc ? -1 : 0;
}

int thumbnail_vips_process(const char *source, const char *target, thumbnail_result_t *out)
{
    VipsObject *context = VIPS_OBJECT(vips_image_new());
    VipsImage **t = (VipsImage **)vips_object_local_array(context, 3);

    /* Image.open(): libvips reads the photo as the blur asks for its rows
     * (sequential access), not all of it first. */
    t[0] = vips_image_new_from_file(source, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    int rc = t[0] == NULL ||
             /* img.filter(ImageFilter.GaussianBlur(15)) */
             vips_gaussblur(t[0], &t[1], THUMBNAIL_BLUR_SIGMA, "min_ampl", BLUR_MIN_AMPL, NULL) ||
             /* img.thumbnail((1200, 1200)): fit the box, keep the
              * proportions, never enlarge (VIPS_SIZE_DOWN) */
             vips_thumbnail_image(t[1], &t[2], THUMBNAIL_BOX, "height", THUMBNAIL_BOX, "size",
                                  VIPS_SIZE_DOWN, NULL) ||
             /* img.save(f'processed/{img_name}'): the format from the name */
             vips_image_write_to_file(t[2], target, NULL);
    if (rc == 0) {
        struct stat st;
        if (stat(target, &st) != 0) {
            vips_error("thumbnail", "cannot stat %s", target);
            rc = -1;
        } else {
            out->width = t[0]->Xsize;
            out->height = t[0]->Ysize;
            out->thumb_width = t[2]->Xsize;
            out->thumb_height = t[2]->Ysize;
            out->thumb_bytes = (int64_t)st.st_size;
        }
    }
    g_object_unref(context);
    return rc ? -1 : 0;
}
