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
#include <stdint.h>
#include <sys/types.h>

/** The key of a private directory among the names ("D" lines): its path
 *  after this prefix, which no shared-memory name ("/mp.<name>") has. */
#define TRACKER_DIR_KEY "dir:"
/** The longest key, NUL included. */
#define TRACKER_KEY_MAX (MP__TRACKER_LINE_MAX + sizeof TRACKER_DIR_KEY)

/** A process that uses a name, and how many of its "+" lines say so that
 *  no "-" line has taken back (a failed create takes back its own). */
typedef struct tracked_user {
    pid_t pid;
    unsigned uses;
} tracked_user_t;

/** A name the tracker may have to remove, and the pids that keep it. */
typedef struct tracked_name {
    char name[TRACKER_KEY_MAX]; /**< the OS name, "/mp.<name>" (or a directory's key) */
    tracked_user_t *users;      /**< users that may still live */
    size_t nusers, cap;
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

/** The journal's header page (tracker_journal.c). */
typedef struct journal_header journal_header_t;

/** Everything the tracker knows. */
typedef struct tracker_state {
    int journal;              /**< the family's journal */
    journal_header_t *header; /**< its first page, mapped; NULL: never compacted */
    off_t read_to;            /**< how far it has been read, in whole lines */
    off_t events_from;        /**< where the published lines start */
    off_t skip_from, skip_to; /**< the published snapshot's lines, applied already */
    uint64_t pending_token;   /**< a snapshot written and not yet met (0: none) */
    size_t pending_len;       /**< its length */
    off_t pending_from;       /**< what it describes: the lines before this */
    apr_hash_t *names;        /**< name -> tracked_name_t */
    apr_hash_t *pids;         /**< pid_t -> watched_pid_t */
} tracker_state_t;

/** What a journal line says: op '+', '-' or 'x', by `pid`, about `name`. */
typedef void (*tracker_on_line_t)(char op, pid_t pid, const char *name);

/**
 * @brief How entry `t` is written in the journal: `*op` '+' for a name,
 *        'D' for a directory, and what follows the pid.
 */
const char *mp__tracker_line_of(const tracked_name_t *t, char *op);

/** @brief The entry for `name`, NULL if it is not tracked. */
tracked_name_t *mp__tracker_name(tracker_state_t *s, const char *name);

/** @brief Record that `pid` uses `t` (and watch it); false when out of memory. */
bool mp__tracker_add_user(tracker_state_t *s, tracked_name_t *t, pid_t pid);

/**
 * @brief Map the journal's header and apply its published snapshot, if
 *        any: what the tracker knew when it last compacted the journal.
 */
void mp__tracker_open_journal(tracker_state_t *s, tracker_on_line_t on_line);

/**
 * @brief Read the journal's new whole lines, calling `on_line` for each
 *        well-formed one ("<op><pid> <name>").
 */
void mp__tracker_read_journal(tracker_state_t *s, tracker_on_line_t on_line);

/** @brief Count one pass over /proc in the journal's header (tests read it:
 *         mp__posix_tracker_scans()). */
void mp__tracker_count_scan(tracker_state_t *s);

/**
 * @brief When the lines read since the last snapshot far outweigh what the
 *        tracker knows, append a snapshot of it; reading it back publishes
 *        it and frees the lines before.
 */
void mp__tracker_compact(tracker_state_t *s);

/**
 * @brief One pass over /proc: every process that maps or holds open a name
 *        flagged `candidate` becomes one of its users (and is watched).
 */
void mp__tracker_adopt_users(tracker_state_t *s);

#endif /* TRACKER_INTERNAL_H */
