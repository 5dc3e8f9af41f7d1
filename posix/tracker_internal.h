/**
 * @file tracker_internal.h
 * @brief The resource tracker process's state, shared by its files:
 *        tracker_server.c (the loop and the two indexes), tracker_journal.c
 *        (reading the family's journal) and tracker_scan.c (finding users
 *        in /proc).
 */
#ifndef TRACKER_INTERNAL_H
#define TRACKER_INTERNAL_H

#include <apr_hash.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/** A name the tracker may have to remove, and the pids that keep it. */
typedef struct tracked_name {
    char name[MP__TRACKER_LINE_MAX]; /**< the OS name, "/mp.<name>" */
    pid_t *pids;                     /**< users that may still live */
    size_t npids, cap;
    bool candidate; /**< its users all ended: /proc is searched for others */
} tracked_name_t;

/** A pid the tracker watches, and the names it was seen using. */
typedef struct watched_pid {
    pid_t pid;
    int pidfd;    /**< -1: none (no pidfds here), kill(0) tells */
    bool ended;   /**< to be handled in this round */
    char **names; /**< copies; an entry may be stale (the name was unlinked) */
    size_t nnames, cap;
} watched_pid_t;

/** Everything the tracker knows. */
typedef struct tracker_state {
    int journal;       /**< the family's journal (read from the start) */
    off_t read_to;     /**< how far it has been read, in whole lines */
    apr_hash_t *names; /**< name -> tracked_name_t */
    apr_hash_t *pids;  /**< pid_t -> watched_pid_t */
} tracker_state_t;

/** @brief The entry for `name`, NULL if it is not tracked. */
tracked_name_t *mp__tracker_name(tracker_state_t *s, const char *name);

/** @brief Record that `pid` uses `t` (and watch it); false when out of memory. */
bool mp__tracker_add_user(tracker_state_t *s, tracked_name_t *t, pid_t pid);

/**
 * @brief Read the journal's new whole lines, calling `on_line` for each
 *        well-formed one ("<op><pid> <name>").
 */
void mp__tracker_read_journal(tracker_state_t *s,
                              void (*on_line)(char op, pid_t pid, const char *name));

/**
 * @brief One pass over /proc: every process that maps or holds open a name
 *        flagged `candidate` becomes one of its users (and is watched).
 */
void mp__tracker_adopt_users(tracker_state_t *s);

#endif /* TRACKER_INTERNAL_H */
