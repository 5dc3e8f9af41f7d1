/*
 * Counters in a manager's dict: four worker processes each count the words
 * of their share of a text and add their counts into one shared dict, under
 * a manager Lock; the parent prints the totals and checks them against a
 * count it makes itself, serially. In Python:
 *
 *     def worker(share, counts, lock):
 *         for word, n in Counter(words_of(share)).items():
 *             with lock:
 *                 counts[word] = counts.get(word, 0) + n
 *
 *     with Manager() as m:
 *         counts, lock = m.dict(), m.Lock()
 *         workers = [Process(target=worker, args=(LINES[i::4], counts, lock))
 *                    for i in range(4)]
 *         ...
 *
 * `counts[word] = counts.get(word, 0) + n` is two calls to the server (a
 * get, then a set): each is atomic, the pair is not, and two workers adding
 * to the same word at once would lose one's count. The Lock, which lives in
 * the server too, makes the pair atomic. The dict and the lock go to the
 * workers as proxies (MP_OBJECTS), under every start method.
 *
 * The text is the first sentence of A Tale of Two Cities. It prints
 *
 *     4 workers counted 119 words, 58 different
 *     most common: 'the' 14, 'of' 12, 'was' 11, 'it' 10, 'we' 4
 *     the shared dict matches a serial count
 */
#include <ctype.h>
#include <inttypes.h>

#include "example_support.h"

enum { NWORKERS = 4, NTOP = 5 };

/* The input: worker i counts lines i, i + NWORKERS, ... */
static const char *const LINES[] = {
    "It was the best of times, it was the worst of times,",
    "it was the age of wisdom, it was the age of foolishness,",
    "it was the epoch of belief, it was the epoch of incredulity,",
    "it was the season of Light, it was the season of Darkness,",
    "it was the spring of hope, it was the winter of despair,",
    "we had everything before us, we had nothing before us,",
    "we were all going direct to Heaven, we were all going direct the other way -",
    "in short, the period was so far like the present period,",
    "that some of its noisiest authorities insisted on its being received,",
    "for good or for evil, in the superlative degree of comparison only.",
};
enum { NLINES = sizeof LINES / sizeof LINES[0] };

/* Add one to counts[word], in a local map. @return 0 or MP_ENOMEM. */
static int count_one(mp_var_t *counts, const char *word, size_t len)
{
    mp_var_t *key = mp_var_strn(word, len);
    if (!key)
        return MP_ENOMEM;
    int64_t n = 0;
    mp_var_t *old = mp_var_map_get(counts, key);
    if (old && mp_var_get_int(old, &n) < 0)
        n = 0; /* cannot happen: only ints go in */
    mp_var_t *value = mp_var_int(n + 1);
    return value ? mp_var_map_set(counts, key, value) : (mp_var_free(key), MP_ENOMEM);
}

/*
 * Count the words (runs of letters, lower-cased) of lines first, first +
 * step, ... into a new local map, word -> count.
 * @return 0 or MP_ENOMEM.
 */
static int count_words(size_t first, size_t step, mp_var_t **out)
{
    mp_var_t *counts = mp_var_map();
    int rc = counts ? 0 : MP_ENOMEM;
    for (size_t i = first; rc == 0 && i < NLINES; i += step) {
        char word[64];
        size_t len = 0;
        for (const char *c = LINES[i];; c++) {
            if (isalpha((unsigned char)*c) && len < sizeof word) {
                word[len++] = (char)tolower((unsigned char)*c);
            } else if (len > 0) {
                if ((rc = count_one(counts, word, len)) < 0)
                    break;
                len = 0;
            }
            if (*c == '\0')
                break;
        }
    }
    if (rc < 0)
        mp_var_free(counts);
    else
        *out = counts;
    return rc;
}

/* `with lock: shared[word] = shared.get(word, 0) + n`. @return 0 or a code. */
static int add_count(mp_proxy_t *shared, mp_proxy_t *lock, const mp_var_t *word, int64_t n)
{
    int rc = mp_mlock_acquire(lock, MP_FOREVER);
    if (rc < 0)
        return rc;
    mp_var_t *zero = mp_var_int(0), *old = NULL, *sum = NULL;
    int64_t total = 0;
    rc = zero ? mp_dict_get(shared, word, zero, &old) : MP_ENOMEM;
    if (rc == 0)
        rc = mp_var_get_int(old, &total);
    if (rc == 0)
        rc = (sum = mp_var_int(total + n)) ? mp_dict_set(shared, word, sum) : MP_ENOMEM;
    int released = mp_mlock_release(lock);
    mp_var_free(zero);
    mp_var_free(old);
    mp_var_free(sum);
    return rc < 0 ? rc : released;
}

/* worker(share, counts, lock): its index is the argument; the shared dict
 * is object 0 and the lock object 1. */
static int worker(mp_task_t *task)
{
    int64_t index;
    mp_proxy_t *shared, *lock;
    mp_var_t *mine = NULL;
    int rc = mp_task_arg_i64(task, &index);
    if (rc == 0)
        rc = mp_task_proxy(task, 0, &shared);
    if (rc == 0)
        rc = mp_task_proxy(task, 1, &lock);
    if (rc == 0)
        rc = count_words((size_t)index, NWORKERS, &mine);
    /* Counted locally first: one locked update per word, not per
     * occurrence. */
    for (size_t i = 0; rc == 0 && i < mp_var_len(mine); i++) {
        int64_t n;
        if ((rc = mp_var_get_int(mp_var_map_value_at(mine, i), &n)) == 0)
            rc = add_count(shared, lock, mp_var_map_key_at(mine, i), n);
    }
    mp_var_free(mine);
    return rc;
}

static const mp_task_def_t tasks[] = {MP_TASK(worker), MP_TASK_END};

/* A word and its count, for sorting. */
typedef struct entry {
    const char *word;
    int64_t n;
} entry_t;

/* Most common first; equal counts in alphabetical order. */
static int by_count(const void *a, const void *b)
{
    const entry_t *x = a, *y = b;
    return x->n != y->n ? (x->n < y->n) - (x->n > y->n) : strcmp(x->word, y->word);
}

/* Print the number of words, of different ones, and the NTOP most common
 * of a map word -> count (a copy of the shared dict). */
static void print_totals(const mp_var_t *counts)
{
    size_t n = mp_var_len(counts);
    entry_t *entries = calloc(n ? n : 1, sizeof *entries);
    if (!entries)
        example_check(MP_ENOMEM, "calloc");
    int64_t words = 0;
    for (size_t i = 0; i < n; i++) {
        example_check(mp_var_get_str(mp_var_map_key_at(counts, i), &entries[i].word),
                      "mp_var_get_str");
        example_check(mp_var_get_int(mp_var_map_value_at(counts, i), &entries[i].n),
                      "mp_var_get_int");
        words += entries[i].n;
    }
    qsort(entries, n, sizeof *entries, by_count);
    printf("%d workers counted %" PRId64 " words, %zu different\n", NWORKERS, words, n);
    printf("most common:");
    for (size_t i = 0; i < n && i < NTOP; i++)
        printf("%s '%s' %" PRId64, i ? "," : "", entries[i].word, entries[i].n);
    printf("\n");
    free(entries);
}

int main(int argc, char **argv)
{
    example_check(mp_init(&argc, &argv, tasks), "mp_init");

    /* with Manager() as m: counts, lock = m.dict(), m.Lock() */
    mp_manager_t *manager;
    mp_proxy_t *counts, *lock;
    example_check(mp_manager_start(&manager, NULL), "mp_manager_start");
    example_check(mp_manager_dict(manager, &counts), "mp_manager_dict");
    example_check(mp_manager_lock(manager, &lock), "mp_manager_lock");

    mp_process_t *workers[NWORKERS];
    for (int i = 0; i < NWORKERS; i++) {
        mp_process_opts_t opts = {.task = "worker", MP_ARG_I64(i), MP_OBJECTS(counts, lock)};
        example_check(mp_process_create(&workers[i], &opts), "mp_process_create");
    }
    for (int i = 0; i < NWORKERS; i++)
        example_check(mp_process_start(workers[i]), "mp_process_start");
    for (int i = 0; i < NWORKERS; i++)
        example_join(workers[i]);

    mp_var_t *totals, *serial;
    example_check(mp_dict_copy(counts, &totals), "mp_dict_copy");
    print_totals(totals);
    /* The same text counted here, in one process: the same map, whatever
     * order the workers added their words in. */
    example_check(count_words(0, 1, &serial), "count_words");
    bool same = mp_var_equal(totals, serial);
    printf("the shared dict %s a serial count\n", same ? "matches" : "does NOT match");

    mp_var_free(serial);
    mp_var_free(totals);
    for (int i = 0; i < NWORKERS; i++)
        mp_process_destroy(workers[i]);
    mp_proxy_destroy(lock);
    mp_proxy_destroy(counts);
    example_check(mp_manager_shutdown(manager), "mp_manager_shutdown");
    mp_manager_destroy(manager);
    return same ? 0 : 1;
}
