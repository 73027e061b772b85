/* Logging shared by the daemon, the tools and the guest driver. */
#ifndef VIVAC_COMMON_LOG_H
#define VIVAC_COMMON_LOG_H

enum vc_log_level { VC_LOG_ERROR = 0, VC_LOG_WARN = 1, VC_LOG_INFO = 2, VC_LOG_DEBUG = 3 };

/* Sets the threshold; messages above it are dropped. Default: VC_LOG_WARN,
 * or the VIVAC_LOG environment variable (error|warn|info|debug) if set. */
void vc_log_set_level(enum vc_log_level level);
/* Parses "error", "warn", "info", "debug"; returns -1 if unknown. */
int vc_log_parse_level(const char *name);
enum vc_log_level vc_log_get_level(void);
/* Prefix for every line ("vivacd", "vivac-driver", ...). */
void vc_log_set_prefix(const char *prefix);

/* Writes one line to stderr: "PREFIX: LEVEL: message". When stderr is the
 * systemd journal (JOURNAL_STREAM matches it) the line starts with the
 * syslog priority, "<3>" error to "<7>" debug, so `journalctl -p` works. */
void vc_log(enum vc_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define vc_error(...) vc_log(VC_LOG_ERROR, __VA_ARGS__)
#define vc_warn(...) vc_log(VC_LOG_WARN, __VA_ARGS__)
#define vc_info(...) vc_log(VC_LOG_INFO, __VA_ARGS__)
#define vc_debug(...) vc_log(VC_LOG_DEBUG, __VA_ARGS__)

#endif
