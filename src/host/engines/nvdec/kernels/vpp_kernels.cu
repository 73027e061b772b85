/* The CUDA entry points of vpp_kernels.h, built into PTX by clang
 * (meson.build): one thread per output position, 2-D grid. */
#include "vpp_kernels.h"

#define VK_GLOBAL extern "C" __attribute__((global))

VK_FN unsigned int vk_thread_x(void)
{
    return __nvvm_read_ptx_sreg_ctaid_x() * __nvvm_read_ptx_sreg_ntid_x() +
           __nvvm_read_ptx_sreg_tid_x();
}

VK_FN unsigned int vk_thread_y(void)
{
    return __nvvm_read_ptx_sreg_ctaid_y() * __nvvm_read_ptx_sreg_ntid_y() +
           __nvvm_read_ptx_sreg_tid_y();
}

VK_GLOBAL void vivac_vpp_scale(struct vk_scale a)
{
    vk_scale_at(&a, vk_thread_x(), vk_thread_y());
}

VK_GLOBAL void vivac_vpp_rgb(struct vk_rgb a)
{
    vk_rgb_at(&a, vk_thread_x(), vk_thread_y());
}
