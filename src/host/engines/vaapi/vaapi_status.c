/* VAStatus -> vh_error: the one place the engine maps libva's statuses. */
#include "host/engines/vaapi/vaapi_internal.h"

int vaapi_error(struct vh_error *err, VAStatus st, int fallback, const char *call)
{
    int status;
    switch (st) {
    case VA_STATUS_ERROR_ALLOCATION_FAILED:
        status = VW_ERR_NO_MEMORY;
        break;
    case VA_STATUS_ERROR_UNSUPPORTED_PROFILE:
        status = VW_ERR_UNSUPPORTED_PROFILE;
        break;
    case VA_STATUS_ERROR_UNSUPPORTED_ENTRYPOINT:
        status = VW_ERR_UNSUPPORTED_ENTRYPOINT;
        break;
    case VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT:
        status = VW_ERR_UNSUPPORTED_FORMAT;
        break;
    case VA_STATUS_ERROR_RESOLUTION_NOT_SUPPORTED:
        status = VW_ERR_RESOLUTION;
        break;
    case VA_STATUS_ERROR_DECODING_ERROR:
        status = VW_ERR_DECODE;
        break;
    default:
        status = fallback;
    }
    return vh_error_set(err, status, "vaapi: %s: %s (VA status %d)", call, vaErrorStr(st), st);
}
