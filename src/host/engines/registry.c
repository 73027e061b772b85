#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "host/engine.h"
#include "host/engines/engines.h"

/* `auto` tries these in order; hardware engines will go before sw. */
const struct vh_engine_ops *const vh_engine_registry[] = {
    &vh_engine_sw,
    NULL,
};

const struct vh_engine_ops *vh_engine_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; vh_engine_registry[i]; i++)
        if (strcmp(vh_engine_registry[i]->name, name) == 0)
            return vh_engine_registry[i];
    return NULL;
}

int vh_error_set(struct vh_error *err, int status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}
