/**
 * @file conn_tasks.h
 * @brief The child side of the connection suite (Pipe and Connection,
 *        checklist section 3): the tasks of conn_tasks.c and the structs
 *        and constants parent and child share.
 *
 * The tasks are listed once, in CONN_TASKS below: conn_tasks.c defines each
 * function, this header declares them, and tasks.c turns the same list into
 * rows of the one task table, as it does SYNC_TASKS.
 */
#ifndef MP_TESTS_CONN_TASKS_H
#define MP_TESTS_CONN_TASKS_H

#include <multiproc.h>

#include <stddef.h>
#include <stdint.h>

#include "tasks.h"

/* Every task of conn_tasks.c; X(fn) for each. */
#define CONN_TASKS(X)     \
    X(task_conn_echo)     \
    X(task_conn_send_big) \
    X(task_conn_probe)    \
    X(task_conn_sender)   \
    X(task_conn_getter_checks)

#define CONN_TASK_DECLARE(fn) int fn(mp_task_t *task);
CONN_TASKS(CONN_TASK_DECLARE)
#undef CONN_TASK_DECLARE

/** The suite itself (test_connection.c), for main.c's list. */
struct test_suite;
extern const struct test_suite suite_connection;
/** The suite of a hostile or dying peer (test_conn_limits.c). */
extern const struct test_suite suite_conn_limits;
/** Bytes a receive took beyond its message (test_conn_buffered.c). */
extern const struct test_suite suite_conn_buffered;

/** How long a child waits for a message that should come: long enough for a
 *  loaded machine, short enough that an orphaned child does not linger. */
#define CONN_CHILD_WAIT_S 60.0

/** The size of the big message (checklist item 41): 16 MiB. */
#define CONN_BIG_SIZE ((size_t)16 << 20)

/** Byte `i` of a big message: no period a lost, repeated or reordered
 *  chunk of a pipe's buffer size could hide behind. */
static inline unsigned char conn_pattern_byte(size_t i)
{
    return (unsigned char)((i * 131u) ^ (i >> 9) ^ (i >> 17));
}

/** What task_conn_probe sends when its end can send. */
#define CONN_CHILD_TEXT "from the child"

/**
 * What task_conn_probe found out about its end (its result). It calls both
 * directions whatever the end is: an end that only receives must refuse
 * to send, and one that only sends must refuse to receive and to poll.
 */
typedef struct conn_probe {
    int32_t readable; /**< mp_connection_is_readable() */
    int32_t writable; /**< mp_connection_is_writable() */
    int32_t recv_rc;  /**< mp_connection_recv() (a reader: of the parent's message) */
    int32_t send_rc;  /**< mp_connection_send(CONN_CHILD_TEXT) */
    int32_t poll_rc;  /**< mp_connection_poll(0) after both */
    char got[64];     /**< what the recv received (NUL-ended), "" if nothing */
} conn_probe_t;

/** The argument of task_conn_sender. */
typedef struct conn_sender_arg {
    int32_t index;    /**< which sender: its messages read "w<index>:<i>" */
    int32_t count;    /**< how many messages */
    uint32_t seed;    /**< for the random delays */
    double max_delay; /**< each message comes after a delay in [0, max_delay] s */
} conn_sender_arg_t;

#endif /* MP_TESTS_CONN_TASKS_H */
