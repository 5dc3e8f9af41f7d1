/* The progress suite's POSIX side (progress_helpers.h): a forked child
 * whose stderr is a pseudo-terminal or a pipe, read by the parent. The bar
 * decides what to draw from what stderr is, so only a real terminal (a
 * pty) shows what a user would see. */
#include "progress_helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* In the child: stdout to /dev/null, the environment, the body, and an
 * exit that flushes nothing of the parent's (_exit). */
static void child_main(const char *env_progress, int (*body)(void *), void *arg)
{
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0)
        dup2(null, STDOUT_FILENO);
    if (env_progress)
        setenv("MP_PROGRESS", env_progress, 1);
    else
        unsetenv("MP_PROGRESS");
    int rc = body(arg);
    fflush(stderr);
    _exit(rc);
}

/* Start the child with its stderr on a new pty (raw: the bytes the bar
 * writes arrive unchanged) or a pipe; the parent's end in `*fd`. */
static pid_t start_child(child_stderr_t where, int *fd, const char *env_progress,
                         int (*body)(void *), void *arg)
{
    /* Nothing buffered in this process may be written twice. */
    fflush(stdout);
    fflush(stderr);
    if (where == CHILD_PTY) {
        struct termios raw;
        memset(&raw, 0, sizeof raw);
        cfmakeraw(&raw);
        pid_t pid = forkpty(fd, NULL, &raw, NULL);
        if (pid == 0)
            child_main(env_progress, body, arg);
        return pid;
    }
    int p[2];
    if (pipe(p) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        dup2(p[1], STDERR_FILENO);
        child_main(env_progress, body, arg);
    }
    close(p[1]);
    *fd = pid < 0 ? -1 : p[0];
    if (pid < 0)
        close(p[0]);
    return pid;
}

/* Read until end of file (a pty's master says EIO once the child's side
 * is closed) or the deadline. */
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

int run_child_capturing_stderr(child_stderr_t where, const char *env_progress,
                               int (*body)(void *arg), void *arg, char *out, size_t size,
                               double timeout)
{
    out[0] = '\0';
    int fd = -1;
    pid_t pid = start_child(where, &fd, env_progress, body, arg);
    if (pid < 0)
        return -1;
    double deadline = now_s() + timeout;
    read_all(fd, out, size, deadline);
    close(fd);
    int status = 0;
    pid_t r;
    while ((r = waitpid(pid, &status, WNOHANG)) == 0 && now_s() < deadline)
        sleep_s(0.01);
    if (r == 0) { /* out of time */
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        return -1;
    }
    return r == pid && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
