/* The progress suite's POSIX side (progress_helpers.h): this test program
 * run again as a child whose stderr is a pseudo-terminal or a pipe, read
 * by the parent. The bar decides what to draw from what stderr is, so only
 * a real terminal (a pty) shows what a user would see.
 *
 * The child is spawned (posix_spawn), not forked: a fork() of the test
 * process runs the library's fork handlers and copies its state (its fork
 * server's connection, its tracker), which a raw fork child has no business
 * with; a fresh run of the program has its own. */
#include "progress_helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "helpers.h" /* suite_method() */

extern char **environ;

enum { MAX_ENV = 4096 };

/* This environment, with MP_PROGRESS and PROGRESS_CHILD_ENV as given (NULL:
 * unset), in `env` (`vars` holds the two new strings). */
static void child_env(char **env, char vars[2][256], const char *env_progress, const char *role)
{
    size_t n = 0;
    for (char **e = environ; *e && n < MAX_ENV - 3; e++)
        if (strncmp(*e, "MP_PROGRESS=", 12) != 0 &&
            strncmp(*e, PROGRESS_CHILD_ENV "=", sizeof PROGRESS_CHILD_ENV) != 0)
            env[n++] = *e;
    snprintf(vars[0], sizeof vars[0], PROGRESS_CHILD_ENV "=%s", role);
    env[n++] = vars[0];
    if (env_progress) {
        snprintf(vars[1], sizeof vars[1], "MP_PROGRESS=%s", env_progress);
        env[n++] = vars[1];
    }
    env[n] = NULL;
}

/* A new stderr for the child: a pty in raw mode (the bytes the bar writes
 * arrive unchanged; no \n -> \r\n) or a pipe. The parent's end in
 * `fds[0]`, the child's in `fds[1]`. */
static int open_stderr(child_stderr_t where, int fds[2])
{
    if (where == CHILD_PTY) {
        struct termios raw;
        memset(&raw, 0, sizeof raw);
        cfmakeraw(&raw);
        return openpty(&fds[0], &fds[1], NULL, &raw, NULL);
    }
    return pipe(fds);
}

/* Read until end of file (a pty's master says EIO once every copy of the
 * child's side is closed) or the deadline. */
static void read_all(int fd, char *out, size_t size, double deadline)
{
    size_t got = 0;
    for (;;) {
        double left = deadline - now_s();
        if (left <= 0)
            break;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int ready = poll(&pfd, 1, (int)(left * 1000) + 1);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0)
            break;
        char buf[4096];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        size_t keep = (size_t)n < size - 1 - got ? (size_t)n : size - 1 - got;
        memcpy(out + got, buf, keep);
        got += keep;
    }
    out[got] = '\0';
}

/* Wait for the child until the deadline, then kill it. */
static int reap(pid_t pid, double deadline)
{
    int status = 0;
    pid_t r;
    while ((r = waitpid(pid, &status, WNOHANG)) == 0 && now_s() < deadline)
        sleep_s(0.01);
    if (r == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        return -1;
    }
    return r == pid && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int run_child_capturing_stderr(child_stderr_t where, const char *env_progress, const char *role,
                               char *out, size_t size, double timeout)
{
    out[0] = '\0';
    int fds[2];
    if (open_stderr(where, fds) < 0)
        return -1;
    static char *env[MAX_ENV];
    char vars[2][256];
    child_env(env, vars, env_progress, role);
    char *argv[] = {(char *)self_exe(), "--start-method", (char *)suite_method(), "--suite",
                    "progress",         "--test",         PROGRESS_CHILD_TEST,    NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDERR_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    posix_spawn_file_actions_addclose(&fa, fds[1]);
    pid_t pid;
    int err = posix_spawn(&pid, argv[0], &fa, NULL, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (err) {
        close(fds[0]);
        return -1;
    }
    double deadline = now_s() + timeout;
    read_all(fds[0], out, size, deadline);
    close(fds[0]);
    return reap(pid, deadline);
}
