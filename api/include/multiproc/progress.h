/**
 * @file multiproc/progress.h
 * @brief Progress of a long call (a Pool's map and imap, an executor's map
 *        and as_completed): a callback told how far the work is and where
 *        it spends its time, and a ready-made progress bar on stderr.
 *
 * A call that takes a progress callback calls it once for each message of
 * work that finishes (one task, or one chunk of a map), after its results
 * are readable, from whichever thread read them (the caller's while it
 * waits, or one of the pool's threads), never two at a time for one call,
 * and never while a library lock is held. The callback must be quick and
 * must not wait on the pool that calls it. An as-completed iterator
 * reports each future as mp_as_completed_next() yields it, in that thread.
 * No call comes after the call's handle is destroyed.
 */
#ifndef MULTIPROC_PROGRESS_H
#define MULTIPROC_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

#include <multiproc/export.h>
#include <multiproc/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * How far a call is, and how the message of work that just finished went.
 * Times are seconds since the call began (one monotonic clock for every
 * process of the machine).
 */
typedef struct mp_progress {
    size_t done;    /**< tasks finished (succeeded or failed) */
    size_t failed;  /**< of which failed */
    size_t total;   /**< tasks of the call; 0 while not known (an input
                         read from an iterator that has not ended) */
    double elapsed; /**< seconds since the call began */
    /* The message of work that just finished: */
    size_t first;    /**< index of its first task among the call's */
    size_t count;    /**< its tasks (a chunk's size) */
    double queued;   /**< when it was handed to the pool (negative for a
                          future submitted before an as-completed began) */
    double started;  /**< when a worker began it (its `finished` when not
                          known: cancelled before it ran, or failed by
                          its worker's death) */
    double finished; /**< when its results were read */
    mp_pid_t worker; /**< the worker process that ran it (0: a thread) */
} mp_progress_t;

/**
 * @brief A progress callback.
 * @param progress the state; valid during the call only.
 * @param arg the pointer given with the callback.
 */
typedef void (*mp_progress_fn)(const mp_progress_t *progress, void *arg);

/** Options of the ready-made bar, given as the callback's `arg` (NULL:
 *  every default). */
typedef struct mp_progress_bar_opts {
    /** Text before the bar ("map", "thumbnails"...); NULL: none. */
    const char *label;
    /** When stderr is not a terminal, print a plain line every `interval`
     *  seconds and at the end (false: print nothing there). */
    bool plain;
    /** Seconds between plain lines; 0: 5 seconds. */
    double interval;
    uint64_t reserved[MP_OPTS_RESERVED]; /**< zero (see types.h) */
} mp_progress_bar_opts_t;

/**
 * @brief The ready-made progress bar, a progress callback: on a terminal,
 *        one line on stderr redrawn in place ("label [#####    ] 512/1000
 *        51% 3.2k/s ETA 0:00:02"), at most about ten times a second, and
 *        ended with a newline when the work is done; when stderr is not a
 *        terminal, nothing, or plain lines when asked for.
 *
 * Give it as the callback of a call: `.progress = mp_progress_bar`, with
 * `.progress_arg` NULL or an mp_progress_bar_opts_t (borrowed for the
 * call's life). The environment variable MP_PROGRESS=0 turns every bar
 * off; MP_PROGRESS=1 draws the redrawn line even when stderr is not a
 * terminal. With the total not known yet, the line shows what is done
 * and the rate only; failed tasks are counted at its end.
 *
 * What it remembers between calls (when it last drew, how wide its line
 * was) is one state for the whole process, kept in atomics: any thread may
 * draw, and two calls showing a bar at the same time share the one line
 * (and its rate limit).
 *
 * @param progress the state.
 * @param arg NULL, or a const mp_progress_bar_opts_t *.
 */
MP_API void mp_progress_bar(const mp_progress_t *progress, void *arg);

#ifdef __cplusplus
}
#endif

#endif /* MULTIPROC_PROGRESS_H */
