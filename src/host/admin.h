/*
 * The supervisor's admin socket and metrics endpoint: how an operator sees
 * and steers the sharing of the engine while vivacd runs.
 *
 * Admin socket (--admin PATH, default admin.sock in the directory of the
 * daemon's --socket: VIVAC_DEFAULT_ADMIN_SOCKET for the default socket;
 * mode 0600: the daemon's user and root only): a Unix stream socket, one request per
 * connection, one line of text in, the reply out, then closed:
 *   "set CLASS KEY=VALUE[,KEY=VALUE...]\n"  (qos_policy.h: weight, reserve,
 *        limit) -> "ok CLASS weight=W reserve=R/s limit=L/s\n" (R, L: "-"
 *        for none), in force for CLASS's next picture;
 *   "metrics\n" -> the metrics text below;
 *   "reload\n" -> reads the VM files again (vm_set.h): "ok reloaded: N added,
 *        N removed, N changed, N unchanged\n", or "error: FILE:LINE: REASON\n"
 *        and nothing changed;
 *   anything else -> "error: REASON\n".
 * CLASS: a VM's name, "local" (the Unix socket's clients) or "cid:N".
 *
 * Metrics endpoint (--metrics unix:PATH or --metrics [ADDR:]PORT, ADDR
 * default 127.0.0.1; off by default): HTTP/1.0, GET /metrics answers the
 * Prometheus text exposition format (version 0.0.4):
 *   vivac_engine_slots                          gauge
 *   vivac_workers                               gauge
 * and per class, label vm="CLASS":
 *   vivac_vm_weight                             gauge
 *   vivac_vm_reservation_macroblocks_per_second gauge (0: none)
 *   vivac_vm_limit_macroblocks_per_second       gauge (0: none)
 *   vivac_vm_streams                            gauge (connections now)
 *   vivac_vm_queued_pictures                    gauge
 *   vivac_vm_in_flight_pictures                 gauge
 *   vivac_vm_pictures_total                     counter (decoded, ok or not)
 *   vivac_vm_decode_errors_total                counter
 *   vivac_vm_reserved_pictures_total            counter (granted on the reservation)
 *   vivac_vm_macroblocks_total                  counter (cost units granted)
 *   vivac_vm_engine_seconds_total               counter
 *   vivac_vm_queue_wait_seconds                 histogram (_bucket{le=...}, _sum, _count)
 *   vivac_vm_memory_bytes                       gauge (host memory charged)
 *   vivac_vm_gpu_memory_bytes                   gauge (GPU memory charged)
 *
 * Threads: a thread of its own accepts and talks to admin and metrics
 * clients (a slow one never holds up the supervisor's loop); it hands each
 * request to the loop through vh_admin_pending/vh_admin_answer, which read
 * and change the scheduler and the pool on the loop's thread.
 */
#ifndef VIVAC_HOST_ADMIN_H
#define VIVAC_HOST_ADMIN_H

#include <stddef.h>

struct vh_admin;
struct vh_pool;
struct vh_sched;
struct vh_vm_set;

struct vh_admin_config {
    const char *admin_path;       /* NULL: no admin socket */
    const char *metrics;          /* "unix:PATH", "[ADDR:]PORT"; NULL: off */
};

/* Listens and starts the thread. 0, or -errno with the reason in why. */
int vh_admin_start(const struct vh_admin_config *config, struct vh_admin **out, char *why,
                   size_t why_size);
/* Stops the thread, closes and removes the sockets; accepts NULL. */
void vh_admin_stop(struct vh_admin **admin);

/* For the supervisor's poll loop: an eventfd readable when a request
 * waits (-1 without admin); then vh_admin_answer answers it there. */
int vh_admin_fd(const struct vh_admin *admin);
void vh_admin_answer(struct vh_admin *admin, struct vh_sched *sched, struct vh_pool *pool,
                     struct vh_vm_set *vms);

#endif
