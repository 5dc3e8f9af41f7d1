/*
 * A manager served on a TCP port, for other programs (its client is
 * manager_remote_client.c): the server half of Python's "Using a remote
 * manager" example, with a dict where the documentation has a queue.
 *
 *     class RemoteManager(BaseManager): pass
 *     shared, done = {'greeting': 'hello from the server'}, threading.Event()
 *     RemoteManager.register('get_dict', callable=lambda: shared)
 *     RemoteManager.register('get_done', callable=lambda: done)
 *     m = RemoteManager(address=('127.0.0.1', 50000), authkey=b'abracadabra')
 *     m.start()
 *     m.get_done().wait(timeout)
 *     print(m.get_dict().copy())
 *
 *   manager_remote_server [--address tcp:HOST:PORT] [--timeout SECONDS]
 *                         [--address-file FILE]
 *
 * It starts a manager at the address (default tcp:127.0.0.1:50000) with
 * the key "abracadabra", makes a dict and an Event there and publishes
 * them as "shared" and "done", then waits until a client sets "done" (or
 * the timeout passes: 60 s by default), prints what the dict holds, and
 * shuts the manager down. Only a client with the same key gets in: the
 * key is never sent, each side proves it holds it (HMAC challenges, as
 * Python's). --address-file writes the address the server really listens
 * on (port 0 lets the system choose one) to FILE, for a script that starts
 * the client. It prints
 *
 *     serving a dict on tcp:127.0.0.1:50000; waiting for a client to set 'done'
 *     the client is done; the dict: {'greeting': 'hello from the server', 'reply': 'hello from the client'}
 */
#include "manager_remote.h"

static const char USAGE[] =
    "manager_remote_server [--address tcp:HOST:PORT] [--timeout SECONDS] [--address-file FILE]";

/* Write the address to `path`, whole or not at all (a reader that polls
 * for the file never sees half of it): into path.tmp, then renamed. */
static void write_address_file(const char *path, const char *address)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    bool ok = f && fprintf(f, "%s\n", address) > 0;
    ok = f && fclose(f) == 0 && ok;
    remove(path); /* Windows' rename() does not replace a file */
    if (!ok || rename(tmp, path) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
}

/* Make the dict and the Event and publish them. */
static void serve(mp_manager_t *m, mp_proxy_t **shared, mp_proxy_t **done)
{
    example_check(mp_manager_dict(m, shared), "mp_manager_dict");
    example_check(mp_dict_setf(*shared, "greeting", "s", "hello from the server"), "mp_dict_setf");
    example_check(mp_manager_event(m, done), "mp_manager_event");
    example_check(mp_manager_publish(m, REMOTE_DICT, *shared), "mp_manager_publish");
    example_check(mp_manager_publish(m, REMOTE_DONE, *done), "mp_manager_publish");
}

int main(int argc, char **argv)
{
    example_check(mp_init(&argc, &argv, REMOTE_NO_TASKS), "mp_init");

    const char *address = REMOTE_DEFAULT_ADDRESS, *address_file = NULL;
    double timeout = 60.0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--address") == 0) {
            address = remote_option(argc, argv, &i, USAGE);
        } else if (strcmp(argv[i], "--address-file") == 0) {
            address_file = remote_option(argc, argv, &i, USAGE);
        } else if (strcmp(argv[i], "--timeout") == 0) {
            timeout = atof(remote_option(argc, argv, &i, USAGE));
        } else {
            fprintf(stderr, "usage: %s\n", USAGE);
            return 2;
        }
    }

    /* RemoteManager(address=..., authkey=...).start(): a server process. */
    mp_manager_t *m;
    example_check(mp_manager_start(&m, &(mp_manager_opts_t){.address = address,
                                                            .authkey = REMOTE_AUTHKEY,
                                                            .authkey_len = remote_authkey_len()}),
                  "mp_manager_start");
    mp_proxy_t *shared, *done;
    serve(m, &shared, &done);
    /* The address it listens on: with port 0, the port the system chose. */
    example_say("serving a dict on %s; waiting for a client to set '%s'\n", mp_manager_address(m),
                REMOTE_DONE);
    if (address_file)
        write_address_file(address_file, mp_manager_address(m));

    int rc = mp_mevent_wait(done, timeout);
    if (rc == MP_ETIMEDOUT) {
        fprintf(stderr, "no client set '%s' within %g s\n", REMOTE_DONE, timeout);
    } else {
        example_check(rc, "mp_mevent_wait");
        mp_var_t *copy;
        example_check(mp_dict_copy(shared, &copy), "mp_dict_copy");
        char text[1024];
        example_check(mp_var_repr(copy, text, sizeof text, NULL), "mp_var_repr");
        example_say("the client is done; the dict: %s\n", text);
        mp_var_free(copy);
    }

    mp_proxy_destroy(done);
    mp_proxy_destroy(shared);
    example_check(mp_manager_shutdown(m), "mp_manager_shutdown");
    mp_manager_destroy(m);
    return rc == 0 ? 0 : 1;
}
