/* The conformance suite's view of a POSIX system (platform.h): /proc,
 * kill(), /dev/shm, posix_spawn. Linux first; macOS has no /proc, and the
 * zombie check then falls back to kill(pid, 0) alone. */
#include "platform.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#if defined(__GLIBC__)
#include <malloc.h> /* mallinfo2 */
#endif
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"        /* read_text_file, EXPECT */
#include "posix_internal.h" /* mp__posix_tracker_fd(), a test hook */

extern char **environ;

/* ---- time ------------------------------------------------------------ */

double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void sleep_s(double seconds)
{
    struct timespec left = {.tv_sec = (time_t)seconds,
                            .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9)};
    while (nanosleep(&left, &left) < 0 && errno == EINTR)
        ;
}

/* ---- processes seen from outside ------------------------------------- */

/* The state letter of /proc/<pid>/stat, '?' when it cannot be read. */
static char proc_state(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (read_text_file(path, buf, sizeof buf) < 0)
        return '?';
    const char *paren = strrchr(buf, ')'); /* the name may contain spaces */
    return paren && paren[1] == ' ' ? paren[2] : '?';
}

bool pid_reaped(pid_t pid)
{
    return kill(pid, 0) < 0 && errno == ESRCH;
}

bool pid_gone(pid_t pid)
{
    if (pid_reaped(pid))
        return true;
    /* A dead process whose new parent (init, or a container's PID 1) has
     * not reaped it yet still answers kill(pid, 0). */
    char state = proc_state(pid);
    return state == 'Z' || state == 'X';
}

void kill_pid(pid_t pid)
{
    kill(pid, SIGKILL);
}

void die_now(void)
{
    raise(SIGKILL);
}

long self_thread_id(void)
{
    return (long)syscall(SYS_gettid);
}

long online_cpu_count(void)
{
    return sysconf(_SC_NPROCESSORS_ONLN);
}

long long heap_bytes_in_use(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    return (long long)mallinfo2().uordblks;
#else
    return -1; /* no portable way to ask the allocator */
#endif
}

mp_sentinel_t closed_sentinel(void)
{
    int fds[2];
    if (pipe(fds) != 0)
        return 0;
    close(fds[0]);
    close(fds[1]);
    return fds[0]; /* nothing else is opened meanwhile in this thread */
}

/* ---- shared-memory names in the OS ----------------------------------- */

void shm_os_path(const char *name, char *out, size_t size)
{
    /* posix/shm.c: shm_open("/mp.<name>"), which Linux keeps in /dev/shm. */
    snprintf(out, size, "/dev/shm/mp.%s", name);
}

bool shm_exists(const char *name)
{
    char path[128];
    shm_os_path(name, path, sizeof path);
    return access(path, F_OK) == 0;
}

/* ---- the resource tracker -------------------------------------------- */

void tracker_journal_id(char *out, size_t size)
{
    struct stat st;
    int fd = mp__posix_tracker_fd();
    if (fd >= 0 && fstat(fd, &st) == 0)
        snprintf(out, size, "journal %llx:%llx", (unsigned long long)st.st_dev,
                 (unsigned long long)st.st_ino);
    else
        snprintf(out, size, "none");
}

long long tracker_journal_bytes(void)
{
    struct stat st;
    int fd = mp__posix_tracker_fd();
    return fd >= 0 && fstat(fd, &st) == 0 ? (long long)st.st_blocks * 512 : -1;
}

/* Whether process `pid` has the file `journal` open. */
static bool holds_file(pid_t pid, const struct stat *journal)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
    DIR *fds = opendir(dir);
    bool found = false;
    for (struct dirent *e; fds && !found && (e = readdir(fds));) {
        char path[128];
        struct stat st;
        snprintf(path, sizeof path, "%s/%.20s", dir, e->d_name);
        found = stat(path, &st) == 0 && st.st_dev == journal->st_dev &&
                st.st_ino == journal->st_ino;
    }
    if (fds)
        closedir(fds);
    return found;
}

/* Whether process `pid` runs with the tracker's marker argument. */
static bool is_tracker(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    ssize_t n = read_text_file(path, buf, sizeof buf);
    /* The arguments are NUL-separated: look at each. */
    for (ssize_t i = 0; i < n; i += (ssize_t)strlen(buf + i) + 1)
        if (strcmp(buf + i, "--multiproc-tracker") == 0)
            return true;
    return false;
}

pid_t tracker_pid(void)
{
    struct stat journal;
    int fd = mp__posix_tracker_fd();
    if (fd < 0 || fstat(fd, &journal) < 0)
        return 0;
    DIR *proc = opendir("/proc");
    pid_t found = 0;
    for (struct dirent *e; proc && !found && (e = readdir(proc));) {
        pid_t pid = (pid_t)atoi(e->d_name);
        if (pid > 0 && pid != getpid() && is_tracker(pid) && holds_file(pid, &journal))
            found = pid;
    }
    if (proc)
        closedir(proc);
    return found;
}

/* ---- environment, directories, stderr -------------------------------- */

void env_put(const char *name, const char *value)
{
    if (value)
        setenv(name, value, 1);
    else
        unsetenv(name);
}

bool os_make_temp_dir(char *out, size_t size)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(out, size, "%s/mp-conformance-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (mkdtemp(out))
        return true;
    out[0] = '\0';
    return false;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

void remove_tree(const char *dir)
{
    if (dir && dir[0])
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int stderr_redirect(const char *path)
{
    fflush(stderr);
    int saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (saved < 0 || fd < 0 || dup2(fd, STDERR_FILENO) < 0) {
        if (fd >= 0)
            close(fd);
        if (saved >= 0)
            close(saved);
        return -1;
    }
    close(fd);
    return saved;
}

void stderr_restore(int saved)
{
    if (saved < 0)
        return;
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
}

/* ---- subprocesses ---------------------------------------------------- */

const char *self_exe(void)
{
    static char path[4096];
    if (!path[0]) {
        ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
        path[n > 0 ? n : 0] = '\0';
    }
    return path;
}

int run_subprocess(const char *file, char *const argv[], bool search, const char *out_path,
                   const char *err_path, double timeout)
{
    posix_spawn_file_actions_t actions;
    if (posix_spawn_file_actions_init(&actions) != 0)
        return INT32_MIN;
    int flags = O_WRONLY | O_CREAT | O_TRUNC;
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path, flags, 0600);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path, flags, 0600);
    pid_t pid;
    /* The subprocess inherits our stdout/stderr buffers' fds, not their
     * contents; flush so nothing of ours is written twice. */
    fflush(stdout);
    fflush(stderr);
    int err = search ? posix_spawnp(&pid, file, &actions, NULL, argv, environ)
                     : posix_spawn(&pid, file, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (err) {
        EXPECT(false, "posix_spawn(%s): %s", file, strerror(err));
        return INT32_MIN;
    }
    double deadline = now_s() + timeout;
    int status;
    pid_t r;
    while ((r = waitpid(pid, &status, WNOHANG)) == 0 && now_s() < deadline)
        sleep_s(0.01);
    if (r == 0) {
        EXPECT(false, "%s did not end within %.0f s; killed", file, timeout);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        return INT32_MIN;
    }
    if (r < 0)
        return INT32_MIN;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

/* ---- a call that may hang ---------------------------------------------- */

typedef struct returner {
    pthread_t thread;
    void (*fn)(void *);
    void *arg;
    atomic_bool done;
} returner_t;

static void *returner_main(void *arg)
{
    returner_t *r = arg;
    r->fn(r->arg);
    atomic_store(&r->done, true);
    return NULL;
}

bool returns_within(void (*fn)(void *), void *arg, double timeout)
{
    returner_t *r = malloc(sizeof *r);
    if (!r)
        return false;
    *r = (returner_t){.fn = fn, .arg = arg};
    atomic_init(&r->done, false);
    if (pthread_create(&r->thread, NULL, returner_main, r) != 0) {
        free(r);
        return false;
    }
    double deadline = now_s() + timeout;
    while (!atomic_load(&r->done) && now_s() < deadline)
        sleep_s(0.001);
    if (!atomic_load(&r->done)) {
        pthread_detach(r->thread);
        return false;
    }
    pthread_join(r->thread, NULL);
    free(r);
    return true;
}
