/*
 * The guest's view of a VM's shared region: the BAR2 of an ivshmem-plain
 * PCI device (1af4:1110), mapped through sysfs (resource2) without any
 * kernel module.  Needs read-write access to the resource2 file (root, or a
 * udev rule; docs/deployment.md).
 */
#ifndef VIVAC_GUEST_IVSHMEM_H
#define VIVAC_GUEST_IVSHMEM_H

#include <stdint.h>

#include "transport/arena.h"

/* Finds the device whose region starts with the vw_shm_header of `shm_id`
 * and maps [offset, offset + size) of it as *out (fd -1; release unmaps).
 * The PCI device directory is $VIVAC_PCI_DEVICES or /sys/bus/pci/devices.
 * -ENODEV if no such device, -errno otherwise. */
int vg_ivshmem_map(uint64_t shm_id, uint64_t offset, uint64_t size, struct vt_arena *out);

#endif
