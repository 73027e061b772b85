#include "common/log.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int level_from_env(void)
{
    const char *env = getenv("VIVAC_LOG");
    int level = env ? vc_log_parse_level(env) : -1;
    return level < 0 ? VC_LOG_WARN : level;
}

/* Whether stderr is the journal: systemd sets JOURNAL_STREAM to the
 * "device:inode" of the stream it connects to stderr (and stdout); a
 * process whose stderr was redirected since keeps the variable but not the
 * stream, so both must match (as sd_journal_stream_fd(3) says). */
static bool stderr_is_journal(void)
{
    const char *env = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    char end;
    struct stat st;
    if (!env || sscanf(env, "%llu:%llu%c", &dev, &ino, &end) != 2 ||
        fstat(STDERR_FILENO, &st) != 0)
        return false;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static enum vc_log_level current_level = VC_LOG_WARN;
static const char *current_prefix = "vivac";
static bool to_journal;

static void init_level(void)
{
    current_level = (enum vc_log_level)level_from_env();
    to_journal = stderr_is_journal();
}

int vc_log_parse_level(const char *name)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

void vc_log_set_level(enum vc_log_level level)
{
    pthread_once(&init_once, init_level);
    current_level = level;
}

enum vc_log_level vc_log_get_level(void)
{
    pthread_once(&init_once, init_level);
    return current_level;
}

void vc_log_set_prefix(const char *prefix)
{
    current_prefix = prefix;
}

void vc_log(enum vc_log_level level, const char *fmt, ...)
{
    static const char *const tags[] = {"error", "warning", "info", "debug"};
    /* syslog priorities (LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG): the
     * journal reads a leading "<N>" as the line's priority. */
    static const char *const priorities[] = {"<3>", "<4>", "<6>", "<7>"};
    if (level > vc_log_get_level())
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* One fprintf per line so that lines from several threads do not mix. */
    fprintf(stderr, "%s%s: %s: %s\n", to_journal ? priorities[level] : "", current_prefix,
            tags[level], line);
}
