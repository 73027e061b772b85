/* `vivac top`: how vivacd shares the engine between VMs, refreshed in
 * place like top(1), from its admin socket or metrics endpoint
 * (src/host/admin.h; the maths in metrics_rates.h). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "tools/admin_client.h"
#include "tools/metrics_rates.h"
#include "tools/vivac.h"

#define CLEAR_HOME "\033[H\033[2J"
#define NAME_WIDTH_MAX 24

static volatile sig_atomic_t quit_signal;
static struct termios saved_tty;
static bool tty_raw;

static void on_signal(int sig)
{
    quit_signal = sig;
}

static void top_usage(FILE *f)
{
    fprintf(f,
            "Usage: vivac top [--admin PATH | --metrics unix:PATH | --metrics [ADDR:]PORT]\n"
            "                 [--interval S] [--once]\n"
            "  one row per VM class: streams, frames/s, share of the engine, queue wait\n"
            "  p50/p99 over the interval, host and GPU memory, errors, weight, reserve\n"
            "  and limit (macroblocks/s); from the admin socket (default %s)\n"
            "  or the metrics endpoint of vivacd. Refreshes every S seconds (default 1);\n"
            "  q or Ctrl-C quits. --once: one frame over one interval, then exit.\n",
            vivac_default_admin_socket());
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Keys without Enter and without echo; signals (Ctrl-C) stay on. */
static void tty_enter_raw(void)
{
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tty) != 0)
        return;
    struct termios raw = saved_tty;
    raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
        tty_raw = true;
}

static void tty_restore(void)
{
    if (tty_raw)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
    tty_raw = false;
}

/* Waits until `deadline`; true if the user asked to quit meanwhile. */
static bool wait_until(double deadline)
{
    for (;;) {
        if (quit_signal)
            return true;
        double left = deadline - now_s();
        if (left <= 0)
            return false;
        struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
        int n = poll(&pfd, tty_raw ? 1 : 0, (int)ceil(left * 1000));
        if (n > 0) {
            char c;
            ssize_t got = read(STDIN_FILENO, &c, 1);
            if (got == 1 && (c == 'q' || c == 'Q' || c == 3))
                return true;
            if (got <= 0 && (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)))
                return true; /* the terminal is gone */
        }
    }
}

/* "-" for unknown; else v with a k/M suffix. */
static void fmt_rate(char *out, size_t size, double v)
{
    if (isnan(v) || v <= 0)
        snprintf(out, size, "-");
    else if (v >= 1e6)
        snprintf(out, size, "%.2fM", v / 1e6);
    else if (v >= 1e3)
        snprintf(out, size, "%.1fk", v / 1e3);
    else
        snprintf(out, size, "%.0f", v);
}

static void fmt_wait(char *out, size_t size, double s)
{
    if (isnan(s))
        snprintf(out, size, "-");
    else if (s < 0.001)
        snprintf(out, size, "%.0f us", s * 1e6);
    else
        snprintf(out, size, "%.1f ms", s * 1e3);
}

static void fmt_num(char *out, size_t size, const char *format, double v)
{
    if (isnan(v))
        snprintf(out, size, "-");
    else
        snprintf(out, size, format, v);
}

static double sum_or_zero(double acc, double v)
{
    return isnan(v) ? acc : acc + v;
}

/* One frame into f. */
static void clock_now(char *out, size_t size)
{
    time_t t = time(NULL);
    struct tm tm;
    strftime(out, size, "%H:%M:%S", localtime_r(&t, &tm));
}

/* The frame while the daemon does not answer. */
static void render_problem(FILE *f, const char *source, const char *problem)
{
    char clock[16];
    clock_now(clock, sizeof(clock));
    fprintf(f, "vivac top  %s  %s\n%s\n", clock, source, problem);
}

static void render(FILE *f, const char *source, double seconds, const struct vivac_sample *cur,
                   const struct vivac_vm_rates *rows)
{
    char clock[16];
    clock_now(clock, sizeof(clock));
    double streams = 0, fps = 0, errors = 0, errors_total = 0, mem = 0, gpu = 0;
    double queued = 0, in_flight = 0;
    for (size_t i = 0; i < cur->num_vms; i++) {
        streams = sum_or_zero(streams, rows[i].streams);
        fps = sum_or_zero(fps, rows[i].frames_per_s);
        errors = sum_or_zero(errors, rows[i].errors_delta);
        errors_total = sum_or_zero(errors_total, rows[i].errors_total);
        mem = sum_or_zero(mem, rows[i].memory);
        gpu = sum_or_zero(gpu, rows[i].gpu_memory);
        queued = sum_or_zero(queued, cur->vms[i].queued);
        in_flight = sum_or_zero(in_flight, cur->vms[i].in_flight);
    }
    char slots[24], workers[24];
    fmt_num(slots, sizeof(slots), "%.0f", cur->engine_slots);
    fmt_num(workers, sizeof(workers), "%.0f", cur->workers);
    fprintf(f, "vivac top  %s  %s  over %.2f s\n", clock, source, seconds);
    fprintf(f,
            "engine slots %s  workers %s  VMs %zu  streams %.0f  frames/s %.1f  queued %.0f  "
            "in flight %.0f  errors %.0f (total %.0f)  memory %.0f MiB  GPU %.0f MiB\n",
            slots, workers, cur->num_vms, streams, fps, queued, in_flight, errors, errors_total,
            mem / 1048576, gpu / 1048576);
    if (cur->malformed)
        fprintf(f, "(%zu malformed metrics lines skipped)\n", cur->malformed);
    else
        fprintf(f, "\n");

    int w = 2;
    for (size_t i = 0; i < cur->num_vms; i++)
        if ((int)strlen(rows[i].name) > w)
            w = (int)strlen(rows[i].name);
    if (w > NAME_WIDTH_MAX)
        w = NAME_WIDTH_MAX;
    fprintf(f, "%-*s %7s %9s %6s %9s %9s %8s %8s %12s %6s %9s %9s\n", w, "VM", "STREAMS",
            "FRAMES/S", "SHARE", "WAIT p50", "WAIT p99", "MEM MiB", "GPU MiB", "ERRORS/TOTAL",
            "WEIGHT", "RESERVE/s", "LIMIT/s");
    for (size_t i = 0; i < cur->num_vms; i++) {
        const struct vivac_vm_rates *r = &rows[i];
        char st[16], fr[16], sh[16], p50[16], p99[16], m[16], g[16], er[32], wt[16], rs[16],
            lm[16];
        fmt_num(st, sizeof(st), "%.0f", r->streams);
        fmt_num(fr, sizeof(fr), "%.1f", r->frames_per_s);
        fmt_num(sh, sizeof(sh), "%.1f%%", r->share * 100);
        fmt_wait(p50, sizeof(p50), r->wait_p50);
        fmt_wait(p99, sizeof(p99), r->wait_p99);
        fmt_num(m, sizeof(m), "%.1f", r->memory / 1048576);
        fmt_num(g, sizeof(g), "%.1f", r->gpu_memory / 1048576);
        if (isnan(r->errors_total))
            snprintf(er, sizeof(er), "-");
        else
            snprintf(er, sizeof(er), "%.0f/%.0f", r->errors_delta, r->errors_total);
        fmt_num(wt, sizeof(wt), "%g", r->weight);
        fmt_rate(rs, sizeof(rs), r->reserve);
        fmt_rate(lm, sizeof(lm), r->limit);
        fprintf(f, "%-*.*s %7s %9s %6s %9s %9s %8s %8s %12s %6s %9s %9s\n", w, w, r->name, st, fr,
                sh, p50, p99, m, g, er, wt, rs, lm);
    }
    if (cur->num_vms == 0)
        fprintf(f, "(no VM class yet)\n");
}

/* Writes a frame: on a terminal over the last one, cut to its size;
 * otherwise after it. */
static void show(const char *frame, size_t len, bool in_place)
{
    if (!in_place) {
        fwrite(frame, 1, len, stdout);
        fputc('\n', stdout);
        fflush(stdout);
        return;
    }
    struct winsize ws = {0};
    int cols = 0, lines = 0;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) {
        cols = ws.ws_col;
        lines = ws.ws_row;
    }
    fputs(CLEAR_HOME, stdout);
    const char *p = frame, *end = frame + len;
    for (int n = 0; p < end && (lines <= 0 || n < lines - 1); n++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = (size_t)((nl ? nl : end) - p);
        fwrite(p, 1, cols > 0 && l > (size_t)cols ? (size_t)cols : l, stdout);
        fputc('\n', stdout);
        p = nl ? nl + 1 : end;
    }
    fflush(stdout);
}

static int fetch(const struct vivac_metrics_source *src, struct vivac_sample *out, char *why,
                 size_t why_size)
{
    char *text = NULL;
    size_t len = 0;
    int err = vivac_metrics_fetch(src, &text, &len, why, why_size);
    if (err)
        return err;
    err = vivac_sample_parse(text, len, out);
    free(text);
    if (err)
        snprintf(why, why_size, "out of memory");
    return err;
}

static int parse_args(int argc, char **argv, struct vivac_metrics_source *src, double *interval,
                      bool *once)
{
    static const struct option options[] = {
        {"admin", required_argument, NULL, 'a'},
        {"metrics", required_argument, NULL, 'm'},
        {"interval", required_argument, NULL, 'i'},
        {"once", no_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool have_source = false;
    *src = (struct vivac_metrics_source){.via = VIVAC_VIA_ADMIN};
    snprintf(src->path, sizeof(src->path), "%s", vivac_default_admin_socket());
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "a:m:i:oh", options, NULL)) != -1) {
        char *end;
        switch (opt) {
        case 'a':
        case 'm':
            if (have_source) {
                fprintf(stderr, "vivac top: one of --admin or --metrics\n");
                return 2;
            }
            have_source = true;
            if (opt == 'm' && vivac_metrics_source_parse(optarg, src) != 0) {
                fprintf(stderr, "vivac top: --metrics %s: not unix:PATH or [ADDR:]PORT\n",
                        optarg);
                return 2;
            }
            if (opt == 'a' && strlen(optarg) >= sizeof(src->path)) {
                fprintf(stderr, "vivac top: --admin: path too long\n");
                return 2;
            }
            if (opt == 'a')
                snprintf(src->path, sizeof(src->path), "%s", optarg);
            break;
        case 'i':
            *interval = strtod(optarg, &end);
            if (*end || !(*interval >= 0.05 && *interval <= 3600)) {
                fprintf(stderr, "vivac top: --interval %s: seconds from 0.05 to 3600\n", optarg);
                return 2;
            }
            break;
        case 'o':
            *once = true;
            break;
        case 'h':
            top_usage(stdout);
            return 1;
        default:
            top_usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        top_usage(stderr);
        return 2;
    }
    return 0;
}

int vivac_cmd_top(int argc, char **argv)
{
    struct vivac_metrics_source src;
    double interval = 1;
    bool once = false;
    int rc = parse_args(argc, argv, &src, &interval, &once);
    if (rc)
        return rc == 1 ? 0 : rc;
    char source[400], why[512];
    vivac_metrics_source_name(&src, source, sizeof(source));

    struct vivac_sample prev, cur;
    if (fetch(&src, &prev, why, sizeof(why)) != 0) {
        fprintf(stderr, "vivac top: %s\n", why);
        return 1;
    }
    double t_prev = now_s();
    bool in_place = !once && isatty(STDOUT_FILENO);

    struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    if (!once)
        tty_enter_raw();

    rc = 0;
    struct vivac_vm_rates *rows = NULL;
    while (!wait_until(t_prev + interval)) {
        char *frame = NULL;
        size_t frame_len = 0;
        FILE *f = open_memstream(&frame, &frame_len);
        if (!f) {
            rc = 1;
            break;
        }
        if (fetch(&src, &cur, why, sizeof(why)) != 0) {
            /* The daemon may come back: say so and keep trying. */
            char problem[600];
            snprintf(problem, sizeof(problem), "cannot fetch: %s", why);
            render_problem(f, source, problem);
            fclose(f);
            show(frame, frame_len, in_place);
            free(frame);
            if (once) {
                fprintf(stderr, "vivac top: %s\n", why);
                rc = 1;
                break;
            }
            t_prev = now_s();
            continue;
        }
        double t_cur = now_s();
        struct vivac_vm_rates *more = realloc(rows, (cur.num_vms + 1) * sizeof(*rows));
        if (!more) {
            fclose(f);
            free(frame);
            vivac_sample_free(&cur);
            rc = 1;
            break;
        }
        rows = more;
        vivac_rates(&prev, &cur, t_cur - t_prev, rows);
        render(f, source, t_cur - t_prev, &cur, rows);
        fclose(f);
        show(frame, frame_len, in_place);
        free(frame);
        vivac_sample_free(&prev);
        prev = cur;
        t_prev = t_cur;
        if (once)
            break;
    }
    tty_restore();
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    free(rows);
    vivac_sample_free(&prev);
    return rc;
}
