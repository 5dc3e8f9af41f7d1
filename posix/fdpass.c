/* Passing descriptors on a Unix stream socket (SCM_RIGHTS) with a few
 * bytes of message: the fork server's requests, and the pid (with the
 * child's pidfd) it answers with. Received descriptors are close-on-exec. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "posix_internal.h"

/* Room for the most descriptors one message carries. */
typedef union fd_control {
    struct cmsghdr align;
    char buf[CMSG_SPACE(MP__PASS_FDS_MAX * sizeof(int))];
} fd_control_t;

int mp__posix_send_fds(int sock, const void *buf, size_t len, const int *fds, size_t nfds)
{
    if (len == 0 || nfds > MP__PASS_FDS_MAX)
        return mp__errdetail_set(MP_EINVAL, "cannot pass %zu descriptors with %zu bytes", nfds,
                                 len);
    fd_control_t control;
    memset(&control, 0, sizeof control);
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (nfds) {
        msg.msg_control = control.buf;
        msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
        struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
        memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
    }
    ssize_t w;
    while ((w = sendmsg(sock, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    if (w < 0)
        return errno == EPIPE || errno == ECONNRESET ? MP_EEOF : mp__posix_syserr("sendmsg");
    /* The descriptors went with the first byte; the rest is plain bytes. */
    return mp__posix_write_all(sock, (const char *)buf + w, len - (size_t)w);
}

int mp__posix_recv_fds(int sock, void *buf, size_t len, int *fds, size_t maxfds, size_t *nfds)
{
    fd_control_t control;
    struct iovec iov = {.iov_base = buf, .iov_len = len};
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    ssize_t r;
    while ((r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
        ;
    if (r < 0)
        return errno == ECONNRESET ? MP_EEOF : mp__posix_syserr("recvmsg");
    *nfds = 0;
    struct cmsghdr *cm = r > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
    if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
        size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        const unsigned char *data = CMSG_DATA(cm);
        for (size_t i = 0; i < n; i++) {
            int fd;
            memcpy(&fd, data + i * sizeof fd, sizeof fd);
            if (*nfds < maxfds)
                fds[(*nfds)++] = fd;
            else
                close(fd); /* more than the caller can take */
        }
    }
    int rc = r == 0 ? MP_EEOF : mp__posix_read_all(sock, (char *)buf + r, len - (size_t)r);
    for (size_t i = 0; rc < 0 && i < *nfds; i++)
        close(fds[i]);
    if (rc < 0)
        *nfds = 0;
    return rc;
}
