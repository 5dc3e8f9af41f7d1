/* The resource tracker process: removes shared-memory names once every
 * process that created, attached or tried to create them has ended,
 * however it ended.
 *
 * It reads the family's journal (tracker.c) from the start, so a tracker
 * started after another was killed knows all the first one knew, and
 * follows it as processes append. It watches each pid that appears there
 * (pidfds; kill(0) every second where there are none) and, when pids end,
 * takes the names they leave without a user: one scan of /proc finds the
 * processes that map or hold those names anyway (processes of other
 * families, which this journal does not list) and keeps watching them; the
 * rest are unlinked, and the journal says so, so that a later tracker does
 * not unlink them again. The work is proportional to the names and pids
 * involved: names and pids are indexed both ways, and /proc is scanned once
 * per batch of names, not once per name.
 *
 * Processes ring it over Unix socket connections; it leaves once no
 * connection is left and it watches nothing. */
#include <apr_hash.h>
#include <apr_pools.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "posix_internal.h"
#include "tracker_internal.h"

/* Without pidfds, how often the watched pids are checked (ms). */
enum { NO_PIDFD_CHECK_MS = 1000 };

/* Uses of a name counted per process (see mp__tracker_add_user()). */
enum { MAX_USES = 64 };

static tracker_state_t state;
static int *conns;
static size_t nconns, conns_cap;

/* Grow an array of `elem`-byte items to hold one more; false when out of
 * memory. */
static bool reserve_one(void **array, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return true;
    size_t more = *cap ? *cap * 2 : 16;
    void *bigger = realloc(*array, more * elem);
    if (!bigger)
        return false;
    *array = bigger;
    *cap = more;
    return true;
}

/* ---- the two indexes ------------------------------------------------ */

tracked_name_t *mp__tracker_name(tracker_state_t *s, const char *name)
{
    return apr_hash_get(s->names, name, APR_HASH_KEY_STRING);
}

static watched_pid_t *find_pid(pid_t pid)
{
    return apr_hash_get(state.pids, &pid, sizeof pid);
}

static void forget_name(tracked_name_t *t)
{
    apr_hash_set(state.names, t->name, APR_HASH_KEY_STRING, NULL);
    free(t->users);
    free(t);
}

static tracked_name_t *name_entry(const char *name)
{
    tracked_name_t *t = mp__tracker_name(&state, name);
    if (t || !(t = calloc(1, sizeof *t)))
        return t;
    snprintf(t->name, sizeof t->name, "%s", name);
    apr_hash_set(state.names, t->name, APR_HASH_KEY_STRING, t);
    return t;
}

/* Watch `pid` (again is fine); NULL when out of memory. A pid that has
 * ended already (a line read after its writer died) is flagged, and
 * handled with the others that ended in this round. */
static watched_pid_t *watch(pid_t pid)
{
    watched_pid_t *w = find_pid(pid);
    if (w || !(w = calloc(1, sizeof *w)))
        return w;
    w->pid = pid;
    w->pidfd = mp__posix_pidfd_open(pid);
    w->ended = w->pidfd < 0 && kill(pid, 0) < 0 && errno == ESRCH;
    apr_hash_set(state.pids, &w->pid, sizeof w->pid, w);
    return w;
}

static tracked_user_t *find_user(tracked_name_t *t, pid_t pid)
{
    for (size_t i = 0; i < t->nusers; i++)
        if (t->users[i].pid == pid)
            return &t->users[i];
    return NULL;
}

/* `pid` no longer uses `t`: all its uses (it ended), or one (its create
 * failed: the "+" before it is taken back, and a name it made earlier
 * keeps it as a user). */
static void drop_user(tracked_name_t *t, pid_t pid, bool all)
{
    tracked_user_t *u = find_user(t, pid);
    if (u && (all || --u->uses == 0))
        *u = t->users[--t->nusers];
}

bool mp__tracker_add_user(tracker_state_t *s, tracked_name_t *t, pid_t pid)
{
    (void)s;
    tracked_user_t *u = find_user(t, pid);
    if (u) {
        /* Only a "-" right after its own "+" takes a use back, so a count
         * beyond what concurrent failing creates reach is never needed:
         * capped, a process that attaches a name in a loop costs nothing
         * more (in a snapshot, a line a use). */
        u->uses += u->uses < MAX_USES;
        return true;
    }
    watched_pid_t *w = watch(pid);
    if (!w || !reserve_one((void **)&t->users, t->nusers, &t->cap, sizeof *t->users) ||
        !reserve_one((void **)&w->names, w->nnames, &w->cap, sizeof *w->names))
        return false;
    char *copy = strdup(t->name);
    if (!copy)
        return false;
    t->users[t->nusers++] = (tracked_user_t){.pid = pid, .uses = 1};
    w->names[w->nnames++] = copy;
    return true;
}

/* ---- journal events ------------------------------------------------- */

const char *mp__tracker_line_of(const tracked_name_t *t, char *op)
{
    bool dir = strncmp(t->name, TRACKER_DIR_KEY, sizeof TRACKER_DIR_KEY - 1) == 0;
    *op = dir ? 'D' : '+';
    return dir ? t->name + sizeof TRACKER_DIR_KEY - 1 : t->name;
}

static void on_line(char op, pid_t pid, const char *name)
{
    /* A directory is a name under its own key: made ('D') is used, removed
     * ('X') is unlinked. */
    char key[TRACKER_KEY_MAX];
    if (op == 'D' || op == 'X') {
        snprintf(key, sizeof key, "%s%s", TRACKER_DIR_KEY, name);
        name = key;
        op = op == 'D' ? '+' : 'x';
    }
    tracked_name_t *t = mp__tracker_name(&state, name);
    if (op == '+' && (t = name_entry(name)))
        mp__tracker_add_user(&state, t, pid);
    else if (op == '-' && t) {
        /* Its create failed: the name is someone else's; it is not ours to
         * remove, even when no pid of ours is left on it. */
        drop_user(t, pid, false);
        if (t->nusers == 0)
            forget_name(t);
    } else if (op == 'x' && t)
        forget_name(t);
}

/* Remove what `t` names, and say so in the journal. */
static void remove_named(const tracked_name_t *t)
{
    char op;
    const char *what = mp__tracker_line_of(t, &op);
    if (op == 'D')
        mp__posix_remove_private_dir(AT_FDCWD, what);
    else
        shm_unlink(what);
    mp__posix_journal_append(state.journal, op == 'D' ? 'X' : 'x', getpid(), what);
}

/* ---- ends ------------------------------------------------------------ */

/* `w` ended: each of its names loses a user; those left with none become
 * candidates for removal. */
static void pid_ended(watched_pid_t *w, tracked_name_t ***cands, size_t *ncands, size_t *cap)
{
    for (size_t i = 0; i < w->nnames; i++) {
        tracked_name_t *t = mp__tracker_name(&state, w->names[i]);
        /* A stale entry: the name was unlinked (and maybe made again). */
        if (t && find_user(t, w->pid)) {
            drop_user(t, w->pid, true);
            if (t->nusers == 0 && reserve_one((void **)cands, *ncands, cap, sizeof **cands))
                (*cands)[(*ncands)++] = t;
        }
        free(w->names[i]);
    }
    apr_hash_set(state.pids, &w->pid, sizeof w->pid, NULL);
    mp__posix_close(w->pidfd);
    free(w->names);
    free(w);
}

/* Remove the names whose users have all ended, unless a process outside
 * the journal turns out to use them. */
static void settle(tracked_name_t **cands, size_t ncands)
{
    if (ncands == 0)
        return;
    for (size_t i = 0; i < ncands; i++)
        cands[i]->candidate = true;
    mp__tracker_adopt_users(&state);
    for (size_t i = 0; i < ncands; i++) {
        tracked_name_t *t = cands[i];
        t->candidate = false;
        if (t->nusers > 0)
            continue; /* adopted */
        remove_named(t);
        forget_name(t);
    }
}

/* Handle every watched pid that has ended: those flagged (their pidfd
 * said so, or they had ended when first seen), and, with `check_all`,
 * those without a pidfd that kill(0) finds gone. */
static void reap_ended(bool check_all)
{
    tracked_name_t **cands = NULL;
    size_t ncands = 0, cap = 0;
    watched_pid_t **ended = NULL;
    size_t nended = 0, ended_cap = 0;
    for (apr_hash_index_t *hi = apr_hash_first(NULL, state.pids); hi; hi = apr_hash_next(hi)) {
        watched_pid_t *w = apr_hash_this_val(hi);
        if (!w->ended && w->pidfd < 0 && check_all)
            w->ended = kill(w->pid, 0) < 0 && errno == ESRCH;
        if (w->ended && reserve_one((void **)&ended, nended, &ended_cap, sizeof *ended))
            ended[nended++] = w;
    }
    for (size_t i = 0; i < nended; i++)
        pid_ended(ended[i], &cands, &ncands, &cap);
    settle(cands, ncands);
    free(ended);
    free(cands);
}

/* ---- the loop --------------------------------------------------------- */

static void accept_connection(int listener)
{
    int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return;
    /* Another user's connection would only keep this tracker alive. */
    if (!mp__posix_peer_is_us(fd) ||
        !reserve_one((void **)&conns, nconns, &conns_cap, sizeof *conns)) {
        close(fd);
        return;
    }
    conns[nconns++] = fd;
}

/* Drain a connection's bells; false once it is closed. */
static bool read_bells(int fd)
{
    char buf[256];
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r > 0)
            continue;
        return r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
    }
}

/* Whether a connection is waiting to be accepted. */
static bool pending(int listener)
{
    struct pollfd p = {.fd = listener, .events = POLLIN};
    return poll(&p, 1, 0) > 0;
}

/* One wait: the listener, the connections, then every pid's pidfd. */
static void wait_round(int listener)
{
    size_t npids = apr_hash_count(state.pids), n = 1 + nconns + npids;
    struct pollfd *fds = calloc(n, sizeof *fds);
    watched_pid_t **polled = calloc(npids + 1, sizeof *polled);
    if (!fds || !polled) {
        free(fds);
        free(polled);
        sleep(1);
        return;
    }
    fds[0] = (struct pollfd){.fd = listener, .events = POLLIN};
    for (size_t i = 0; i < nconns; i++)
        fds[1 + i] = (struct pollfd){.fd = conns[i], .events = POLLIN};
    size_t np = 0;
    bool unwatched = false;
    for (apr_hash_index_t *hi = apr_hash_first(NULL, state.pids); hi; hi = apr_hash_next(hi)) {
        watched_pid_t *w = apr_hash_this_val(hi);
        unwatched |= w->pidfd < 0;
        polled[np] = w;
        fds[1 + nconns + np++] = (struct pollfd){.fd = w->pidfd, .events = POLLIN};
    }
    int r = poll(fds, 1 + nconns + np, unwatched ? NO_PIDFD_CHECK_MS : -1);
    for (size_t i = 0; r > 0 && i < np; i++)
        if (fds[1 + nconns + i].revents)
            polled[i]->ended = true;
    /* Downwards: closing entry i moves the last one, already seen, in. */
    for (size_t i = nconns; r > 0 && i-- > 0;)
        if (fds[1 + i].revents && !read_bells(conns[i])) {
            close(conns[i]);
            conns[i] = conns[--nconns];
        }
    if (r > 0 && fds[0].revents)
        accept_connection(listener);
    free(fds);
    free(polled);
}

void mp__posix_tracker_main(int listener, int journal)
{
    /* Outlive a Ctrl-C or a group-wide SIGTERM: cleaning up after those is
     * the tracker's whole point. */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    apr_pool_t *pool;
    if (apr_pool_create(&pool, NULL) != APR_SUCCESS)
        _exit(1);
    state = (tracker_state_t){
        .journal = journal, .names = apr_hash_make(pool), .pids = apr_hash_make(pool)};
    mp__tracker_open_journal(&state, on_line);
    for (;;) {
        /* The journal first: the lines of a pid that ended are all there
         * before its end is handled. */
        mp__tracker_read_journal(&state, on_line);
        reap_ended(true);
        mp__tracker_compact(&state);
        if (nconns == 0 && apr_hash_count(state.names) == 0 && !pending(listener))
            break;
        wait_round(listener);
    }
    _exit(0);
}
