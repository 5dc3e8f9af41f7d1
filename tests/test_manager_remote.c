/* Suite "manager_remote": managers other programs reach by address and key
 * (Python's BaseManager(address, authkey).connect()): an unrelated process
 * that is given nothing but the address and the key, a wrong key (refused
 * before anything runs), a connected manager's limits, the key a manager
 * makes, and the mode of a unix socket file. Run once per start method:
 * the server runs under it; the unrelated client is always spawned. */
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "mgr_helpers.h"

#if TEST_POSIX
#include <sys/stat.h>
#endif

#define KEY "the manager's key"
#define WRONG_KEY "not the manager's key"

/* A manager on tcp with KEY, a counter published as "shared". */
static mp_manager_t *start_shared(mp_proxy_t **counter)
{
    *counter = NULL;
    mp_manager_t *m = mgr_start(&(mp_manager_opts_t){
        .address = "tcp:127.0.0.1:0", .authkey = KEY, .authkey_len = strlen(KEY)});
    if (m && (*counter = mgr_counter(m, 0)) != NULL)
        EXPECT_RC(mp_manager_publish(m, "shared", *counter), 0);
    return m;
}

/* Run task_mgr_remote in a spawned child that gets only an address, a key
 * and a name (no object), adding `n`: what it reported, or INT64_MIN. */
static int64_t run_remote(const char *address, const char *key, int64_t n)
{
    mgr_remote_arg_t arg = {.key_len = (uint32_t)strlen(key), .n = n};
    snprintf(arg.address, sizeof arg.address, "%s", address);
    memcpy(arg.key, key, arg.key_len);
    snprintf(arg.name, sizeof arg.name, "shared");
    mp_context_t *spawn = NULL;
    EXPECT_RC(mp_get_context(&spawn, "spawn"), 0);
    mp_process_t *p = run_process(&(mp_process_opts_t){
        .task = "task_mgr_remote", .context = spawn, .arg = &arg, .arg_len = sizeof arg});
    int64_t result = INT64_MIN;
    if (p && EXPECT_EQ(exitcode_of(p), 0))
        result_of(p, &result, sizeof result);
    dispose_process(p);
    return result;
}

static void test_unrelated_client(void)
{
    mp_proxy_t *c;
    mp_manager_t *m = start_shared(&c);
    if (c) {
        EXPECT_EQ(run_remote(mp_manager_address(m), KEY, 5), 5);
        EXPECT_EQ(run_remote(mp_manager_address(m), KEY, 7), 12);
        EXPECT_EQ(mgr_value(c), 12);
    }
    mp_proxy_destroy(c);
    mp_manager_destroy(m);
}

/* A wrong key is MP_EAUTH, and nothing it asked for ran. */
static void test_wrong_key(void)
{
    mp_proxy_t *c;
    mp_manager_t *m = start_shared(&c);
    if (c) {
        EXPECT_EQ(run_remote(mp_manager_address(m), WRONG_KEY, 5), MP_EAUTH);
        mp_manager_t *other = NULL;
        EXPECT_RC(mp_manager_connect(&other,
                                     &(mp_client_opts_t){.address = mp_manager_address(m),
                                                         .authkey = WRONG_KEY,
                                                         .authkey_len = strlen(WRONG_KEY)},
                                     MGR_WAIT_S),
                  MP_EAUTH);
        EXPECT(other == NULL, "a refused connect hands out nothing");
        EXPECT_EQ(mgr_value(c), 0); /* unchanged */
    }
    mp_proxy_destroy(c);
    mp_manager_destroy(m);
}

/* A connected manager makes and finds objects, but does not stop the
 * server, and has no process of its own. */
static void test_connected_manager(void)
{
    mp_proxy_t *c;
    mp_manager_t *m = start_shared(&c);
    mp_manager_t *client = NULL;
    if (!c || !EXPECT_RC(mp_manager_connect(&client,
                                            &(mp_client_opts_t){.address = mp_manager_address(m),
                                                                .authkey = KEY,
                                                                .authkey_len = strlen(KEY)},
                                            MGR_WAIT_S),
                         0))
        goto out;
    EXPECT_STR(mp_manager_address(client), mp_manager_address(m));
    mp_proxy_t *found = NULL;
    if (EXPECT_RC(mp_manager_lookup(client, "shared", &found), 0))
        EXPECT_EQ(mgr_call_int(found, "add", 3), 3);
    mp_proxy_destroy(found);
    mp_proxy_t *mine = mgr_counter(client, 40);
    if (mine)
        EXPECT_EQ(mgr_call_int(mine, "add", 2), 42);
    int code;
    mp_pid_t pid;
    EXPECT_RC(mp_manager_shutdown(client), MP_ESTATE);
    EXPECT_RC(mp_manager_exitcode(client, &code), MP_ESTATE);
    EXPECT_RC(mp_manager_pid(client, &pid), MP_ENOTSUP);
    mp_manager_destroy(client); /* disconnects only */
    if (mine)
        EXPECT_EQ(mgr_call_int(mine, "add", 1), 43);
    mp_proxy_destroy(mine);
    EXPECT_EQ(mgr_value(c), 3);
out:
    mp_proxy_destroy(c);
    mp_manager_destroy(m);
}

static void test_authkey(void)
{
    mp_manager_t *m = mgr_start(NULL);
    const void *key = NULL;
    size_t len = 0;
    if (m && EXPECT_RC(mp_manager_authkey(m, &key, &len), 0)) {
        EXPECT_EQ(len, 32); /* Python's os.urandom(32) */
        static const unsigned char zeros[32];
        EXPECT(memcmp(key, zeros, 32) != 0, "the key is random bytes");
    }
    mp_manager_destroy(m);
    m = mgr_start(&(mp_manager_opts_t){.authkey = KEY, .authkey_len = strlen(KEY)});
    if (m && EXPECT_RC(mp_manager_authkey(m, &key, &len), 0))
        EXPECT(len == strlen(KEY) && memcmp(key, KEY, len) == 0, "the key given comes back");
    mp_manager_destroy(m);
}

#if TEST_POSIX
/* Mode bits of a unix address's socket file; -1 when it cannot be read. */
static int socket_mode(const char *address)
{
    struct stat st;
    if (strncmp(address, "unix:", 5) != 0 || stat(address + 5, &st) < 0)
        return -1;
    return (int)(st.st_mode & 07777);
}

/* Only the user reaches a manager's socket: the file is 0600, whatever
 * the umask, at a generated address and at one the program chose. */
static void test_unix_socket_mode(void)
{
    mp_manager_t *m = mgr_start(NULL);
    if (m)
        EXPECT_EQ(socket_mode(mp_manager_address(m)), 0600);
    mp_manager_destroy(m);
    char dir[400], address[512];
    if (!make_temp_dir(dir, sizeof dir))
        return;
    snprintf(address, sizeof address, "unix:%s/manager.sock", dir);
    m = mgr_start(&(mp_manager_opts_t){.address = address});
    if (m)
        EXPECT_EQ(socket_mode(address), 0600);
    mp_manager_destroy(m);
    remove_tree(dir);
}
#endif

static const test_case_t tests[] = {
    {"unrelated_client", test_unrelated_client, ON_ALL},
    {"wrong_key", test_wrong_key, ON_ALL},
    {"connected_manager", test_connected_manager, ON_ALL},
    {"authkey", test_authkey, ON_ALL},
#if TEST_POSIX
    {"unix_socket_mode", test_unix_socket_mode, ON_ALL},
#endif
    {NULL, NULL, 0},
};

const test_suite_t suite_manager_remote = {"manager_remote", true, tests};
