#include "common/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int level_from_env(void)
{
    const char *env = getenv("VIVAC_LOG");
    int level = env ? vc_log_parse_level(env) : -1;
    return level < 0 ? VC_LOG_WARN : level;
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static enum vc_log_level current_level = VC_LOG_WARN;
static const char *current_prefix = "vivac";

static void init_level(void)
{
    current_level = (enum vc_log_level)level_from_env();
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
    if (level > vc_log_get_level())
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* One fprintf per line so that lines from several threads do not mix. */
    fprintf(stderr, "%s: %s: %s\n", current_prefix, tags[level], line);
}
