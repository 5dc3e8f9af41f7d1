/**
 * @file listener_tasks.h
 * @brief The child side of the listener suite (Listener and Client,
 *        checklist section 4): the tasks of listener_tasks.c and the
 *        structs parent and child share.
 *
 * The tasks are listed once, in LISTENER_TASKS below: listener_tasks.c
 * defines each function, this header declares them, and tasks.c turns the
 * same list into rows of the one task table, as it does CONN_TASKS.
 */
#ifndef MP_TESTS_LISTENER_TASKS_H
#define MP_TESTS_LISTENER_TASKS_H

#include <multiproc.h>

#include <stdint.h>

#include "tasks.h"

/* Every task of listener_tasks.c; X(fn) for each. */
#define LISTENER_TASKS(X) \
    X(task_lst_client)    \
    X(task_lst_server)

#define LISTENER_TASK_DECLARE(fn) int fn(mp_task_t *task);
LISTENER_TASKS(LISTENER_TASK_DECLARE)
#undef LISTENER_TASK_DECLARE

/** The suite itself (test_listener.c), for main.c's list. */
struct test_suite;
extern const struct test_suite suite_listener;

/** Room for an address string and its NUL. */
enum { LST_ADDR_SIZE = MP_ADDRESS_MAX + 1 };
/** Room for a key, and for a short message and its NUL. */
enum { LST_KEY_SIZE = 64, LST_MSG_SIZE = 64 };

/** The key the suite's keyed listeners and good clients share. */
#define LST_KEY "the shared key"
/** A key that is not LST_KEY. */
#define LST_WRONG_KEY "not the shared key"

/** What task_lst_client does once connected. */
typedef enum lst_mode {
    /** Send `msg`, receive one message (the server's echo), then receive
     *  again (end-of-file once the server closed its end), close. */
    LST_ECHO = 1,
    /** Send `msg` and close at once, without receiving: the client that is
     *  gone before the server accepts it. */
    LST_SEND_CLOSE,
    /** Connect, and close at once when that worked: for connects that
     *  should fail (the report says how, and how long it took). */
    LST_CONNECT_ONLY,
    /** Send `msg`, then receive until a receive fails, at most
     *  LST_RAW_MAX times: a client that skipped the handshake. */
    LST_RAW,
} lst_mode_t;

/** The most messages LST_RAW receives before giving up. */
enum { LST_RAW_MAX = 4 };

/** The argument of task_lst_client. */
typedef struct lst_client_arg {
    char address[LST_ADDR_SIZE]; /**< for mp_client_connect() */
    char key[LST_KEY_SIZE];      /**< the key's bytes */
    int32_t key_len;             /**< -1: no key (NULL); 0: the empty key */
    int32_t mode;                /**< lst_mode_t */
    char msg[LST_MSG_SIZE];      /**< what it sends (NUL-ended; sent without the NUL) */
    double timeout;              /**< mp_client_connect()'s timeout */
} lst_client_arg_t;

/** What task_lst_client reports (its result); a step not taken stays 1. */
typedef struct lst_client_report {
    int32_t connect_rc;     /**< mp_client_connect() */
    int32_t send_rc;        /**< mp_connection_send(msg) */
    int32_t recv_rc;        /**< the first receive (LST_ECHO, LST_RAW) */
    int32_t eof_rc;         /**< LST_ECHO: the second receive; LST_RAW: the one that failed */
    int32_t received;       /**< LST_RAW: how many messages came before a receive failed */
    int32_t close_rc;       /**< mp_connection_close() */
    double connect_s;       /**< how long mp_client_connect() took, seconds */
    char got[LST_MSG_SIZE]; /**< what the first receive got (NUL-ended, cut short) */
    int64_t got_len;        /**< its real length */
} lst_client_report_t;

/** The most clients task_lst_server serves. */
enum { LST_SERVER_MAX = 4 };

/**
 * The argument of task_lst_server. It takes a duplex pipe end as object 0:
 * it sends there, as one message, the address it listens on (or "!" and
 * the error's name when mp_listener_create() failed), then accepts
 * `clients` times; each client it accepts gets its first message echoed,
 * then its end closed.
 */
typedef struct lst_server_arg {
    char address[LST_ADDR_SIZE]; /**< "" for NULL: a fresh address */
    char key[LST_KEY_SIZE];
    int32_t key_len; /**< -1: no key (NULL) */
    int32_t clients; /**< 1..LST_SERVER_MAX */
} lst_server_arg_t;

/** What task_lst_server reports (its result); a step not taken stays 1. */
typedef struct lst_server_report {
    int32_t create_rc;
    int32_t accept_rc[LST_SERVER_MAX];
    int32_t recv_rc[LST_SERVER_MAX];     /**< the accepted client's first message */
    int32_t send_rc[LST_SERVER_MAX];     /**< its echo */
    int32_t close_rc;                    /**< mp_listener_close() at the end */
    int32_t address_after_destroy_empty; /**< mp_listener_address() said "" then */
} lst_server_report_t;

#endif /* MP_TESTS_LISTENER_TASKS_H */
