/* Builds without clang for CUDA: no kernels, video processing is sw's. */
#include <stddef.h>

const char *const nvdec_vpp_ptx = NULL;
