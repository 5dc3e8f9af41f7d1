/*
 * The client of manager_remote_server.c: another program, started on its
 * own, connects to the running manager with its address and key, uses the
 * dict the server published, and sets the published Event "done". Python's
 * side of it:
 *
 *     class RemoteManager(BaseManager): pass
 *     RemoteManager.register('get_dict')
 *     RemoteManager.register('get_done')
 *     m = RemoteManager(address=('127.0.0.1', 50000), authkey=b'abracadabra')
 *     m.connect()
 *     shared = m.get_dict()
 *     print('the server says:', shared['greeting'])
 *     shared['reply'] = 'hello from the client'
 *     m.get_done().set()
 *
 *   manager_remote_client [ADDRESS | --address-file FILE]
 *
 * ADDRESS defaults to tcp:127.0.0.1:50000; --address-file waits (up to a
 * minute) for the server to write its address there. A wrong key is
 * refused (MP_EAUTH), a server that is not there is MP_ENOENT. It prints
 *
 *     connected to tcp:127.0.0.1:50000
 *     the server says: hello from the server
 *     replied, and set 'done'
 */
#include "manager_remote.h"

static const char USAGE[] = "manager_remote_client [ADDRESS | --address-file FILE]";

/* The address in `path`, once the server has written it (it renames the
 * whole file into place); waits up to a minute, then exits. */
static const char *read_address_file(const char *path, char *buf, size_t size)
{
    for (int tries = 0; tries < 600; tries++) {
        FILE *f = fopen(path, "r");
        if (f) {
            bool ok = fgets(buf, (int)size, f) != NULL;
            fclose(f);
            buf[strcspn(buf, "\r\n")] = '\0';
            if (ok && buf[0])
                return buf;
        }
        example_sleep(0.1);
    }
    fprintf(stderr, "no address in %s after a minute\n", path);
    exit(1);
}

int main(int argc, char **argv)
{
    example_check(mp_init(&argc, &argv, REMOTE_NO_TASKS), "mp_init");

    const char *address = REMOTE_DEFAULT_ADDRESS;
    char from_file[512];
    if (argc == 3 && strcmp(argv[1], "--address-file") == 0) {
        address = read_address_file(argv[2], from_file, sizeof from_file);
    } else if (argc == 2 && argv[1][0] != '-') {
        address = argv[1];
    } else if (argc != 1) {
        fprintf(stderr, "usage: %s\n", USAGE);
        return 2;
    }

    /* m.connect(): authenticates with the key; 30 s to get in. */
    mp_manager_t *m;
    example_check(mp_manager_connect(&m,
                                     &(mp_client_opts_t){.address = address,
                                                         .authkey = REMOTE_AUTHKEY,
                                                         .authkey_len = remote_authkey_len()},
                                     30.0),
                  "mp_manager_connect");
    example_say("connected to %s\n", address);

    /* shared = m.get_dict(); print(..., shared['greeting']) */
    mp_proxy_t *shared, *done;
    example_check(mp_manager_lookup(m, REMOTE_DICT, &shared), "mp_manager_lookup");
    char *greeting;
    example_check(mp_dict_getf(shared, "greeting", "s", &greeting), "mp_dict_getf");
    example_say("the server says: %s\n", greeting);
    mp_free(greeting);

    /* shared['reply'] = ...; m.get_done().set() */
    example_check(mp_dict_setf(shared, "reply", "s", "hello from the client"), "mp_dict_setf");
    example_check(mp_manager_lookup(m, REMOTE_DONE, &done), "mp_manager_lookup");
    example_check(mp_mevent_set(done), "mp_mevent_set");
    example_say("replied, and set '%s'\n", REMOTE_DONE);

    mp_proxy_destroy(done);
    mp_proxy_destroy(shared);
    /* A connected manager is only let go: its server belongs to the other
     * program. */
    mp_manager_destroy(m);
    return 0;
}
