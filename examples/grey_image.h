/**
 * @file grey_image.h
 * @brief A grey-scale image in memory, and what the image-processing
 *        example does to one in place of Pillow: make a synthetic photo,
 *        read and write it as a binary PGM file, Gaussian-blur it and
 *        shrink it to a thumbnail.
 *
 * Standard C only (stdio, stdlib), so that it builds for Windows too. Each
 * function returns 0, or -1 when memory or the file failed it.
 */
#ifndef GREY_IMAGE_H
#define GREY_IMAGE_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/** An image: width x height pixels of 0 (black) to 255 (white), by rows. */
typedef struct grey_image {
    int width;
    int height;
    unsigned char *pixels;
} grey_image_t;

/** @brief An image of width x height pixels, not yet drawn on. */
static int grey_image_alloc(grey_image_t *img, int width, int height)
{
    img->width = width;
    img->height = height;
    img->pixels = malloc((size_t)width * (size_t)height);
    return img->pixels != NULL ? 0 : -1;
}

/** @brief Free the pixels; the image is empty after. */
static void grey_image_free(grey_image_t *img)
{
    free(img->pixels);
    img->pixels = NULL;
    img->width = img->height = 0;
}

/**
 * @brief A synthetic photo: a diagonal gradient under a checkerboard whose
 *        squares `square` pixels wide give the blur sharp edges to soften.
 */
static int grey_image_make(grey_image_t *img, int width, int height, int square)
{
    if (grey_image_alloc(img, width, height) < 0)
        return -1;
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            int gradient = (int)(((long)x * 127 / width) + ((long)y * 127 / height));
            int checker = ((x / square + y / square) % 2) ? 0 : 1;
            img->pixels[(size_t)y * (size_t)width + (size_t)x] =
                (unsigned char)(checker ? 255 - gradient : gradient);
        }
    return 0;
}

/** @brief Write the image to `path` as a binary PGM ("P5"). */
static int grey_image_write_pgm(const grey_image_t *img, const char *path)
{
    FILE *f = fopen(path, "wb"); /* binary: no newline translation on Windows */
    if (f == NULL)
        return -1;
    size_t n = (size_t)img->width * (size_t)img->height;
    int ok = fprintf(f, "P5\n%d %d\n255\n", img->width, img->height) > 0 &&
             fwrite(img->pixels, 1, n, f) == n;
    /* fclose() flushes: a full disk may only show there. */
    return fclose(f) == 0 && ok ? 0 : -1;
}

/** @brief Read a binary PGM with 255 grey levels, as grey_image_write_pgm()
 *         writes one (no comment lines). */
static int grey_image_read_pgm(grey_image_t *img, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    int width, height, maxval;
    /* The header ends in one whitespace character, then the pixels. */
    int ok = fscanf(f, "P5 %d %d %d", &width, &height, &maxval) == 3 && maxval == 255 &&
             width > 0 && height > 0 && fgetc(f) != EOF &&
             grey_image_alloc(img, width, height) == 0;
    size_t n = (size_t)width * (size_t)height;
    if (ok && fread(img->pixels, 1, n, f) != n) {
        grey_image_free(img);
        ok = 0;
    }
    fclose(f);
    return ok ? 0 : -1;
}

/* Clamp i into [0, n - 1]: the pixels past an edge repeat the edge's. */
static int grey_image_clamp(int i, int n)
{
    return i < 0 ? 0 : i >= n ? n - 1 : i;
}

/* A box blur of `radius` along one line of n pixels, `stride` apart, from
 * src into dst: each pixel becomes the mean of the 2 * radius + 1 around
 * it, by a running sum (one addition and one subtraction per pixel). */
static void grey_image_box_line(const unsigned char *src, unsigned char *dst, int n, size_t stride,
                                int radius)
{
    long window = 2L * radius + 1;
    long sum = 0;
    for (int k = -radius; k <= radius; k++)
        sum += src[(size_t)grey_image_clamp(k, n) * stride];
    for (int i = 0; i < n; i++) {
        dst[(size_t)i * stride] = (unsigned char)((sum + window / 2) / window);
        sum += src[(size_t)grey_image_clamp(i + radius + 1, n) * stride];
        sum -= src[(size_t)grey_image_clamp(i - radius, n) * stride];
    }
}

/**
 * @brief Pillow's ImageFilter.GaussianBlur(radius): like Pillow, three box
 *        blurs of that radius one after another, each along the rows and
 *        then the columns, which is close to a Gaussian of about that
 *        standard deviation.
 */
static int grey_image_gaussian_blur(grey_image_t *img, int radius)
{
    int w = img->width, h = img->height;
    unsigned char *tmp = malloc((size_t)w * (size_t)h);
    if (tmp == NULL)
        return -1;
    for (int pass = 0; pass < 3; pass++) {
        for (int y = 0; y < h; y++) /* rows: pixels into tmp */
            grey_image_box_line(img->pixels + (size_t)y * (size_t)w, tmp + (size_t)y * (size_t)w, w,
                                1, radius);
        for (int x = 0; x < w; x++) /* columns: tmp back into pixels */
            grey_image_box_line(tmp + x, img->pixels + x, h, (size_t)w, radius);
    }
    free(tmp);
    return 0;
}

/**
 * @brief Pillow's Image.thumbnail((max_width, max_height)): shrink the
 *        image to fit in that box, keeping its proportions (never
 *        enlarging it); each new pixel is the mean of the old pixels it
 *        covers.
 */
static int grey_image_thumbnail(grey_image_t *img, int max_width, int max_height)
{
    int w = img->width, h = img->height;
    if (w <= max_width && h <= max_height)
        return 0;
    /* The side that is further over its limit sets the scale. */
    double scale = (double)max_width / w < (double)max_height / h ? (double)max_width / w
                                                                  : (double)max_height / h;
    int tw = (int)(w * scale + 0.5), th = (int)(h * scale + 0.5);
    tw = tw < 1 ? 1 : tw;
    th = th < 1 ? 1 : th;
    grey_image_t small;
    if (grey_image_alloc(&small, tw, th) < 0)
        return -1;
    for (int ty = 0; ty < th; ty++) {
        /* The old rows [y0, y1) and columns [x0, x1) under this pixel. */
        int y0 = (int)((long)ty * h / th), y1 = (int)((long)(ty + 1) * h / th);
        for (int tx = 0; tx < tw; tx++) {
            int x0 = (int)((long)tx * w / tw), x1 = (int)((long)(tx + 1) * w / tw);
            long sum = 0;
            for (int y = y0; y < y1; y++)
                for (int x = x0; x < x1; x++)
                    sum += img->pixels[(size_t)y * (size_t)w + (size_t)x];
            long count = (long)(y1 - y0) * (x1 - x0);
            small.pixels[(size_t)ty * (size_t)tw + (size_t)tx] = (unsigned char)((sum + count / 2) /
                                                                                 count);
        }
    }
    grey_image_free(img);
    *img = small;
    return 0;
}

#endif /* GREY_IMAGE_H */
