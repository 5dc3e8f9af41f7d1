/* The tracker reading the family's journal (see tracker.c for who writes
 * it): whole lines only, from where it stopped. A line is written with one
 * write() and is short, so a line without its newline yet is one being
 * written: it is read on the next round. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "posix_internal.h"
#include "tracker_internal.h"

void mp__tracker_read_journal(tracker_state_t *s,
                              void (*on_line)(char op, pid_t pid, const char *name))
{
    char buf[64 * 1024];
    for (;;) {
        ssize_t r = pread(s->journal, buf, sizeof buf - 1, s->read_to);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return;
        buf[r] = '\0';
        char *start = buf, *nl;
        while ((nl = memchr(start, '\n', (size_t)(buf + r - start)))) {
            *nl = '\0';
            char name[MP__TRACKER_LINE_MAX];
            int pid;
            if (sscanf(start + 1, "%d %127s", &pid, name) == 2 && pid > 0)
                on_line(start[0], (pid_t)pid, name);
            start = nl + 1;
        }
        /* No newline in a whole buffer: not a line of ours; skip it. */
        if (start == buf && (size_t)r == sizeof buf - 1)
            start = buf + r;
        s->read_to += start - buf;
        if (start < buf + r || (size_t)r < sizeof buf - 1)
            return;
    }
}
