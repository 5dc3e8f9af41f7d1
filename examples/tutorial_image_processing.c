/*
 * C twin of the tutorial's section 5, "Real-World Multiprocessing Example:
 * Image Processing": a process pool blurs photos and shrinks them to
 * thumbnails, one photo per task.
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
 * The tutorial's photos are JPEGs from the web, and Pillow does the work;
 * here the photos are synthetic grey-scale ones that the program first
 * writes as PGM files to the temporary directory, and grey_image.h does
 * the blur and the thumbnail. It prints, in whatever order the workers
 * finish them,
 *
 *     photo-1.pgm was processed...
 *     ...
 *     photo-8.pgm was processed...
 *     Finished in 0.52 seconds
 *
 * then checks each processed file; it removes every file it wrote as it
 * exits. The workers' start method is the default one, or
 * MP_START_METHOD's.
 */
#include <inttypes.h>

#include "example_support.h"
#include "executor_example.h"
#include "grey_image.h"

enum {
    NIMAGES = 8,
    PATH_SIZE = 512,
    THUMB_SIZE = 1200, /* size = (1200, 1200) */
    BLUR_RADIUS = 15   /* ImageFilter.GaussianBlur(15) */
};

/* One task's argument: the photo's name, where it is, where its processed
 * copy goes. Plain bytes of fixed size, so that a map can carry an array
 * of them (every process runs this same program, so all agree on the
 * layout). */
typedef struct image_job {
    char name[32];
    char source[PATH_SIZE];
    char target[PATH_SIZE];
} image_job_t;

/* process_image(img_name), in a worker. */
static int process_image(mp_task_t *task)
{
    const void *arg;
    size_t len;
    int rc = mp_task_arg(task, &arg, &len);
    if (rc < 0)
        return rc;
    if (len != sizeof(image_job_t))
        return mp_task_fail(task, MP_EINVAL, "an image job of %u bytes", (unsigned)len);
    image_job_t job; /* a copy: the argument bytes need not be aligned */
    memcpy(&job, arg, sizeof job);

    grey_image_t img;
    if (grey_image_read_pgm(&img, job.source) < 0) /* Image.open() */
        return mp_task_fail(task, MP_ESYS, "cannot read %s", job.source);
    rc = grey_image_gaussian_blur(&img, BLUR_RADIUS) == 0 &&
                 grey_image_thumbnail(&img, THUMB_SIZE, THUMB_SIZE) == 0
             ? 0
             : mp_task_fail(task, MP_ENOMEM, "no memory to process %s", job.name);
    if (rc == 0 && grey_image_write_pgm(&img, job.target) < 0) /* img.save() */
        rc = mp_task_fail(task, MP_ESYS, "cannot write %s", job.target);
    grey_image_free(&img);
    if (rc == 0)
        example_say("%s was processed...\n", job.name);
    return rc;
}

static const mp_task_def_t tasks[] = {MP_TASK(process_image), MP_TASK_END};

/* Where the files go: the temporary directory that the environment names
 * (Windows always sets TEMP), else /tmp. */
static const char *temp_dir(void)
{
    const char *names[] = {"TMPDIR", "TEMP", "TMP"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *dir = getenv(names[i]);
        if (dir != NULL && dir[0] != '\0')
            return dir;
    }
    return "/tmp";
}

/* The job for photo i: its name, and file names that carry this process's
 * pid, so that two runs at once (a test under each start method) keep
 * apart. */
static void make_job(image_job_t *job, int i, mp_pid_t pid)
{
    memset(job, 0, sizeof *job);
    snprintf(job->name, sizeof job->name, "photo-%d.pgm", i + 1);
    int a = snprintf(job->source, sizeof job->source, "%s/multiproc-%" PRId64 "-%s", temp_dir(),
                     pid, job->name);
    int b = snprintf(job->target, sizeof job->target, "%s/multiproc-%" PRId64 "-processed-%s",
                     temp_dir(), pid, job->name);
    if (a < 0 || a >= PATH_SIZE || b < 0 || b >= PATH_SIZE) {
        fprintf(stderr, "the temporary directory's name is too long: %s\n", temp_dir());
        exit(1);
    }
}

/* The tutorial's photos are on disk before it starts: make them, each of
 * its own size and pattern, larger than the thumbnail's box. */
static void write_photo(const image_job_t *job, int i)
{
    grey_image_t img;
    if (grey_image_make(&img, 1600 + 100 * (i % 4), 1300 + 150 * (i % 3), 64 + 16 * i) < 0 ||
        grey_image_write_pgm(&img, job->source) < 0) {
        fprintf(stderr, "cannot write %s\n", job->source);
        exit(1);
    }
    grey_image_free(&img);
}

/* The processed copy is a thumbnail that fits the box. */
static void check_thumbnail(const image_job_t *job)
{
    grey_image_t img;
    if (grey_image_read_pgm(&img, job->target) < 0 || img.width > THUMB_SIZE ||
        img.height > THUMB_SIZE) {
        fprintf(stderr, "%s is not a thumbnail\n", job->target);
        exit(1);
    }
    grey_image_free(&img);
}

/* Every photo's job, for remove_files(). */
static image_job_t jobs[NIMAGES];

/* At exit, even after a failure: remove every file this run wrote (a file
 * that is not there is no error). The workers do not run it: the parent's
 * atexit() handlers run in no child, under every start method. */
static void remove_files(void)
{
    for (int i = 0; i < NIMAGES; i++) {
        remove(jobs[i].source);
        remove(jobs[i].target);
    }
}

int main(int argc, char **argv)
{
    example_check(mp_init(&argc, &argv, tasks), "mp_init");

    mp_process_info_t me;
    example_check(mp_current_process(&me), "mp_current_process");
    if (atexit(remove_files) != 0) {
        fprintf(stderr, "atexit failed\n");
        return 1;
    }
    for (int i = 0; i < NIMAGES; i++) {
        make_job(&jobs[i], i, me.pid);
        write_photo(&jobs[i], i);
    }

    double start = example_now();

    mp_executor_t *executor;
    example_check(mp_executor_create(&executor, NULL), "mp_executor_create");
    mp_map_t *results;
    example_check(
        mp_executor_map(executor, &results, "process_image", jobs, sizeof jobs[0], NIMAGES, NULL),
        "mp_executor_map");
    /* Python drops map's results and lets the `with` block wait; reading
     * each one also says which photo failed, if one did. */
    for (size_t i = 0; i < NIMAGES; i++)
        example_check_map(mp_map_get(results, i, NULL, NULL), results, i, "mp_map_get");
    mp_map_destroy(results);
    mp_executor_destroy(executor);

    example_print_finished(start);

    for (int i = 0; i < NIMAGES; i++)
        check_thumbnail(&jobs[i]);
    return 0;
}
