/*
 * The tutorial's section 5, "Real-World Multiprocessing Example: Image
 * Processing", on a real image library: libvips does what PIL does there,
 * for a folder of JPEGs.
 *
 *     def process_image(img_name):
 *         img = Image.open(img_name)
 *         img = img.filter(ImageFilter.GaussianBlur(15))
 *         img.thumbnail(size)                    # size = (1200, 1200)
 *         img.save(f'processed/{img_name}')
 *         print(f'{img_name} was processed...')
 *
 *     with concurrent.futures.ProcessPoolExecutor() as executor:
 *         executor.map(process_image, img_names)
 *
 * It processes the folder three times, printing each file and the time of
 * each run: serially (one process, one photo after another), with the
 * process executor's map (ProcessPoolExecutor.map), and with a Pool's map
 * (multiprocessing.Pool.map), both with 2 worker processes by default;
 * then the two speedups over the serial run.
 *
 *     usage: image_thumbnails [--workers N] [--output DIR]
 *                             [--count N] [--size WxH] [FOLDER]
 *
 * FOLDER holds the JPEGs (your photos); by default ./thumbnail-input,
 * which the first run fills with a dozen synthetic 3000x2000 photos drawn
 * by libvips itself (gradients, noise, shapes; --count and --size change
 * that, for any FOLDER that does not exist yet or is empty). Thumbnails go
 * to ./thumbnail-output, under the photos' names.
 *
 * libvips runs on one thread in each process (VIPS_CONCURRENCY=1, set
 * here, and vips_concurrency_set(1) in each process): otherwise its own
 * threads would use every core in the serial run already, and the speedup
 * would be libvips', not the processes'. libvips is started in each worker
 * after it is born, never in this parent, so that every start method,
 * fork included, is safe: see thumbnail_run.c and thumbnail_vips.c. The
 * workers' start method is the default one, or MP_START_METHOD's.
 */
#include "example_support.h"
#include "thumbnail_run.h"

/* The program's options. */
typedef struct options {
    const char *input, *output;
    int workers, count, width, height;
} options_t;

static void usage(const char *program, int status)
{
    fprintf(status ? stderr : stdout,
            "usage: %s [--workers N] [--output DIR] [--count N] [--size WxH] [FOLDER]\n"
            "  FOLDER        the JPEGs to process (default: thumbnail-input, whose\n"
            "                first run draws synthetic photos into it)\n"
            "  --workers N   worker processes of the executor and the pool (default 2)\n"
            "  --output DIR  where the thumbnails go (default: thumbnail-output)\n"
            "  --count N     photos to draw into a FOLDER that is new or empty (default 12)\n"
            "  --size WxH    their size (default 3000x2000)\n",
            program);
    exit(status);
}

/* A whole number in [1, max], or the usage. */
static int parse_int(const char *program, const char *text, int max)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || v < 1 || v > max)
        usage(program, 2);
    return (int)v;
}

static options_t parse_options(int argc, char **argv)
{
    options_t o = {"thumbnail-input", "thumbnail-output", 2, 12, 3000, 2000};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            usage(argv[0], 0);
        else if (a[0] != '-')
            o.input = a;
        else if (v == NULL)
            usage(argv[0], 2);
        else if (strcmp(a, "--workers") == 0)
            o.workers = parse_int(argv[0], argv[++i], 256);
        else if (strcmp(a, "--output") == 0)
            o.output = argv[++i];
        else if (strcmp(a, "--count") == 0)
            o.count = parse_int(argv[0], argv[++i], 10000);
        else if (strcmp(a, "--size") == 0) {
            char x;
            i++;
            if (sscanf(v, "%d%c%d", &o.width, &x, &o.height) != 3 || x != 'x' || o.width < 1 ||
                o.height < 1 || o.width > 100000 || o.height > 100000)
                usage(argv[0], 2);
        } else
            usage(argv[0], 2);
    }
    return o;
}

/* The tutorial's `print(f'Finished in {round(finish-start, 2)} seconds')`. */
static void print_finished(double seconds)
{
    char text[48];
    example_py_repr(example_py_round(seconds, 2), text, sizeof text);
    example_say("Finished in %s seconds\n", text);
}

int main(int argc, char **argv)
{
    /* libvips reads it as it starts, in each process: set before any
     * process starts, so that every one inherits it. */
    if (setenv("VIPS_CONCURRENCY", "1", 1) != 0) {
        fprintf(stderr, "setenv failed\n");
        return 1;
    }
    example_check(mp_init(&argc, &argv, thumbnail_tasks), "mp_init");
    options_t o = parse_options(argc, argv);

    example_say("libvips %s, on one thread in each process (VIPS_CONCURRENCY=1, "
                "vips_concurrency_set(1)): the speedup is the processes'\n",
                thumbnail_vips_version());
    if (thumbnail_folder_is_new(o.input)) {
        example_say("Drawing %d photos of %dx%d into %s (first run)...\n", o.count, o.width,
                    o.height, o.input);
        thumbnail_draw_photos(o.input, o.count, o.width, o.height, o.workers);
    }
    thumbnail_job_t *jobs;
    size_t n = thumbnail_jobs(o.input, o.output, true, &jobs);
    example_say("%u photos in %s, thumbnails of at most %dx%d into %s\n", (unsigned)n, o.input,
                THUMBNAIL_BOX, THUMBNAIL_BOX, o.output);
    thumbnail_result_t *results = calloc(n, sizeof *results);
    if (results == NULL) {
        fprintf(stderr, "no memory for %u results\n", (unsigned)n);
        return 1;
    }

    example_say("Serially, in one process:\n");
    double serial = thumbnail_run(THUMBNAIL_SERIAL, jobs, n, 1, results);
    print_finished(serial);

    example_say("With the process executor's map, %d workers:\n", o.workers);
    double executor = thumbnail_run(THUMBNAIL_EXECUTOR, jobs, n, o.workers, results);
    print_finished(executor);

    example_say("With a Pool's map, %d workers:\n", o.workers);
    double pool = thumbnail_run(THUMBNAIL_POOL, jobs, n, o.workers, results);
    print_finished(pool);

    example_say("Speedup with the process executor (%d workers): %.2fx\n", o.workers,
                serial / executor);
    example_say("Speedup with the Pool (%d workers): %.2fx\n", o.workers, serial / pool);
    free(results);
    free(jobs);
    return 0;
}
