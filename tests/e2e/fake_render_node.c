/*
 * Test-only LD_PRELOAD library: libva-drm takes /dev/null for a DRM render
 * node, so that vivacd's vaapi engine can open a VA display on a machine
 * without /dev/dri (vaapi_chain.sh). libva-drm asks libdrm what node an fd
 * is and gives up on anything but a DRM device; the driver the chain loads
 * (vivac's own, LIBVA_DRIVER_NAME=vivac) never touches the fd. Any other fd
 * gets libdrm's own answer.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#define DRM_NODE_RENDER 2 /* libdrm's enum value (xf86drm.h) */

__attribute__((visibility("default"))) int drmGetNodeTypeFromFd(int fd)
{
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
        return DRM_NODE_RENDER;
    int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "drmGetNodeTypeFromFd");
    return real ? real(fd) : -1;
}
