/* Talking to vivacd's admin socket and metrics endpoint (admin_client.h). */
#include "tools/admin_client.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "transport/channel.h"
#include "vivac_config.h"

const char *vivac_default_admin_socket(void)
{
    /* vivacd's default is admin.sock beside its --socket, which defaults
     * to $VIVAC_SOCKET: follow the same variable. */
    static char beside[PATH_MAX];
    const char *sock = getenv("VIVAC_SOCKET");
    const char *slash = sock ? strrchr(sock, '/') : NULL;
    if (!sock || !*sock)
        return VIVAC_DEFAULT_ADMIN_SOCKET;
    if (!slash)
        return "./admin.sock";
    snprintf(beside, sizeof(beside), "%.*s/admin.sock", (int)(slash - sock),
             sock);
    return beside;
}

/* Bounds every later send, receive (and, on Linux, connect) of fd. */
static void set_timeouts(int fd)
{
    struct timeval tv = {.tv_sec = VIVAC_ADMIN_TIMEOUT_S};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Why connecting to `what` failed, in words an operator can act on. */
static void connect_why(int err, const char *what, const char *hint, char *why, size_t size)
{
    switch (-err) {
    case ENOENT:
        snprintf(why, size, "no socket at %s (%s)", what, hint);
        break;
    case ECONNREFUSED:
        snprintf(why, size, "nothing listens on %s (vivacd is not running)", what);
        break;
    case EACCES:
    case EPERM:
        snprintf(why, size,
                 "permission denied on %s: it is for the daemon's user and root only; "
                 "run as one of them",
                 what);
        break;
    case EAGAIN:
    case ETIMEDOUT:
        snprintf(why, size, "%s did not answer within %d s", what, VIVAC_ADMIN_TIMEOUT_S);
        break;
    default:
        snprintf(why, size, "cannot connect to %s: %s", what, strerror(-err));
    }
}

static int send_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads until the peer closes; NUL-terminates. */
static int recv_all(int fd, char **out, size_t *out_len)
{
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    if (!buf)
        return -ENOMEM;
    for (;;) {
        if (cap - len < 2) {
            if (cap >= VIVAC_ADMIN_REPLY_MAX) {
                free(buf);
                return -EFBIG;
            }
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                return -ENOMEM;
            }
            buf = bigger;
            cap *= 2;
        }
        ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = -errno;
            free(buf);
            return err == -EWOULDBLOCK ? -EAGAIN : err;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return 0;
}

/* Sends request on a connected fd (which it closes) and reads the reply. */
static int exchange(int fd, const char *what, const char *request, char **reply, size_t *len,
                    char *why, size_t why_size)
{
    int err = send_all(fd, request, strlen(request));
    if (!err)
        err = recv_all(fd, reply, len);
    close(fd);
    if (err == -EAGAIN)
        snprintf(why, why_size, "%s did not answer within %d s", what, VIVAC_ADMIN_TIMEOUT_S);
    else if (err == -EFBIG)
        snprintf(why, why_size, "the reply of %s is over %u MiB", what,
                 VIVAC_ADMIN_REPLY_MAX >> 20);
    else if (err)
        snprintf(why, why_size, "talking to %s: %s", what, strerror(-err));
    return err;
}

static int unix_request(const char *path, const char *hint, const char *request, char **reply,
                        size_t *len, char *why, size_t why_size)
{
    int fd = -1;
    int err = vt_unix_connect_fd(path, &fd);
    if (err) {
        connect_why(err, path, hint, why, why_size);
        return err;
    }
    set_timeouts(fd);
    return exchange(fd, path, request, reply, len, why, why_size);
}

int vivac_admin_request(const char *path, const char *line, char **reply, size_t *len,
                        char *why, size_t why_size)
{
    char hint[200];
    snprintf(hint, sizeof(hint), "is vivacd running with --admin %s?", path);
    return unix_request(path, hint, line, reply, len, why, why_size);
}

int vivac_metrics_source_parse(const char *spec, struct vivac_metrics_source *src)
{
    memset(src, 0, sizeof(*src));
    if (strncmp(spec, "unix:", 5) == 0) {
        src->via = VIVAC_VIA_HTTP_UNIX;
        if (!spec[5] || strlen(spec + 5) >= sizeof(src->path))
            return -EINVAL;
        snprintf(src->path, sizeof(src->path), "%s", spec + 5);
        return 0;
    }
    src->via = VIVAC_VIA_HTTP_TCP;
    const char *port = spec, *host = "127.0.0.1";
    size_t host_len = strlen(host);
    if (spec[0] == '[') { /* [v6addr]:PORT */
        const char *close_br = strchr(spec, ']');
        if (!close_br || close_br[1] != ':')
            return -EINVAL;
        host = spec + 1;
        host_len = (size_t)(close_br - host);
        port = close_br + 2;
    } else if (strrchr(spec, ':')) {
        host = spec;
        host_len = (size_t)(strrchr(spec, ':') - spec);
        port = host + host_len + 1;
    }
    char *end;
    long p = strtol(port, &end, 10);
    if (!*port || *end || p < 1 || p > 65535 || host_len == 0 || host_len >= sizeof(src->host))
        return -EINVAL;
    memcpy(src->host, host, host_len);
    src->host[host_len] = '\0';
    snprintf(src->port, sizeof(src->port), "%ld", p);
    return 0;
}

void vivac_metrics_source_name(const struct vivac_metrics_source *src, char *out, size_t size)
{
    switch (src->via) {
    case VIVAC_VIA_ADMIN:
        snprintf(out, size, "admin %s", src->path);
        break;
    case VIVAC_VIA_HTTP_UNIX:
        snprintf(out, size, "metrics unix:%s", src->path);
        break;
    case VIVAC_VIA_HTTP_TCP:
        snprintf(out, size, strchr(src->host, ':') ? "metrics [%s]:%s" : "metrics %s:%s",
                 src->host, src->port);
        break;
    }
}

static int tcp_connect(const struct vivac_metrics_source *src, int *fd_out, char *why,
                       size_t why_size)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(src->host, src->port, &hints, &res);
    if (gai) {
        snprintf(why, why_size, "cannot resolve %s: %s", src->host, gai_strerror(gai));
        return -EHOSTUNREACH;
    }
    int err = -ECONNREFUSED;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            err = -errno;
            continue;
        }
        set_timeouts(fd);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            *fd_out = fd;
            freeaddrinfo(res);
            return 0;
        }
        err = errno == EINPROGRESS ? -ETIMEDOUT : -errno;
        close(fd);
    }
    freeaddrinfo(res);
    char what[300];
    vivac_metrics_source_name(src, what, sizeof(what));
    connect_why(err, what, "", why, why_size);
    return err;
}

/* Strips an HTTP/1.x reply down to its body; anything but 200 is an error. */
static int http_body(char *reply, size_t *len, char *why, size_t why_size)
{
    int status = 0;
    if (sscanf(reply, "HTTP/1.%*[01] %d", &status) != 1) {
        snprintf(why, why_size, "not an HTTP reply: \"%.40s\"", reply);
        return -EPROTO;
    }
    char *body = strstr(reply, "\r\n\r\n");
    size_t skip = 4;
    if (!body) {
        body = strstr(reply, "\n\n");
        skip = 2;
    }
    if (status != 200 || !body) {
        char *eol = strpbrk(reply, "\r\n");
        snprintf(why, why_size, "HTTP %.*s", eol ? (int)(eol - reply) : 60, reply);
        return -EPROTO;
    }
    body += skip;
    *len -= (size_t)(body - reply);
    memmove(reply, body, *len + 1);
    return 0;
}

int vivac_metrics_fetch(const struct vivac_metrics_source *src, char **text, size_t *len,
                        char *why, size_t why_size)
{
    static const char get[] =
        "GET /metrics HTTP/1.0\r\nHost: localhost\r\nAccept: text/plain\r\n\r\n";
    int err;
    switch (src->via) {
    case VIVAC_VIA_ADMIN:
        err = vivac_admin_request(src->path, "metrics\n", text, len, why, why_size);
        if (!err && strncmp(*text, "error:", 6) == 0) {
            snprintf(why, why_size, "%s: %.*s", src->path, (int)strcspn(*text, "\n"), *text);
            free(*text);
            *text = NULL;
            return -EPROTO;
        }
        return err;
    case VIVAC_VIA_HTTP_UNIX:
        err = unix_request(src->path, "is vivacd running with --metrics unix:PATH?", get, text,
                           len, why, why_size);
        break;
    case VIVAC_VIA_HTTP_TCP: {
        int fd = -1;
        err = tcp_connect(src, &fd, why, why_size);
        if (!err) {
            char what[300];
            vivac_metrics_source_name(src, what, sizeof(what));
            err = exchange(fd, what, get, text, len, why, why_size);
        }
        break;
    }
    default:
        return -EINVAL;
    }
    if (!err && (err = http_body(*text, len, why, why_size)) != 0) {
        free(*text);
        *text = NULL;
    }
    return err;
}

int vivac_admin_command(const char *tool, const char *path, const char *line)
{
    char *reply = NULL, why[512];
    size_t len = 0;
    if (vivac_admin_request(path, line, &reply, &len, why, sizeof(why))) {
        fprintf(stderr, "%s: %s\n", tool, why);
        return 1;
    }
    reply[strcspn(reply, "\n")] = '\0';
    int rc = 1;
    if (strncmp(reply, "ok", 2) == 0 && (reply[2] == ' ' || !reply[2])) {
        printf("%s\n", reply);
        rc = 0;
    } else if (strncmp(reply, "error:", 6) == 0) {
        fprintf(stderr, "%s\n", reply);
    } else {
        fprintf(stderr, "%s: unexpected reply from %s: \"%.200s\"\n", tool, path, reply);
    }
    free(reply);
    return rc;
}
