/*
 * The client side of vivacd's admin socket and metrics endpoint
 * (src/host/admin.h), for `vivac set` and `vivac top`: one request per
 * connection, the reply read to the end. Every call gives up after
 * VIVAC_ADMIN_TIMEOUT_S without progress, so a stuck daemon cannot hang
 * the tool.
 */
#ifndef VIVAC_TOOLS_ADMIN_CLIENT_H
#define VIVAC_TOOLS_ADMIN_CLIENT_H

#include <stddef.h>

#define VIVAC_ADMIN_TIMEOUT_S 5
#define VIVAC_ADMIN_REPLY_MAX (16u << 20)

/* Where metrics come from. */
enum vivac_metrics_via {
    VIVAC_VIA_ADMIN,                  /* "metrics\n" on the admin socket */
    VIVAC_VIA_HTTP_UNIX,              /* GET /metrics on a Unix socket */
    VIVAC_VIA_HTTP_TCP,               /* GET /metrics on host:port */
};

struct vivac_metrics_source {
    enum vivac_metrics_via via;
    char path[108];                   /* the socket (ADMIN, HTTP_UNIX) */
    char host[256], port[8];          /* HTTP_TCP */
};

/* The admin socket a client uses by default, where vivacd puts it by
 * default: admin.sock beside $VIVAC_SOCKET if set, else
 * VIVAC_DEFAULT_ADMIN_SOCKET. */
const char *vivac_default_admin_socket(void);

/* Sends `line` (with its '\n') to the admin socket at path and reads the
 * reply into *reply (NUL-terminated, malloc'ed; *len without the NUL).
 * 0, or -errno with a sentence for the operator in why (a missing socket,
 * one nobody listens on, one the caller may not open, a timeout). */
int vivac_admin_request(const char *path, const char *line, char **reply, size_t *len,
                        char *why, size_t why_size);

/* One request of a command (`vivac set`, `vivac reload`): sends line to
 * the admin socket at path; prints an "ok ..." reply on stdout (returns
 * 0), an "error: ..." reply or a failure to reach the daemon on stderr,
 * prefixed with tool where it is ours (returns 1). */
int vivac_admin_command(const char *tool, const char *path, const char *line);

/* Reads a --metrics argument: "unix:PATH" or "[ADDR:]PORT" (ADDR default
 * 127.0.0.1; "[v6addr]:PORT" too). 0 or -EINVAL. */
int vivac_metrics_source_parse(const char *spec, struct vivac_metrics_source *src);

/* The metrics text from src, as vivac_admin_request gives a reply (the
 * HTTP headers stripped; a status other than 200, or an "error: ..."
 * from the admin socket, is an error in why). */
int vivac_metrics_fetch(const struct vivac_metrics_source *src, char **text, size_t *len,
                        char *why, size_t why_size);

/* "the admin socket PATH" / "the metrics endpoint ..." for messages. */
void vivac_metrics_source_name(const struct vivac_metrics_source *src, char *out, size_t size);

#endif
