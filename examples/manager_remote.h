/**
 * @file manager_remote.h
 * @brief What the remote manager pair (manager_remote_server.c and
 *        manager_remote_client.c) agree on: the key, the default address,
 *        the names the server publishes, and the address file the test
 *        hands from one to the other.
 *
 * In Python the two programs would share a BaseManager subclass with
 * `register('get_dict')` and `register('get_done')`; here they share the
 * names under which the server publishes its objects
 * (mp_manager_publish()), which the client looks up (mp_manager_lookup()).
 * Include it after example_support.h.
 */
#ifndef MANAGER_REMOTE_H
#define MANAGER_REMOTE_H

#include "example_support.h"

/** The key both sides prove they hold (the Python documentation's). */
static const char REMOTE_AUTHKEY[] = "abracadabra";

/** Where the server listens unless told otherwise: a TCP port on this
 *  machine (tcp:0.0.0.0:50000 would take clients from other machines). */
static const char REMOTE_DEFAULT_ADDRESS[] = "tcp:127.0.0.1:50000";

/** The names of the published objects: the dict, and the Event the client
 *  sets when it is done. */
static const char REMOTE_DICT[] = "shared", REMOTE_DONE[] = "done";

/** Neither program runs tasks of its own (the server's process runs the
 *  library's); mp_init() still wants a table. */
static const mp_task_def_t REMOTE_NO_TASKS[] = {MP_TASK_END};

/** @brief The key's length, without its NUL. */
static inline size_t remote_authkey_len(void)
{
    return sizeof REMOTE_AUTHKEY - 1;
}

/**
 * @brief The value of option `name` ("--address") at argv[*i], moving *i
 *        past it; exits with a usage message when it has none.
 */
static inline const char *remote_option(int argc, char **argv, int *i, const char *usage)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "%s needs a value\nusage: %s\n", argv[*i], usage);
        exit(2);
    }
    return argv[++*i];
}

#endif /* MANAGER_REMOTE_H */
